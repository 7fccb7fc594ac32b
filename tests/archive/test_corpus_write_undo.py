"""archive.corpus.write_report on a URL seen for the first time, inside a caller's transaction (as the
build writes): the report is written without a savepoint, so a failure half-way must delete what it
wrote, down to the rowids the next reports get."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from archive_test_helpers import SEEDS, sample_report

from archive import corpus
from archive.convert import parse_with_conversions
from parsers.model import DisclosureCell, Value

URL = "https://www.example.gov.cn/zfxxgk/{}/report.html"


def stored_rows(path: Path, *, skip: tuple[str, ...] = ()) -> dict[str, list[tuple]]:
    """Every row of every stored table, with its rowid where the table has one, sorted."""
    connection = sqlite3.connect(path)
    try:
        tables = [
            name
            for name, sql in connection.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
            if not sql.upper().startswith("CREATE VIRTUAL TABLE") and name not in skip and name != "_sqlite_migrations"
        ]
        found = {}
        for table in tables:
            try:
                found[table] = sorted(connection.execute(f'SELECT rowid, * FROM "{table}"'), key=repr)
            except sqlite3.OperationalError:  # WITHOUT ROWID
                found[table] = sorted(connection.execute(f'SELECT * FROM "{table}"'), key=repr)
        return found
    finally:
        connection.close()


def good_reports() -> list:
    reports = [sample_report()] + [
        parse_with_conversions(path.read_bytes(), filename=path.name) for path in sorted(SEEDS.glob("*.txt"))
    ]
    assert all(report.is_report for report in reports)
    return reports


def lone_report():
    """A report of an agency no other report names."""
    report = sample_report()
    report.agency = "某县从未出现过的局"
    return report


def bad_report():
    """A :func:`lone_report` whose rows clash half-way through (after its text and sections are in,
    and some of its disclosure cells)."""
    report = lone_report()
    report.active_disclosure.append(DisclosureCell("20.1", "regulations", "issued", Value(3.0, "3", "t1 r4 c2")))
    return report


def write_batch(path: Path, documents: list, *, interrupted: int | None = None) -> list[corpus.WriteOutcome]:
    """Write ``documents`` (url number, report) as the build does: one transaction for the lot.

    ``interrupted``: the url number whose write raises KeyboardInterrupt half-way, which the
    batch then steps over, as a caller that goes on after an error would."""
    db = corpus.open_corpus(path)
    db.conn.execute("BEGIN")
    outcomes = []
    for number, report in documents:
        try:
            outcomes.append(
                corpus.write_report(
                    db,
                    report,
                    url=URL.format(number),
                    sha256=f"{number:064d}",
                    fetched_at="2023-01-21T00:00:00+00:00",
                    format=None,
                    parser_version="p1",
                )
            )
        except KeyboardInterrupt:
            assert number == interrupted
    db.conn.commit()
    db.close()
    return outcomes


def test_a_new_report_whose_rows_clash_leaves_nothing_but_its_rejected_row(tmp_path):
    reports = list(enumerate(good_reports()))
    outcomes = write_batch(tmp_path / "with.db", [*reports[:3], (99, bad_report()), *reports[3:]])
    write_batch(tmp_path / "without.db", reports)

    rejected = outcomes[3]
    assert (rejected.stored_as, rejected.status, rejected.action) == ("rejected", "error", "new")
    assert "IntegrityError" in rejected.detail and "active_disclosure" in rejected.detail
    assert [outcome.action for outcome in outcomes[:3] + outcomes[4:]] == ["new"] * len(reports)
    with_bad = stored_rows(tmp_path / "with.db")
    assert [row[1] for row in with_bad.pop("rejected_documents")] == [URL.format(99)]
    # the reports after the failed one have the rowids they would have had without it
    assert with_bad == stored_rows(tmp_path / "without.db", skip=("rejected_documents",))
    assert len(with_bad["raw_cell_sets"]) >= 2 * len(reports) and len(with_bad["agencies"]) >= 2


def interrupting(report):
    """``report``'s prepared rows, one set of raw cells of which raises KeyboardInterrupt as it is stored."""
    prepared = corpus.prepare_report(report, URL.format(99))
    rid, section, _cells = prepared.rows["raw_cell_sets"][-1]
    prepared.rows["raw_cell_sets"][-1] = (rid, section, _Interrupting())
    return prepared


class _Interrupting:
    """A cell value whose conversion for SQLite is interrupted (Ctrl-C in the middle of a write)."""


def _interrupt(value: _Interrupting) -> float:
    raise KeyboardInterrupt


@pytest.fixture
def interrupting_adapter():
    sqlite3.register_adapter(_Interrupting, _interrupt)
    yield
    del sqlite3.adapters[(_Interrupting, sqlite3.PrepareProtocol)]


def test_an_interrupted_new_report_propagates_and_leaves_none_of_its_rows(tmp_path, interrupting_adapter):
    reports = list(enumerate(good_reports()))
    outcomes = write_batch(
        tmp_path / "with.db", [*reports[:3], (99, interrupting(lone_report())), *reports[3:]], interrupted=99
    )
    write_batch(tmp_path / "without.db", reports)
    assert len(outcomes) == len(reports)
    assert stored_rows(tmp_path / "with.db") == stored_rows(tmp_path / "without.db")
