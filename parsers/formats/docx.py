"""DOCX: paragraphs and tables read from ``word/document.xml`` in document order.

The XML is read directly (lxml) rather than through python-docx: python-docx repeats a merged
cell's text in every grid cell it spans and cannot tell the copies from real cells, while the XML
says it outright — ``w:gridSpan`` for horizontal merges, ``w:vMerge`` (``restart`` / continue)
for vertical ones, ``w:gridBefore`` / ``w:gridAfter`` for rows that start or end short.  Merged
cells are expanded like an HTML ``rowspan``/``colspan``: every grid position gets the text,
and the copies carry :attr:`GridCell.origin`, so a merged value is counted once.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lxml import etree

from parsers.formats._limits import BoundedZip, LimitExceeded, parse_xml
from parsers.model import Document, Grid, GridCell, Paragraph, Status
from parsers.report.labels import grid_cell

_WHITESPACE = re.compile(r"\s+")
#: Tables wider or longer than this are not statistics tables; they are cut (and a warning says so).
MAX_TABLE_ROWS = 5_000
MAX_TABLE_COLS = 200


def read(data: bytes, *, filename: str | None = None, fmt: str = "docx") -> Document:
    try:
        archive = BoundedZip(data)
        if "word/document.xml" not in archive.names:
            return Document(format="docx", status=Status.ERROR, status_detail="DOCX without word/document.xml")
        root = archive.read_xml("word/document.xml")
        title = _core_title(archive)
        namespace = _namespace(root)
        numbering = _Numbering(archive, namespace)
    except (ValueError, LimitExceeded) as exc:
        return Document(format="docx", status=Status.ERROR, status_detail=f"unreadable DOCX: {exc}")
    reader = _BodyReader(namespace, numbering)
    body = root.find(reader.w("body"))
    if body is None:
        return Document(format="docx", status=Status.ERROR, status_detail="DOCX without a w:body")
    numbering.body = body
    reader.text_only = reader.holds_only_text(body)
    try:
        reader.read_container(body)
    except ValueError as exc:  # a malformed number in list or table properties
        return Document(format="docx", status=Status.ERROR, status_detail=f"unreadable DOCX: {exc}")
    return Document(format="docx", blocks=reader.blocks, title=title, images_in_body=reader.images,
                    warnings=reader.warnings)


_CJK_DIGITS = "零一二三四五六七八九"


def _chinese_number(n: int) -> str:
    if n <= 0 or n >= 100:
        return str(n)
    tens, ones = divmod(n, 10)
    if not tens:
        return _CJK_DIGITS[ones]
    return ("" if tens == 1 else _CJK_DIGITS[tens]) + "十" + (_CJK_DIGITS[ones] if ones else "")


def _roman(n: int) -> str:
    out = ""
    for value, numeral in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"),
                           (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        while n >= value:
            out += numeral
            n -= value
    return out


def format_number(n: int, number_format: str) -> str:
    """A list counter as Word prints it in ``number_format`` (``w:numFmt``)."""
    if number_format in ("chineseCounting", "chineseCountingThousand", "japaneseCounting", "chineseLegalSimplified",
                         "taiwaneseCounting", "taiwaneseCountingThousand", "ideographDigital"):
        return _chinese_number(n)
    if number_format == "ideographTraditional" and 1 <= n <= 10:
        return "甲乙丙丁戊己庚辛壬癸"[n - 1]
    if number_format == "decimalFullWidth":
        return "".join(chr(ord(d) + 0xFEE0) for d in str(n))
    if number_format in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese") and 1 <= n <= 20:
        return chr(0x2460 + n - 1)
    if number_format == "decimalZero":
        return f"{n:02d}"
    if number_format in ("lowerLetter", "upperLetter") and n >= 1:
        letter = chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)
        return letter.upper() if number_format == "upperLetter" else letter
    if number_format in ("lowerRoman", "upperRoman"):
        return _roman(n).upper() if number_format == "upperRoman" else _roman(n)
    return str(n)


class _Numbering:
    """Automatic paragraph numbers (``一、`` ``（二）`` ``3.``) that Word draws but does not store as text.

    Reports number their sections and table rows with Word lists, so without this the text would
    read ``总体情况`` where the page shows ``一、总体情况``.  Numbers come from ``word/numbering.xml``
    (``w:num`` → ``w:abstractNum`` → ``w:lvl`` with ``w:start``, ``w:numFmt``, ``w:lvlText``), for
    paragraphs that carry ``w:numPr`` themselves or through their style (``word/styles.xml``).
    Bullets add nothing.
    """

    def __init__(self, archive: BoundedZip, namespace: str) -> None:
        self.namespace = namespace
        self.archive: BoundedZip | None = archive if "word/numbering.xml" in archive.names else None
        self.definitions = _NO_DEFINITIONS
        self.style_numbering: dict[str, tuple[str, int]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        self.body: etree._Element | None = None  # set by read() before the first label
        self._properties_come_first: bool | None = None
        w = _Tags(namespace)
        self._val = w("val")
        self._properties, self._num_pr, self._style = w("pPr"), w("numPr"), w("pStyle")
        self._num_id, self._level = w("numId"), w("ilvl")
        self._properties_tag = _clark(namespace, "pPr")

    def _load(self) -> None:
        """Read the list definitions when the first paragraph that may be numbered comes (most have none)."""
        archive, self.archive = self.archive, None
        self.definitions = _cached(_numbering_cache, archive, "word/numbering.xml", self.namespace, _read_numbering)
        if self.definitions.levels and "word/styles.xml" in archive.names:
            self.style_numbering = _cached(_style_cache, archive, "word/styles.xml", self.namespace, _read_styles)

    def properties_come_first(self) -> bool:
        """Whether every ``w:pPr`` of the body is its parent's first child, as the schema has it (so a
        paragraph whose first child is something else has none); worked out when first asked."""
        if self._properties_come_first is None:
            self._properties_come_first = self.body is not None and all(
                properties.getprevious() is None for properties in self.body.iter(self._properties))
        return self._properties_come_first

    def label(self, paragraph: etree._Element) -> str:
        """The number Word prints before ``paragraph``, advancing the list's counters; ``""`` for none."""
        if self.archive is None and not self.definitions.levels:
            return ""
        properties = paragraph[0] if len(paragraph) else None
        if properties is None or properties.tag != self._properties_tag:
            if self.properties_come_first():
                return ""
            properties = _first(paragraph, self._properties)
            if properties is None:
                return ""
        num_pr = _first(properties, self._num_pr)
        style_element = _first(properties, self._style)
        style = None if style_element is None else style_element.get(self._val)
        if self.archive is not None and (num_pr is not None or style):
            self._load()
        definitions = self.definitions
        if not definitions.levels:
            return ""
        num_id, level = self.style_numbering.get(style, ("0", 0)) if style else ("0", 0)
        if num_pr is not None:
            element = _first(num_pr, self._num_id)
            num_id = (num_id if element is None else element.get(self._val, num_id)) or num_id
            element = _first(num_pr, self._level)
            level = int((str(level) if element is None else element.get(self._val, str(level))) or level)
        levels = definitions.levels.get(definitions.abstract_of.get(num_id, ""))
        if num_id == "0" or not levels or level not in levels:
            return ""
        start_override = definitions.start_override
        counters = self.counters.setdefault(num_id, {})
        start = start_override.get((num_id, level), levels[level][0])
        counters[level] = counters.get(level, start - 1) + 1
        for deeper in [k for k in counters if k > level]:
            del counters[deeper]
        _, number_format, text = levels[level]
        if number_format == "bullet":
            return ""

        def number(match: re.Match) -> str:
            k = int(match.group(1)) - 1
            if k not in levels:
                return ""
            value = counters.get(k, start_override.get((num_id, k), levels[k][0]))
            return format_number(value, levels[k][1])

        return _LEVEL_PLACEHOLDER.sub(number, text)


_LEVEL_PLACEHOLDER = re.compile(r"%(\d)")


class _Tags:
    """``{namespace}local`` names as lxml's find/iter/get take them, made once per name."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self._tags: dict[str, str] = {}

    def __call__(self, local: str) -> str:
        tag = self._tags.get(local)
        if tag is None:
            tag = self._tags[local] = f"{{{self.namespace}}}{local}"
        return tag


def _first(element: etree._Element, tag: str) -> etree._Element | None:
    """``element.find(tag)`` for a plain tag, without ElementPath's cost."""
    return next(element.iterchildren(tag), None)


def _clark(namespace: str, local: str) -> str:
    """The ``.tag`` lxml gives an element ``local`` of ``namespace`` (no braces without one)."""
    return f"{{{namespace}}}{local}" if namespace else local


@dataclass(frozen=True)
class _Definitions:
    """What ``word/numbering.xml`` defines: levels of each ``w:abstractNum`` as (start, format, text),
    the abstract list behind each ``w:num``, and the ``w:startOverride`` of (num, level)."""

    levels: dict[str, dict[int, tuple[int, str, str]]]
    abstract_of: dict[str, str]
    start_override: dict[tuple[str, int], int]


_NO_DEFINITIONS = _Definitions({}, {}, {})


def _read_numbering(content: bytes, namespace: str) -> _Definitions:
    root = parse_xml(content, "word/numbering.xml")
    w = _Tags(namespace)
    val = w("val")

    def value(element: etree._Element | None, default: str) -> str:
        return default if element is None else element.get(val, default)

    definitions = _Definitions({}, {}, {})
    for abstract in root.iter(w("abstractNum")):
        levels = definitions.levels.setdefault(abstract.get(w("abstractNumId"), ""), {})
        for level in abstract.iter(w("lvl")):
            start = int(value(level.find(w("start")), "1") or 1)
            levels[int(level.get(w("ilvl"), "0"))] = (
                start, value(level.find(w("numFmt")), "decimal") or "decimal",
                value(level.find(w("lvlText")), "") or "")
    for num in root.iter(w("num")):
        num_id = num.get(w("numId"), "")
        definitions.abstract_of[num_id] = value(num.find(w("abstractNumId")), "") or ""
        for override in num.iter(w("lvlOverride")):
            start = override.find(w("startOverride"))
            if start is not None:
                definitions.start_override[(num_id, int(override.get(w("ilvl"), "0")))] = int(value(start, "1"))
    return definitions


def _read_styles(content: bytes, namespace: str) -> dict[str, tuple[str, int]]:
    """Style id → (numId, ilvl) of the list numbering it carries, itself or through ``w:basedOn``."""
    if b"numPr" not in content:
        return {}
    root = parse_xml(content, "word/styles.xml")
    w = _Tags(namespace)
    val, style_id_name, based_on_tag = w("val"), w("styleId"), w("basedOn")
    num_pr_path = f"{w('pPr')}/{w('numPr')}"
    # Only the few elements holding a w:pPr/w:numPr need looking into for one (14 of 164 styles in
    # python-docx's template), so they are found from the w:numPr up.
    properties_tag = _clark(namespace, "pPr")
    numbered = set()
    for num_pr in root.iter(w("numPr")):
        properties = num_pr.getparent()
        if properties is not None and properties.tag == properties_tag:
            numbered.add(properties.getparent())
    based_on: dict[str, str] = {}
    own: dict[str, tuple[str, int]] = {}
    for style in root.iter(w("style")):
        style_id = style.get(style_id_name, "")
        parent = _first(style, based_on_tag)
        parent = None if parent is None else parent.get(val)
        if parent:
            based_on[style_id] = parent
        num_pr = style.find(num_pr_path) if style in numbered else None
        if num_pr is not None:
            num_id, level = num_pr.find(w("numId")), num_pr.find(w("ilvl"))
            own[style_id] = ((num_id.get(val, "0") if num_id is not None else "0") or "0",
                             int((level.get(val, "0") if level is not None else "0") or 0))
    numbering: dict[str, tuple[str, int]] = {}
    for style_id in set(own) | set(based_on):
        seen, current = set(), style_id
        while current and current not in own and current not in seen:
            seen.add(current)
            current = based_on.get(current)
        if current in own:
            numbering[style_id] = own[current]
    return numbering


#: Reports of one portal or template carry the same numbering.xml and styles.xml byte for byte; the
#: python-docx template's styles.xml alone is 350 KB, which took longer to inflate and parse than the
#: body to read.  What they define is kept, by digest of the stored member (and namespace), for the
#: next document, so that a known member is neither inflated nor parsed again.
_CACHE_SIZE = 64
_numbering_cache: dict[tuple[str, bytes], tuple[int, _Definitions]] = {}
_style_cache: dict[tuple[str, bytes], tuple[int, dict[str, tuple[str, int]]]] = {}


def forget_definitions() -> None:
    """Empty the memo of list definitions (a benchmark's cold start; nothing else needs it)."""
    _numbering_cache.clear()
    _style_cache.clear()


def _cached(cache: dict, archive: BoundedZip, name: str, namespace: str, read: Callable[[bytes, str], Any]) -> Any:
    """``read(content of name, namespace)``, remembered; the result is shared, so callers never change it."""
    digest = archive.stored_digest(name)
    found = cache.get((namespace, digest)) if digest is not None else None
    if found is not None:
        size, result = found
        archive.count_read(size)  # as if inflated again: the caps on a file's total stay the same
        return result
    content = archive.read(name)
    result = read(content, namespace)
    if digest is not None:
        if len(cache) >= _CACHE_SIZE:
            cache.clear()  # simpler than LRU and safe under threads; a template in use is back after its next read
        cache[(namespace, digest)] = (len(content), result)
    return result


def _namespace(root: etree._Element) -> str:
    # Transitional and Strict OOXML use different namespace URIs for the same elements.
    return etree.QName(root).namespace or ""


def _core_title(archive: BoundedZip) -> str | None:
    if "docProps/core.xml" not in archive.names:
        return None
    try:
        core = archive.read_xml("docProps/core.xml")
    except (ValueError, LimitExceeded):
        return None
    title = core.find("{http://purl.org/dc/elements/1.1/}title")
    text = _collapse(title.text or "") if title is not None else ""
    return text or None


def _collapse(text: str) -> str:
    if "  " not in text and text.isprintable():
        return text.strip()  # the only whitespace in printable text is the plain space: nothing to collapse
    return _WHITESPACE.sub(" ", text).strip()


def _cell_text(paragraphs: list[list[str]]) -> str:
    """:meth:`_BodyReader.cell_text` from the texts of each paragraph's ``w:t`` (paragraphs without a number)."""
    if len(paragraphs) == 1:
        text = "".join(paragraphs[0])
        return _collapse(text) if text.strip() else ""
    texts = ["".join(texts) for texts in paragraphs]
    return _collapse(" ".join([text for text in texts if text.strip()]))


class _BodyReader:
    def __init__(self, namespace: str, numbering: _Numbering) -> None:
        self.numbering = numbering
        self.w = w = _Tags(namespace)
        self.blocks: list[Paragraph | Grid] = []
        self.warnings: list[str] = []
        self.images = 0
        self.table_count = 0
        self.paragraph_count = 0
        # Elements are told apart by local name, whatever their namespace; a tag's local name is
        # worked out once per distinct tag rather than once per element.
        self._local_names: dict[object, str] = {}
        self._paragraph, self._table, self._content, self._val = w("p"), w("tbl"), w("sdtContent"), w("val")
        self._text_tag = w("t")
        self._other_tags = (w("tab"), w("br"), w("cr"), w("drawing"), w("pict"))
        self._text_tags = (self._text_tag, *self._other_tags)
        #: Whether the paragraphs now read have nothing but ``w:t`` to give (no tab, break, image),
        #: which lets them be read with a single-tag iteration, several times cheaper than the full one.
        self.text_only = False
        self._text, self._tab = _clark(namespace, "t"), _clark(namespace, "tab")
        self._breaks = (_clark(namespace, "br"), _clark(namespace, "cr"))
        self._tab_stops = w("tabs")
        self._row_properties, self._grid_before = w("trPr"), w("gridBefore")
        self._cell_properties_tag = _clark(namespace, "tcPr")
        self._cell_property_positions = {
            _clark(namespace, local): position for position, local in enumerate(("gridSpan", "vMerge", "hMerge"))}
        self._cell_tag, self._properties_tag = w("tc"), w("pPr")

    def local_name(self, tag: object) -> str:
        local = self._local_names.get(tag)
        if local is None:
            local = self._local_names[tag] = etree.QName(tag).localname if isinstance(tag, str) else ""
        return local

    def read_container(self, container: etree._Element) -> None:
        for child in container:
            tag = self.local_name(child.tag)
            if tag == "p":
                self.paragraph_count += 1
                text = self.paragraph_text(child)
                if text.strip():
                    self.blocks.append(Paragraph(text=text.strip(), source=f"docx paragraph {self.paragraph_count}"))
            elif tag == "tbl" and self.holds_tables(child):
                # A layout table around the content (some CMS exports wrap the whole report in
                # one): its cells are read as the body, in order, so the tables inside stay tables.
                for tr in self.own(child, "tr"):
                    for tc in self.own(tr, "tc"):
                        self.read_container(tc)
            elif tag == "tbl":
                self.table_count += 1
                grid = self.read_table(child, self.table_count)
                if grid.rows:
                    self.blocks.append(grid)
            elif tag in ("sdt", "customXml"):
                content = child.find(self._content) if tag == "sdt" else child
                if content is not None:
                    self.read_container(content)

    def own(self, element: etree._Element, local: str) -> list[etree._Element]:
        """Children named ``local``, looking through content-control and custom-XML wrappers."""
        found = []
        local_name = self.local_name
        for child in element:
            tag = local_name(child.tag)
            if tag == local:
                found.append(child)
            elif tag in ("sdt", "sdtContent", "customXml"):
                found.extend(self.own(child, local))
        return found

    def holds_tables(self, table: etree._Element) -> bool:
        for nested in table.iter(self._table):
            if nested is not table:
                break
        else:
            return False  # no table inside at all, the usual case
        nested_path = f".//{self._table}"
        return any(tc.find(nested_path) is not None for tr in self.own(table, "tr") for tc in self.own(tr, "tc"))

    def holds_only_text(self, element: etree._Element) -> bool:
        return next(element.iter(*self._other_tags), None) is None

    def paragraph_text(self, paragraph: etree._Element) -> str:
        if self.text_only:
            return self.numbering.label(paragraph) + "".join([t.text or "" for t in paragraph.iter(self._text_tag)])
        parts: list[str] = [self.numbering.label(paragraph)]
        text_tag, tab_tag, breaks = self._text, self._tab, self._breaks
        for node in paragraph.iter(*self._text_tags):
            tag = node.tag
            if tag == text_tag:
                parts.append(node.text or "")
            elif tag == tab_tag:
                if node.getparent().tag != self._tab_stops:  # w:tabs/w:tab defines a tab stop, not a tab
                    parts.append("\t")
            elif tag in breaks:
                parts.append("\n")
            else:
                self.images += 1
        return "".join(parts)

    def cell_text(self, cell: etree._Element) -> str:
        # Nested tables are rare in reports; their text stays in the outer cell, in order.
        if self.text_only:  # paragraph_text's first branch, inlined: this runs for every cell
            label, text_tag = self.numbering.label, self._text_tag
            texts = [label(p) + "".join([t.text or "" for t in p.iter(text_tag)]) for p in cell.iter(self._paragraph)]
        else:
            texts = [self.paragraph_text(p) for p in cell.iter(self._paragraph)]
        return _collapse(" ".join([text for text in texts if text.strip()]))

    def cell_properties(self, tc: etree._Element) -> list[etree._Element | None] | None:
        """The first ``w:gridSpan``, ``w:vMerge`` and ``w:hMerge`` in the cell's ``w:tcPr`` (``None``
        for one that is missing); ``None`` without a ``w:tcPr``."""
        properties = tc[0] if len(tc) else None
        if properties is None or properties.tag != self._cell_properties_tag:
            properties = _first(tc, self.w("tcPr"))
            if properties is None:
                return None
        found: list[etree._Element | None] = [None, None, None]
        positions = self._cell_property_positions
        for child in properties:
            position = positions.get(child.tag)
            if position is not None and found[position] is None:
                found[position] = child
        return found

    def cells_in_one_pass(
        self, table: etree._Element, rows_of_cells: list[list[etree._Element]]
    ) -> dict[etree._Element, list] | None:
        """Each cell's ``w:gridSpan``, ``w:vMerge``, ``w:hMerge`` (or ``None``) and the texts of its
        paragraphs' ``w:t``, read by one iteration over the table for each kind of element, for a table
        of text only (no tab, break or image) whose paragraphs carry no properties (so no list number)
        — most tables.

        Several times cheaper than :meth:`cell_properties` and :meth:`cell_text` for each cell, whose
        every ``iter`` sets up a tag matcher.  It gives what they give only for the plain structure
        ``w:tc/w:tcPr/(w:gridSpan|w:vMerge|w:hMerge)`` and ``w:tc/w:p/*/w:t``, and only when the cells met
        are exactly ``rows_of_cells``; for anything else (a hyperlink around a run, a nested table, a
        paragraph in a content control …) it returns ``None`` and the table is read cell by cell.
        """
        if not self.numbering.namespace or next(table.iter(self._properties_tag), None) is not None:
            return None
        # [gridSpan, vMerge, hMerge, [texts of each paragraph]] of every cell; lxml hands out the same
        # element object for a node as long as one is referenced, so these keys are what own() finds
        cells = {cell: [None, None, None, []] for cell in table.iter(self._cell_tag)}
        paragraphs = {}
        for paragraph in table.iter(self._paragraph):
            read = cells.get(paragraph.getparent())
            if read is None:
                return None
            read[3].append(paragraphs.setdefault(paragraph, []))
        for text in table.iter(self._text_tag):
            texts = paragraphs.get(text.getparent().getparent())
            if texts is None:
                return None
            texts.append(text.text or "")
        positions, properties_tag = self._cell_property_positions, self._cell_properties_tag
        for merge in table.iter(*positions):
            properties = merge.getparent()
            cell = properties.getparent()
            read = cells.get(cell)
            if read is None or properties.tag != properties_tag or cell[0] is not properties:
                return None
            position = positions[merge.tag]
            if read[position] is None:
                read[position] = merge
        found = 0
        for cells_of_row in rows_of_cells:
            for tc in cells_of_row:
                if tc not in cells:
                    return None
                found += 1
        return cells if found == len(cells) else None

    def read_table(self, table: etree._Element, number: int) -> Grid:
        text_only = self.text_only
        self.text_only = text_only or self.holds_only_text(table)
        rows: list[list[GridCell | None]] = []
        val = self._val
        source_of = self._source
        to_int = self._int
        # grid column -> (row, col) of the cell a vertical merge started in
        open_merges: dict[int, tuple[int, int]] = {}
        table_rows = self.own(table, "tr")
        rows_of_cells = [self.own(tr, "tc") for tr in table_rows]
        cells = self.cells_in_one_pass(table, rows_of_cells) if self.text_only else None
        for row_index, (tr, cells_of_row) in enumerate(zip(table_rows, rows_of_cells, strict=True)):
            if row_index >= MAX_TABLE_ROWS:
                self.warnings.append(f"docx table {number}: cut after {MAX_TABLE_ROWS} rows")
                break
            row: list[GridCell | None] = []
            properties = _first(tr, self._row_properties)
            if properties is not None:
                before = _first(properties, self._grid_before)
                for column in range(to_int(before.get(val) if before is not None else None)):
                    row.append(grid_cell("", source_of(number, row_index, column)))
            for tc in cells_of_row:
                read = cells.get(tc) if cells is not None else None
                if read is not None:
                    grid_span, v_merge, h_merge, paragraphs = read
                else:
                    grid_span = v_merge = h_merge = paragraphs = None
                    tc_properties = self.cell_properties(tc)
                    if tc_properties is not None:
                        grid_span, v_merge, h_merge = tc_properties
                span = 1
                merge = None
                if grid_span is not None:
                    span = max(1, to_int(grid_span.get(val), 1))
                if v_merge is not None:
                    merge = v_merge.get(val) or "continue"
                if h_merge is not None and (h_merge.get(val) or "continue") == "continue" and row:
                    # Word 97-era horizontal merge: this cell continues the one on its left.
                    left = row[-1]
                    origin = left.origin or (row_index, len(row) - 1)
                    row.extend([grid_cell(left.text, left.source, origin)] * span)  # a frozen cell can be shared
                    continue
                column = len(row)
                if column + span > MAX_TABLE_COLS:
                    self.warnings.append(f"docx table {number}: row {row_index + 1} cut at {MAX_TABLE_COLS} columns")
                    break
                if merge == "continue" and column in open_merges:
                    origin_row, origin_col = open_merges[column]
                    origin_cell = rows[origin_row][origin_col]
                    text = origin_cell.text if origin_cell is not None else ""
                    source = origin_cell.source if origin_cell is not None else ""
                    origin = (origin_row, origin_col)
                    row.extend([grid_cell(text, source, origin)] * span)
                    continue
                text = self.cell_text(tc) if paragraphs is None else _cell_text(paragraphs)
                source = source_of(number, row_index, column)
                row.append(grid_cell(text, source))
                if span > 1:
                    row.extend([grid_cell(text, source, (row_index, column))] * (span - 1))
                if open_merges:
                    for offset in range(span):
                        open_merges.pop(column + offset, None)
                if merge == "restart":
                    open_merges[column] = (row_index, column)
            rows.append(row)
        self.text_only = text_only
        width = max((len(row) for row in rows), default=0)
        grid_rows = [
            [cell or grid_cell("") for cell in row]
            + [grid_cell("", source_of(number, r, c)) for c in range(len(row), width)]
            for r, row in enumerate(rows)
        ]
        return Grid(rows=grid_rows, source=f"docx table {number}")

    @staticmethod
    def _source(table: int, row: int, col: int) -> str:
        return f"docx table {table} row {row + 1} col {col + 1}"

    @staticmethod
    def _int(value: str | None, default: int = 0) -> int:
        try:
            return int(value) if value is not None else default
        except ValueError:
            return default
