"""One real crawl of the fault site, shared by the fault tests of this directory.

The sample portal runs with ``faults=True`` on 127.0.0.1; ``xxgknb``'s crawler (Scrapy, in a
subprocess: Twisted's reactor cannot restart in pytest's process) crawls the ``faults`` site and
the four ``waf-*`` sites with small limits so that every fault resolves in seconds, then
``xxgknb build`` turns the archive into the corpus.  Nothing is mocked.
"""

from __future__ import annotations

import subprocess
import time

import pytest
from faults_test_helpers import BUILD_MEMORY_MB, BUILD_TIME_LIMIT, CLI, CRAWL_SETTINGS, run_crawl_subprocess

from xxgknb.sample_portal import SamplePortal


@pytest.fixture(scope="module")
def fault_crawl(tmp_path_factory):
    """(manifest, request log, data directory, crawl seconds) after crawling and building the fault sites."""
    data = tmp_path_factory.mktemp("faults") / "data"
    # One loopback address per site: a challenged host is stopped for the whole run, so the WAF
    # sites must not share the fault site's host.
    with SamplePortal(port=0, seed=0, faults=True, multi_host=True, stall_seconds=8.0) as portal:
        manifest = portal.manifest
        targets = [
            {"start_url": site["start_url"], "portal_id": site["id"]}
            for site in portal.sites
            if site["cms"] in ("faults", "waf")
        ]
        started = time.monotonic()
        result = run_crawl_subprocess(targets, data, CRAWL_SETTINGS)
        seconds = time.monotonic() - started
        log = portal.request_log
    assert result.returncode == 0, f"crawl failed:\n{result.stdout}\n{result.stderr[-4000:]}"
    build = subprocess.run(
        [*CLI, "build", "--data", str(data), "--quiet", "--time-limit", str(BUILD_TIME_LIMIT),
         "--memory-limit", str(BUILD_MEMORY_MB)],
        capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert build.returncode == 0, f"build failed:\n{build.stdout}\n{build.stderr[-4000:]}"
    return {"manifest": manifest, "log": log, "data": data, "seconds": seconds, "crawl_output": result.stderr}
