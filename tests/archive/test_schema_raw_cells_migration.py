"""Migration m0006: an existing corpus's raw_cells become a WITHOUT ROWID table, every row kept."""

from __future__ import annotations

import sqlite3

import sqlite_utils
from archive_test_helpers import sample_report

from archive import corpus
from archive.schema import migrations

URL = "https://www.example.gov.cn/zwgk/2023/01/t20230120_1.html"


def _cells(path) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT * FROM raw_cells ORDER BY report_id, section, row_key, column_key").fetchall()
    finally:
        conn.close()


def _without_rowid(path) -> bool:
    conn = sqlite3.connect(path)
    try:
        conn.execute("SELECT rowid FROM raw_cells").fetchall()
    except sqlite3.OperationalError as error:
        assert "rowid" in str(error)
        return True
    finally:
        conn.close()
    return False


def test_a_corpus_written_before_m0006_keeps_every_cell(tmp_path):
    path = tmp_path / "old.db"
    db = sqlite_utils.Database(path)
    migrations.apply(db, stop_before="m0006_raw_cells_without_rowid")
    for number in range(3):
        corpus.write_report(db, sample_report(), url=f"{URL}?{number}", sha256=f"{number}" * 64,
                            fetched_at="2023-01-21T00:00:00+00:00", format="html", parser_version="p1")
    db.conn.close()
    before = _cells(path)
    assert len(before) > 10 and not _without_rowid(path)

    corpus.open_corpus(path).conn.close()

    assert _cells(path) == before
    assert _without_rowid(path)


def test_a_new_corpus_stores_raw_cells_without_rowid(tmp_path):
    corpus.open_corpus(tmp_path / "new.db").conn.close()
    assert _without_rowid(tmp_path / "new.db")
