"""DOCX shapes met in portal attachments, built with python-docx: a layout table wrapping the
report, rows inside content controls, and Word 97-style horizontal merges (``w:hMerge``)."""

from __future__ import annotations

import io
import re
import subprocess
import zipfile

import docx as python_docx
import pytest
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from archive.convert import parse_with_conversions
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


def numbered_report() -> bytes:
    """Headings and table rows numbered by Word lists (一、 二、 / 1. 2.), as python-docx's template
    defines them, with the first list switched to Chinese counting as WPS and Word users set it."""
    document = python_docx.Document()
    document.add_paragraph("总体情况", style="List Number")
    document.add_paragraph("主动公开政府信息情况", style="List Number")
    table = document.add_table(rows=2, cols=2)
    for row, label in enumerate(["属于国家秘密", "其他法律行政法规禁止公开"]):
        paragraph = table.cell(row, 0).paragraphs[0]
        paragraph.text = label
        paragraph.style = "List Number 2"
        table.cell(row, 1).text = str(row)
    document.add_paragraph("收到和处理政府信息公开申请情况", style="List Number")
    source = zipfile.ZipFile(io.BytesIO(saved(document)))
    numbering = source.read("word/numbering.xml").decode()
    abstract = re.search(r'<w:num w:numId="5"><w:abstractNumId w:val="(\d+)"/>', numbering).group(1)
    start = numbering.index(f'w:abstractNumId="{abstract}"')
    level = numbering.index('<w:lvl w:ilvl="0"', start)
    end = numbering.index("</w:lvl>", level)
    chinese = (numbering[level:end].replace('w:val="decimal"', 'w:val="chineseCounting"')
               .replace('w:val="%1."', 'w:val="%1、"'))
    numbering = numbering[:level] + chinese + numbering[end:]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = numbering.encode() if item.filename == "word/numbering.xml" else source.read(item.filename)
            target.writestr(item, content)
    return out.getvalue()


def test_list_numbers_word_draws_are_part_of_the_text():
    blocks = docx.read(numbered_report()).blocks
    assert [b.text for b in blocks if isinstance(b, Paragraph)] == [
        "一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况"]
    (grid,) = [b for b in blocks if isinstance(b, Grid)]
    assert [row[0].text for row in grid.rows] == ["1.属于国家秘密", "2.其他法律行政法规禁止公开"]


@pytest.mark.slow
def test_list_numbers_survive_the_doc_conversion(tmp_path):
    source = tmp_path / "numbered.docx"
    source.write_bytes(numbered_report())
    subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                    "--convert-to", "doc:MS Word 97", "--outdir", str(tmp_path), str(source)],
                   check=True, capture_output=True, timeout=180)
    report = parse_with_conversions((tmp_path / "numbered.doc").read_bytes(), filename="numbered.doc")
    assert "一、总体情况" in report.text and "二、主动公开政府信息情况" in report.text
    assert "1.属于国家秘密" in report.text
