"""XLS/XLSX: openpyxl wrote stats.xlsx with merged cells, LibreOffice saved it as stats.xls."""

from __future__ import annotations

import pytest

import parsers
from parsers.formats import spreadsheet
from parsers.model import Document, Grid, Paragraph
from parsers.report import parse_report


def cells(document: Document) -> list[list[tuple[str, tuple[int, int] | None]]]:
    (grid,) = [block for block in document.blocks if isinstance(block, Grid)]
    return [[(cell.text, cell.origin) for cell in row] for row in grid.rows]


@pytest.fixture(scope="module")
def xlsx(formats_dir) -> Document:
    return spreadsheet.read((formats_dir / "stats.xlsx").read_bytes(), fmt="xlsx")


def test_xls_and_xlsx_give_the_same_grid(formats_dir, xlsx):
    xls = spreadsheet.read((formats_dir / "stats.xls").read_bytes(), fmt="xls")
    assert xls.status is None and xlsx.status is None
    assert cells(xls) == cells(xlsx)


def test_merged_cells_are_expanded_with_their_origin(xlsx):
    grid = cells(xlsx)
    assert len(grid) == 28 and len(grid[0]) == 10
    assert grid[0][3] == ("申请人情况", None) and grid[0][9] == ("申请人情况", (0, 3))
    assert grid[2][3] == ("自然人", (1, 3))
    label = "一、本年新收政府信息公开申请数量"
    assert grid[3][:4] == [(label, None), (label, (3, 0)), (label, (3, 0)), ("31", None)]


def test_sources_name_sheet_and_cell(xlsx):
    (grid,) = [block for block in xlsx.blocks if isinstance(block, Grid)]
    assert grid.rows[3][9].source == "xlsx sheet 申请情况 J4" and grid.rows[3][9].text == "46"
    assert grid.rows[3][2].source == "xlsx sheet 申请情况 A4"  # a merged copy points at its origin


def test_the_grid_reads_as_the_applications_table(formats_dir, xlsx):
    (grid,) = [block for block in xlsx.blocks if isinstance(block, Grid)]
    document = Document(format="xlsx", blocks=[
        Paragraph("示例区人民政府办公室2021年政府信息公开工作年度报告"),
        Paragraph("三、收到和处理政府信息公开申请情况"),
        grid,
    ])
    report = parse_report(document)
    expected = parsers.parse((formats_dir / "report_2021.docx").read_bytes(), filename="r.docx")
    assert [(r.row_key, {k: v.raw for k, v in r.cells.items()}) for r in report.applications] == [
        (r.row_key, {k: v.raw for k, v in r.cells.items()}) for r in expected.applications]


@pytest.mark.parametrize("value, number_format, shown", [
    (3.0, "General", "3"), (0.5, "General", "0.5"), (25.1, "0.0000", "25.1000"), (0.25, "0.0%", "25.0%"),
    (1234.0, "#,##0", "1234"),
])
def test_numbers_read_as_displayed(value, number_format, shown):
    assert spreadsheet.format_number(value, number_format) == shown
