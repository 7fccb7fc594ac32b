"""archive.corpus.prepare_report: rows built in a parse worker store exactly what the report itself stores."""

from __future__ import annotations

import pickle

import pytest
from archive_test_helpers import SEEDS, dump, rows, sample_report

from archive import corpus
from archive.convert import parse_with_conversions
from parsers.model import DisclosureCell, Report, Status, Value

URL = "https://www.example.gov.cn/zfxxgk/2023/report.html"


def write(db, report, url=URL):
    return corpus.write_report(
        db, report, url=url, sha256="a" * 64, fetched_at="2023-01-21T00:00:00+00:00", format=None, parser_version="p1"
    )


def test_prepared_rows_store_the_same_database_as_the_report(tmp_path):
    reports = [sample_report()] + [
        parse_with_conversions(path.read_bytes(), filename=path.name) for path in sorted(SEEDS.glob("*.txt"))
    ]
    assert all(report.is_report for report in reports)
    direct, prepared = corpus.open_corpus(tmp_path / "direct.db"), corpus.open_corpus(tmp_path / "prepared.db")
    for number, report in enumerate(reports):
        url = f"{URL}?n={number}"
        write(direct, report, url)
        # what a worker sends back: pickled and unpickled
        write(prepared, pickle.loads(pickle.dumps(corpus.prepare_for_storage(report, url))), url)
    assert rows(tmp_path / "prepared.db", "SELECT count(*) FROM raw_cells")[0][0] > 100
    # the migrations table records when each database was created; everything else must be equal
    assert [line for line in dump(tmp_path / "prepared.db") if not line.startswith("_sqlite_migrations:")] == [
        line for line in dump(tmp_path / "direct.db") if not line.startswith("_sqlite_migrations:")
    ]


def test_only_reports_that_will_be_stored_are_prepared():
    junk = Report(status=Status.NOT_A_REPORT, status_detail="a list page")
    assert corpus.prepare_for_storage(junk, URL) is junk
    unread = Report(status=Status.NEEDS_OCR, status_detail="a scan")
    assert corpus.prepare_for_storage(unread, URL) is unread
    prepared = corpus.prepare_for_storage(sample_report(), URL)
    assert isinstance(prepared, corpus.PreparedReport)
    assert prepared.report_id == corpus.report_id(URL)
    assert prepared.report.applications == [] and prepared.report.text == ""


def test_rows_that_cannot_be_built_come_back_as_the_report_and_are_rejected_with_the_reason(corpus_path):
    report = sample_report()
    report.applications[0].cells["natural_person"] = Value(1.0, "1", "t2 r1 c1", ocr="maybe")  # int() fails
    assert corpus.prepare_for_storage(report, URL) is report
    db = corpus.open_corpus(corpus_path)
    outcome = write(db, corpus.prepare_for_storage(report, URL))
    assert (outcome.stored_as, outcome.status) == ("rejected", "error")
    assert "could not be stored" in outcome.detail and "ValueError" in outcome.detail
    for table in corpus.REPORT_TABLES:
        assert rows(corpus_path, f"SELECT count(*) FROM {table}") == [(0,)], table


def test_rows_that_cannot_be_bound_are_rejected_at_write_time(corpus_path):
    report = sample_report()
    report.active_disclosure.append(DisclosureCell("20.1", "regulations", "issued", Value(3.0, "3", "t1 r4 c2")))
    db = corpus.open_corpus(corpus_path)
    outcome = write(db, corpus.prepare_for_storage(report, URL))  # the same cell twice: a primary key clash
    assert (outcome.stored_as, outcome.status) == ("rejected", "error")
    assert "IntegrityError" in outcome.detail
    for table in corpus.REPORT_TABLES:
        assert rows(corpus_path, f"SELECT count(*) FROM {table}") == [(0,)], table


def test_rows_prepared_for_another_url_are_refused(corpus_path):
    db = corpus.open_corpus(corpus_path)
    outcome = write(db, corpus.prepare_report(sample_report(), URL + "?other"))
    assert (outcome.stored_as, outcome.status) == ("rejected", "error")
    assert "rows prepared for report" in outcome.detail
    assert rows(corpus_path, "SELECT count(*) FROM reports") == [(0,)]


def test_texts_sent_as_utf8_are_stored_as_the_same_text(corpus_path):
    report = sample_report()
    # beyond the Basic Multilingual Plane, a NUL, and text after it: each must come back as it was
    report.text = "全文：𠀾𪚥 部门\x00之后的文字"
    report.sections[0].text = "第一节 𠀾 正文"
    report.applications[0].cells["natural_person"] = Value(1.0, "壹件𠀾", "表二 第4行")
    prepared = pickle.loads(pickle.dumps(corpus.prepare_for_storage(report, URL)))
    assert isinstance(prepared.rows["report_texts"][0][1], bytes)  # what crosses the pipe
    assert isinstance(prepared.rows["raw_cell_sets"][0][2], bytes)

    db = corpus.open_corpus(corpus_path)
    assert write(db, prepared).action == "new"
    assert rows(corpus_path, "SELECT typeof(text), text FROM report_texts") == [("text", report.text)]
    assert rows(corpus_path, "SELECT typeof(text), text FROM sections WHERE number = 1") == [
        ("text", "第一节 𠀾 正文")
    ]
    assert rows(corpus_path, "SELECT count(*) FROM sections WHERE text LIKE '%正文%'") == [(6,)]
    assert rows(corpus_path, "SELECT DISTINCT typeof(cells) FROM raw_cell_sets") == [("text",)]
    assert rows(
        corpus_path, "SELECT value, raw, source FROM raw_cells WHERE row_key = '0' AND column_key = 'natural_person'"
    ) == [(1.0, "壹件𠀾", "表二 第4行")]


@pytest.mark.parametrize(
    "value, reason",
    [
        (Value(1.0, "半个代理对 \ud800", "t2 r4 c4"), "TypeError: str is not valid UTF-8"),
        (Value(float("inf"), "∞", "t2 r4 c4"), "ValueError: a cell's value is not a finite number"),
    ],
)
def test_a_cell_that_is_not_unicode_or_not_a_number_is_rejected_with_the_reason(corpus_path, value, reason):
    report = sample_report()
    report.applications[0].cells["natural_person"] = value
    assert corpus.prepare_for_storage(report, URL) is report
    db = corpus.open_corpus(corpus_path)
    outcome = write(db, corpus.prepare_for_storage(report, URL))
    assert (outcome.stored_as, outcome.status) == ("rejected", "error")
    assert reason in outcome.detail, outcome.detail
    for table in corpus.REPORT_TABLES:
        assert rows(corpus_path, f"SELECT count(*) FROM {table}") == [(0,)], table


def test_a_text_that_is_not_unicode_is_rejected_with_the_reason(corpus_path):
    report = sample_report()
    report.text = "半个代理对 \ud800"  # a lone surrogate: no UTF-8 for it
    assert corpus.prepare_for_storage(report, URL) is report
    db = corpus.open_corpus(corpus_path)
    outcome = write(db, corpus.prepare_for_storage(report, URL))
    assert (outcome.stored_as, outcome.status) == ("rejected", "error")
    assert "UnicodeEncodeError" in outcome.detail
    for table in corpus.REPORT_TABLES:
        assert rows(corpus_path, f"SELECT count(*) FROM {table}") == [(0,)], table
