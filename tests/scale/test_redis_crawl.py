"""Two crawler processes share one crawl through a real redis-server (``xxgknb crawl --redis``).

Each process writes its own data directory; their WARC files are put side by side and
``xxgknb build`` makes one corpus of them.  Every report of the sample portal must be fetched
exactly once across both processes, and be in the corpus.
"""

from __future__ import annotations

import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import redis

from archive.warc import iter_records
from xxgknb.sample_portal import SamplePortal

CLI = [sys.executable, "-c", "from xxgknb.cli import cli; cli()"]
REDIS_SERVER = shutil.which("redis-server")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(REDIS_SERVER is None, reason="Debian's redis-server is not installed (run.sh)"),
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def redis_url(tmp_path):
    port = _free_port()
    server = subprocess.Popen(
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(tmp_path), "--save", "",
         "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + 20
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise RuntimeError("redis-server did not start") from None
            time.sleep(0.05)
    yield url
    server.terminate()
    server.wait(timeout=10)


def _fetches(data: Path) -> Counter:
    """Successful responses per (URL, role) in one process's WARC files."""
    counts: Counter = Counter()
    for path in sorted((data / "warc").rglob("*.warc.gz")):
        for record in iter_records(path):
            if record.type == "response" and record.http_status == 200:
                counts[(record.url, record.xheader("Role"))] += 1
    return counts


def test_two_processes_fetch_every_report_exactly_once(tmp_path, redis_url):
    with SamplePortal(seed=0, multi_host=True) as portal:
        manifest = portal.manifest
        starts = [arg for site in portal.sites for arg in ("--url", site["start_url"])]
        processes = {}
        for name in ("a", "b"):
            command = [*CLI, "crawl", *starts, "--data", str(tmp_path / name), "--no-politeness", "--no-build",
                       "--quiet", "--redis", redis_url]
            processes[name] = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for name, process in processes.items():
            out, err = process.communicate(timeout=150)
            assert process.returncode == 0, f"crawler {name} failed:\n{out}\n{err[-3000:]}"

    per_process = {name: _fetches(tmp_path / name) for name in processes}
    both = per_process["a"] + per_process["b"]
    fetched = Counter()
    for (url, role), n in both.items():
        # Each process fetches its start and gateway pages (Scrapy never filters start requests).
        if role not in ("start", "robots"):
            fetched[url] += n
    report_urls = [r["url"] for r in manifest["reports"] if not r["removed"]]
    assert len(report_urls) > 20
    assert {url: fetched[url] for url in report_urls if fetched[url] != 1} == {}
    # Every list page and report candidate once: the processes shared one queue and one filter.
    assert {url: n for url, n in fetched.items() if n > 1} == {}
    assert sum(1 for (_url, role) in both if role == "list") > 10

    merged = tmp_path / "merged"
    for name in processes:
        shutil.copytree(tmp_path / name / "warc", merged / "warc", dirs_exist_ok=True)
    built = subprocess.run([*CLI, "build", "--data", str(merged), "--quiet"], capture_output=True, text=True,
                           timeout=150)
    assert built.returncode == 0, built.stderr[-3000:]
    db = sqlite3.connect(merged / "corpus.db")
    try:
        stored = {row[0]: row[1] for row in db.execute("SELECT url, gone FROM reports")}
    finally:
        db.close()
    assert sorted(url for url in report_urls if url not in stored) == []
    # The two end-of-crawl listings are one crawl's listing: nothing is marked gone.
    assert {url: gone for url, gone in stored.items() if gone} == {}
