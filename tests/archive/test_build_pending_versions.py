"""``xxgknb build`` reads its candidates without pinning the write-ahead log between two chunks."""

from __future__ import annotations

import sqlite3

from archive import build, corpus


def _index(db, records: int) -> None:
    db["warc_records"].insert_all(
        {"warc_file": "warc/a.warc.gz", "offset": number * 1000, "length": 900, "url": f"http://x.gov.cn/{number:05d}.html",
         "final_url": f"http://x.gov.cn/{number:05d}.html", "status": 200, "content_type": "text/html",
         "sha256": f"{number:064x}", "fetched_at": "2024-01-01T00:00:00Z", "role": "item"}
        for number in range(records)
    )


def test_candidates_come_in_url_order_and_let_the_log_be_checkpointed_while_the_build_writes(tmp_path):
    path = tmp_path / "corpus.db"
    db = corpus.open_corpus(path)
    _index(db, 2500)
    pending = build._pending_versions(db, "p1")
    first = [next(pending) for _ in range(10)]
    # What the build does between two candidates: write reports, which grows the log.
    db["rejected_documents"].insert_all(
        {"url": f"http://y.gov.cn/{number}", "sha256": "0" * 64, "reason": "test", "status": "error"}
        for number in range(200)
    )
    other = sqlite3.connect(path)
    try:
        busy, _log_frames, _checkpointed = other.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        other.close()
    assert busy == 0, "an open statement of the build pins the write-ahead log"
    assert (path.parent / "corpus.db-wal").stat().st_size == 0
    rest = list(pending)
    urls = [version.url for version in first + rest]
    assert urls == sorted(urls) and len(urls) == 2500
