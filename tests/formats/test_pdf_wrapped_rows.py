"""A LibreOffice PDF whose applications table breaks pages inside a row with a long wrapped label.

tests/fixtures/formats/wrapped_rows_page_break.pdf is a 2019-template report set in WenQuanYi Zen Hei
(synth's TrueType pool font).  Page 1 ends inside the row "（二）部分公开（区分处理的，只计这一情形，
不计其他情形）": its numbers are printed before the break, and page 2 starts with the rest of its label
and the last character "果" of the group label "三、本年度办理结果", a cell merged down from the rows
above.  The cells expected are those ``pdftotext -layout`` shows for the rows.
"""

from __future__ import annotations

from pathlib import Path

from parsers import parse

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "formats" / "wrapped_rows_page_break.pdf"


def _rows():
    report = parse(FIXTURE.read_bytes(), filename="wrapped_rows_page_break.pdf")
    return report.applications


def test_a_row_cut_by_the_page_break_is_read_as_one_row():
    rows = _rows()
    keys = [row.row_key for row in rows]
    assert len(keys) == len(set(keys)), keys
    assert keys[:5] == ["new_received", "carried_over", "granted", "partially_granted", "denied_state_secret"]
    partial = rows[3]
    assert partial.row_label == "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"
    assert {col: value.value for col, value in partial.cells.items()} == {
        "natural_person": 1.0, "commercial_enterprise": 0.0, "research_institution": None,
        "social_welfare_org": None, "legal_service_org": 0.0, "other_org": None, "total": 1.0,
    }


def test_the_rows_after_the_split_keep_their_numbers():
    by_key = {row.row_key: {col: value.value for col, value in row.cells.items()} for row in _rows()}
    assert by_key["granted"]["total"] == 1.0
    assert by_key["denied_security_stability"]["commercial_enterprise"] == 1.0
    assert by_key["denied_third_party_rights"]["total"] == 1.0
    assert by_key["total_processed"] == {
        "natural_person": 1.0, "commercial_enterprise": 3.0, "research_institution": None,
        "social_welfare_org": None, "legal_service_org": 0.0, "other_org": None, "total": 4.0,
    }
    assert by_key["carried_forward"]["total"] == 0.0
