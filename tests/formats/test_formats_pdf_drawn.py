"""Tables drawn the way other exporters draw them — borders as filled hairline rectangles (Word) or
as one stroked rectangle per cell — built with PDFium's own page-object API, and read back as grids."""

from __future__ import annotations

import ctypes
import io
import re

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest

from parsers.formats import pdf
from parsers.model import Grid, Paragraph


def drawn_pdf(
    cells: dict[tuple[int, int], str], *, merged_first_row: bool, cell_rectangles: bool = False,
    open_sides: bool = False,
) -> bytes:
    document = pdfium.PdfDocument.new()
    page = document.new_page(595, 842)

    def text(x: float, y: float, value: str) -> None:
        obj = pdfium_c.FPDFPageObj_NewTextObj(document.raw, b"Helvetica", ctypes.c_float(10))
        buffer = ctypes.create_string_buffer((value + "\0").encode("utf-16-le"))
        pdfium_c.FPDFText_SetText(obj, ctypes.cast(buffer, ctypes.POINTER(pdfium_c.FPDF_WCHAR)))
        pdfium_c.FPDFPageObj_Transform(obj, 1, 0, 0, 1, x, y)
        pdfium_c.FPDFPage_InsertObject(page.raw, obj)

    def hairline(x: float, y: float, width: float, height: float) -> None:
        obj = pdfium_c.FPDFPageObj_CreateNewRect(x, y, width, height)
        pdfium_c.FPDFPageObj_SetFillColor(obj, 0, 0, 0, 255)
        pdfium_c.FPDFPath_SetDrawMode(obj, pdfium_c.FPDF_FILLMODE_WINDING, 0)
        pdfium_c.FPDFPage_InsertObject(page.raw, obj)

    def stroked_cell(x: float, y: float, width: float, height: float) -> None:
        obj = pdfium_c.FPDFPageObj_CreateNewRect(x, y, width, height)
        pdfium_c.FPDFPageObj_SetStrokeColor(obj, 0, 0, 0, 255)
        pdfium_c.FPDFPageObj_SetStrokeWidth(obj, ctypes.c_float(0.5))
        pdfium_c.FPDFPath_SetDrawMode(obj, 0, 1)
        pdfium_c.FPDFPage_InsertObject(page.raw, obj)

    xs, ys = [50, 150, 250, 350], [700, 680, 660, 640]
    text(50, 760, "Annual report 2021")
    if cell_rectangles:
        for row in range(3):
            for column in range(3):
                if merged_first_row and row == 0 and column == 2:
                    continue
                span = 2 if merged_first_row and row == 0 and column == 1 else 1
                stroked_cell(xs[column], ys[row + 1], 100 * span, 20)
    for y in [] if cell_rectangles else ys:
        hairline(50, y - 0.25, 300, 0.5)
    for column, x in enumerate([] if cell_rectangles else xs):
        if open_sides and column in (0, len(xs) - 1):
            continue
        for row in range(3):
            if not (merged_first_row and row == 0 and column == 2):
                hairline(x - 0.25, ys[row + 1], 0.5, 20)
    for (row, column), value in cells.items():
        text(xs[column] + 5, ys[row + 1] + 5, value)
    pdfium_c.FPDFPage_GenerateContent(page.raw)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


CELLS = {(0, 0): "Item", (0, 1): "Decisions", (1, 0): "Licensing", (1, 1): "12", (1, 2): "3",
         (2, 0): "Penalty", (2, 1): "7", (2, 2): "-2"}


@pytest.mark.parametrize("cell_rectangles", [False, True], ids=["filled-hairlines", "stroked-cell-rectangles"])
def test_borders_make_the_grid_and_a_missing_border_a_merged_cell(cell_rectangles):
    document = pdf.read(drawn_pdf(CELLS, merged_first_row=True, cell_rectangles=cell_rectangles))
    paragraph, grid = document.blocks
    assert isinstance(paragraph, Paragraph) and paragraph.text == "Annual report 2021"
    assert isinstance(grid, Grid)
    assert [[(cell.text, cell.origin) for cell in row] for row in grid.rows] == [
        [("Item", None), ("Decisions", None), ("Decisions", (0, 1))],
        [("Licensing", None), ("12", None), ("3", None)],
        [("Penalty", None), ("7", None), ("-2", None)],
    ]
    # "-2" was drawn at x=255 in the cell spanning x 250-350, y 182-202 from the top of the page
    page, x, y = map(int, re.fullmatch(r"pdf page (\d+) x=(\d+) y=(\d+)", grid.rows[2][2].source).groups())
    assert page == 1 and x == 255 and 182 <= y <= 202


def test_the_same_table_with_every_border_has_an_empty_cell_instead():
    (_, grid) = pdf.read(drawn_pdf(CELLS, merged_first_row=False)).blocks
    assert [(cell.text, cell.origin) for cell in grid.rows[0]] == [("Item", None), ("Decisions", None), ("", None)]


def test_a_scan_with_a_page_number_in_its_text_layer_is_still_a_scan(formats_dir):
    """Scanners stamp page numbers or their name as text over the picture: that is no text layer."""
    document = pdfium.PdfDocument(str(formats_dir / "scan.pdf"))
    page = document[0]
    obj = pdfium_c.FPDFPageObj_NewTextObj(document.raw, b"Helvetica", ctypes.c_float(10))
    buffer = ctypes.create_string_buffer("- 1 -  Scanned by OfficeScanner\0".encode("utf-16-le"))
    pdfium_c.FPDFText_SetText(obj, ctypes.cast(buffer, ctypes.POINTER(pdfium_c.FPDF_WCHAR)))
    pdfium_c.FPDFPageObj_Transform(obj, 1, 0, 0, 1, 280, 20)
    pdfium_c.FPDFPage_InsertObject(page.raw, obj)
    pdfium_c.FPDFPage_GenerateContent(page.raw)
    saved = io.BytesIO()
    document.save(saved)
    scan = pdf.read(saved.getvalue())
    assert scan.status == "needs_ocr"
    assert "1 of 1 pages are images" in scan.status_detail


def test_a_title_worded_like_the_running_header_stays_the_header_goes():
    document = pdfium.PdfDocument.new()
    header = "Example District Annual Report"

    def line(page, x: float, y: float, value: str, size: float) -> None:
        obj = pdfium_c.FPDFPageObj_NewTextObj(document.raw, b"Helvetica", ctypes.c_float(size))
        buffer = ctypes.create_string_buffer((value + "\0").encode("utf-16-le"))
        pdfium_c.FPDFText_SetText(obj, ctypes.cast(buffer, ctypes.POINTER(pdfium_c.FPDF_WCHAR)))
        pdfium_c.FPDFPageObj_Transform(obj, 1, 0, 0, 1, x, y)
        pdfium_c.FPDFPage_InsertObject(page.raw, obj)

    for number in range(1, 4):
        page = document.new_page(595, 842)
        if number == 1:
            line(page, 60, 790, header, 18)  # the title, where page 1 has no running header
        else:
            line(page, 60, 800, header, 9)
        for row in range(5):
            line(page, 60, 700 - 20 * row, f"Body text line {row} of page {number}.", 10.5)
        line(page, 290, 30, f"- {number} -", 9)
        pdfium_c.FPDFPage_GenerateContent(page.raw)
    saved = io.BytesIO()
    document.save(saved)
    text = pdf.read(saved.getvalue()).text
    assert text.count(header) == 1 and text.startswith(header)
    assert "- 2 -" not in text and "Body text line 4 of page 3." in text


def test_an_open_table_without_outer_side_rules_keeps_its_first_and_last_columns():
    (_, grid) = pdf.read(drawn_pdf(CELLS, merged_first_row=False, open_sides=True)).blocks
    assert [[cell.text for cell in row] for row in grid.rows] == [
        ["Item", "Decisions", ""], ["Licensing", "12", "3"], ["Penalty", "7", "-2"]]
