"""Every seed and every portal fixture parses exactly as the expected JSON says.

The expected files (``tests/fixtures/reports/expected/*.json``) were written by reading each
fixture, cell by cell; they are not dumps of the parser's output.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from parsers import parse
from parsers.model import APPLICANT_COLUMNS, OUTCOME_COLUMNS

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = sorted((ROOT / "tests/fixtures/reports/expected").glob("*.json"))

#: Printed forms whose number is not simply float(raw).
SPECIAL_NUMBERS = {
    "": None,
    "—": None,
    "/": None,
    "1,234": 1234.0,
    "251000元": 251000.0,
    "１２": 12.0,
    "-2": -2.0,
}


def expected_number(raw: str) -> float | None:
    if raw in SPECIAL_NUMBERS:
        return SPECIAL_NUMBERS[raw]
    assert re.fullmatch(r"\d+(\.\d+)?", raw), f"add {raw!r} to SPECIAL_NUMBERS"
    return float(raw)


def _load(path: Path):
    expected = json.loads(path.read_text(encoding="utf-8"))
    data = (ROOT / expected["fixture"]).read_bytes()
    report = parse(data, filename=Path(expected["fixture"]).name, url=expected.get("url"))
    return expected, report


@pytest.mark.parametrize("path", EXPECTED, ids=[p.stem for p in EXPECTED])
def test_metadata(path):
    expected, report = _load(path)
    assert (report.status, report.template) == (expected["status"], expected["template"]), report.status_detail
    assert report.title == expected["title"]
    assert report.year == expected["year"]
    assert report.agency == expected["agency"]
    assert report.published == expected["published"]
    region = report.region
    assert [region.province, region.city, region.county, region.code] == list(expected["region"].values())
    assert report.level == expected["level"]
    assert report.body_kind == expected["body_kind"]
    assert [s.number for s in report.sections] == expected["sections"]
    if report.status != "tables_as_images":  # there, sections 二–四 hold only pictures
        assert all(s.text for s in report.sections)


@pytest.mark.parametrize("path", EXPECTED, ids=[p.stem for p in EXPECTED])
def test_active_disclosure_cells(path):
    expected, report = _load(path)
    printed = [[c.item, c.category, c.metric, c.value.raw] for c in report.active_disclosure]
    assert printed == expected["active_disclosure"]
    for cell in report.active_disclosure:
        assert cell.value.value == expected_number(cell.value.raw), cell


@pytest.mark.parametrize("path", EXPECTED, ids=[p.stem for p in EXPECTED])
def test_applications_cells(path):
    expected, report = _load(path)
    printed = [
        [row.row_key, row.row_label, [row.cells[c].raw if c in row.cells else None for c in APPLICANT_COLUMNS]]
        for row in report.applications
    ]
    assert printed == expected["applications"]
    for row in report.applications:
        for value in row.cells.values():
            assert value.value == expected_number(value.raw), row


@pytest.mark.parametrize("path", EXPECTED, ids=[p.stem for p in EXPECTED])
def test_review_litigation_cells(path):
    expected, report = _load(path)
    printed = {
        row.proceeding: [row.cells[c].raw if c in row.cells else None for c in OUTCOME_COLUMNS]
        for row in report.review_litigation
    }
    assert printed == expected["review_litigation"]
    for row in report.review_litigation:
        for value in row.cells.values():
            assert value.value == expected_number(value.raw), row


@pytest.mark.parametrize("path", EXPECTED, ids=[p.stem for p in EXPECTED])
def test_consistency_rules_and_notes(path):
    expected, report = _load(path)
    assert [[v.rule, v.location] for v in report.violations] == expected["violations"]
    assert len(report.notes) == expected["notes"], report.notes


def test_seed_003_total_row_keeps_the_seven_labelled_values_and_says_so():
    report = parse((ROOT / "tests/fixtures/seeds/003_4e852c2e8c9680eb.txt").read_bytes(), filename="003.txt")
    total = next(r for r in report.applications if r.row_key == "total_processed")
    assert [total.cells[c].raw for c in APPLICANT_COLUMNS] == ["0"] * 7
    assert len(report.notes) == 1
    assert "(七) 总计" in report.notes[0] and "not used" in report.notes[0]


def test_seed_004_violation_values():
    report = parse((ROOT / "tests/fixtures/seeds/004_7eb68c448bcdd812.txt").read_bytes(), filename="004.txt")
    found = {(v.rule, v.location): (v.expected, v.actual) for v in report.violations}
    assert found[(2, "applications.natural_person")] == ("1", "0")
    assert found[(3, "applications.total_processed.total")] == ("1", "0")
    assert found[(5, "reports.published")] == ("after 2022-12-31", "2022-01-18")
    # a broken rule never alters a number
    new = next(r for r in report.applications if r.row_key == "new_received")
    assert new.cells["natural_person"].value == 1.0


def test_gkmlpt_region_needs_the_host_to_tell_which_nanshan():
    expected = json.loads((ROOT / "tests/fixtures/reports/expected/gkmlpt_2021.json").read_text(encoding="utf-8"))
    data = (ROOT / expected["fixture"]).read_bytes()
    without_host = parse(data, filename="post.html")
    assert without_host.region.code is None  # 南山区 exists in 深圳 and in 鹤岗
    with_host = parse(data, filename="post.html", url=expected["url"])
    assert with_host.region.code == "440305"


def test_section_texts_are_searchable():
    report = parse((ROOT / "tests/fixtures/seeds/002_d48cc1d4f0ad93c8.txt").read_bytes(), filename="002.txt")
    by_number = {s.number: s for s in report.sections}
    assert by_number[5].heading == "存在的主要问题及改进情况"  # printed without "五、"
    assert "政策解读形式较为单一" not in by_number[5].text
    assert "主要表现在" in by_number[5].text
    assert by_number[6].text == "无其他事项。"
