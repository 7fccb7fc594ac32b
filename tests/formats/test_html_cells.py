"""The HTML reader's table expansion in C (``parsers/formats/_html_cells.c``) against the Python it
replaced, which read every cell through lxml's API: on every table of the committed HTML files and on
hand-made tables with the odd markup real portals publish."""

from __future__ import annotations

import itertools
import operator
from pathlib import Path

import pytest
from lxml import etree

from parsers.decode import decode
from parsers.formats import html
from parsers.model import Grid, GridCell
from parsers.report.labels import collapse, grid_cell


def expected_grid(table, source: str, warnings: list[str]) -> Grid:
    """``expand_table`` as it was in Python (through lxml's API, one cell at a time): the reference."""
    rows = html._own_rows(table)
    height = len(rows)
    placed: list[dict[int, GridCell]] = [{} for _ in rows]
    count = width = 0
    for r, row in enumerate(rows):
        if count > html.MAX_TABLE_CELLS:
            height = r
            warnings.append(
                f"{source}: more than {html.MAX_TABLE_CELLS} cells once merged cells are expanded; cut at row {r}"
            )
            break
        own = placed[r]
        c = 0
        for cell in row:
            if cell.tag not in ("td", "th"):
                continue
            while c in own:
                c += 1
            if not len(cell):
                text = cell.text or ""
                if not text.isalnum():
                    text = collapse(text)
            else:
                text = etree.tostring(cell, method="text", encoding=str, with_tail=False).strip(html._PADDING)
                if text and not text.isalnum() and html._has_space(text):
                    text = html.cell_text(cell)
            where = f"{source} row {r + 1} col {c + 1}"
            own[c] = GridCell(text, where)
            count += 1
            rowspan_attribute = next((value for name, value in cell.items() if name == "rowspan"), None)
            colspan_attribute = next((value for name, value in cell.items() if name == "colspan"), None)
            rowspan = html._span(rowspan_attribute, min(html.MAX_SPAN, height - r))
            colspan = html._span(colspan_attribute, html.MAX_SPAN)
            if rowspan > 1 or colspan > 1:
                copy = grid_cell(text, where, (r, c))
                for dr, dc in itertools.product(range(rowspan), range(colspan)):
                    if (dr or dc) and c + dc not in placed[r + dr]:
                        placed[r + dr][c + dc] = copy
                        count += 1
            c += colspan
        width = max(width, c)
    blank = GridCell("", source)
    grid_rows = [[own.get(column, blank) for column in range(width)] for own in placed[:height]]
    return Grid(rows=[row for row in grid_rows if any(map(operator.attrgetter("text"), row))], source=source)


def assert_same_grid(table, source: str = "html table 1") -> Grid:
    expected_warnings: list[str] = []
    warnings: list[str] = []
    expected = expected_grid(table, source, expected_warnings)
    grid = html.expand_table(table, source, warnings=warnings)
    assert grid.source == expected.source
    assert grid.rows == expected.rows
    # a merged cell's copies are one shared object, as before
    for row, expected_row in zip(grid.rows, expected.rows, strict=True):
        for cell, expected_cell in zip(row, expected_row, strict=True):
            assert (cell.origin is None) == (expected_cell.origin is None)
    assert warnings == expected_warnings
    return grid


def tables_of(markup: str, parser=None):
    root = etree.fromstring(markup, parser or html._PARSER)
    return root.findall(".//table")


HTML_FILES = sorted((Path(__file__).resolve().parents[1] / "fixtures").rglob("*.htm*"))


def test_the_committed_html_files_have_tables():
    assert sum(len(tables_of(decode(path.read_bytes(), None)[0])) for path in HTML_FILES) >= 25


@pytest.mark.parametrize("path", HTML_FILES, ids=lambda path: path.name)
def test_every_table_of_a_committed_html_file_expands_as_before(path):
    text, encoding = decode(path.read_bytes(), None)
    root = html.parse_decoded(path.read_bytes(), text, encoding)
    for number, table in enumerate(root.iter("table"), 1):
        assert_same_grid(table, f"html table {number}")


ODD_TABLES = {
    "spans across and down": """<table><tr><td rowspan="2">项目</td><td colspan="2">申请人情况</td></tr>
        <tr><td>自然人</td><td>法人</td></tr><tr><td>收到</td><td>1</td><td>2</td></tr></table>""",
    "a rowspan past the last row": """<table><tr><td rowspan="9">甲</td><td>1</td></tr><tr><td>2</td></tr></table>""",
    "odd span values": """<table><tr><td colspan="2px">a</td><td rowspan="">b</td><td colspan="０２">c</td>
        <td rowspan="-3">d</td><td colspan="0">e</td><td colspan="99999999999999999999">f</td></tr>
        <tr><td rowspan="x">g</td><td ROWSPAN="2" rowspan="3">h</td><td colspan>i</td></tr></table>""",
    "entities, spaces and breaks": """<table><tr><td>&nbsp;一、&amp; 总体&#12288;情况 </td>
        <td><p>第一段</p><p>第二段</p></td><td><span>本年</span><span>新收</span></td>
        <td>行一<br>行二</td><td> <b> 12 </b> </td><td>\u200b</td><td>  </td><td></td></tr></table>""",
    "upper case, th and stray children": """<TABLE><TR><TH>表头</TH><script>x=1</script><TD>内容</TD>
        <div>外</div><TD><Font>合 计</Font></TD></TR></TABLE>""",
    "a table inside a cell": """<table><tr><td>外<table><tr><td>内 一</td><td>内二</td></tr></table></td>
        <td>2</td></tr></table>""",
    "prefixed names": """<table><tr><td o:rowspan="2" x:colspan="3">a<o:p></o:p></td><td>b</td></tr></table>""",
    "rows in thead, tbody and tfoot": """<table><thead><tr><th>h</th></tr></thead><tbody><tr><td>b</td></tr>
        </tbody><tfoot><tr><td>f</td></tr></tfoot></table>""",
    "a span over a cell placed from above": """<table><tr><td>A</td><td rowspan="2">B</td><td>x</td></tr>
        <tr><td colspan="3">C</td></tr><tr><td>1</td><td>2</td><td>3</td><td>4</td></tr></table>""",
    "padding around nested text": """<table><tr><td><span>\u3000合计\u3000</span></td><td><p>\xa0 1 \t</p></td>
        <td><b>\u3000 </b></td></tr></table>""",
    "no cells at all": """<table><tr></tr><tr><td></td></tr></table>""",
}


@pytest.mark.parametrize("markup", ODD_TABLES.values(), ids=ODD_TABLES.keys())
def test_odd_markup_expands_as_before(markup):
    for table in tables_of(markup):
        assert_same_grid(table)


def test_comments_and_processing_instructions_in_a_row_keep_the_cells_in_place():
    keeping = etree.HTMLParser(encoding="utf-8", remove_comments=False, remove_pis=False)
    markup = "<table><tr><!-- c --><td>a<!-- in --></td><?pi x?><td rowspan='2'>b</td></tr><tr><td>c</td></tr></table>"
    (table,) = tables_of(markup, keeping)
    grid = assert_same_grid(table)
    assert [[cell.text for cell in row] for row in grid.rows] == [["a", "b"], ["c", "b"]]


def test_merged_cells_are_one_object_with_their_origin():
    (table,) = tables_of(ODD_TABLES["spans across and down"])
    grid = html.expand_table(table, "html table 1")
    assert [[cell.text for cell in row] for row in grid.rows] == [
        ["项目", "申请人情况", "申请人情况"],
        ["项目", "自然人", "法人"],
        ["收到", "1", "2"],
    ]
    assert grid.rows[0][0].origin is None and grid.rows[1][0].origin == (0, 0)
    assert grid.rows[0][2].origin == (0, 1) and grid.rows[0][2].source == "html table 1 row 1 col 2"
    assert grid.rows[2][2].source == "html table 1 row 3 col 3"


def test_an_attribute_in_a_namespace_is_not_a_span():
    (table,) = tables_of("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>")
    table[0][0].set("{urn:x}rowspan", "2")
    table[0][1].set("{urn:x}colspan", "2")
    grid = assert_same_grid(table)
    assert [[cell.text for cell in row] for row in grid.rows] == [["a", "b"], ["c", "d"]]


def test_an_entity_node_is_read_through_lxml():
    (table,) = tables_of("<table><tr><td>a</td><td rowspan='2'>b</td></tr><tr><td>c</td></tr></table>")
    first = table[0][0]
    first.append(etree.Entity("nbsp"))
    grid = assert_same_grid(table)
    # lxml's text of an undeclared entity is empty; the entity still makes the cell one with children
    assert [[cell.text for cell in row] for row in grid.rows] == [["a", "b"], ["c", "b"]]


def test_a_span_bomb_is_cut_with_a_warning():
    markup = "<table>" + "<tr><td colspan='60' rowspan='60'>x</td></tr>" * 40 + "</table>"
    (table,) = tables_of(markup)
    warnings: list[str] = []
    grid = html.expand_table(table, "html table 1", warnings=warnings)
    assert warnings and "more than 20000 cells" in warnings[0]
    assert len(grid.rows) < 40
    assert_same_grid(table)


def test_rows_that_are_not_lxml_elements_are_refused():
    with pytest.raises(TypeError, match="rows must be lxml elements"):
        html.expand_table(None, "html table 1", rows=["<tr>"])
