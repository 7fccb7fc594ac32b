"""``xxgknb demo``: sample portal → crawl → build → Datasette, in one command."""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.request

import pytest
from crawl_test_helpers import CLI, query


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.slow
def test_demo_crawls_builds_and_serves(tmp_path):
    port, portal_port = _free_port(), _free_port()
    log = tmp_path / "demo.log"
    with open(log, "w") as output:
        process = subprocess.Popen(
            [*CLI, "demo", "--data", str(tmp_path / "data"), "--port", str(port), "--portal-port", str(portal_port)],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and process.poll() is None:
            if f"Serving with Datasette at {url}" in log.read_text():
                try:
                    with urllib.request.urlopen(
                        url + "corpus/reports.json?_shape=array&_size=max", timeout=5
                    ) as reply:
                        rows = json.loads(reply.read())
                    break
                except OSError:
                    pass
            time.sleep(0.5)
        else:
            pytest.fail(f"demo did not serve in time:\n{log.read_text()[-3000:]}")
    finally:
        process.terminate()
        process.wait(timeout=30)
    text = log.read_text()
    for step in ("[1/4] Sample portal", "[2/4] Crawling", "[3/4] Building", "[4/4] Corpus ready"):
        assert step in text
    stored = query(tmp_path / "data", "SELECT count(*), count(DISTINCT portal_id) FROM reports")
    assert stored == [(len(rows), 6)]
    assert len(rows) >= 50
