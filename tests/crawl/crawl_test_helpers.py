"""Helpers of the crawler tests: real Scrapy, over HTTP, against the sample portal on 127.0.0.1.

``xxgknb crawl`` runs in a subprocess because Twisted's reactor cannot be restarted inside the
pytest process (and the kill test needs a process to kill anyway).  Politeness delays are off
(``--no-politeness``); robots.txt is still obeyed.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from xxgknb.sample_portal import SamplePortal

CLI = [sys.executable, "-c", "from xxgknb.cli import cli; cli()"]


def xxgknb(*args: str, timeout: float = 240) -> subprocess.CompletedProcess:
    result = subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"xxgknb {' '.join(args)} failed:\n{result.stdout}\n{result.stderr[-4000:]}"
    return result


def crawl_args(portal: SamplePortal, data: Path, *extra: str) -> list[str]:
    args = ["crawl", "--no-politeness", "--data", str(data), "--quiet", *extra]
    for site in portal.sites:
        args += ["--url", site["start_url"], "--region", site["region_code"]]
    return args


def crawl(portal: SamplePortal, data: Path, *extra: str) -> subprocess.CompletedProcess:
    return xxgknb(*crawl_args(portal, data, *extra))


def query(data: Path, sql: str, params=()) -> list[tuple]:
    db = sqlite3.connect(data / "corpus.db")
    try:
        return db.execute(sql, params).fetchall()
    finally:
        db.close()
