"""``xxgknb build`` reads its candidates without pinning the write-ahead log between two chunks."""

from __future__ import annotations

import sqlite3

from archive import build, corpus


def _index(db, records: int) -> None:
    db["warc_records"].insert_all(
        {
            "warc_file": "warc/a.warc.gz",
            "offset": number * 1000,
            "length": 900,
            "url": f"http://x.gov.cn/{number:05d}.html",
            "final_url": f"http://x.gov.cn/{number:05d}.html",
            "status": 200,
            "content_type": "text/html",
            "sha256": f"{number:064x}",
            "fetched_at": "2024-01-01T00:00:00Z",
            "role": "item",
        }
        for number in range(records)
    )


def test_candidates_come_in_report_id_order_and_let_the_log_be_checkpointed_while_the_build_writes(tmp_path):
    path = tmp_path / "corpus.db"
    db = corpus.open_corpus(path)
    _index(db, 2500)
    pending = build._pending_versions(path, "p1")
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
    # report id order: the corpus's tables keyed by report id grow at their end
    ids = [corpus.report_id(url) for url in urls]
    assert ids == sorted(ids) and len(set(urls)) == 2500


def test_the_versions_of_a_url_come_together_oldest_first_in_report_id_order(tmp_path):
    path = tmp_path / "corpus.db"
    db = corpus.open_corpus(path)
    urls = [f"http://w.gov.cn/{name}.html" for name in ("a", "bb", "ccc", "dddd")]  # offsets differ by length
    for number, url in enumerate(urls):
        _versions(db, url, f"{number}-old", f"{number}-new")
    pending = [(version.url, version.sha256) for version in build._pending_versions(path, "p1")]
    in_id_order = sorted(urls, key=corpus.report_id)
    expected = [(url, f"{urls.index(url)}-{age}") for url in in_id_order for age in ("old", "new")]
    assert pending == expected


def _versions(db, url: str, *shas: str) -> None:
    db["warc_records"].insert_all(
        {
            "warc_file": "warc/b.warc.gz",
            "offset": 100_000 + number * 1000 + len(url),
            "length": 900,
            "url": url,
            "final_url": url,
            "status": 200,
            "content_type": "text/html",
            "sha256": sha,
            "fetched_at": f"2024-01-0{number + 1}T00:00:00Z",
            "role": "item",
        }
        for number, sha in enumerate(shas)
    )


def test_what_is_stored_for_a_url_decides_which_of_its_versions_are_examined(tmp_path):
    path = tmp_path / "corpus.db"
    db = corpus.open_corpus(path)
    base = "http://z.gov.cn/"
    _versions(db, base + "new", "a1", "a2")  # nothing stored: every version
    _versions(db, base + "same", "b1", "b2")  # the latest bytes stored by this parser: nothing
    _versions(db, base + "older-parser", "c1", "c2")  # stored by another parser: the stored bytes again
    _versions(db, base + "newer-bytes", "d1", "d2", "d3")  # d2 stored: what came after it
    _versions(db, base + "rejected", "e1")  # rejected with these bytes: nothing (whatever the parser)
    _versions(db, base + "rejected-then-changed", "f1", "f2")  # rejected as f1: f2
    _versions(db, base + "unknown-bytes", "g1", "g2")  # stored bytes the archive no longer has: every version
    for url, sha, parser in (
        ("same", "b2", "p1"),
        ("older-parser", "c2", "p0"),
        ("newer-bytes", "d2", "p1"),
        ("unknown-bytes", "g0", "p1"),
    ):
        db["reports"].insert({"id": url, "url": base + url, "status": "full", "sha256": sha, "parser_version": parser})
    for url, sha in (("rejected", "e1"), ("rejected-then-changed", "f1")):
        db["rejected_documents"].insert(
            {"url": base + url, "sha256": sha, "status": "not_a_report", "reason": "test", "parser_version": "p0"}
        )

    examined = {(version.url.removeprefix(base), version.sha256) for version in build._pending_versions(path, "p1")}

    assert examined == {
        ("new", "a1"),
        ("new", "a2"),
        ("older-parser", "c2"),
        ("newer-bytes", "d3"),
        ("rejected-then-changed", "f2"),
        ("unknown-bytes", "g1"),
        ("unknown-bytes", "g2"),
    }
