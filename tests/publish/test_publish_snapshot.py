"""xxgknb snapshot: dated immutable files, numbers-only edition, CSV, sha256 and a changelog."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import random
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from publish_corpus import _generated_report, build_corpus, url_of

from archive import corpus
from archive.snapshot import make_snapshot
from publish.serve import BackgroundServer


@pytest.fixture
def corpus_path(tmp_path) -> Path:
    path = tmp_path / "data" / "corpus.db"
    path.parent.mkdir()
    build_corpus(path, generated=12)
    return path


def rows(path: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_snapshot_files_are_complete_verifiable_and_read_only(corpus_path, tmp_path):
    out = tmp_path / "snapshots"
    result = subprocess.run(
        [sys.executable, "-c", "from xxgknb.cli import cli; cli()", "snapshot", "--db", str(corpus_path),
         "--out", str(out)],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    [directory] = [path for path in out.iterdir()]
    assert directory.name == dt.date.today().isoformat()
    stem = f"corpus-{directory.name}"
    full, numbers = directory / f"{stem}.db", directory / f"{stem}-numbers.db"
    assert "19 reports" in result.stdout and "19 added" in result.stdout

    for line in (directory / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ")
        assert hashlib.sha256((directory / name).read_bytes()).hexdigest() == digest, name
    assert (directory / f"{stem}.db.sha256").read_text().split()[0] == hashlib.sha256(full.read_bytes()).hexdigest()
    assert all(path.stat().st_mode & 0o222 == 0 for path in directory.rglob("*") if path.is_file())

    assert rows(full, "select count(*) from reports") == [(19,)]
    assert rows(full, "select count(*) from reports_fts_state") == [(19,)]
    numbers_tables = {row[0] for row in rows(numbers, "select name from sqlite_master where type = 'table'")}
    assert {"reports", "applications", "review_litigation", "active_disclosure"} <= numbers_tables
    assert not numbers_tables & {"report_texts", "sections", "reports_fts", "reports_fts_state"}
    assert numbers.stat().st_size < full.stat().st_size
    assert rows(numbers, "select sum(total) from applications") == rows(full, "select sum(total) from applications")

    with (directory / "csv" / "applications.csv").open(encoding="utf-8-sig", newline="") as stream:
        exported = list(csv.DictReader(stream))
    assert len(exported) == rows(full, "select count(*) from applications")[0][0]
    assert {row["row_key"] for row in exported} >= {"new_received", "carried_forward"}

    # The snapshot is served as it is: immutable, searchable, without writing to it.
    with BackgroundServer(full, prepare=False) as server:
        found = httpx.get(f"{server.url}/corpus/reports.json", params={"_search": "碳达峰行动", "_shape": "array"},
                          timeout=30).json()
        assert [row["year"] for row in found] == [2022]
        assert httpx.get(f"{server.url}/corpus.db", timeout=30).content == full.read_bytes()
    with BackgroundServer(numbers, prepare=False) as server:
        assert httpx.get(f"{server.url}/corpus/applications.json", timeout=30).status_code == 200
        # The report page of the numbers-only edition: every table, no section texts.
        report_id = rows(numbers, "select id from reports order by id limit 1")[0][0]
        page = httpx.get(f"{server.url}/-/report/{report_id}", timeout=30)
        assert page.status_code == 200 and report_id in page.text


def test_changelog_lists_added_changed_and_removed_reports(corpus_path, tmp_path):
    out = tmp_path / "snapshots"
    first = make_snapshot(corpus_path, out, today=dt.date(2025, 1, 1))
    assert (first.changes.previous, len(first.changes.added)) == (None, 19)

    db = corpus.open_corpus(corpus_path)
    added = _generated_report(500, random.Random(5))
    corpus.write_report(db, added, url=url_of("added"), sha256="a" * 64, fetched_at="2025-01-02T00:00:00Z",
                        format="text")
    changed = _generated_report(1, random.Random(6))
    outcome = corpus.write_report(db, changed, url=url_of("generated-1"), sha256="b" * 64,
                                  fetched_at="2025-01-02T00:00:00Z", format="text")
    removed_id = corpus.report_id(url_of("generated-2"))
    # Nothing in the writer deletes a report; a maintainer removing one by hand must still show up.
    with db.conn:
        for table in ("report_texts", "sections", "applications", "review_litigation", "validation_issues",
                      "active_disclosure", "raw_cells", "parse_notes"):
            db.execute(f"delete from [{table}] where report_id = ?", [removed_id])
        db.execute("delete from reports where id = ?", [removed_id])
    db.close()

    second = make_snapshot(corpus_path, out, today=dt.date(2025, 1, 1))
    assert second.directory.name == "2025-01-01.2"
    assert second.changes.previous == "corpus-2025-01-01.db"
    assert second.changes.added == [corpus.report_id(url_of("added"))]
    assert second.changes.changed == [outcome.report_id]
    assert second.changes.removed == [removed_id]
    changelog = (second.directory / "changelog.md").read_text(encoding="utf-8")
    assert "新增 added: 1" in changelog and "移除 removed: 1" in changelog
    with (second.directory / "changes.csv").open(encoding="utf-8-sig", newline="") as stream:
        listed = {(row["change"], row["report_id"]) for row in csv.DictReader(stream)}
    assert ("removed", removed_id) in listed and ("changed", outcome.report_id) in listed
    # Both snapshots stay as they were.
    assert first.files[first.full.name] == hashlib.sha256(first.full.read_bytes()).hexdigest()


def test_an_interrupted_snapshot_leaves_no_half_directory(corpus_path, tmp_path):
    out = tmp_path / "snapshots"
    leftover = out / ".2025-02-02.partial"
    leftover.mkdir(parents=True)
    (leftover / "corpus-2025-02-02.db").write_bytes(b"half")
    snapshot = make_snapshot(corpus_path, out, today=dt.date(2025, 2, 2))
    assert sorted(path.name for path in out.iterdir()) == ["2025-02-02"]
    assert snapshot.reports == 19
