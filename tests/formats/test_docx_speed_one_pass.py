"""A DOCX table read in one pass (``_BodyReader.cells_in_one_pass``) gives the grid that reading it
cell by cell gives, merges and all, and the one pass steps aside for every structure it does not
follow (hyperlinks, content controls, nested tables, misplaced cell properties, numbered paragraphs)."""

from __future__ import annotations

import io
import zipfile

import pytest

from parsers.formats import docx

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def run(text: str) -> str:
    return f"<w:r><w:t>{text}</w:t></w:r>"


def cell(inner: str, properties: str = "") -> str:
    return f'<w:tc><w:tcPr><w:tcW w:w="10"/>{properties}</w:tcPr>{inner}</w:tc>'


def para(*texts: str) -> str:
    return "<w:p>" + "".join(run(text) for text in texts) + "</w:p>"


def docx_bytes(body: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", f'<w:document xmlns:w="{W}"><w:body>{body}</w:body></w:document>')
    return buffer.getvalue()


def row(*cells: str) -> str:
    return "<w:tr>" + "".join(cells) + "</w:tr>"


def wrapped(wrapper: str, inner: str) -> str:
    return f"<w:{wrapper}>{inner}</w:{wrapper}>"


RESTART, SPAN_2 = '<w:vMerge w:val="restart"/>', '<w:gridSpan w:val="2"/>'
H_RESTART, H_CONTINUE = '<w:hMerge w:val="restart"/>', "<w:hMerge/>"
NUMBERED = '<w:pPr><w:numPr><w:numId w:val="1"/></w:numPr></w:pPr>'

#: A merged table as Word writes it: a header cell spanning two columns, a cell merged down two rows,
#: an old-style horizontal merge, wrapped cell text in runs and in several paragraphs, empty
#: paragraphs, whitespace to collapse.
PLAIN = "<w:tbl><w:tblPr/>" + "".join([
    row(cell(para("项目"), RESTART), cell(para("本年", "新增"), SPAN_2)),
    row(cell(para(""), "<w:vMerge/>"), cell(para("收到") + para("  申请 ") + "<w:p/>"), cell(para("12"))),
    row(cell(para("合计"), H_RESTART), cell(para("x"), H_CONTINUE), cell(para("3 4"))),
]) + "</w:tbl>"


def changed(old: str, new: str) -> str:
    assert PLAIN.count(old) == 1
    return PLAIN.replace(old, new)


SHAPES = {  # shape: (body, whether the one pass reads it: True, False, or None when not even tried)
    "plain": (PLAIN, True),
    "cell in a content control": (changed(cell(para("12")), wrapped("sdt", wrapped("sdtContent", cell(para("12"))))),
                                  True),
    "cell without properties": (changed(cell(para("12")), wrapped("tc", para("12"))), True),
    "hyperlink around a run": (changed(run("12"), wrapped("hyperlink", run("12"))), False),
    "text straight in a paragraph": (changed(run("12"), "<w:t>12</w:t>"), False),
    "paragraph in a content control": (changed(para("12"), wrapped("sdt", wrapped("sdtContent", para("12")))), False),
    # the outer table is a layout table, its cells read as the body; the inner one is read in one pass
    "nested table": (changed(para("12"), para("12") + wrapped("tbl", row(cell(para("内")))) + "<w:p/>"), True),
    "cell inside a cell": (changed(para("12"), para("12") + cell(para("内"))), False),
    "span in a second tcPr": (
        changed(cell(para("12")), wrapped("tc", "<w:tcPr/>" + wrapped("tcPr", SPAN_2) + para("12"))), False),
    "span outside tcPr": (changed(para("12"), wrapped("p", SPAN_2 + run("12"))), False),
    "numbered paragraph": (changed(para("12"), wrapped("p", NUMBERED + run("12"))), False),
    "tab in a cell": (changed(run("12"), "<w:r><w:t>1</w:t><w:tab/><w:t>2</w:t></w:r>"), None),
}


@pytest.mark.parametrize("shape", SHAPES)
def test_one_pass_gives_the_cell_by_cell_grid_or_steps_aside(shape, monkeypatch):
    body, takes_one_pass = SHAPES[shape]
    data = docx_bytes(body)
    passes: list[bool] = []
    one_pass = docx._BodyReader.cells_in_one_pass

    def recorded(self, *args):
        cells = one_pass(self, *args)
        passes.append(cells is not None)
        return cells

    monkeypatch.setattr(docx._BodyReader, "cells_in_one_pass", recorded)
    fast = docx.read(data)
    monkeypatch.setattr(docx._BodyReader, "cells_in_one_pass", lambda self, *args: None)
    cell_by_cell = docx.read(data)
    assert fast.status is None and fast.blocks
    assert fast == cell_by_cell
    assert passes == ([] if takes_one_pass is None else [takes_one_pass])


def test_the_plain_table_reads_as_word_shows_it():
    [grid] = docx.read(docx_bytes(PLAIN)).blocks
    assert [[c.text for c in row] for row in grid.rows] == [
        ["项目", "本年新增", "本年新增"],
        ["项目", "收到 申请", "12"],
        ["合计", "合计", "3 4"],
    ]
    assert [[c.origin for c in row] for row in grid.rows] == [
        [None, None, (0, 1)], [(0, 0), None, None], [None, (2, 0), None]]
