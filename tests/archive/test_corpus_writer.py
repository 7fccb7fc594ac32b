"""archive.corpus.write_report on hand-built reports, into a real SQLite file."""

from __future__ import annotations

import hashlib
import json

import pytest
from archive_test_helpers import dump, rows, sample_report

from archive import corpus
from parsers.model import DisclosureCell, Report, Status, Value

URL = "https://www.example.gov.cn/zwgk/2023/01/t20230120_1.html"


def write(db, report, *, url=URL, sha="a" * 64, fetched_at="2023-01-21T00:00:00+00:00", parser_version="p1"):
    return corpus.write_report(
        db, report, url=url, sha256=sha, fetched_at=fetched_at, format="html", parser_version=parser_version
    )


def test_report_id_is_first_16_hex_of_sha256_of_url():
    assert corpus.report_id(URL) == hashlib.sha256(URL.encode()).hexdigest()[:16]


def test_a_new_report_fills_every_canonical_table(corpus_path):
    db = corpus.open_corpus(corpus_path)
    outcome = write(db, sample_report())
    rid = corpus.report_id(URL)
    assert (outcome.action, outcome.report_id, outcome.version, outcome.stored_as) == ("new", rid, 1, "report")

    report = db["reports"].get(rid)
    assert report["url"] == URL and report["year"] == 2022 and report["template"] == "2021"
    assert (report["province"], report["city"], report["county"], report["region_code"]) == (
        "河南省",
        "平顶山市",
        "湛河区",
        "410411",
    )
    assert report["issue_count"] == 2 and report["version"] == 1 and report["gone"] == 0
    assert report["agency_id"] == corpus.agency_id("某区住房和城乡建设局", "410411")
    assert db["agencies"].get(report["agency_id"])["name"] == "某区住房和城乡建设局"
    assert db["regions"].get("410411")["level"] == "county"

    assert rows(corpus_path, "SELECT number, text FROM sections WHERE report_id = ? ORDER BY number", (rid,)) == [
        (n, f"第{n}节正文") for n in range(1, 7)
    ]
    assert rows(corpus_path, "SELECT text FROM report_texts WHERE report_id = ?", (rid,)) == [("全文 ……",)]
    assert rows(
        corpus_path,
        "SELECT category, metric, value, raw, source FROM active_disclosure"
        " WHERE report_id = ? ORDER BY item, category",
        (rid,),
    ) == [
        ("regulations", "issued", 0.0, "0", "table 1 row 3 col 2"),
        ("coercion", "decisions", None, "—", "table 1 row 9 col 2"),
        ("admin_fees", "amount", 25.1, "25.1万元", "table 1 row 12 col 2"),
    ]
    # blank is NULL, not zero; a column not printed at all is NULL too
    assert rows(
        corpus_path,
        "SELECT row_index, row_key, natural_person, commercial_enterprise, research_institution,"
        " total FROM applications WHERE report_id = ? ORDER BY row_index",
        (rid,),
    ) == [
        (0, "new_received", 7.0, None, None, 7.0),
        (1, "granted", 5.0, None, None, 5.0),
        (2, "unrecognized", None, None, None, -2.0),
    ]
    assert rows(corpus_path, "SELECT proceeding, upheld, corrected, other, total FROM review_litigation") == [
        ("administrative_review", 1.0, None, None, 1.0)
    ]
    raw = rows(
        corpus_path,
        "SELECT section, row_key, column_key, value, raw, source FROM raw_cells"
        " WHERE report_id = ? ORDER BY section, row_key, column_key",
        (rid,),
    )
    assert ("applications", "0", "commercial_enterprise", None, "", "table 2 row 3 col 4") in raw
    assert ("applications", "2", "total", -2.0, "-2", "table 2 row 30 col 9") in raw
    assert ("review_litigation", "administrative_review", "corrected", None, "/", "table 3 row 3 col 2") in raw
    assert len(raw) == 3 + 2 + 1 + 3
    assert rows(corpus_path, "SELECT rule, location FROM validation_issues ORDER BY rule") == [
        (2, "applications.natural_person"),
        (3, "applications.total_processed.total"),
    ]
    assert rows(corpus_path, "SELECT n, note FROM parse_notes") == [(0, "a value dropped from an over-long row")]
    assert rows(corpus_path, "SELECT version, sha256, superseded_at, rows_json FROM report_versions") == [
        (1, "a" * 64, None, None)
    ]


def test_same_url_and_bytes_change_nothing(corpus_path):
    db = corpus.open_corpus(corpus_path)
    write(db, sample_report())
    before = dump(corpus_path)
    outcome = write(db, sample_report(granted=99.0), fetched_at="2030-01-01T00:00:00+00:00")
    assert (outcome.action, outcome.status) == ("unchanged", "full")
    assert dump(corpus_path) == before


def test_new_bytes_make_a_new_version_and_keep_the_old_rows(corpus_path):
    db = corpus.open_corpus(corpus_path)
    write(db, sample_report(granted=5.0))
    old_rows = corpus.report_rows(db, corpus.report_id(URL))
    outcome = write(db, sample_report(granted=None), sha="b" * 64, fetched_at="2023-06-01T00:00:00+00:00")
    assert (outcome.action, outcome.version) == ("updated", 2)

    rid = corpus.report_id(URL)
    assert rows(corpus_path, "SELECT version, sha256 FROM reports") == [(2, "b" * 64)]
    assert rows(corpus_path, "SELECT natural_person FROM applications WHERE row_key = 'granted'") == [(None,)]
    assert rows(corpus_path, "SELECT count(*) FROM applications") == [(3,)]
    versions = rows(
        corpus_path,
        "SELECT version, sha256, superseded_at, rows_json FROM report_versions WHERE report_id = ? ORDER BY version",
        (rid,),
    )
    assert [v[:3] for v in versions] == [(1, "a" * 64, "2023-06-01T00:00:00+00:00"), (2, "b" * 64, None)]
    kept = json.loads(versions[0][3])
    assert kept == json.loads(json.dumps(old_rows))
    assert [r["natural_person"] for r in kept["applications"] if r["row_key"] == "granted"] == [5.0]
    assert kept["reports"][0]["version"] == 1


def test_a_newer_parser_rebuilds_the_rows_without_a_new_version(corpus_path):
    db = corpus.open_corpus(corpus_path)
    write(db, sample_report(granted=5.0))
    outcome = write(db, sample_report(granted=6.0), parser_version="p2")
    assert (outcome.action, outcome.version) == ("reparsed", 1)
    assert rows(corpus_path, "SELECT natural_person FROM applications WHERE row_key = 'granted'") == [(6.0,)]
    assert rows(corpus_path, "SELECT count(*) FROM report_versions") == [(1,)]


def test_a_document_that_is_not_a_report_is_rejected_with_its_reason(corpus_path):
    db = corpus.open_corpus(corpus_path)
    notice = Report(
        status=Status.NOT_A_REPORT,
        status_detail="a notice about the report format\n(关于报送…的通知)",
        title="关于报送2022年度政府信息公开工作年度报告的通知",
    )
    outcome = write(db, notice)
    assert (outcome.action, outcome.stored_as, outcome.report_id) == ("new", "rejected", None)
    assert rows(corpus_path, "SELECT count(*) FROM reports") == [(0,)]
    assert rows(corpus_path, "SELECT url, status, reason, title FROM rejected_documents") == [
        (URL, "not_a_report", "a notice about the report format (关于报送…的通知)", notice.title)
    ]
    before = dump(corpus_path)
    assert write(db, notice).action == "unchanged"
    assert dump(corpus_path) == before


def test_a_report_url_that_turns_into_junk_keeps_its_report(corpus_path):
    db = corpus.open_corpus(corpus_path)
    write(db, sample_report())
    outcome = write(
        db, Report(status=Status.ERROR, status_detail="not a document format we read (binary)"), sha="c" * 64
    )
    rid = corpus.report_id(URL)
    assert (outcome.stored_as, outcome.report_id, outcome.version) == ("rejected", rid, 1)
    assert "kept version 1" in outcome.detail
    assert rows(corpus_path, "SELECT id, sha256, version FROM reports") == [(rid, "a" * 64, 1)]
    assert rows(corpus_path, "SELECT count(*) FROM applications") == [(3,)]
    assert rows(corpus_path, "SELECT sha256, report_id FROM rejected_documents") == [("c" * 64, rid)]

    # the portal serves a report again: a new version, and the rejection is history
    outcome = write(db, sample_report(granted=1.0), sha="d" * 64)
    assert (outcome.action, outcome.version) == ("updated", 2)
    assert rows(corpus_path, "SELECT count(*) FROM rejected_documents") == [(0,)]


def test_same_bytes_under_another_url_point_to_the_first_fetched(corpus_path):
    db = corpus.open_corpus(corpus_path)
    mirror = "https://mirror.example.gov.cn/report.html"
    third = "https://third.example.gov.cn/report.html"
    main, mirror_id, third_id = (corpus.report_id(u) for u in (URL, mirror, third))
    assert write(db, sample_report(), fetched_at="2023-02-01T00:00:00+00:00").duplicate_of is None
    assert write(db, sample_report(), url=mirror, fetched_at="2023-03-01T00:00:00+00:00").duplicate_of == main
    # written last but fetched first: it is the original, whatever order the writes came in
    assert write(db, sample_report(), url=third, fetched_at="2023-01-01T00:00:00+00:00").duplicate_of is None
    assert dict(rows(corpus_path, "SELECT id, duplicate_of FROM reports")) == {
        main: third_id,
        mirror_id: third_id,
        third_id: None,
    }
    # the original's bytes change: the next fetched copy becomes the original of the rest
    write(db, sample_report(), url=third, sha="e" * 64, fetched_at="2023-04-01T00:00:00+00:00")
    assert dict(rows(corpus_path, "SELECT id, duplicate_of FROM reports")) == {
        main: None,
        mirror_id: main,
        third_id: None,
    }


def test_rows_that_cannot_be_stored_leave_no_trace_but_a_rejection(corpus_path):
    db = corpus.open_corpus(corpus_path)
    report = sample_report()
    # the same cell twice violates the primary key of active_disclosure half-way through the write
    report.active_disclosure.append(
        DisclosureCell("20.1", "regulations", "issued", Value(3.0, "3", "table 1 row 4 col 2"))
    )
    outcome = write(db, report)
    assert (outcome.stored_as, outcome.status) == ("rejected", "error")
    assert "could not be stored" in outcome.detail and "IntegrityError" in outcome.detail
    for table in corpus.REPORT_TABLES:
        assert rows(corpus_path, f"SELECT count(*) FROM {table}") == [(0,)], table
    assert rows(corpus_path, "SELECT count(*) FROM agencies") == [(0,)]


def test_a_batch_rolled_back_by_an_interrupt_leaves_nothing(corpus_path):
    db = corpus.open_corpus(corpus_path)
    before = dump(corpus_path)
    with pytest.raises(KeyboardInterrupt), db.atomic():
        write(db, sample_report())
        write(db, sample_report(), url="https://other.example.gov.cn/x.html")
        raise KeyboardInterrupt
    assert dump(corpus_path) == before


def test_mark_gone_keeps_the_rows_and_seeing_the_url_again_clears_it(corpus_path):
    db = corpus.open_corpus(corpus_path)
    write(db, sample_report())
    assert corpus.mark_gone(db, URL, "2024-05-01T00:00:00+00:00")
    assert corpus.mark_gone(db, URL, "2024-06-01T00:00:00+00:00")
    assert not corpus.mark_gone(db, "https://nowhere.example/", "2024-06-01T00:00:00+00:00")
    assert rows(corpus_path, "SELECT gone, gone_since FROM reports") == [(1, "2024-05-01T00:00:00+00:00")]
    assert rows(corpus_path, "SELECT count(*) FROM applications") == [(3,)]
    assert write(db, sample_report()).action == "reparsed"
    assert rows(corpus_path, "SELECT gone, gone_since, version FROM reports") == [(0, None, 1)]


def test_a_document_waiting_for_a_tool_is_rejected_and_retried_until_read(corpus_path):
    db = corpus.open_corpus(corpus_path)
    scan = Report(status=Status.NEEDS_OCR, status_detail="no text layer; tesseract not installed", format="pdf")
    assert (write(db, scan).action, write(db, scan).stored_as) == ("new", "rejected")
    before = dump(corpus_path)
    # same bytes, same parser: not skipped (the tool may have been installed), but nothing changes
    assert corpus.unchanged_outcome(db, URL, "a" * 64, "p1") is None
    assert write(db, scan).action == "unchanged"
    assert dump(corpus_path) == before
    assert rows(corpus_path, "SELECT status, reason FROM rejected_documents") == [
        ("needs_ocr", "no text layer; tesseract not installed")
    ]
    # once OCR is there, the same bytes become a report and the rejection goes
    assert write(db, sample_report()).action == "new"
    assert rows(corpus_path, "SELECT count(*) FROM rejected_documents") == [(0,)]
    assert rows(corpus_path, "SELECT count(*) FROM reports") == [(1,)]
