"""Hostile and broken files end in a clear per-file error (or a warning), never an exception,
and never cost unbounded memory: encrypted PDF, zip bomb, XML entity bomb, 500 pages, junk."""

from __future__ import annotations

import io
import random
import zipfile

import pypdfium2 as pdfium
import pytest

import parsers
from archive.convert import parse_with_conversions
from parsers.formats import _limits, docx, ofd, pdf, spreadsheet


def test_encrypted_pdf_is_an_error_naming_the_password(formats_dir):
    report = parsers.parse((formats_dir / "encrypted.pdf").read_bytes(), filename="encrypted.pdf")
    assert report.status == "error"
    assert "password" in report.status_detail


def test_corrupt_pdf_is_an_error():
    document = pdf.read(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer garbage")
    assert document.status == "error" and "unreadable PDF" in document.status_detail


def test_a_500_page_pdf_is_read_up_to_the_page_cap(formats_dir):
    source = pdfium.PdfDocument(str(formats_dir / "seeds" / "000_5101592a4cecb7a5.pdf"))
    big = pdfium.PdfDocument.new()
    big.import_pages(source, [0] * 500)
    buffer = io.BytesIO()
    big.save(buffer)
    document = pdf.read(buffer.getvalue())
    assert document.status is None
    assert f"only the first {pdf.MAX_PAGES} of 500 pages were read" in document.warnings
    pages = {block.source.split()[2] for block in document.blocks if block.source.startswith("pdf page ")}
    assert max(map(int, pages)) == pdf.MAX_PAGES


def zip_with(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_docx_zip_bomb_is_refused_before_it_is_inflated():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        with archive.open("word/document.xml", "w") as member:
            chunk = b" " * (1 << 20)
            for _ in range(_limits.MAX_MEMBER_BYTES // len(chunk) + 2):
                member.write(chunk)
    data = buffer.getvalue()
    assert len(data) < 1_000_000  # a small file that inflates past the cap
    report = parsers.parse(data, filename="bomb.docx")
    assert report.status == "error"
    assert "zip bomb" in report.status_detail


def test_xml_entity_bomb_is_refused_without_expanding_it():
    lol = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    xml = (f'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">{lol}]>'
           '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
           "<w:p><w:r><w:t>&lol9;</w:t></w:r></w:p><w:p><w:r><w:t>正文</w:t></w:r></w:p></w:body></w:document>")
    document = docx.read(zip_with({"word/document.xml": xml.encode()}))
    assert document.status == "error"
    assert "entity" in document.status_detail and "not well-formed" in document.status_detail


def test_xlsx_declaring_huge_members_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            chunk = b" " * (1 << 20)
            for _ in range(_limits.MAX_TOTAL_BYTES // len(chunk) + 2):
                member.write(chunk)
    document = spreadsheet.read(buffer.getvalue(), fmt="xlsx")
    assert document.status == "error" and "limit" in document.status_detail


def test_broken_office_files_are_errors_naming_the_reason():
    assert docx.read(zip_with({"word/other.xml": b"<x/>"})).status_detail == "DOCX without word/document.xml"
    broken = docx.read(zip_with({"word/document.xml": b"<w:document><unclosed>"}))
    assert broken.status == "error" and "not well-formed" in broken.status_detail
    assert spreadsheet.read(zip_with({"xl/workbook.xml": b"junk"}), fmt="xlsx").status == "error"
    assert spreadsheet.read(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, fmt="xls").status == "error"
    assert ofd.read(zip_with({"OFD.xml": b"<ofd:OFD xmlns:ofd='x'/>"})).status == "error"


def test_parse_with_conversions_never_raises_on_junk():
    for name, data in [("x.pdf", b"%PDF-"), ("x.docx", b"PK\x03\x04junk"), ("x.doc", b"\xd0\xcf\x11\xe0junk"),
                       ("x.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1junk"), ("x.bin", bytes(range(256)) * 4)]:
        report = parse_with_conversions(data, filename=name)
        assert report.status in ("error", "needs_converter", "not_a_report"), (name, report.status)
        assert report.status_detail, name


@pytest.mark.parametrize("name, reader", [
    ("report_2021.pdf", pdf.read), ("report_2021.docx", docx.read), ("report_2021.ofd", ofd.read),
    ("stats.xlsx", lambda data: spreadsheet.read(data, fmt="xlsx")),
    ("stats.xls", lambda data: spreadsheet.read(data, fmt="xls")),
])
def test_damaged_copies_of_real_files_end_in_a_document_not_an_exception(formats_dir, name, reader):
    original = (formats_dir / name).read_bytes()
    rnd = random.Random(name)
    statuses = set()
    for attempt in range(16):
        damaged = bytearray(original)
        if attempt % 2:
            damaged = damaged[: rnd.randrange(64, len(damaged))]
        else:
            for _ in range(30):
                damaged[rnd.randrange(len(damaged))] = rnd.randrange(256)
        document = reader(bytes(damaged))
        assert document.status in (None, "error", "needs_ocr"), document.status
        assert document.status is None or document.status_detail
        statuses.add(document.status)
    assert "error" in statuses  # the damage was real
