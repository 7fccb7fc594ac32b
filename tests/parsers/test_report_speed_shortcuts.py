"""The report reader's shortcuts give what the long way gives.

Rows' texts made from a grid's tab-separated lines, the usual row's values picked by the header's
columns, a portal host's code looked up by its tails: each is checked against the plain rule it
stands for, on the inputs where a shortcut could go wrong (cells holding tabs or line breaks,
values outside the header's columns, hosts that merely end like a known one).
"""

from __future__ import annotations

import pytest

from parsers.model import Grid, GridCell
from parsers.regions import region_of_host
from parsers.report.labels import compact, similarity, similarity_reaching
from parsers.report.sections import CANONICAL_HEADINGS
from parsers.report.tables import APPLICATION_ROWS, GROUPS, _marked_rows, align

GRIDS = {
    "plain": [["一、主动公开政府信息情况", ""], ["第二十条第（一）项", ""], ["规章", "3"], ["规范性文件", "0"]],
    "tab in a cell": [["申请人情况", "自然\t人"], ["本年新收", "1"]],
    "line break in a cell": [["自然\n人", "商业企业"], ["（一）予以公开", "2"]],
    "word across two cells": [["自然", "人"], ["其他", "0"]],
    "empty row": [[], ["行政复议", "结果维持"]],
    "no rows": [],
}


@pytest.mark.parametrize("name", list(GRIDS))
def test_rows_made_from_the_grid_lines_are_the_cells_joined(name):
    grid = Grid([[GridCell(text) for text in row] for row in GRIDS[name]])
    texts, marked = _marked_rows(grid, grid.lines())
    assert texts == ["".join(cell.text for cell in row) for row in grid.rows]
    assert (texts, marked) == _marked_rows(grid, None)


def test_a_table_word_split_over_two_cells_still_marks_its_row():
    grid = Grid([[GridCell("自然"), GridCell("人")], [GridCell("其他"), GridCell("0")]])
    assert _marked_rows(grid, grid.lines())[1] == [0]


def _row(*texts: str) -> list[GridCell]:
    return [GridCell(text) for text in texts]


def test_the_usual_row_takes_the_cells_under_the_header_columns():
    cells = _row("（一）予以公开", "1", "2", "3")
    chosen, unused = align(cells, 1, (1, 2, 3), 3)
    assert chosen == cells[1:] and unused == []


def test_a_value_outside_the_header_columns_is_not_the_usual_row():
    # the values sit one cell right of the header: the shift search places them, as before
    cells = _row("（一）予以公开", "", "1", "2", "3")
    chosen, unused = align(cells, 1, (1, 2, 3), 3)
    assert [c.text for c in chosen] == ["1", "2", "3"] and unused == []


def test_a_merged_copy_outside_the_header_columns_keeps_the_usual_row():
    cells = [*_row("（一）予以公开", "1", "2"), GridCell("2", origin=(0, 2))]
    chosen, unused = align(cells, 1, (1, 2), 2)
    assert chosen == cells[1:3] and unused == []


def test_a_column_past_the_row_end_has_no_cell():
    cells = _row("（一）予以公开", "1")
    assert align(cells, 1, (1, 2), 2) == ([cells[1], None], [])


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("http://www.sg.gov.cn/zwgk/2023.html", "440200"),
        ("https://SG.GOV.CN/", "440200"),
        ("http://a.b.beijing.gov.cn/x", "110000"),
        ("http://www.gov.cn/", None),  # listed without a code
        ("http://sg.gov.cn.example.com/", None),
        ("http://xsg.gov.cn/", None),
        ("not a url", None),
        (None, None),
    ],
)
def test_a_portal_host_code_is_the_longest_known_host_it_ends_in(url, code):
    assert region_of_host(url) == code


def test_similarity_reaching_a_threshold_is_the_similarity_wherever_that_reaches_it():
    headings = [variant for variants in CANONICAL_HEADINGS.values() for variant in variants]
    labels = headings + [label for _, _, label in APPLICATION_ROWS] + list(GROUPS.values())
    lines = labels + [compact(text) for text in ("鸡西市农业农村局2022年政府信息公开年度报告", "二、主动公开情况", "")]
    reached = 0
    for line in lines:
        for heading in headings:
            a = line[: len(heading) + 2]
            exact = similarity(a, heading)
            for threshold in (0.5, 0.75, 0.9):
                shortcut = similarity_reaching(a, heading, threshold)
                if exact >= threshold:
                    reached += 1
                    assert shortcut == exact, (a, heading, threshold)
                else:
                    assert shortcut in (0.0, exact), (a, heading, threshold)
    assert reached > len(headings)  # the pairs include matches, not only misses
