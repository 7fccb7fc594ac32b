"""PDF: text with character boxes from pypdfium2, tables rebuilt from the ruling lines.

Why this way:

* pypdfium2 (PDFium) reads the text layer 70–100× faster than pdfminer/pdfplumber and decodes the
  CJK font subsets that pdfplumber silently returns as empty text.
* The annual reports' tables are ruled (they come from Word/WPS/LibreOffice), so the cell grid is
  read from the vector lines: every distinct x of a vertical rule and y of a horizontal rule
  bounds an elementary cell, and two neighbouring elementary cells whose shared edge has no rule
  belong to one merged cell.  Merged cells are expanded like an HTML ``rowspan``/``colspan``
  (copies carry :attr:`GridCell.origin`), so a PDF table yields the same grid as the HTML table it
  was printed from.  Characters go to the cell containing their centre, so text wrapped inside a
  cell stays in that cell.
* A table that ends at the bottom of a page and continues at the top of the next one (same left and
  right edges, nothing but page furniture between) is stacked into one virtual surface before the
  grid is built, so a row is never split or shifted by the page break; header rows the layout
  program repeated on the next page are dropped.  Page numbers (``- 3 -``, ``第3页``, ``3/6``) and
  running headers/footers (the same line in the page margin of several pages) are removed.

Coordinates are PDF points with the origin at the page's *top-left* (y grows downwards); sources
read ``pdf page 3 x=312 y=540``.

Bounded cost: at most :data:`MAX_PAGES` pages are read (the rest is reported in a warning), pages
with absurd numbers of characters or vector objects are read as text only, and encrypted or
corrupt files end as ``status="error"`` with the reason.
"""

from __future__ import annotations

import ctypes
import math
import re
from bisect import bisect_right
from ctypes import CFUNCTYPE, c_float, c_int, c_void_p
from dataclasses import dataclass, field
from itertools import pairwise
from operator import attrgetter

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

try:
    from parsers.formats._pdf_loops import (
        PositionedChar,
        Ruling,
        cell_text,
        cluster,
        configure,
        find_tables,
        grid_rows,
        lay_out,
        members,
        merge_rulings,
        metadata,
        page_objects,
        page_text,
        shifted,
        text_chars,
        text_length,
    )
except ImportError as exc:  # a checkout used without installing the project, or a stale build
    raise ImportError(f"the PDF reader's C loops (parsers/formats/_pdf_loops.c) are not built: {exc}; "
                      "run `pip install -e .` in the project") from exc
from parsers.model import Document, Grid, Paragraph, Status
from parsers.report.labels import grid_cell

#: Pages read from one PDF; annual reports have 4–40 pages.
MAX_PAGES = 200
#: Characters read from one page (a dense A4 page has ~2 500).
MAX_CHARS_PER_PAGE = 20_000
#: Vector objects inspected for rulings on one page (a ruled report table page has ~50–500).
MAX_OBJECTS_PER_PAGE = 5_000
#: Distance (points) within which two rulings are the same line.
SNAP = 2.0
#: A page whose text layer has fewer visible characters than this counts as a scan.
MIN_TEXT_CHARS = 10
#: Text a scanned page may carry besides its picture (a page number, a stamped header), in characters.
SCAN_TEXT_CHARS = 60
#: Share of the page height, at top and bottom, where page numbers and running headers live.
MARGIN_SHARE = 0.09

_PAGE_NUMBER = re.compile(
    r"^[-—–－\s]*(\d{1,4}|[ivxlcIVXLC]{1,6})[-—–－\s]*$"
    r"|^第\s*\d{1,4}\s*页(\s*[/，,]?\s*共\s*\d{1,4}\s*页)?$"
    r"|^\d{1,4}\s*/\s*\d{1,4}$"
    r"|^(page|Page|PAGE)\s*\d{1,4}(\s*(of|/)\s*\d{1,4})?$"
)
_DIGITS = re.compile(r"\d+")
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]")


def _plain(function, restype, *argtypes):
    """``function`` of pdfium declared again with plain pointers (``c_void_p``, Python ints).

    pypdfium2 declares handles as typed pointers, so that each call builds a ctypes pointer object for
    its result and converts every argument through it, which costs two to three times the call
    itself.  The calls made once per page object or character are in C (``_pdf_loops``).
    """
    return CFUNCTYPE(restype, *argtypes)(ctypes.cast(function, c_void_p).value)


_load_page = _plain(pdfium_c.FPDF_LoadPage, c_void_p, c_void_p, c_int)
_close_page = _plain(pdfium_c.FPDF_ClosePage, None, c_void_p)
_page_width = _plain(pdfium_c.FPDF_GetPageWidthF, c_float, c_void_p)
_page_height = _plain(pdfium_c.FPDF_GetPageHeightF, c_float, c_void_p)
_page_rotation = _plain(pdfium_c.FPDFPage_GetRotation, c_int, c_void_p)
_count_objects = _plain(pdfium_c.FPDFPage_CountObjects, c_int, c_void_p)
_object_matrix = _plain(pdfium_c.FPDFPageObj_GetMatrix, c_int, c_void_p, c_void_p)
_count_segments = _plain(pdfium_c.FPDFPath_CountSegments, c_int, c_void_p)
_get_segment = _plain(pdfium_c.FPDFPath_GetPathSegment, c_void_p, c_void_p, c_int)
_segment_point = _plain(pdfium_c.FPDFPathSegment_GetPoint, c_int, c_void_p, c_void_p, c_void_p)
_segment_type = _plain(pdfium_c.FPDFPathSegment_GetType, c_int, c_void_p)
_segment_closes = _plain(pdfium_c.FPDFPathSegment_GetClose, c_int, c_void_p)
_load_text_page = _plain(pdfium_c.FPDFText_LoadPage, c_void_p, c_void_p)
_close_text_page = _plain(pdfium_c.FPDFText_ClosePage, None, c_void_p)
_count_chars = _plain(pdfium_c.FPDFText_CountChars, c_int, c_void_p)
configure(*(ctypes.cast(function, c_void_p).value for function in (
    pdfium_c.FPDFPage_GetObject, pdfium_c.FPDFPageObj_GetType, pdfium_c.FPDFPageObj_GetBounds,
    pdfium_c.FPDFText_GetLooseCharBox, pdfium_c.FPDFText_IsGenerated, pdfium_c.FPDFText_GetText,
    pdfium_c.FPDFText_GetUnicode, pdfium_c.FPDF_GetMetaText,
)))
_IMAGE, _PATH = pdfium_c.FPDF_PAGEOBJ_IMAGE, pdfium_c.FPDF_PAGEOBJ_PATH
_MOVETO, _LINETO = pdfium_c.FPDF_SEGMENT_MOVETO, pdfium_c.FPDF_SEGMENT_LINETO


# PositionedChar(text, x0, top, x1, bottom) — a piece of text, its box (top-down points) and its centre
# (cx, cy) — and Ruling(x0, y0, x1, y1) — a horizontal (y0 == y1 up to SNAP) or vertical ruling, top-down
# points — are read-only types of _pdf_loops: the reader makes about a thousand of each per report.


@dataclass(slots=True)
class _Line:
    chars: list[PositionedChar]
    x0: float
    x1: float
    top: float
    bottom: float
    text: str = ""


@dataclass
class _TablePart:
    """One page's piece of a ruled table."""

    page: int
    top: float
    bottom: float
    left: float
    right: float
    horizontals: list[Ruling] = field(default_factory=list)
    verticals: list[Ruling] = field(default_factory=list)
    chars: list[PositionedChar] = field(default_factory=list)


@dataclass
class _PageItem:
    top: float
    paragraph_lines: list[_Line] | None = None
    table: _TablePart | None = None


def read(data: bytes, *, filename: str | None = None, fmt: str = "pdf") -> Document:
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        reason = "encrypted PDF (a password is needed to open it)" if "password" in str(exc).lower() else (
            f"unreadable PDF: {exc}")
        return Document(format="pdf", status=Status.ERROR, status_detail=reason)
    try:
        return _read_document(pdf)
    except (pdfium.PdfiumError, ValueError, OSError) as exc:  # a damaged page or object deep in the file
        return Document(format="pdf", status=Status.ERROR, status_detail=f"unreadable PDF: {exc}")
    finally:
        pdf.close()


def _read_document(pdf: pdfium.PdfDocument) -> Document:
    warnings: list[str] = []
    page_count = len(pdf)
    if page_count > MAX_PAGES:
        warnings.append(f"only the first {MAX_PAGES} of {page_count} pages were read")
    metadata = _metadata(pdf)
    title = metadata.pop("pdf:Title", None)

    page_data: list[tuple[float, list[PositionedChar], list[Ruling]]] = []
    scanned: list[int] = []
    images = visible = 0
    # Pages are loaded through the raw API and closed at once: pypdfium2's page objects (finalizers,
    # weak references to their document) cost more than a small report's layout work.
    document = ctypes.cast(pdf.raw, c_void_p).value
    for index in range(min(page_count, MAX_PAGES)):
        page = _load_page(document, index)
        if not page:
            warnings.append(f"page {index + 1} unreadable: Failed to load page.")
            page_data.append((0.0, [], []))
            continue
        try:
            width, height = _page_width(page), _page_height(page)
            if _page_rotation(page) in (1, 3):  # quarter turns
                width, height = height, width  # text and paths come in the unrotated page space
            segments, page_images, image_share = _page_rulings(page, width, height, index, warnings)
            chars = _page_chars(page, height, index, warnings, segments)
        finally:
            _close_page(page)
        images += page_images
        page_length = text_length(chars)
        visible += page_length
        # A scanned page: a picture covering most of the page, and at most a page number or a
        # stamp-like header as text (some scanners add those).
        if page_images and (page_length < MIN_TEXT_CHARS or (image_share > 0.5 and page_length < SCAN_TEXT_CHARS)):
            scanned.append(index + 1)
        page_data.append((height, chars, segments))

    if visible < MIN_TEXT_CHARS or (page_data and len(scanned) * 2 >= len(page_data)):
        return Document(
            format="pdf", title=title, images_in_body=images, warnings=warnings, status=Status.NEEDS_OCR,
            status_detail=f"PDF without a text layer ({len(scanned)} of {len(page_data)} pages are images "
            f"with {visible} characters of text in all): a scan, needs OCR",
        )
    if scanned:
        warnings.append(f"pages without a text layer (scanned?): {', '.join(map(str, scanned))}")
    blocks = blocks_from_pages(page_data, label="pdf")
    return Document(format="pdf", blocks=blocks, title=title, metadata=metadata, images_in_body=images,
                    warnings=warnings)


_PDF_DATE = re.compile(r"^D:(\d{4})(\d{2})?(\d{2})?")


def _metadata(pdf: pdfium.PdfDocument) -> dict[str, str]:
    """The PDF's document information as ``pdf:Title``, ``pdf:Author``, ``pdf:CreationDate`` (ISO date) …

    Keys carry a ``pdf:`` prefix so that they never pass for the portal's own metadata block.
    """
    try:  # pdf.get_metadata_dict(), without a ctypes buffer per key
        info = metadata(ctypes.cast(pdf.raw, c_void_p).value, pdf.METADATA_KEYS)
    except (pdfium.PdfiumError, UnicodeDecodeError):
        return {}
    fields = {}
    for key, value in info.items():
        value = " ".join((value or "").split())
        if key in ("CreationDate", "ModDate"):
            match = _PDF_DATE.match(value)
            value = "-".join(part for part in match.groups() if part) if match else ""
        if value:
            fields[f"pdf:{key}"] = value
    return fields


def blocks_from_pages(
    page_data: list[tuple[float, list[PositionedChar], list[Ruling]]], *, label: str
) -> list[Paragraph | Grid]:
    """Positioned characters and rulings of each page (top-down points) → paragraphs and grids.

    Shared with the OFD reader, whose pages are the same kind of fixed layout.  ``label`` starts
    every source (``pdf page 3 …``).
    """
    pages: list[list[_PageItem]] = []
    margin_lines: list[tuple[int, _Line]] = []
    line_heights: list[float] = []
    for index, (height, chars, segments) in enumerate(page_data):
        items = _layout_page(index, chars, segments)
        for item in items:
            if item.paragraph_lines is not None:
                line_heights.extend(line.bottom - line.top for line in item.paragraph_lines)
                margin_lines.extend(
                    (index, line) for line in item.paragraph_lines
                    if line.top < height * MARGIN_SHARE or line.bottom > height * (1 - MARGIN_SHARE)
                )
        pages.append(items)
    body_height = sorted(line_heights)[len(line_heights) // 2] if line_heights else 0.0
    furniture = _page_furniture(margin_lines, len(pages), body_height)
    return _assemble(pages, furniture, label)


def _page_chars(
    page: ctypes.c_void_p | pdfium.PdfPage, height: float, index: int, warnings: list[str], rulings: list[Ruling]
) -> list[PositionedChar]:
    """The page's text as positioned runs (a word or a line piece each), split where a table rule crosses them.

    Asking pdfium for the box of every character costs ~1 µs a call; boxing each run by its first
    and last character instead is several times faster and loses nothing, because a run is one
    stretch of a line (no line break, no space pdfium generated between words).  A run that a
    vertical rule crosses (two cells' texts pdfium read as one) is placed character by character.
    The loop over the characters is C (``_pdf_loops.text_chars``).
    """
    handle = _load_text_page(page)
    if not handle:
        raise pdfium.PdfiumError("Failed to load text page.")
    try:
        count = _count_chars(handle)
        if count <= 0:
            return []
        if count > MAX_CHARS_PER_PAGE:
            warnings.append(f"page {index + 1}: {count} characters, only the first {MAX_CHARS_PER_PAGE} read")
            count = MAX_CHARS_PER_PAGE
        raw_text = page_text(handle, count)
        verticals = merge_rulings(rulings, False, SNAP)  # in order of x
        chars = text_chars(
            handle, raw_text, height, [v.x0 for v in verticals], [v.y0 for v in verticals], [v.y1 for v in verticals],
            SNAP, PositionedChar,
        )
        return chars
    finally:
        _close_text_page(handle)


def _page_rulings(
    handle: ctypes.c_void_p | pdfium.PdfPage, width: float, height: float, index: int, warnings: list[str]
) -> tuple[list[Ruling], int, float]:
    """Rulings of the page, its number of images, and the largest share of the page one image covers."""
    count = _count_objects(handle)
    if count > MAX_OBJECTS_PER_PAGE:
        warnings.append(f"page {index + 1}: {count} drawing objects, tables on it read as text only")
        return [], 0, 0.0
    page_area = max(width * height, 1.0)
    segments: list[Ruling] = []
    images = 0
    image_share = 0.0
    for kind, obj, bounds in page_objects(handle, count):
        if kind == _IMAGE:
            images += 1
            if bounds is not None:
                left, bottom, right, top = bounds
                image_share = max(image_share, (right - left) * (top - bottom) / page_area)
            continue
        left, bottom, right, top = bounds
        w, h = right - left, top - bottom
        if w < 0.5 and h < 0.5:
            continue
        if w <= SNAP or h <= SNAP:
            # A stroked line or a thin filled rectangle: the whole object is one ruling.
            segments.append(Ruling(left, height - top, right, height - bottom))
        else:
            segments.extend(_path_edges(obj, height))
    return segments, images, image_share


def _path_edges(obj: ctypes.c_void_p, height: float) -> list[Ruling]:
    """Axis-parallel straight edges of a larger path (cell rectangles, outlines)."""
    matrix = pdfium_c.FS_MATRIX()
    if not _object_matrix(obj, ctypes.addressof(matrix)):
        return []
    a, b, c, d, e, f = matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f
    xy = (c_float * 2)()
    x_address = ctypes.addressof(xy)
    edges: list[Ruling] = []
    start = previous = None
    for i in range(_count_segments(obj)):
        segment = _get_segment(obj, i)
        if not _segment_point(segment, x_address, x_address + 4):
            continue
        x, y = xy
        point = (a * x + c * y + e, height - (b * x + d * y + f))
        kind = _segment_type(segment)
        if kind == _MOVETO:
            start = previous = point
            continue
        if kind == _LINETO and previous is not None:
            _add_edge(edges, previous, point)
        previous = point
        if _segment_closes(segment) and start is not None:
            _add_edge(edges, point, start)
            previous = start
    return edges


def _add_edge(edges: list[Ruling], p: tuple[float, float], q: tuple[float, float]) -> None:
    (x0, y0), (x1, y1) = p, q
    horizontal = abs(y0 - y1) <= SNAP / 2 and abs(x0 - x1) > SNAP
    vertical = abs(x0 - x1) <= SNAP / 2 and abs(y0 - y1) > SNAP
    if horizontal or vertical:
        edges.append(Ruling(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)))


# ---------------------------------------------------------------- page layout


def _layout_page(index: int, chars: list[PositionedChar], segments: list[Ruling]) -> list[_PageItem]:
    """Split one page into ruled tables and the text lines around them, top to bottom."""
    tables, free = _find_tables(index, segments, chars)
    items = [_PageItem(top=table.top, table=table) for table in tables]
    lines = _group_lines(free)
    # Text lines between two tables (or before/after) form one item per run.
    table_tops = sorted(t.top for t in tables)
    run: list[_Line] = []
    run_slot = None
    for line in lines:
        slot = bisect_right(table_tops, line.top)
        if run and slot != run_slot:
            items.append(_PageItem(top=run[0].top, paragraph_lines=run))
            run = []
        run.append(line)
        run_slot = slot
    if run:
        items.append(_PageItem(top=run[0].top, paragraph_lines=run))
    items.sort(key=lambda item: item.top)
    return items


def _find_tables(
    index: int, segments: list[Ruling], chars: list[PositionedChar]
) -> tuple[list[_TablePart], list[PositionedChar]]:
    """The page's ruled tables with their characters, and the characters outside them: rulings merged
    on their lines, grouped where horizontals and verticals touch (``_pdf_loops.find_tables``); a
    character belongs to the first table whose bounds (widened by 1 point) hold its centre."""
    tables, free = find_tables(segments, chars, SNAP)
    return [
        _TablePart(index, top, bottom, left, right, horizontals=horizontals, verticals=verticals, chars=members)
        for top, bottom, left, right, horizontals, verticals, members in tables
    ], free


_BY_ROW_THEN_X = attrgetter("cy", "x0")
_BY_X = attrgetter("x0")


def _group_lines(chars: list[PositionedChar]) -> list[_Line]:
    """Characters into text lines: same vertical band, left to right.

    A table cell's text is made the same way (this, :func:`_line_text`, :func:`_join_lines`) in C,
    by ``_pdf_loops.cell_text`` and ``grid_rows``: a change here must be made there too.
    """
    lines: list[_Line] = []
    line = None
    for char in sorted(chars, key=_BY_ROW_THEN_X):
        if line is not None and char.cy - (line.top + line.bottom) / 2 <= (line.bottom - line.top) * 0.45:
            line.chars.append(char)
            if char.x0 < line.x0:
                line.x0 = char.x0
            if char.x1 > line.x1:
                line.x1 = char.x1
            if char.top < line.top:
                line.top = char.top
            if char.bottom > line.bottom:
                line.bottom = char.bottom
        else:
            line = _Line([char], char.x0, char.x1, char.top, char.bottom)
            lines.append(line)
    for line in lines:
        line.text = line.chars[0].text if len(line.chars) == 1 else _line_text(line.chars, line.top, line.bottom)
    return lines


def _line_text(chars: list[PositionedChar], top: float, bottom: float) -> str:
    """The text of a line of several pieces, left to right."""
    chars.sort(key=_BY_X)
    # A wide gap is a column gap (a table printed without rules): keep the pieces apart.
    wide = (bottom - top) * 0.8
    parts = [chars[0].text]
    for previous, char in pairwise(chars):
        if char.x0 - previous.x1 > wide:
            parts.append(" ")
        parts.append(char.text)
    return "".join(parts)


def _join_lines(texts: list[str]) -> str:
    """Join wrapped lines: nothing between CJK, a space between Latin words or where the line broke at a space."""
    out = ""
    broke_at_space = False
    for raw in texts:
        text = " ".join(raw.split())
        if not text:
            broke_at_space = broke_at_space or bool(raw)
            continue
        if out and (broke_at_space or raw[0].isspace() or not (_CJK.match(out[-1]) or _CJK.match(text[0]))):
            out += " "
        out += text
        broke_at_space = raw[-1].isspace()
    return out


# ---------------------------------------------------------------- page furniture


def _furniture_key(text: str) -> str:
    return _DIGITS.sub("#", " ".join(text.split()))


def _page_furniture(margin_lines: list[tuple[int, _Line]], page_count: int, body_height: float) -> set[int]:
    """ids of margin lines that are page numbers or running headers/footers.

    A running header is printed no larger than the body text; a title in the same words (often the
    first line of page 1) is larger, and stays.
    """
    pages_by_key: dict[str, set[int]] = {}
    for page, line in margin_lines:
        pages_by_key.setdefault(_furniture_key(line.text), set()).add(page)
    repeated = {key for key, pages in pages_by_key.items() if len(pages) >= max(2, page_count // 2)}
    return {
        id(line) for _, line in margin_lines
        if _PAGE_NUMBER.match(" ".join(line.text.split()))
        or (_furniture_key(line.text) in repeated and line.bottom - line.top <= body_height * 1.15)
    }


# ---------------------------------------------------------------- blocks


def _assemble(pages: list[list[_PageItem]], furniture: set[int], label: str) -> list:
    """Page items → blocks, stitching tables that run over page breaks."""
    blocks: list[Paragraph | Grid] = []
    pending: list[_TablePart] = []
    table_count = 0

    def flush() -> None:
        nonlocal table_count
        if pending:
            table_count += 1
            grid = _build_grid(pending, label)
            if grid.rows:
                blocks.append(grid)
            pending.clear()

    for index, items in enumerate(pages):
        body_items = []
        for item in items:
            if item.paragraph_lines is not None:
                lines = [line for line in item.paragraph_lines if id(line) not in furniture]
                if not lines:
                    continue
                item = _PageItem(top=item.top, paragraph_lines=lines)
            body_items.append(item)
        for position, item in enumerate(body_items):
            if item.table is not None:
                if pending and not (position == 0 and _continues(pending[-1], item.table, index)):
                    flush()
                pending.append(item.table)
                continue
            flush()
            blocks.extend(_paragraphs(item.paragraph_lines, index, label))
        if body_items and body_items[-1].table is None:
            flush()
    flush()
    return blocks


def _continues(previous: _TablePart, part: _TablePart, page: int) -> bool:
    """Is ``part`` (first thing on ``page``) the continuation of ``previous`` (last thing on the page before)?

    The widths must agree, not the positions: with mirrored margins a table moves left or right
    from an odd page to an even one.
    """
    return previous.page == page - 1 and abs((previous.right - previous.left) - (part.right - part.left)) <= SNAP * 2


def _paragraphs(lines: list[_Line], page: int, label: str) -> list[Paragraph]:
    """Text lines → paragraphs: a new paragraph after a gap, an indent, or a short line."""
    if not lines:
        return []
    left = min(line.x0 for line in lines)
    right = max(line.x1 for line in lines)
    paragraphs: list[Paragraph] = []
    current: list[_Line] = []

    def close() -> None:
        if current:
            text = _join_lines([line.text for line in current])
            if text:
                first = current[0]
                source = f"{label} page {page + 1} x={first.x0:.0f} y={first.top:.0f}"
                paragraphs.append(Paragraph(text=text, source=source))
            current.clear()

    for line in lines:
        if current:
            previous = current[-1]
            size = max(previous.bottom - previous.top, 1.0)
            gap = line.top - previous.bottom
            indented = line.x0 - left > size * 1.5
            previous_short = right - previous.x1 > size * 2
            if gap > size * 0.8 or indented or previous_short:
                close()
        current.append(line)
    close()
    return paragraphs


#: The cell ``grid_rows`` copies (with its text, source and origin set) for each cell of a grid.
_CELL_PROTOTYPE = grid_cell("")

#: A cell text that starts a new item (一、 （二） 3. 第二十条…): never the tail of a row split by a page break.
_ITEM_START = re.compile(r"^\s*([（(]?[一二三四五六七八九十\d]{1,3}[)）、.．]|第[一二三四五六七八九十百\d]+条)")


@dataclass
class _CellLayout:
    """Elementary cells (between every pair of neighbouring rulings) grouped into merged cells."""

    xs: list[float]
    ys: list[float]
    roots: list[int]
    """root elementary cell (row * n_cols + col, always the region's top-left) of every elementary cell"""
    region_chars: dict[int, list[tuple[PositionedChar, int, PositionedChar]]]
    label: str
    _texts: dict[int, str] = field(default_factory=dict)

    def text(self, root: int) -> str:
        """The merged cell's text, its lines joined (computed on first use: most layouts need a few rows)."""
        text = self._texts.get(root)
        if text is None:
            region = self.region_chars.get(root)
            text = self._texts[root] = cell_text(region) if region else ""
        return text

    @property
    def n_cols(self) -> int:
        return len(self.xs) - 1

    @property
    def n_rows(self) -> int:
        return len(self.ys) - 1

    def row_texts(self, r: int) -> list[str]:
        """Texts of the cells that start in row ``r`` ("" for copies of cells above)."""
        n = self.n_cols
        return [self.text(root) if root // n == r else "" for root in self.roots[r * n:(r + 1) * n]]

    def signature(self, r: int) -> tuple[str, ...]:
        """Texts of the filled cells whose top-left is in row ``r``."""
        n = self.n_cols
        first = r * n
        texts = [self.text(root) for i, root in enumerate(self.roots[first:first + n], first) if root == i]
        return tuple(text for text in texts if text)


def _lay_out_cells(
    horizontals: list[Ruling], verticals: list[Ruling], chars: list[tuple[PositionedChar, int, PositionedChar]], *,
    label: str, collapse: frozenset[float] = frozenset(), joins: tuple[float, ...] = (),
    window: tuple[float, float, float] = (),
) -> _CellLayout | None:
    """Rulings + characters → merged cells.

    ``chars`` are (character, page, original): the character placed on the virtual surface of a table
    stacked over several pages, its page, and the character where the page has it.
    ``collapse`` are join lines (virtual y) to ignore because the row was split by a page break;
    at the other ``joins`` a merged cell that the page break cut in two is joined again.
    ``window`` (low, high, reach) lays out the band between the lines ``low`` and ``high`` alone: the
    horizontals within ``reach`` of it, the verticals that cross it cut to it, the characters inside.
    """
    layout = lay_out(horizontals, verticals, chars, sorted(collapse), list(joins), SNAP, *window)
    return None if layout is None else _CellLayout(*layout, label)


def _is_split_row(upper: list[str], lower: list[str], covered: frozenset[int]) -> bool:
    """Is ``lower`` (first row after a page break) the tail of ``upper`` (last row before it)?

    The tail of a split row has text only in cells that overflowed (a subset of the upper row's
    filled cells — its numbers were printed before the break), and none of it starts a new item.
    ``covered`` are the upper row's columns taken by a cell merged down from a row above: its text
    can overflow past the break too (a long group label such as "三、本年度办理结果").
    """
    upper_filled = {c for c, text in enumerate(upper) if text} | covered
    lower_filled = {c for c, text in enumerate(lower) if text}
    return bool(lower_filled) and lower_filled < upper_filled and not any(
        _ITEM_START.match(lower[c]) for c in lower_filled)


#: Most header rows a table repeats on its continuation pages (the applications table has 3).
MAX_HEADER_ROWS = 6


def _top_rows(part: _TablePart, label: str) -> _CellLayout | None:
    """Cells of the first :data:`MAX_HEADER_ROWS` rows of a table part (its header, if any)."""
    lines = cluster([h.y0 for h in part.horizontals], SNAP)
    bottom = lines[min(len(lines), MAX_HEADER_ROWS + 1) - 1] + SNAP
    return _lay_out_cells(
        part.horizontals, part.verticals, members(part.chars, part.page, 0.0, 0.0), label=label,
        window=(-math.inf, bottom, 0.0),
    )


def _without_repeated_header(head: _CellLayout | None, part: _TablePart, label: str) -> _TablePart:
    """Crop the header rows a layout program repeated at the top of a continuation page (``head``: the first)."""
    if head is None:
        return part
    tail = _top_rows(part, label)
    if tail is None:
        return part
    k = 0
    rows = min(head.n_rows, tail.n_rows) - 1
    while k < rows and (signature := head.signature(k)) and signature == tail.signature(k):
        k += 1
    if not k:
        return part
    crop = tail.ys[k]
    return _TablePart(
        part.page, crop, part.bottom, part.left, part.right,
        horizontals=[h for h in part.horizontals if h.y0 >= crop - SNAP],
        verticals=[Ruling(v.x0, max(v.y0, crop), v.x1, v.y1) for v in part.verticals if v.y1 > crop + SNAP],
        chars=[c for c in part.chars if c.cy > crop],
    )


def _splits_a_row(horizontals, verticals, chars, join: float, label: str) -> bool:
    """Does the page break at ``join`` (virtual y) cut a row in two?  Decided on the two rows on each
    side of it only, so that the whole table is laid out once."""
    lines = cluster([h.y0 for h in horizontals], SNAP)
    at = next((i for i, y in enumerate(lines) if abs(y - join) <= SNAP), None)
    if at is None or at == 0 or at == len(lines) - 1:
        return False
    low, high = lines[max(0, at - 2)], lines[min(len(lines) - 1, at + 2)]
    window = _lay_out_cells(horizontals, verticals, chars, label=label, joins=(join,), window=(low, high, SNAP))
    if window is None:
        return False
    jr = next((i for i, y in enumerate(window.ys) if abs(y - join) <= SNAP), None)
    if not jr or jr >= window.n_rows:
        return False
    n = window.n_cols
    covered = frozenset(c for c, root in enumerate(window.roots[(jr - 1) * n:jr * n]) if root // n < jr - 1)
    return _is_split_row(window.row_texts(jr - 1), window.row_texts(jr), covered)


def _build_grid(parts: list[_TablePart], label: str) -> Grid:
    """Stack the parts of one table into a virtual surface and read its cell grid."""
    pages = sorted({p.page + 1 for p in parts})
    source = f"{label} page {pages[0]}" if len(pages) == 1 else f"{label} pages {pages[0]}-{pages[-1]}"
    if len(parts) > 1:
        first = parts[0]
        head = _top_rows(first, label)
        parts = [first, *(_without_repeated_header(head, part, label) for part in parts[1:])]
    horizontals: list[Ruling] = []
    verticals: list[Ruling] = []
    chars: list[tuple[PositionedChar, int, PositionedChar]] = []
    joins: list[float] = []  # virtual y where each continuation part starts
    shift = previous_bottom = 0.0
    for number, part in enumerate(parts):
        dx = parts[0].left - part.left
        if number:
            shift = previous_bottom - part.top
            joins.append(previous_bottom)
        if shift or dx:
            horizontals.extend(shifted(part.horizontals, dx, shift))
            verticals.extend(shifted(part.verticals, dx, shift))
        else:
            horizontals.extend(part.horizontals)
            verticals.extend(part.verticals)
        chars.extend(members(part.chars, part.page, dx, shift))
        previous_bottom = part.bottom + shift

    split = frozenset(join for join in joins if _splits_a_row(horizontals, verticals, chars, join, label))
    layout = _lay_out_cells(horizontals, verticals, chars, label=label, joins=tuple(joins), collapse=split)
    if layout is None:
        return Grid(rows=[], source=source)

    rows = grid_rows(layout.roots, layout.region_chars, layout.n_cols, label, source, _CELL_PROTOTYPE)
    return Grid(rows=rows, source=source)
