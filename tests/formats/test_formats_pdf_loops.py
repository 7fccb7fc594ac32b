"""The PDF reader's C loops (``parsers/formats/_pdf_loops.c``) against pypdfium2's own per-character
and per-object API, on the committed LibreOffice PDF with tables."""

from __future__ import annotations

import ctypes
import re

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest

from parsers.formats import _pdf_loops, pdf

_RUN = re.compile(r"[^\x00-\x20\ufffe\u00a0]+(?: [^\x00-\x20\ufffe\u00a0]+)*")


def as_tuple(*piece):
    return piece


def address(handle) -> int:
    return ctypes.cast(handle, ctypes.c_void_p).value


@pytest.fixture(scope="module")
def document(formats_dir):
    document = pdfium.PdfDocument(formats_dir / "report_2021.pdf")
    yield document
    document.close()


def expected_pieces(textpage: pdfium.PdfTextPage, height: float, rule: tuple[float, float, float] | None = None):
    """The reader's contract, one character at a time through pypdfium2: runs of text cut at generated
    spaces, boxed by their first and last characters; character by character where a run is not one
    left-to-right stretch or the vertical ``rule`` (x, top, bottom) runs through it."""
    count = textpage.count_chars()
    text = "".join(chr(pdfium_c.FPDFText_GetUnicode(textpage.raw, i)) for i in range(count))

    def box(i: int) -> tuple[float, float, float, float]:
        left, bottom, right, top = textpage.get_charbox(i, loose=True)
        return left, height - top, right, height - bottom

    pieces = []
    for match in _RUN.finditer(text):
        cuts = [i for i in range(*match.span()) if text[i] == " " and pdfium_c.FPDFText_IsGenerated(textpage.raw, i)]
        for start, end in zip([match.start()] + [c + 1 for c in cuts], [*cuts, match.end()], strict=True):
            x0, first_top, _, first_bottom = box(start)
            _, last_top, x1, last_bottom = box(end - 1)
            top, bottom = min(first_top, last_top), max(first_bottom, last_bottom)
            crossed = rule is not None and x0 + 2 < rule[0] < x1 - 2 and rule[1] <= (top + bottom) / 2 <= rule[2]
            if end - start == 1:
                pieces.append((text[start], *box(start)))
            elif x1 < x0 or abs(first_top - last_top) > (bottom - top) / 2 or crossed:
                pieces.extend((text[i], *box(i)) for i in range(start, end))
            else:
                pieces.append((text[start:end], x0, top, x1, bottom))
    return text, pieces


def test_text_runs_are_the_per_character_reading(document):
    for page in document:
        textpage = page.get_textpage()
        height = page.get_height()
        text, expected = expected_pieces(textpage, height)
        pieces = _pdf_loops.text_chars(address(textpage.raw), text, height, [], [], [], pdf.SNAP, as_tuple)
        assert pieces == expected
        assert any(" " in piece[0] for piece in pieces) or len(pieces) < 20  # real spaces stay inside runs


def test_a_rule_through_a_run_places_it_character_by_character(document):
    page = document[1]
    textpage = page.get_textpage()
    height = page.get_height()
    text, plain = expected_pieces(textpage, height)
    run_text, x0, top, x1, bottom = next(p for p in plain if len(p[0]) >= 4 and p[3] - p[1] > 20)
    rule = ((x0 + x1) / 2, top - 5, bottom + 5)
    _, expected = expected_pieces(textpage, height, rule)
    pieces = _pdf_loops.text_chars(
        address(textpage.raw), text, height, [rule[0]], [rule[1]], [rule[2]], pdf.SNAP, as_tuple)
    assert pieces == expected
    assert len(pieces) >= len(plain) + len(run_text) - 1
    assert run_text not in [p[0] for p in pieces]
    assert all(char in [p[0] for p in pieces] for char in run_text)


def test_page_objects_are_the_images_and_paths_with_their_bounds(document):
    for page in document:
        expected = [
            (obj.type, address(obj.raw), tuple(obj.get_bounds()))
            for obj in page.get_objects(max_depth=0)
            if obj.type in (pdfium_c.FPDF_PAGEOBJ_IMAGE, pdfium_c.FPDF_PAGEOBJ_PATH)
        ]
        count = pdfium_c.FPDFPage_CountObjects(page.raw)
        assert _pdf_loops.page_objects(address(page.raw), count) == expected
    assert any(kind == pdfium_c.FPDF_PAGEOBJ_PATH for kind, _, _ in expected)
