"""The C parts of the PDF reader's table layout (``parsers/formats/_pdf_loops.c``) against the Python
they replaced, on the tables of the committed LibreOffice PDF: a cell's text made as pdf.py makes a
paragraph's lines, sources formatted as Python formats floats, a band of a table laid out as if its
rulings and characters had been cut to it first."""

from __future__ import annotations

import ctypes
import math

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest

from parsers.formats import _pdf_loops, pdf


@pytest.fixture(scope="module")
def table_parts(formats_dir):
    """Every table part of report_2021.pdf (5 pages, a table over three page breaks)."""
    parts = []
    original = pdf.blocks_from_pages

    def keep_parts(page_data, *, label):
        for index, (_, chars, segments) in enumerate(page_data):
            parts.extend(item.table for item in pdf._layout_page(index, chars, segments) if item.table)
        return original(page_data, label=label)

    pdf.blocks_from_pages = keep_parts
    try:
        pdf.read((formats_dir / "report_2021.pdf").read_bytes())
    finally:
        pdf.blocks_from_pages = original
    assert len(parts) >= 4
    return parts


def whole_layouts(parts):
    for part in parts:
        members = _pdf_loops.members(part.chars, part.page, 0.0, 0.0)
        layout = pdf._lay_out_cells(part.horizontals, part.verticals, members, label="pdf")
        assert layout is not None
        yield part, layout


def test_cell_texts_are_the_lines_pdf_py_makes_of_the_same_characters(table_parts):
    checked = wrapped = 0
    for _, layout in whole_layouts(table_parts):
        for members in layout.region_chars.values():
            lines = pdf._group_lines([member[0] for member in members])
            expected = (" ".join(members[0][0].text.split()) if len(members) == 1
                        else pdf._join_lines([line.text for line in lines]))
            assert _pdf_loops.cell_text(members) == expected
            checked += 1
            wrapped += len(lines) > 1
    assert checked > 200 and wrapped > 10  # real tables, with cells whose text wraps


def test_cell_sources_are_formatted_as_python_formats_floats():
    label = "pdf"
    for x in [0.5, 1.5, 2.5, -0.5, -0.3, -0.0, 312.49999999999994, 4503599627370495.5, 2.0**53, 1e300, -math.inf]:
        char = _pdf_loops.PositionedChar("字", x, -x, x + 1, 5.0)
        (row,) = _pdf_loops.grid_rows([0], {0: [(char, 2, char)]}, 1, label, "table", pdf._CELL_PROTOTYPE)
        assert row[0].source == f"{label} page 3 x={x:.0f} y={-x:.0f}"
        assert row[0].text == "字" and row[0].origin is None


def test_merged_cells_share_one_copy_that_names_its_origin(table_parts):
    grids = [pdf._build_grid([part], "pdf") for part in table_parts]
    copies = [(r, c, cell) for grid in grids for r, row in enumerate(grid.rows) for c, cell in enumerate(row)
              if cell.origin is not None]
    assert copies
    for grid in grids:
        for row in grid.rows:
            for cell in row:
                if cell.origin is not None:
                    origin = grid.rows[cell.origin[0]][cell.origin[1]]
                    assert (cell.text, cell.source, origin.origin) == (origin.text, origin.source, None)


def test_a_band_is_laid_out_as_its_rulings_and_characters_cut_to_it(table_parts):
    snap = pdf.SNAP
    bands = 0
    for part, _ in whole_layouts(table_parts):
        lines = _pdf_loops.cluster([h.y0 for h in part.horizontals], snap)
        members = _pdf_loops.members(part.chars, part.page, 0.0, 0.0)
        for low, high in zip(lines, lines[3:], strict=False):
            cut = pdf._lay_out_cells(
                [h for h in part.horizontals if low - snap <= h.y0 <= high + snap],
                [pdf.Ruling(v.x0, max(v.y0, low), v.x1, min(v.y1, high))
                 for v in part.verticals if v.y1 > low + snap and v.y0 < high - snap],
                [member for member in members if low < member[0].cy < high],
                label="pdf",
            )
            band = pdf._lay_out_cells(part.horizontals, part.verticals, members, label="pdf",
                                      window=(low, high, snap))
            assert (band.xs, band.ys, band.roots) == (cut.xs, cut.ys, cut.roots)
            assert band.region_chars == cut.region_chars
            bands += 1
    assert bands > 20


def test_positioned_chars_and_rulings_are_read_only_values():
    char = pdf.PositionedChar("ab", 1, 2.0, 3, 4.5)
    assert (char.text, char.x0, char.top, char.x1, char.bottom) == ("ab", 1.0, 2.0, 3.0, 4.5)
    assert (char.cx, char.cy) == (2.0, 3.25)
    ruling = pdf.Ruling(x0=1, y0=2, x1=3, y1=2)
    assert repr(ruling) == "Ruling(x0=1.0, y0=2.0, x1=3.0, y1=2.0)"
    with pytest.raises(AttributeError):
        char.x0 = 5
    with pytest.raises(AttributeError):
        ruling.y1 = 5


def test_page_text_is_pdfiums_text_character_by_character(formats_dir):
    pages = 0
    for path in [formats_dir / "report_2021.pdf", *sorted((formats_dir / "seeds").glob("*.pdf"))]:
        document = pdfium.PdfDocument(path)
        try:
            for page in document:
                textpage = page.get_textpage()
                count = textpage.count_chars()
                expected = "".join(chr(pdfium_c.FPDFText_GetUnicode(textpage.raw, i)) for i in range(count))
                handle = ctypes.cast(textpage.raw, ctypes.c_void_p).value
                assert _pdf_loops.page_text(handle, count) == expected
                assert len(_pdf_loops.page_text(handle, count // 2)) == count // 2
                pages += 1
        finally:
            document.close()
    assert pages >= 20


def test_metadata_is_pypdfium2s_metadata_dict(formats_dir):
    documents = 0
    for path in [formats_dir / "report_2021.pdf", formats_dir / "scan.pdf", *(formats_dir / "seeds").glob("*.pdf")]:
        document = pdfium.PdfDocument(path)
        try:
            handle = ctypes.cast(document.raw, ctypes.c_void_p).value
            expected = document.get_metadata_dict()
            assert _pdf_loops.metadata(handle, document.METADATA_KEYS) == expected
            assert any(expected.values())
            documents += 1
        finally:
            document.close()
    assert documents >= 5
