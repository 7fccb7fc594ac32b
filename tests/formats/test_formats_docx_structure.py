"""DOCX shapes met in portal attachments, built with python-docx: a layout table wrapping the
report, rows inside content controls, and Word 97-style horizontal merges (``w:hMerge``)."""

from __future__ import annotations

import io

import docx as python_docx
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from parsers.formats import docx
from parsers.model import Grid, Paragraph


def saved(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_a_layout_table_around_the_report_is_read_as_its_content():
    document = python_docx.Document()
    wrapper = document.add_table(rows=1, cols=1).cell(0, 0)
    wrapper.paragraphs[0].text = "二、主动公开政府信息情况"
    cells = [["信息内容", "本年处理决定数量"], ["行政许可", "12"]]
    inner = wrapper.add_table(rows=2, cols=2)
    for r, values in enumerate(cells):
        for c, value in enumerate(values):
            inner.cell(r, c).text = value
    wrapper.add_paragraph("三、收到和处理政府信息公开申请情况")
    blocks = docx.read(saved(document)).blocks
    assert [type(b) for b in blocks] == [Paragraph, Grid, Paragraph]
    assert [[cell.text for cell in row] for row in blocks[1].rows] == cells
    assert blocks[1].rows[1][1].source == "docx table 1 row 2 col 2"


def test_rows_in_content_controls_and_horizontal_merges_are_read():
    document = python_docx.Document()
    table = document.add_table(rows=2, cols=3)
    for c, value in enumerate(["行政处罚", "", "7"]):
        table.cell(0, c).text = value
    for c, value in enumerate(["行政强制", "", "2"]):
        table.cell(1, c).text = value
    # cell (0, 1) continues (0, 0) the Word 97 way
    properties = table.cell(0, 1)._tc.get_or_add_tcPr()
    h_merge = OxmlElement("w:hMerge")
    h_merge.set(qn("w:val"), "continue")
    properties.append(h_merge)
    # row 2 wrapped in a content control
    tr = table.rows[1]._tr
    sdt, content = OxmlElement("w:sdt"), OxmlElement("w:sdtContent")
    tr.addprevious(sdt)
    sdt.append(content)
    content.append(tr)
    (grid,) = docx.read(saved(document)).blocks
    assert [[(cell.text, cell.origin) for cell in row] for row in grid.rows] == [
        [("行政处罚", None), ("行政处罚", (0, 0)), ("7", None)],
        [("行政强制", None), ("", None), ("2", None)],
    ]
