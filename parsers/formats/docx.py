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

from parsers.formats._limits import BoundedZip, LimitExceeded
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
    except (ValueError, LimitExceeded) as exc:
        return Document(format="docx", status=Status.ERROR, status_detail=f"unreadable DOCX: {exc}")
    reader = _BodyReader(_namespace(root))
    body = root.find(reader.w("body"))
    if body is None:
        return Document(format="docx", status=Status.ERROR, status_detail="DOCX without a w:body")
    reader.read_container(body)
    return Document(format="docx", blocks=reader.blocks, title=title, images_in_body=reader.images,
                    warnings=reader.warnings)


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
    def __init__(self, namespace: str) -> None:
        self.ns = namespace
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
        parts: list[str] = []
        for node in paragraph.iter(self.w("t"), self.w("tab"), self.w("br"), self.w("cr"), self.w("drawing"),
                                   self.w("pict")):
            local = etree.QName(node).localname
            if local == "t":
                parts.append(node.text or "")
            elif local == "tab":
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

