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

from lxml import etree

from parsers.formats._limits import BoundedZip, LimitExceeded, parse_xml
from parsers.model import Document, Grid, GridCell, Paragraph, Status

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
        self._tags: dict[str, str] = {}
        self.archive: BoundedZip | None = archive if "word/numbering.xml" in archive.names else None
        self.levels: dict[str, dict[int, tuple[int, str, str]]] = {}
        self.abstract_of: dict[str, str] = {}
        self.start_override: dict[tuple[str, int], int] = {}
        self.style_numbering: dict[str, tuple[str, int]] = {}
        self.counters: dict[str, dict[int, int]] = {}

    def w(self, local: str) -> str:
        tag = self._tags.get(local)
        if tag is None:
            tag = self._tags[local] = f"{{{self.namespace}}}{local}"
        return tag

    def _load(self) -> None:
        """Read the list definitions when the first paragraph that may be numbered comes (most have none)."""
        archive, self.archive = self.archive, None
        self._read_numbering(archive.read_xml("word/numbering.xml"))
        if self.levels and "word/styles.xml" in archive.names:
            styles = archive.read("word/styles.xml")
            if b"numPr" in styles:
                self._read_styles(parse_xml(styles, "word/styles.xml"))

    def _val(self, element: etree._Element | None, default: str | None = None) -> str | None:
        return default if element is None else element.get(self.w("val"), default)

    def _read_numbering(self, root: etree._Element) -> None:
        w = self.w
        for abstract in root.iter(w("abstractNum")):
            levels = self.levels.setdefault(abstract.get(w("abstractNumId"), ""), {})
            for level in abstract.iter(w("lvl")):
                start = int(self._val(level.find(w("start")), "1") or 1)
                levels[int(level.get(w("ilvl"), "0"))] = (
                    start, self._val(level.find(w("numFmt")), "decimal") or "decimal",
                    self._val(level.find(w("lvlText")), "") or "")
        for num in root.iter(w("num")):
            num_id = num.get(w("numId"), "")
            self.abstract_of[num_id] = self._val(num.find(w("abstractNumId")), "") or ""
            for override in num.iter(w("lvlOverride")):
                start = override.find(w("startOverride"))
                if start is not None:
                    self.start_override[(num_id, int(override.get(w("ilvl"), "0")))] = int(self._val(start, "1"))

    def _read_styles(self, root: etree._Element) -> None:
        w = self.w
        based_on: dict[str, str] = {}
        own: dict[str, tuple[str, int]] = {}
        for style in root.iter(w("style")):
            style_id = style.get(w("styleId"), "")
            parent = self._val(style.find(w("basedOn")))
            if parent:
                based_on[style_id] = parent
            num_pr = style.find(f"{w('pPr')}/{w('numPr')}")
            if num_pr is not None:
                own[style_id] = (self._val(num_pr.find(w("numId")), "0") or "0",
                                 int(self._val(num_pr.find(w("ilvl")), "0") or 0))
        for style_id in set(own) | set(based_on):
            seen, current = set(), style_id
            while current and current not in own and current not in seen:
                seen.add(current)
                current = based_on.get(current)
            if current in own:
                self.style_numbering[style_id] = own[current]

    def label(self, paragraph: etree._Element) -> str:
        """The number Word prints before ``paragraph``, advancing the list's counters; ``""`` for none."""
        if self.archive is None and not self.levels:
            return ""
        w = self.w
        properties = paragraph.find(w("pPr"))
        if properties is None:
            return ""
        num_pr = properties.find(w("numPr"))
        style = self._val(properties.find(w("pStyle")))
        if self.archive is not None and (num_pr is not None or style):
            self._load()
        if not self.levels:
            return ""
        num_id, level = self.style_numbering.get(style, ("0", 0)) if style else ("0", 0)
        if num_pr is not None:
            num_id = self._val(num_pr.find(w("numId")), num_id) or num_id
            level = int(self._val(num_pr.find(w("ilvl")), str(level)) or level)
        levels = self.levels.get(self.abstract_of.get(num_id, ""))
        if num_id == "0" or not levels or level not in levels:
            return ""
        counters = self.counters.setdefault(num_id, {})
        start = self.start_override.get((num_id, level), levels[level][0])
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
            value = counters.get(k, self.start_override.get((num_id, k), levels[k][0]))
            return format_number(value, levels[k][1])

        return re.sub(r"%(\d)", number, text)


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
    return _WHITESPACE.sub(" ", text).strip()


class _BodyReader:
    def __init__(self, namespace: str, numbering: _Numbering) -> None:
        self.ns = namespace
        self.numbering = numbering
        self._tags: dict[str, str] = {}
        self.blocks: list[Paragraph | Grid] = []
        self.warnings: list[str] = []
        self.images = 0
        self.table_count = 0
        self.paragraph_count = 0

    def w(self, local: str) -> str:
        tag = self._tags.get(local)
        if tag is None:
            tag = self._tags[local] = f"{{{self.ns}}}{local}"
        return tag

    def attr(self, element: etree._Element | None, local: str) -> str | None:
        return None if element is None else element.get(self.w(local))

    def read_container(self, container: etree._Element) -> None:
        for child in container:
            tag = etree.QName(child).localname if isinstance(child.tag, str) else ""
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
                content = child.find(self.w("sdtContent")) if tag == "sdt" else child
                if content is not None:
                    self.read_container(content)

    def own(self, element: etree._Element, local: str) -> list[etree._Element]:
        """Children named ``local``, looking through content-control and custom-XML wrappers."""
        found = []
        for child in element:
            tag = etree.QName(child).localname if isinstance(child.tag, str) else ""
            if tag == local:
                found.append(child)
            elif tag in ("sdt", "sdtContent", "customXml"):
                found.extend(self.own(child, local))
        return found

    def holds_tables(self, table: etree._Element) -> bool:
        nested = f".//{self.w('tbl')}"
        return any(tc.find(nested) is not None for tr in self.own(table, "tr") for tc in self.own(tr, "tc"))

    def paragraph_text(self, paragraph: etree._Element) -> str:
        parts: list[str] = [self.numbering.label(paragraph)]
        tab_stops = self.w("tabs")
        for node in paragraph.iter(self.w("t"), self.w("tab"), self.w("br"), self.w("cr"), self.w("drawing"),
                                   self.w("pict")):
            local = etree.QName(node).localname
            if local == "t":
                parts.append(node.text or "")
            elif local == "tab":
                if node.getparent().tag != tab_stops:  # w:tabs/w:tab defines a tab stop, not a tab
                    parts.append("\t")
            elif local in ("br", "cr"):
                parts.append("\n")
            else:
                self.images += 1
        return "".join(parts)

    def cell_text(self, cell: etree._Element) -> str:
        # Nested tables are rare in reports; their text stays in the outer cell, in order.
        paragraphs = [self.paragraph_text(p) for p in cell.iter(self.w("p"))]
        return _collapse(" ".join(p for p in paragraphs if p.strip()))

    def read_table(self, table: etree._Element, number: int) -> Grid:
        rows: list[list[GridCell | None]] = []
        # grid column -> (row, col) of the cell a vertical merge started in
        open_merges: dict[int, tuple[int, int]] = {}
        for row_index, tr in enumerate(self.own(table, "tr")):
            if row_index >= MAX_TABLE_ROWS:
                self.warnings.append(f"docx table {number}: cut after {MAX_TABLE_ROWS} rows")
                break
            row: list[GridCell | None] = []
            properties = tr.find(self.w("trPr"))
            before = self._int(self.attr(properties.find(self.w("gridBefore")) if properties is not None else None,
                                         "val"))
            row.extend(GridCell(text="", source=self._source(number, row_index, len(row) + i)) for i in range(before))
            for tc in self.own(tr, "tc"):
                tc_properties = tc.find(self.w("tcPr"))
                span = 1
                merge = None
                if tc_properties is not None:
                    span = max(1, self._int(self.attr(tc_properties.find(self.w("gridSpan")), "val"), 1))
                    v_merge = tc_properties.find(self.w("vMerge"))
                    if v_merge is not None:
                        merge = self.attr(v_merge, "val") or "continue"
                    h_merge = tc_properties.find(self.w("hMerge"))
                    if h_merge is not None and (self.attr(h_merge, "val") or "continue") == "continue" and row:
                        # Word 97-era horizontal merge: this cell continues the one on its left.
                        left = row[-1]
                        origin = left.origin or (row_index, len(row) - 1)
                        row.extend(GridCell(text=left.text, source=left.source, origin=origin) for _ in range(span))
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
                    row.extend(GridCell(text=text, source=source, origin=origin) for _ in range(span))
                    continue
                text = self.cell_text(tc)
                source = self._source(number, row_index, column)
                row.append(GridCell(text=text, source=source))
                for _ in range(1, span):
                    row.append(GridCell(text=text, source=source, origin=(row_index, column)))
                for offset in range(span):
                    open_merges.pop(column + offset, None)
                if merge == "restart":
                    open_merges[column] = (row_index, column)
            rows.append(row)
        width = max((len(row) for row in rows), default=0)
        grid_rows = [
            [cell or GridCell(text="") for cell in row]
            + [GridCell(text="", source=self._source(number, r, c)) for c in range(len(row), width)]
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

