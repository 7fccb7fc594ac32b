"""The manifest's expected numbers equal what the served documents print.

The tables are read back here with lxml / python-docx and mapped to the spec's keys by their
printed labels (shared/spec/report-schema.md), independently of the generator."""

from __future__ import annotations

import io
import re

import docx
import lxml.html
import pypdfium2
from sample_portal_helpers import (
    check,
    check_html_report,
    expand,
    fetch,
    find,
    read_applications,
    read_review,
)

from parsers.model import APPLICANT_COLUMNS, OUTCOME_COLUMNS


def html_reports(manifest):
    return [r for r in manifest["reports"] if r["format"] == "html"]


def test_there_are_dozens_of_reports_of_both_templates(manifest):
    reports = manifest["reports"]
    assert 40 <= len(reports) <= 60
    assert {r["template"] for r in reports} == {"2019", "2021"}
    assert {r["format"] for r in reports} == {"html", "pdf", "docx"}
    assert {r["year"] for r in reports} >= {2019, 2020, 2021, 2022, 2023, 2024}
    assert len({r["agency"] for r in reports}) >= 30
    nonzero = [r for r in reports if any(v for row in r["expected"]["applications"].values() for v in row.values())]
    assert len(nonzero) >= len(reports) * 0.7
    blanks = [
        r for r in reports if any(v is None for row in r["expected"]["applications"].values() for v in row.values())
    ]
    assert blanks, "some reports must leave cells blank"
    assert sum(1 for r in reports if r["expected_violations"]) == 4


def test_every_html_report_prints_the_expected_numbers(portal, manifest):
    for report in html_reports(manifest):
        page = fetch(report["url"])
        assert page.status == 200, report["url"]
        check_html_report(report, page.body)
        assert report["title"] in page.text()


def _docx_rows(table):
    unique_rows, grid = [], []
    for row in table.rows:
        seen, texts = [], []
        for cell in row.cells:
            if cell._tc not in seen:
                seen.append(cell._tc)
                texts.append(re.sub(r"\s+", "", cell.text))
        unique_rows.append(texts)
        grid.append([re.sub(r"\s+", "", cell.text) for cell in row.cells])
    return unique_rows, grid


def test_docx_reports_print_the_expected_numbers_in_merged_tables(portal, manifest):
    reports = [r for r in manifest["reports"] if r["format"] == "docx"]
    assert reports
    for report in reports:
        fetched = fetch(report["url"])
        assert fetched.status == 200
        assert "docx" in fetched.header("Content-Disposition")
        document = docx.Document(io.BytesIO(fetched.body))
        read = [_docx_rows(t) for t in document.tables]
        grids = [grid for _rows, grid in read]
        active_rows = next(rows for rows, grid in read if any("第二十条" in c for row in grid for c in row))
        check(report["expected"], active_rows, grids)
        vertical = [c for row in document.tables[1].rows for c in row.cells]
        assert len({id(c._tc) for c in vertical}) < len(vertical), "the applications table must have merged cells"


def test_pdf_reports_carry_title_and_table_text(portal, manifest):
    reports = [r for r in manifest["reports"] if r["format"] == "pdf"]
    assert len(reports) >= 4
    for report in reports:
        fetched = fetch(report["url"])
        assert fetched.status == 200
        assert fetched.body.startswith(b"%PDF")
        pdf = pypdfium2.PdfDocument(fetched.body)
        text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
        flat = re.sub(r"\s+", "", text)
        assert re.sub(r"\s+", "", report["title"]) in flat
        assert "本年新收政府信息公开申请数量" in flat
        total = report["expected"]["applications"]["new_received"]["total"]
        assert str(int(total)) in flat


def test_expected_violations_match_the_printed_numbers(portal, manifest):
    """Rules 1 and 4 recomputed from the served HTML agree with the manifest's expected violations."""
    for report in html_reports(manifest):
        page = fetch(report["url"]).text()
        grids = [expand(t) for t in lxml.html.fromstring(page).xpath("//table")]
        apps = read_applications(find(grids, "本年新收"))
        review = read_review(find(grids, "复议后起诉"))
        broken = set()
        for key, row in apps.items():
            if sum(row[c] or 0 for c in APPLICANT_COLUMNS[:6]) != (row["total"] or 0):
                broken.add((1, f"applications.{key}"))
        for proceeding, row in review.items():
            if sum(row[c] or 0 for c in OUTCOME_COLUMNS[:4]) != (row["total"] or 0):
                broken.add((4, f"review_litigation.{proceeding}"))
        listed = {(v["rule"], v["where"]) for v in report["expected_violations"] if v["rule"] in (1, 4)}
        assert broken == listed, report["key"]
