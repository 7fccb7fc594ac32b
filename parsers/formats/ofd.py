"""OFD (GB/T 33190, China's fixed-layout format): text and ruled tables from the page XML.

An OFD file is a zip: ``OFD.xml`` names the document root (``DocBody/DocRoot``), whose
``Document.xml`` lists the pages (``Pages/Page/@BaseLoc``); each page's ``Content.xml`` holds
``TextObject`` elements (a ``Boundary`` box, a font ``Size`` and ``TextCode`` runs with ``X``/``Y``
and per-glyph ``DeltaX`` advances) and ``PathObject`` elements (``AbstractData`` such as
``M 0 0 L 120 0``).  Characters and straight path edges are placed on the page and handed to the
PDF reader's layout (:func:`parsers.formats.pdf.blocks_from_pages`), which rebuilds paragraphs and
ruled tables the same way as for a PDF.  Units are millimetres in OFD and points there.

Only stdlib ``zipfile`` and lxml are used (the PyMuPDF-based OFD packages are AGPL).  The zip and
XML are read through the limits of :mod:`parsers.formats._limits`.
"""

from __future__ import annotations

import posixpath
import re

from lxml import etree

from parsers.formats._limits import BoundedZip, LimitExceeded
from parsers.formats.pdf import MAX_PAGES, MIN_TEXT_CHARS, SNAP, PositionedChar, Ruling, blocks_from_pages
from parsers.model import Document, Status

_POINTS_PER_MM = 72 / 25.4
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE]-?\d+)?")


def read(data: bytes, *, filename: str | None = None, fmt: str = "ofd") -> Document:
    try:
        archive = BoundedZip(data)
        page_paths, title = _page_paths(archive)
        page_data = []
        warnings: list[str] = []
        if len(page_paths) > MAX_PAGES:
            warnings.append(f"only the first {MAX_PAGES} of {len(page_paths)} pages were read")
        for path in page_paths[:MAX_PAGES]:
            page_data.append(_read_page(archive, path))
    except (ValueError, LimitExceeded) as exc:
        return Document(format="ofd", status=Status.ERROR, status_detail=f"unreadable OFD: {exc}")
    if sum(len(chars) for _, chars, _ in page_data) < MIN_TEXT_CHARS:
        return Document(format="ofd", status=Status.NEEDS_OCR, warnings=warnings,
                        status_detail=f"OFD without text ({len(page_data)} pages): a scan, needs OCR")
    return Document(format="ofd", blocks=blocks_from_pages(page_data, label="ofd"), title=title, warnings=warnings)


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _children(element: etree._Element, name: str) -> list[etree._Element]:
    # OFD producers disagree on the namespace prefix (ofd: or none); match on local names.
    return [child for child in element.iter() if _local(child) == name]


def _resolve(base_dir: str, location: str) -> str:
    location = location.strip().replace("\\", "/")
    if location.startswith("/"):
        return posixpath.normpath(location.lstrip("/"))
    return posixpath.normpath(posixpath.join(base_dir, location))


def _page_paths(archive: BoundedZip) -> tuple[list[str], str | None]:
    if "OFD.xml" not in archive.names:
        raise ValueError("no OFD.xml")
    ofd = archive.read_xml("OFD.xml")
    roots = _children(ofd, "DocRoot")
    if not roots or not (roots[0].text or "").strip():
        raise ValueError("OFD.xml names no DocRoot")
    titles = _children(ofd, "Title")
    title = (titles[0].text or "").strip() or None if titles else None
    document_path = _resolve("", roots[0].text)
    if document_path not in archive.names:
        raise ValueError(f"DocRoot {document_path} missing")
    document = archive.read_xml(document_path)
    base = posixpath.dirname(document_path)
    paths = []
    for page in _children(document, "Page"):
        location = page.get("BaseLoc")
        if location:
            path = _resolve(base, location)
            if path not in archive.names and path + "/Content.xml" in archive.names:
                path += "/Content.xml"
            paths.append(path)
    return paths, title


def _numbers(text: str | None) -> list[float]:
    return [float(n) for n in _NUMBER.findall(text or "")]


def _box(element: etree._Element) -> tuple[float, float, float, float]:
    values = _numbers(element.get("Boundary"))
    return tuple(values[:4]) if len(values) >= 4 else (0.0, 0.0, 0.0, 0.0)


def _deltas(spec: str | None, count: int) -> list[float]:
    """Expand a DeltaX/DeltaY list; ``g n d`` repeats ``d`` n times."""
    tokens = (spec or "").split()
    out: list[float] = []
    i = 0
    while i < len(tokens) and len(out) < count:
        if tokens[i] == "g" and i + 2 < len(tokens):
            out.extend([float(tokens[i + 2])] * int(float(tokens[i + 1])))
            i += 3
        else:
            if _NUMBER.fullmatch(tokens[i]):
                out.append(float(tokens[i]))
            i += 1
    return out


def _read_page(archive: BoundedZip, path: str) -> tuple[float, list[PositionedChar], list[Ruling]]:
    if path not in archive.names:
        raise ValueError(f"page {path} missing")
    content = archive.read_xml(path)
    scale = _POINTS_PER_MM
    height = 297.0
    for area in _children(content, "PhysicalBox"):
        box = _numbers(area.text)
        if len(box) == 4:
            height = box[3]
    chars: list[PositionedChar] = []
    rulings: list[Ruling] = []
    for element in content.iter():
        name = _local(element)
        if name == "TextObject":
            chars.extend(_text_object(element, scale))
        elif name == "PathObject":
            rulings.extend(_path_object(element, scale))
    return height * scale, chars, rulings


def _text_object(element: etree._Element, scale: float) -> list[PositionedChar]:
    bx, by, _bw, _bh = _box(element)
    size = float(element.get("Size") or 3.5)
    ctm = _numbers(element.get("CTM"))
    a, d = (ctm[0], ctm[3]) if len(ctm) == 6 else (1.0, 1.0)
    chars = []
    for code in element:
        if _local(code) != "TextCode" or not code.text:
            continue
        x = float(code.get("X") or 0)
        y = float(code.get("Y") or 0)
        text = code.text
        advances = _deltas(code.get("DeltaX"), len(text) - 1)
        for i, ch in enumerate(text):
            if i and i - 1 < len(advances):
                x += advances[i - 1]
            elif i:
                x += size
            if ch.isspace():
                continue
            left = (bx + x * a) * scale
            baseline = (by + y * d) * scale
            glyph = size * abs(d) * scale
            chars.append(PositionedChar(ch, left, baseline - glyph * 0.88, left + glyph, baseline + glyph * 0.12))
    return chars


def _path_object(element: etree._Element, scale: float) -> list[Ruling]:
    bx, by, bw, bh = _box(element)
    if bw * scale <= SNAP or bh * scale <= SNAP:
        # A hairline box: the whole object is one ruling.
        return [Ruling(bx * scale, by * scale, (bx + bw) * scale, (by + bh) * scale)] if bw or bh else []
    tokens = (element.findtext("{*}AbstractData") or "").split()
    rulings: list[Ruling] = []
    start = previous = None
    i = 0
    while i < len(tokens):
        op = tokens[i]
        if op in ("M", "L") and i + 2 < len(tokens):
            point = ((bx + float(tokens[i + 1])) * scale, (by + float(tokens[i + 2])) * scale)
            if op == "L" and previous is not None:
                _edge(rulings, previous, point)
            else:
                start = point
            previous = point
            i += 3
        elif op == "C":
            if previous is not None and start is not None:
                _edge(rulings, previous, start)
            previous = start
            i += 1
        else:
            i += 1  # curves and arcs are not table rulings
    return rulings


def _edge(rulings: list[Ruling], p: tuple[float, float], q: tuple[float, float]) -> None:
    (x0, y0), (x1, y1) = p, q
    if abs(y0 - y1) <= SNAP / 2 < abs(x0 - x1) or abs(x0 - x1) <= SNAP / 2 < abs(y0 - y1):
        rulings.append(Ruling(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)))
