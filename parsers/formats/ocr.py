"""Scanned pages: table rules found in the page image, words placed by tesseract, laid out like a PDF.

Tesseract reads ruled tables badly: the rules become ``|`` and ``[`` and the cells run together.
So the page image (8-bit grayscale, as ``pdftoppm -gray`` renders it) is handled in two steps, both
pure and cheap (regular expressions over the raw pixel rows and columns, no image library):

1. :func:`find_rules` finds the long dark horizontal and vertical runs — the table rules — and
   returns them with a copy of the image in which they are painted white, for tesseract to read;
2. :func:`document_from_pages` takes tesseract's TSV word boxes and the rules and lays every page out
   with the PDF reader's table reconstruction (:func:`parsers.formats.pdf.blocks_from_pages`).

Every cell of the result is flagged ``ocr=True``; ``archive.convert`` runs the programs.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from dataclasses import dataclass

from parsers.formats.pdf import PositionedChar, Ruling, blocks_from_pages
from parsers.model import Document, Grid

#: Darker than this (0 black … 255 white) is ink.
INK = 160
#: Shortest horizontal rule, inches (longer than any glyph stroke of body text).
MIN_HORIZONTAL = 0.4
#: Shortest vertical rule, inches (one table row is ~0.25 in; a 10.5 pt glyph is ~0.15 in tall).
MIN_VERTICAL = 0.2


_BARS = "|｜[]_ "
_NUMBER_NOISE = ",，、.'‘’\"“”"
_NUMBER = re.compile(r"-?\d+(\.\d+)?")


@dataclass
class OcrPage:
    """One page: its size in pixels, the rendering resolution, tesseract's TSV and the rules found."""

    width: int
    height: int
    dpi: float
    tsv: str
    rules: list[Ruling]


def _ink_runs(line: bytes, min_length: int) -> list[tuple[int, int]]:
    pattern = re.compile(rb"[\x00-" + bytes([INK - 1]) + rb"]{" + str(min_length).encode() + rb",}")
    return [match.span() for match in pattern.finditer(line)]


def find_rules(pixels: bytes, width: int, height: int, dpi: float) -> tuple[list[Ruling], bytes]:
    """Rules of a grayscale page (``width * height`` bytes, row-major), in points from the top-left,
    and the page with those rules painted white."""
    if len(pixels) != width * height:
        raise ValueError(f"{len(pixels)} bytes for a {width}×{height} grayscale image")
    scale = 72.0 / dpi
    cleaned = bytearray(pixels)
    rules: list[Ruling] = []
    for y in range(height):
        row = pixels[y * width:(y + 1) * width]
        for start, end in _ink_runs(row, int(MIN_HORIZONTAL * dpi)):
            rules.append(Ruling(start * scale, y * scale, end * scale, y * scale))
            # the anti-aliased rows beside a rule would read as "|" and "_" too
            for yy in range(max(0, y - 1), min(height, y + 2)):
                cleaned[yy * width + start:yy * width + end] = b"\xff" * (end - start)
    for x in range(width):
        column = pixels[x::width]
        for start, end in _ink_runs(column, int(MIN_VERTICAL * dpi)):
            rules.append(Ruling(x * scale, start * scale, x * scale, end * scale))
            for xx in range(max(0, x - 1), min(width, x + 2)):
                cleaned[start * width + xx:end * width + xx:width] = b"\xff" * (end - start)
    return rules, bytes(cleaned)


def _words(page: OcrPage) -> list[PositionedChar]:
    scale = 72.0 / page.dpi
    words = []
    for row in csv.DictReader(io.StringIO(page.tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        # Remnants of rules and cell borders come out as bars and stray commas/quotes at word edges.
        text = (row.get("text") or "").strip().strip(_BARS)
        if _NUMBER.fullmatch(text.strip(_NUMBER_NOISE)):
            text = text.strip(_NUMBER_NOISE)
        if row.get("level") != "5" or not text:
            continue
        try:
            left, top, width, height = (int(row[key]) for key in ("left", "top", "width", "height"))
        except (KeyError, TypeError, ValueError):
            continue
        words.append(PositionedChar(text, left * scale, top * scale, (left + width) * scale, (top + height) * scale))
    return words


def document_from_pages(pages: list[OcrPage], *, fmt: str) -> Document:
    """OCRed pages → a :class:`Document` whose every table cell is marked as OCR."""
    page_data = [(page.height * 72.0 / page.dpi, _words(page), page.rules) for page in pages]
    blocks = blocks_from_pages(page_data, label=fmt)
    for block in blocks:
        if isinstance(block, Grid):
            block.rows = [[dataclasses.replace(cell, ocr=True) for cell in row] for row in block.rows]
    return Document(format=fmt, blocks=blocks)
