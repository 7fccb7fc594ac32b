"""A report with merged cells, repeated header rows, a running header, page numbers and a table
running over three page breaks (one of them splitting a row): python-docx built the DOCX,
LibreOffice printed it to PDF and saved it as DOC, and the OFD holds the PDF's layout."""

from __future__ import annotations

import io
import re

import pypdfium2 as pdfium
import pytest

import parsers
from archive.convert import parse_with_conversions
from parsers.formats import docx, ofd, pdf
from parsers.model import Grid


def grids(document) -> list[tuple[list[list[tuple[str, tuple[int, int] | None]]], str]]:
    return [([[("".join(cell.text.split()), cell.origin) for cell in row] for row in block.rows], block.source)
            for block in document.blocks if isinstance(block, Grid)]


@pytest.fixture(scope="module")
def docx_document(formats_dir):
    return docx.read((formats_dir / "report_2021.docx").read_bytes())


@pytest.fixture(scope="module")
def pdf_document(formats_dir):
    return pdf.read((formats_dir / "report_2021.pdf").read_bytes())


def test_docx_merged_cells_are_expanded_and_counted_once(docx_document):
    _, (applications, _), (review, _) = grids(docx_document)
    assert len(applications) == 3 + 25 and len(applications[0]) == 10
    # The rule note spans rows 0-2 and columns 0-2: one real cell, eight copies pointing at it.
    note_cells = [(r, c) for r in range(3) for c in range(3)]
    assert applications[0][0][1] is None
    assert all(applications[r][c] == (applications[0][0][0], (0, 0)) for r, c in note_cells[1:])
    # 三、本年度办理结果 spans 22 rows of column 0: printed once.
    originals = [row[0] for row in applications if row[0][0] == "三、本年度办理结果" and row[0][1] is None]
    copies = [row[0] for row in applications if row[0][0] == "三、本年度办理结果" and row[0][1] is not None]
    assert len(originals) == 1 and len(copies) == 21
    assert review[0][1] == ("行政复议", (0, 0)) and review[1][0] == ("行政复议", (0, 0))


def test_pdf_table_over_page_breaks_is_the_docx_table(docx_document, pdf_document):
    pdf_grids = grids(pdf_document)
    assert [g for g, _ in pdf_grids] == [g for g, _ in grids(docx_document)]
    sources = [source for _, source in pdf_grids]
    assert re.fullmatch(r"pdf pages 2-[4-9]", sources[1]), sources


def test_pdf_page_furniture_is_not_text(pdf_document):
    text = pdf_document.text
    assert "示例区人民政府办公室政府信息公开工作年度报告" not in text  # the running header
    assert not re.search(r"^- ?\d+ ?-$", text, re.MULTILINE)  # the page numbers
    assert "示例区人民政府办公室2021年政府信息公开工作年度报告" in text  # the title stays


def test_ofd_reads_like_the_pdf(formats_dir, pdf_document):
    document = ofd.read((formats_dir / "report_2021.ofd").read_bytes())
    assert document.status is None, document.status_detail
    assert [g for g, _ in grids(document)] == [g for g, _ in grids(pdf_document)]
    assert [b.text for b in document.blocks if not isinstance(b, Grid)] == [
        b.text for b in pdf_document.blocks if not isinstance(b, Grid)]


def application_totals(report) -> dict[str, tuple[float | None, float | None]]:
    return {row.row_key: (row.cells["natural_person"].value, row.cells["total"].value) for row in report.applications}


@pytest.mark.parametrize("extension", ["docx", "pdf", "ofd"])
def test_every_format_gives_the_printed_numbers(formats_dir, extension):
    report = parsers.parse((formats_dir / f"report_2021.{extension}").read_bytes(), filename=f"r.{extension}")
    assert report.status == "full", report.status_detail
    totals = application_totals(report)
    assert totals["new_received"] == (31, 46)
    assert totals["denied_third_party_rights"] == (2, 3)  # the row split by a page break
    assert totals["total_processed"] == (32, 45)
    assert len(report.applications) == 25
    assert not report.violations
    fees = [c for c in report.active_disclosure if c.category == "admin_fees"]
    assert [c.value.raw for c in fees] == ["25.1000"]


@pytest.mark.slow
def test_doc_and_wps_are_converted_and_read_like_the_docx(formats_dir):
    expected = parsers.parse((formats_dir / "report_2021.docx").read_bytes(), filename="r.docx")
    data = (formats_dir / "report_2021.doc").read_bytes()
    for name in ("r.doc", "r.wps"):
        report = parse_with_conversions(data, filename=name)
        assert report.format == name[-3:]
        assert application_totals(report) == application_totals(expected)
        assert [(c.category, c.metric, c.value) for c in report.active_disclosure] != []


def test_pdf_sources_point_at_the_printed_number(formats_dir):
    """Open the PDF at each value's page and position: the text there is the value's raw text."""
    report = parsers.parse((formats_dir / "report_2021.pdf").read_bytes(), filename="r.pdf")
    document = pdfium.PdfDocument(str(formats_dir / "report_2021.pdf"))
    checked = 0
    for row in report.applications:
        for value in row.cells.values():
            page_number, x, y = map(int, re.fullmatch(r"pdf page (\d+) x=(\d+) y=(\d+)", value.source).groups())
            page = document[page_number - 1]
            height = page.get_height()
            found = page.get_textpage().get_text_bounded(left=x - 2, bottom=height - y - 14, right=x + 25,
                                                         top=height - y + 2)
            assert found.split()[:1] == [value.raw], (value, found)
            checked += 1
    assert checked == 25 * 7


def test_pages_with_a_rotate_entry_read_the_same(formats_dir):
    """Scanners and some exporters set /Rotate instead of drawing a landscape page."""
    source = pdfium.PdfDocument(str(formats_dir / "report_2021.pdf"))
    expected = None
    for rotation in (0, 90):
        rotated = pdfium.PdfDocument.new()
        rotated.import_pages(source)
        for index in range(len(rotated)):
            rotated[index].set_rotation(rotation)
        buffer = io.BytesIO()
        rotated.save(buffer)
        document = pdf.read(buffer.getvalue())
        assert "示例区人民政府办公室政府信息公开工作年度报告" not in document.text  # running header still found
        if expected is None:
            expected = grids(document)
        assert grids(document) == expected


def test_a_table_continued_on_a_page_with_mirrored_margins_is_still_one_table(formats_dir, pdf_document):
    """Printed reports mirror their margins: the continuation sits 18 pt further right on even pages."""
    shifted = pdfium.PdfDocument(str(formats_dir / "report_2021.pdf"))
    for index in range(1, len(shifted), 2):
        page = shifted[index]
        for obj in page.get_objects():
            obj.transform(pdfium.PdfMatrix().translate(18, 0))
        page.gen_content()
    buffer = io.BytesIO()
    shifted.save(buffer)
    document = pdf.read(buffer.getvalue())
    assert [g for g, _ in grids(document)] == [g for g, _ in grids(pdf_document)]
    applications = [b for b in document.blocks if isinstance(b, Grid)][1]
    unshifted = [b for b in pdf_document.blocks if isinstance(b, Grid)][1]
    on_page_4 = [(a.source, b.source) for row_a, row_b in zip(applications.rows, unshifted.rows, strict=True)
                 for a, b in zip(row_a, row_b, strict=True) if a.source.startswith("pdf page 4 ") and a.origin is None]
    assert on_page_4
    for moved, original in on_page_4:  # sources are positions on the page as printed: 18 pt to the right
        assert int(moved.split("x=")[1].split()[0]) - int(original.split("x=")[1].split()[0]) in (17, 18, 19)


def test_pdf_document_information_is_kept_as_prefixed_metadata(pdf_document):
    assert pdf_document.metadata["pdf:Producer"].startswith("LibreOffice")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", pdf_document.metadata["pdf:CreationDate"])
    assert all(key.startswith("pdf:") for key in pdf_document.metadata)
