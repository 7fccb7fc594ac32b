"""The manifest's expected numbers equal what the served documents print.

The tables are read back here with lxml / python-docx and mapped to the spec's keys by their
printed labels (shared/spec/report-schema.md), independently of the generator."""

from __future__ import annotations

import io
import re

import docx
import lxml.html
import pypdfium2
from sample_portal_helpers import expand, fetch, number

COLUMNS = (
    "natural_person",
    "commercial_enterprise",
    "research_institution",
    "social_welfare_org",
    "legal_service_org",
    "other_org",
    "total",
)
OUTCOMES = ("upheld", "corrected", "other", "pending", "total")
PROCEEDINGS = ("administrative_review", "litigation_direct", "litigation_after_review")
ITEMS = {"（一）": "20.1", "（五）": "20.5", "（六）": "20.6", "（八）": "20.8", "（九）": "20.9"}
CATEGORIES = {
    "规章": "regulations",
    "行政规范性文件": "normative_documents",
    "规范性文件": "normative_documents",
    "行政许可": "licensing",
    "其他对外管理服务事项": "other_admin_services",
    "行政处罚": "penalty",
    "行政强制": "coercion",
    "行政事业性收费": "admin_fees",
    "政府集中采购": "centralized_procurement",
}
METRICS = {
    "本年制发件数": "issued",
    "本年废止件数": "repealed",
    "现行有效件数": "in_force",
    "本年处理决定数量": "decisions",
    "本年新制作数量": "newly_made",
    "本年新公开数量": "newly_published",
    "对外公开总数量": "total_published",
    "上一年项目数量": "previous_year_items",
    "本年增/减": "change",
    "处理决定数量": "decisions",
    "采购项目数量": "items",
    "采购总金额": "amount",
}
#: (fragment of the printed label, row_key), most specific first; tolerant of the usual misspellings.
ROW_LABELS = (
    ("本年新收", "new_received"),
    ("上年结转", "carried_over"),
    ("予以公开", "granted"),
    ("部分公开", "partially_granted"),
    ("国家秘密", "denied_state_secret"),
    ("禁止公开", "denied_prohibited_by_law"),
    ("三安全一稳定", "denied_security_stability"),
    ("第三方", "denied_third_party_rights"),
    ("内部事务", "denied_internal_affairs"),
    ("过程性", "denied_process_information"),
    ("案卷", "denied_enforcement_files"),
    ("行政查询", "denied_administrative_query"),
    ("不掌握", "unavailable_not_held"),
    ("另行制作", "unavailable_needs_creation"),
    ("补正后", "unavailable_unclear"),
    ("信访", "rejected_petition_complaint"),
    ("重复申请", "rejected_duplicate"),
    ("出版物", "rejected_publication"),
    ("大量反复", "rejected_excessive"),
    ("确认或重新出具", "rejected_confirmation"),
    ("逾期不补正", "other_no_correction"),
    ("缴纳费用", "other_unpaid_fee"),
    ("3.其他", "other_other"),
    ("其他处理", "other"),
    ("（七）总计", "total_processed"),
    ("结转下年度", "carried_forward"),
)


def metric_key(header: str) -> str:
    return "amount" if header.startswith("本年收费金额") else METRICS[header]


def read_active(rows: list[list[str]]) -> list[dict]:
    """rows: one list of distinct cell texts per table row (merged cells once)."""
    cells, item, metrics = [], None, []
    for row in rows:
        if row[0].startswith("第二十条"):
            item = next(v for k, v in ITEMS.items() if k in row[0])
        elif row[0] == "信息内容":
            metrics = [metric_key(h) for h in row[1:]]
        else:
            category = CATEGORIES[row[0]]
            for metric, raw in zip(metrics, row[1:], strict=True):
                cells.append({"item": item, "category": category, "metric": metric, "value": number(raw), "raw": raw})
    return cells


def read_applications(grid: list[list[str]]) -> dict:
    out = {}
    for row in grid[3:]:
        label = "".join(dict.fromkeys(row[:-7]))
        key = next(k for fragment, k in ROW_LABELS if fragment in label)
        assert key not in out, f"two rows read as {key}: {label}"
        out[key] = {c: number(v) for c, v in zip(COLUMNS, row[-7:], strict=True)}
    return out


def read_review(grid: list[list[str]]) -> dict:
    values = [number(v) for v in grid[-1]]
    return {p: dict(zip(OUTCOMES, values[i * 5 : i * 5 + 5], strict=True)) for i, p in enumerate(PROCEEDINGS)}


def find(grids, word):
    matches = [g for g in grids if any(word in cell for row in g for cell in row)]
    assert len(matches) == 1, f"{len(matches)} tables mention {word}"
    return matches[0]


def check(expected: dict, active_rows, grids) -> None:
    assert read_active(active_rows) == expected["active_disclosure"]
    assert read_applications(find(grids, "本年新收")) == expected["applications"]
    assert read_review(find(grids, "复议后起诉")) == expected["review_litigation"]


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
        tree = lxml.html.fromstring(page.text())
        tables = tree.xpath("//table")
        grids = [expand(t) for t in tables]
        active_table = next(
            t for t, g in zip(tables, grids, strict=True) if any("第二十条" in c for row in g for c in row)
        )
        active_rows = [
            [re.sub(r"\s+", "", td.text_content()) for td in tr.xpath("./td|./th")]
            for tr in active_table.xpath(".//tr")
        ]
        try:
            check(report["expected"], active_rows, grids)
        except AssertionError as error:
            raise AssertionError(f"{report['key']} {report['url']}: {error}") from error
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
            if sum(row[c] or 0 for c in COLUMNS[:6]) != (row["total"] or 0):
                broken.add((1, f"applications.{key}"))
        for proceeding, row in review.items():
            if sum(row[c] or 0 for c in OUTCOMES[:4]) != (row["total"] or 0):
                broken.add((4, f"review_litigation.{proceeding}"))
        listed = {(v["rule"], v["where"]) for v in report["expected_violations"] if v["rule"] in (1, 4)}
        assert broken == listed, report["key"]
