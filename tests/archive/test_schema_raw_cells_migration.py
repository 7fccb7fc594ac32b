"""``raw_cells`` through its migrations: a rowid table (m0001), WITHOUT ROWID (m0006), then a view of
the same name and columns over ``raw_cell_sets`` (m0007).  Every cell a corpus held survives each
step, and what a reader selects from ``raw_cells`` stays the same."""

from __future__ import annotations

import sqlite3

import pytest
import sqlite_utils
from archive_test_helpers import sample_report

from archive import corpus
from archive.schema import migrations
from parsers.model import Value

URL = "https://www.example.gov.cn/zwgk/2023/01/t20230120_1.html"
KEY = "report_id, section, row_key, column_key"


def expected_cells(report, rid: str) -> list[tuple]:
    """The report's printed numbers of sections 三 and 四 as ``raw_cells`` rows, in key order."""
    cells = [
        (rid, "applications", str(index), column, value.value, value.raw, value.source or None, int(value.ocr))
        for index, row in enumerate(report.applications)
        for column, value in row.cells.items()
    ] + [
        (
            rid,
            "review_litigation",
            row.proceeding,
            column,
            value.value,
            value.raw,
            value.source or None,
            int(value.ocr),
        )
        for row in report.review_litigation
        for column, value in row.cells.items()
    ]
    return sorted(cells, key=lambda cell: cell[:4])


def select(path, sql: str, parameters=()) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, parameters).fetchall()
    finally:
        conn.close()


def write(db, report, number: int):
    return corpus.write_report(
        db,
        report,
        url=f"{URL}?{number}",
        sha256=f"{number}" * 64,
        fetched_at="2023-01-21T00:00:00+00:00",
        format="html",
        parser_version="p1",
    )


def odd_report():
    """A sample report whose raw cells hold what JSON could get wrong: text, NULL, a fraction, OCR."""
    report = sample_report()
    cells = report.applications[0].cells
    first, second = list(cells)[:2]
    cells[first] = Value(None, "—", "", ocr=True)
    cells[second] = Value(0.1 + 0.2, "0.30000000000000004", 'table 2 row 4 col 5 "quoted" 万元')
    return report


@pytest.mark.parametrize("stop_before", ["m0006_raw_cells_without_rowid", "m0007_raw_cells_as_sets"])
def test_an_old_corpus_keeps_every_cell_in_order(tmp_path, stop_before):
    path = tmp_path / "old.db"
    db = sqlite_utils.Database(path)
    migrations.apply(db, stop_before=stop_before)
    before = []
    for number, report in enumerate([sample_report(), odd_report(), sample_report()]):
        before += expected_cells(report, f"{number:016x}")
    # Rows stored as the writers of those days stored them: in any order.
    db.conn.executemany("INSERT INTO raw_cells VALUES (?, ?, ?, ?, ?, ?, ?, ?)", reversed(before))
    db.conn.commit()
    db.conn.close()

    corpus.open_corpus(path).conn.close()

    assert select(path, "SELECT type FROM sqlite_master WHERE name = 'raw_cells'") == [("view",)]
    assert select(path, "SELECT * FROM raw_cells") == sorted(before, key=lambda cell: cell[:4])
    assert select(path, "SELECT count(*) FROM raw_cell_sets") == [(6,)]


def test_a_new_corpus_reads_back_every_cell_as_written(tmp_path):
    path = tmp_path / "new.db"
    db = corpus.open_corpus(path)
    reports = [sample_report(), odd_report()]
    for number, report in enumerate(reports):
        write(db, report, number)
    db.conn.close()

    for number, report in enumerate(reports):
        rid = corpus.report_id(f"{URL}?{number}")
        stored = select(path, "SELECT * FROM raw_cells WHERE report_id = ?", [rid])
        assert stored == expected_cells(report, rid)
        assert len(stored) > 5
    by_type = dict(select(path, "SELECT typeof(value) || '/' || typeof(ocr), count(*) FROM raw_cells GROUP BY 1"))
    assert set(by_type) == {"real/integer", "null/integer"}
    # a lookup by report goes through the sets' primary key, not a scan of every cell
    plan = " ".join(
        row[-1] for row in select(path, "EXPLAIN QUERY PLAN SELECT * FROM raw_cells WHERE report_id = 'x'")
    )
    assert "USING INDEX sqlite_autoindex_raw_cell_sets_1 (report_id=?)" in plan, plan


def test_cells_deleted_through_the_view_are_gone_and_the_rest_stay(tmp_path):
    path = tmp_path / "corpus.db"
    db = corpus.open_corpus(path)
    for number in range(2):
        write(db, sample_report(), number)
    kept, emptied = (corpus.report_id(f"{URL}?{number}") for number in range(2))
    before = select(path, f"SELECT * FROM raw_cells WHERE report_id = ? ORDER BY {KEY}", [kept])
    dropped = before[3]

    with db.conn:
        db.execute(
            "DELETE FROM raw_cells WHERE report_id = ? AND section = ? AND row_key = ? AND column_key = ?",
            [kept, *dropped[1:4]],
        )
        db.execute("DELETE FROM raw_cells WHERE report_id = ?", [emptied])
    db.conn.close()

    assert select(path, "SELECT * FROM raw_cells WHERE report_id = ?", [kept]) == before[:3] + before[4:]
    assert select(path, "SELECT count(*) FROM raw_cells WHERE report_id = ?", [emptied]) == [(0,)]
    assert select(path, "SELECT count(*) FROM raw_cell_sets WHERE report_id = ?", [emptied]) == [(0,)]


def test_a_report_whose_raw_cells_are_not_json_is_rejected_not_stored(tmp_path):
    report = sample_report()
    first = next(iter(report.applications[0].cells))
    report.applications[0].cells[first] = Value(float("nan"), "NaN", "table 2 row 4 col 4")
    db = corpus.open_corpus(tmp_path / "corpus.db")
    outcome = write(db, corpus.prepare_for_storage(report, f"{URL}?0"), 0)
    db.conn.close()
    assert (outcome.stored_as, outcome.status) == ("rejected", "error")
    assert "could not be stored" in outcome.detail and "ValueError" in outcome.detail
    assert select(tmp_path / "corpus.db", "SELECT count(*) FROM raw_cell_sets") == [(0,)]
