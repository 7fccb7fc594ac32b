"""The record of a prepared corpus: exact table counts for Datasette, and no re-check while the file is unchanged."""

from __future__ import annotations

import json
import sqlite3

import httpx
import pytest
from publish_corpus import build_corpus

from archive import search, summaries
from publish import prepared
from publish.serve import BackgroundServer, check_ready, corpus_problem, prepare_corpus


@pytest.fixture
def small_corpus(tmp_path):
    path = tmp_path / "corpus.db"
    build_corpus(path, generated=3)
    return path


def _counted(path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        names = [name for (name,) in conn.execute("select name from sqlite_master where type = 'table'")]
        return {name: conn.execute(f'select count(*) from "{name}"').fetchone()[0] for name in names}
    finally:
        conn.close()


def _write(path, sql: str) -> None:
    conn = sqlite3.connect(path)
    try:
        with conn:
            conn.execute(sql)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def test_preparing_records_the_exact_count_of_every_table(small_corpus):
    assert prepared.table_counts(small_corpus) is None
    prepare_corpus(small_corpus)
    counts = prepared.table_counts(small_corpus)
    assert counts == _counted(small_corpus)
    assert counts["reports"] > 0 and counts["reports_fts"] == counts["reports"]
    assert "summary_facet_counts" in counts and search.SEARCH_TABLE + "_data" in counts


def test_datasette_takes_its_table_counts_from_the_record(small_corpus):
    prepare_corpus(small_corpus)
    record_file = prepared.record_path(small_corpus)
    record = json.loads(record_file.read_text(encoding="utf-8"))
    # A count no table has: seen on the pages only if Datasette did not count the table itself.
    record["tables"]["validation_issues"] = 987654
    record_file.write_text(json.dumps(record), encoding="utf-8")
    with BackgroundServer(small_corpus, prepare=False) as server:
        tables = {table["name"]: table["count"]
                  for table in httpx.get(f"{server.url}/corpus.json", timeout=30).json()["tables"]}
        page = httpx.get(f"{server.url}/corpus/validation_issues.json", params={"_size": 0}, timeout=30).json()
    assert tables["validation_issues"] == 987654 and page["filtered_table_rows_count"] == 987654
    assert tables["reports"] == _counted(small_corpus)["reports"]


def test_an_unchanged_prepared_corpus_is_not_read_report_by_report_again(small_corpus, monkeypatch):
    prepare_corpus(small_corpus)

    def read_every_report(conn):
        raise AssertionError("checked again although the file is unchanged")

    monkeypatch.setattr(search, "is_current", read_every_report)
    monkeypatch.setattr(summaries, "is_current", read_every_report)
    assert corpus_problem(small_corpus) is None
    assert prepare_corpus(small_corpus).indexed == 0
    check_ready(small_corpus)


def test_a_change_to_the_file_voids_the_record_and_preparing_counts_again(small_corpus):
    prepare_corpus(small_corpus)
    before = prepared.table_counts(small_corpus)
    _write(small_corpus, "delete from validation_issues where rowid in (select rowid from validation_issues limit 1)")
    assert prepared.table_counts(small_corpus) is None
    prepare_corpus(small_corpus)
    assert prepared.table_counts(small_corpus)["validation_issues"] == before["validation_issues"] - 1


def test_a_corpus_changed_since_its_record_is_checked_in_full(small_corpus):
    prepare_corpus(small_corpus)
    _write(small_corpus, "update reports set title = title || '（修订）' where rowid = 1")
    assert corpus_problem(small_corpus) == "the search index is out of date"
    assert prepare_corpus(small_corpus).stale == 1
    assert corpus_problem(small_corpus) is None and prepared.table_counts(small_corpus) is not None


def test_a_record_made_under_other_definitions_does_not_hold(small_corpus, monkeypatch):
    prepare_corpus(small_corpus)
    monkeypatch.setattr(prepared, "DEFINITIONS", prepared.DEFINITIONS + " | summaries changed")
    assert prepared.table_counts(small_corpus) is None


@pytest.mark.parametrize("content", ["", "{not json", '{"file": [1, 2, 3], "definitions": "x"}', '["a list"]',
                                     None])
def test_an_unreadable_record_is_ignored_and_written_again(small_corpus, content):
    prepare_corpus(small_corpus)
    record_file = prepared.record_path(small_corpus)
    if content is None:  # the right file and definitions, counts of the wrong type
        record = json.loads(record_file.read_text(encoding="utf-8"))
        record["tables"]["reports"] = "many"
        content = json.dumps(record)
    record_file.write_text(content, encoding="utf-8")
    assert prepared.table_counts(small_corpus) is None
    assert corpus_problem(small_corpus) is None  # checked in full
    prepare_corpus(small_corpus)
    assert prepared.table_counts(small_corpus) == _counted(small_corpus)


def test_a_record_that_cannot_be_written_leaves_the_corpus_servable(small_corpus, capsys):
    prepared.record_path(small_corpus).mkdir()  # nothing can replace a directory by a file
    prepare_corpus(small_corpus)
    assert "corpus.db.prepared.json: not written" in capsys.readouterr().err
    assert prepared.table_counts(small_corpus) is None and corpus_problem(small_corpus) is None
    with BackgroundServer(small_corpus, prepare=False) as server:
        response = httpx.get(f"{server.url}/corpus/reports.json", params={"_size": 0}, timeout=30).json()
    assert response["filtered_table_rows_count"] == _counted(small_corpus)["reports"]
