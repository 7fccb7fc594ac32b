"""The DOCX reader's shortcuts give the numbers and text Word shows: list numbers a paragraph gets
from its style through ``w:basedOn``, in Strict OOXML and under any namespace prefix; list
definitions remembered from one document never leak into the next (counters restart, a different
numbering.xml gives different numbers, a corrupt copy of a known styles.xml is still an error);
``w:pPr`` out of its usual place; tabs, breaks and images inside tables."""

from __future__ import annotations

import io
import re
import struct
import zipfile

import pytest

from parsers.formats import docx
from parsers.model import Grid, Paragraph

TRANSITIONAL = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
STRICT = "http://purl.oclc.org/ooxml/wordprocessingml/main"

STYLES = (
    '<w:styles xmlns:w="{ns}">'
    '<w:style w:type="paragraph" w:styleId="Normal"><w:name w:val="Normal"/></w:style>'
    '<w:style w:type="paragraph" w:styleId="Heading1"><w:basedOn w:val="Normal"/></w:style>'
    '<w:style w:type="paragraph" w:styleId="Section"><w:basedOn w:val="Normal"/>'
    '<w:pPr><w:numPr><w:numId w:val="1"/></w:numPr></w:pPr></w:style>'
    '<w:style w:type="paragraph" w:styleId="SectionBold"><w:basedOn w:val="Section"/><w:rPr><w:b/></w:rPr></w:style>'
    '<w:style w:type="paragraph" w:styleId="SectionBoldRed"><w:basedOn w:val="SectionBold"/></w:style>'
    '<w:style w:type="paragraph" w:styleId="Item"><w:pPr><w:numPr><w:ilvl w:val="1"/><w:numId w:val="1"/>'
    "</w:numPr></w:pPr></w:style>"
    '<w:style w:type="paragraph" w:styleId="LoopA"><w:basedOn w:val="LoopB"/></w:style>'
    '<w:style w:type="paragraph" w:styleId="LoopB"><w:basedOn w:val="LoopA"/></w:style>'
    "</w:styles>"
)
NUMBERING = (
    '<w:numbering xmlns:w="{ns}"><w:abstractNum w:abstractNumId="7">'
    '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="{format}"/><w:lvlText w:val="%1、"/></w:lvl>'
    '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="（%2）"/></w:lvl>'
    '</w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="7"/></w:num></w:numbering>'
)


def paragraph(text: str, style: str | None = None) -> str:
    properties = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    return f"<w:p>{properties}<w:r><w:t>{text}</w:t></w:r></w:p>"


BODY = "".join([
    paragraph("年度报告", "Heading1"),
    paragraph("总体情况", "Section"),
    paragraph("主动公开", "Item"),
    paragraph("依申请公开", "Item"),
    paragraph("主动公开政府信息情况", "SectionBold"),
    paragraph("收到和处理政府信息公开申请情况", "SectionBoldRed"),
    paragraph("存在的主要问题", "LoopA"),
])
EXPECTED = ["年度报告", "一、总体情况", "（1）主动公开", "（2）依申请公开", "二、主动公开政府信息情况",
            "三、收到和处理政府信息公开申请情况", "存在的主要问题"]


def docx_bytes(body: str = BODY, *, ns: str = TRANSITIONAL, prefix: str = "w", number_format: str = "chineseCounting",
               styles: str = STYLES, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    parts = {
        "word/document.xml": f'<w:document xmlns:w="{ns}"><w:body>{body}</w:body></w:document>',
        "word/styles.xml": styles.format(ns=ns),
        "word/numbering.xml": NUMBERING.format(ns=ns, format=number_format),
    }
    if prefix != "w":
        parts = {name: re.sub(r"(?<=[<\s/])w:", f"{prefix}:", xml).replace("xmlns:w=", f"xmlns:{prefix}=")
                 for name, xml in parts.items()}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        for name, xml in parts.items():
            archive.writestr(name, xml.encode())
    return buffer.getvalue()


def paragraph_texts(data: bytes) -> list[str]:
    document = docx.read(data)
    assert document.status is None, document.status_detail
    return [block.text for block in document.blocks if isinstance(block, Paragraph)]


@pytest.mark.parametrize("ns", [TRANSITIONAL, STRICT], ids=["transitional", "strict"])
@pytest.mark.parametrize("prefix", ["w", "ns0", "wx"])
def test_styles_number_their_paragraphs_through_based_on_in_any_namespace_and_prefix(ns, prefix):
    data = docx_bytes(ns=ns, prefix=prefix)
    if prefix != "w":
        assert b"<w:" not in data and f"<{prefix}:p>".encode() in zipfile.ZipFile(io.BytesIO(data)).read(
            "word/document.xml")
    assert paragraph_texts(data) == EXPECTED


def test_numbers_restart_in_every_document_read():
    data = docx_bytes()
    assert paragraph_texts(data) == EXPECTED
    assert paragraph_texts(data) == EXPECTED


def test_the_same_styles_with_another_numbering_give_that_numbering():
    assert paragraph_texts(docx_bytes()) == EXPECTED
    decimal = paragraph_texts(docx_bytes(number_format="decimal"))
    assert decimal[1] == "1、总体情况" and decimal[4] == "2、主动公开政府信息情况"
    assert paragraph_texts(docx_bytes(compression=zipfile.ZIP_STORED)) == EXPECTED


def test_styles_without_numbering_leave_paragraphs_unnumbered():
    plain_styles = re.sub(r"<w:pPr><w:numPr>.*?</w:numPr></w:pPr>", "", STYLES)
    assert "numPr" not in plain_styles
    assert paragraph_texts(docx_bytes(styles=plain_styles)) == [re.sub(r"^.*、|^（\d）", "", t) for t in EXPECTED]


def with_wrong_crc(data: bytes, member: str) -> bytes:
    """``data`` with ``member``'s CRC-32 changed in its local header and in the central directory."""
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(member)
    patched = bytearray(data)
    struct.pack_into("<I", patched, info.header_offset + 14, info.CRC ^ 1)
    position = 0
    while True:
        position = patched.index(b"PK\x01\x02", position)
        name_length = struct.unpack_from("<H", patched, position + 28)[0]
        if patched[position + 46:position + 46 + name_length] == member.encode():
            struct.pack_into("<I", patched, position + 16, info.CRC ^ 1)
            return bytes(patched)
        position += 4


@pytest.mark.parametrize("member", ["word/styles.xml", "word/numbering.xml"])
def test_a_corrupt_copy_of_a_known_member_is_still_an_error(member):
    data = docx_bytes()
    assert paragraph_texts(data) == EXPECTED  # the intact member is now known
    document = docx.read(with_wrong_crc(data, member))
    assert document.status == "error"
    assert f"corrupt zip member {member}: Bad CRC-32" in document.status_detail


def test_paragraph_properties_after_a_run_still_number_the_paragraph():
    late = '<w:p><w:r><w:t>总体</w:t></w:r><w:pPr><w:pStyle w:val="Section"/></w:pPr><w:r><w:t>情况</w:t></w:r></w:p>'
    assert paragraph_texts(docx_bytes(paragraph("报告", "Heading1") + late)) == ["报告", "一、总体情况"]


def test_tabs_breaks_and_images_in_a_table_among_plain_tables():
    def table(*cells: str) -> str:
        return "<w:tbl><w:tr>" + "".join(f"<w:tc><w:p><w:r>{c}</w:r></w:p></w:tc>" for c in cells) + "</w:tr></w:tbl>"

    special = table("<w:t>甲</w:t><w:tab/><w:t>乙</w:t>", "<w:t>丙</w:t><w:br/><w:t>丁</w:t>",
                    "<w:drawing/><w:t>图</w:t>")
    body = (table("<w:t>行政许可</w:t>", "<w:t>12</w:t>") + special
            + paragraph("其他") + table("<w:t>行政处罚</w:t>", "<w:t>3</w:t>"))
    document = docx.read(docx_bytes(body))
    grids = [[[cell.text for cell in row] for row in block.rows]
             for block in document.blocks if isinstance(block, Grid)]
    assert grids == [[["行政许可", "12"]], [["甲 乙", "丙 丁", "图"]], [["行政处罚", "3"]]]
    assert document.images_in_body == 1


def test_grid_before_pads_a_row_with_blank_cells_numbered_from_the_first_column():
    body = ("<w:tbl><w:tr><w:tc><w:p><w:r><w:t>项目</w:t></w:r></w:p></w:tc><w:tc><w:p/></w:tc><w:tc><w:p/></w:tc>"
            "<w:tc><w:p><w:r><w:t>合计</w:t></w:r></w:p></w:tc></w:tr>"
            '<w:tr><w:trPr><w:gridBefore w:val="3"/></w:trPr><w:tc><w:p><w:r><w:t>7</w:t></w:r></w:p></w:tc></w:tr>'
            "</w:tbl>")
    (grid,) = [block for block in docx.read(docx_bytes(body)).blocks if isinstance(block, Grid)]
    assert [cell.text for cell in grid.rows[1]] == ["", "", "", "7"]
    assert [cell.source for cell in grid.rows[1]] == [f"docx table 1 row 2 col {c}" for c in (1, 2, 3, 4)]
