"""Helpers of the fault tests: run the real crawler and read the corpus it built."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

#: Small limits so that stalls, retries and 200 MB bodies resolve in seconds; the guards' logic
#: is the same as with the production values.
CRAWL_SETTINGS = {
    "DOWNLOAD_TIMEOUT": 3,
    "XXGKNB_RETRY_TIMES": 2,
    "DOWNLOAD_MAXSIZE": 4 * 2**20,
    "DOWNLOAD_WARNSIZE": 2**20,
    "XXGKNB_MAXSIZE_PAGE": 2**20,
    "XXGKNB_WARNSIZE_PAGE": 2**19,
    "XXGKNB_STALL_SECONDS": 2.0,
    "XXGKNB_MAX_LIST_PAGES_PER_COLUMN": 40,
}
BUILD_TIME_LIMIT = 30
BUILD_MEMORY_MB = 1024
CLI = [sys.executable, "-c", "from xxgknb.cli import cli; cli()"]


def run_crawl_subprocess(targets: list[dict], data: Path, settings: dict, *, timeout: float = 240):
    code = (
        "import json, sys; from pathlib import Path; from xxgknb.commands.crawl import run_crawl; "
        "args = json.loads(sys.argv[1]); "
        "print(run_crawl(args['targets'], Path(args['data']), polite=False, log_level='WARNING', "
        "extra_settings=args['settings']))"
    )
    payload = json.dumps({"targets": targets, "data": str(data), "settings": settings})
    return subprocess.run([sys.executable, "-c", code, payload], capture_output=True, text=True, timeout=timeout)


def query(data: Path, sql: str, params=()) -> list[tuple]:
    db = sqlite3.connect(data / "corpus.db")
    try:
        return db.execute(sql, params).fetchall()
    finally:
        db.close()


def archive_problems(data: Path) -> list[str]:
    """What is wrong with the WARC archive and its index: index rows that do not point at a readable
    record of their URL, and complete response records that are not indexed.  Empty when whole."""
    from archive.warc import iter_records, read_record

    problems = []
    rows = query(data, "SELECT warc_file, offset, url, final_url FROM warc_records")
    for warc_file, offset, url, final_url in rows:
        record = read_record(data / warc_file, offset)
        if record is None:
            problems.append(f"index row {warc_file}@{offset} ({url}) points at no readable record")
        elif record.url not in (url, final_url):
            problems.append(f"index row {warc_file}@{offset} ({url}) points at a record of {record.url}")
    indexed = {(warc_file, offset) for warc_file, offset, _url, _final in rows}
    for path in sorted((data / "warc").rglob("*.warc.gz")):
        relative = path.relative_to(data).as_posix()
        for record in iter_records(path):
            if record.type == "response" and (relative, record.offset) not in indexed:
                problems.append(f"response record {relative}@{record.offset} ({record.url}) is not indexed")
    return problems
