"""HTML report pages: find the article body, read the page metadata, expand tables into grids.

* The body is the first CMS container found (TRS, Hanweb, gkmlpt, VSB, gov.cn …), else the
  element with the most direct text – navigation and footers are left out either way.
* Metadata: ``<meta name=ArticleTitle|PubDate|ContentSource|ColumnName …>`` and the 信息公开
  label/value block (索引号, 发布机构, 发布日期 …; labels with full-width spaces are normalised).
* Tables: ``rowspan``/``colspan`` are expanded into a rectangular :class:`Grid` whose copies
  remember their origin; a cell's paragraphs/spans/line breaks are joined into one text.
  A table that contains tables is layout, not data: its content is read in order instead.
* Images in the body are counted, so that reports whose tables are pictures can say so.
"""

from __future__ import annotations

import html
import re
import string
from html.entities import html5
from typing import NamedTuple

from lxml import etree

from parsers.decode import decode
from parsers.model import Document, Grid, GridCell, Paragraph, Status
from parsers.report.labels import _CELL_DEFAULTS, collapse, halfwidth, join_lines

try:
    from parsers.formats import _html_cells
except ImportError as exc:  # a checkout used without installing the project, or a stale build
    raise ImportError(
        f"the HTML reader's table expansion (parsers/formats/_html_cells.c) is not built: {exc}; "
        "run `pip install -e .` in the project"
    ) from exc

#: Where CMSs put the article, most specific first: (attribute, test on its value).
BODY_RULES = (
    ("class", "TRS_Editor"),
    ("class", "TRS_UEDITOR"),
    ("class", "trs_editor_view"),
    ("id", "zoom"),
    ("id", "UCAP-CONTENT"),
    ("id", "vsb_content*"),
    ("class", "v_news_content"),
    ("class", "pages_content"),
    ("class", "hbgov-article-content"),
    ("class", "article-content"),
    ("class", "article-con"),
    ("class", "con_text"),
    ("id", "content"),
    ("id", "Content"),
    ("id", "ArticleContent"),
    ("id", "article"),
    ("class", "content"),
)
_DROP = ("script", "style", "noscript", "iframe", "object", "embed", "template", "select", "button")
_BLOCK = frozenset(
    [
        "p",
        "div",
        "section",
        "article",
        "header",
        "footer",
        "aside",
        "main",
        "nav",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "li",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "blockquote",
        "pre",
        "center",
        "address",
        "figure",
        "figcaption",
        "hr",
        "tr",
        "tbody",
        "thead",
        "tfoot",
        "caption",
    ]
)
_META_NAMES = (
    "ArticleTitle",
    "PubDate",
    "ContentSource",
    "ColumnName",
    "ColumnType",
    "SiteName",
    "Keywords",
    "Description",
    "Author",
    "firstpublishedtime",
    "publishdate",
    "Url",
)
_META_BY_LOWER_NAME = {name.lower(): name for name in _META_NAMES}
#: Labels of the 信息公开 metadata block, normalised (no spaces, no colon).
METADATA_LABELS = (
    "信息索引号",
    "索引号",
    "发布机构",
    "发文机关",
    "所属机构",
    "发布单位",
    "成文日期",
    "生成日期",
    "发文日期",
    "发布日期",
    "发布时间",
    "公开日期",
    "主题分类",
    "组配分类",
    "公开目录",
    "公开类别",
    "分类",
    "发文字号",
    "文号",
    "文件编号",
    "文件名称",
    "信息名称",
    "标题",
    "名称",
    "公开方式",
    "有效性",
    "主题词",
    "关键字",
    "来源",
)
_LABEL = re.compile(r"^(" + "|".join(METADATA_LABELS) + r")[:：]?(.*)$", re.DOTALL)
_SPACES = re.compile(r"[\s\u3000\xa0]+")
_ICON = re.compile(
    r"icon|logo|print|close|share|weixin|wechat|qrcode|ewm|erweima|arrow|btn|button|bg|blank\.gif|spacer",
    re.IGNORECASE,
)
#: Largest rowspan/colspan honoured (report tables span a few dozen rows at most).
MAX_SPAN = 60
#: Largest expanded table (the applications table has about 300 cells).
MAX_TABLE_CELLS = 20_000
#: ``str(c + 1)`` of the columns of usual tables.
_COLUMN_NUMBERS = tuple(str(column) for column in range(1, 101))


def read(data: bytes, *, filename: str | None = None, fmt: str = "html", declared: str | None = None) -> Document:
    text, encoding = decode(data, declared)
    return read_tree(parse_decoded(data, text, encoding), text)


class ParsedPage(NamedTuple):
    """A page's tree made by :func:`parse_decoded` and the text it was made of, for :func:`read_tree`."""

    root: etree._Element
    text: str


def parse_decoded(data: bytes, text: str, encoding: str):
    """The tree of ``data``, which :func:`parsers.decode.decode` turned into ``text`` with ``encoding``.

    ``None`` if libxml2 finds no document.  Comments and processing instructions are left out.
    """
    # valid UTF-8 goes to libxml2 as it is; anything else as the text we decoded
    return _parse(data if encoding == "utf-8" else text.encode("utf-8", errors="replace"))


def read_tree(root, source: str | None = None) -> Document:
    """The document of a page parsed by :func:`parse_decoded` (``None``: unreadable), or of a :class:`ParsedPage`.

    ``source``, the text the tree was parsed from, spares searches of the tree for names the page
    never spells.  Uses the tree up: scripts, styles and other non-content elements are removed from it.
    """
    if isinstance(root, ParsedPage):
        root, source = root
    if root is None:
        return Document(format="html", status=Status.ERROR, status_detail="unreadable HTML: no document")
    document = Document(format="html")
    for element in list(root.iter(*_DROP)):
        _remove(element)
    body = find_body(root, source)
    document.metadata = read_metadata(root, body)
    document.title = _title(root, document.metadata)
    if body is None:
        return document
    document.images_in_body = sum(
        1 for img in body.iter("img") if not _ICON.search(img.get("src", "") + img.get("class", ""))
    )
    _Walker(document.blocks, document.warnings).walk(body)
    return document


#: lxml serialises concurrent use of one parser, so a module-level parser is safe and saves building one per page.
_PARSER = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True)


def _parse(utf8: bytes):
    try:
        return etree.fromstring(utf8, _PARSER)
    except (etree.XMLSyntaxError, ValueError):
        return None


def _remove(element) -> None:
    """Remove ``element`` but keep the text that follows it."""
    parent = element.getparent()
    if parent is None:
        return
    if element.tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


def text_of(element) -> str:
    """All text inside ``element`` (serialised by libxml2: much faster than joining ``itertext()``)."""
    return _tostring(element, method="text", encoding=str, with_tail=False)


_tostring = etree.tostring


def _norm_label(text: str) -> str:
    return _SPACES.sub("", halfwidth(text))


_LABEL_INITIALS = frozenset(label[0] for label in METADATA_LABELS)


_LABEL_TAGS = ("td", "th", "span", "label", "b", "strong", "li", "dt", "p", "em", "div", "font")


def read_metadata(root, body=None) -> dict[str, str]:
    """``<meta>`` tags and the 信息公开 label/value block.

    The block sits outside the article on nearly every portal, so ``body`` is searched only
    when nothing was found around it.
    """
    if body is not None and body is not root and body.getparent() is not None:
        try:
            metadata = _read_metadata(root, _Outside(root, body))
        except _BodyInTheWay:
            metadata = read_metadata_without_body(root, body)
        if not any(label in metadata for label in METADATA_LABELS):
            metadata = _read_metadata(root)
        return metadata
    return _read_metadata(root)


def read_metadata_without_body(root, body) -> dict[str, str]:
    """The metadata block read with ``body`` taken out of the tree for the while (it is put back)."""
    parent = body.getparent()
    position = parent.index(body)
    parent.remove(body)  # the tail text travels with the element and comes back with it
    try:
        return _read_metadata(root)
    finally:
        parent.insert(position, body)


class _BodyInTheWay(Exception):
    """Reading around the body would look at an element that holds it: only taking the body out does it right."""


class _Outside:
    """The tree as it would be with ``body`` taken out (tail included), without taking it out.

    Moving a large body out of the tree and back costs more than the few elements around it.
    """

    def __init__(self, root, body):
        self.body = body
        path = [body, *body.iterancestors()]
        path.reverse()
        if path[0] is not root:
            raise _BodyInTheWay
        self.path = path
        self.holders = frozenset(path[:-1])

    def iter(self, *tags):
        """``root.iter(*tags)`` of the tree without the body."""
        return self._iter(0, tags)

    def _iter(self, depth: int, tags):
        path = self.path
        node = path[depth]
        if node.tag in tags:
            yield node
        next_on_path = path[depth + 1]
        for child in node:
            if child is not next_on_path:
                yield from child.iter(*tags)
            elif child is not self.body:
                yield from self._iter(depth + 1, tags)

    def next_of(self, node):
        """``node.getnext()`` of the tree without the body."""
        sibling = node.getnext()
        return self.body.getnext() if sibling is self.body else sibling


def _read_metadata(root, outside: _Outside | None = None) -> dict[str, str]:
    """``read_metadata`` of the whole tree, or of the tree without a body (``outside``)."""
    elements = root if outside is None else outside
    holders = frozenset() if outside is None else outside.holders
    metadata: dict[str, str] = {}
    for meta in elements.iter("meta"):
        wanted = _META_BY_LOWER_NAME.get((meta.get("name") or meta.get("property") or "").lower())
        if wanted is not None and (content := meta.get("content", "")).strip():
            metadata.setdefault(wanted, collapse(content))
    for element in elements.iter(*_LABEL_TAGS):
        own = (element.text or "").lstrip(" \t\r\n\u3000\xa0")
        # cheap test first: pages have thousands of elements, a handful of labels
        if not own or own[0] not in _LABEL_INITIALS:
            continue
        if element in holders:
            raise _BodyInTheWay  # its children and text would be counted without the body
        if len(element) > 4:
            continue
        raw = text_of(element) if len(element) else own
        if len(raw) > 120:
            continue
        match = _LABEL.match(_norm_label(raw))
        if not match or match.group(1) in metadata:
            continue
        value = _after_colon(raw) if match.group(2) else _value_after_label(element, outside)
        if value:
            metadata[match.group(1)] = value
    return metadata


def _after_colon(raw: str) -> str:
    text = halfwidth(raw)
    index = text.find(":")
    return collapse(text[index + 1 :]) if index >= 0 else collapse(text)


def _value_after_label(element, outside: _Outside | None = None) -> str:
    """The value of a label with nothing after it: the text that follows, or the next cell/sibling.

    The label may be wrapped (``<td><b>索 引 号：</b></td><td>…</td>``): then the value follows
    the wrapper.  ``outside``: read as if its body were not in the tree.
    """
    node = element
    for _ in range(3):
        if node.tail and node.tail.strip():
            return collapse(node.tail)
        sibling = node.getnext() if outside is None else outside.next_of(node)
        if sibling is not None:
            if outside is not None and sibling in outside.holders:
                raise _BodyInTheWay
            return collapse(text_of(sibling))
        node = node.getparent()
        if node is None:
            break
    return ""


#: Elements that carry the body classes.
_CONTAINER_TAGS = ("div", "section", "article", "main", "td", "span", "font", "p")
_BODY_CLASSES = frozenset(wanted for attribute, wanted in BODY_RULES if attribute == "class")


#: Every class attribute in document order: libxml2 finds the few among thousands of styled spans
#: faster than a Python loop asks each element for one.
_CLASS_ATTRIBUTES = etree.XPath("//@class")


#: Compiled once (``element.xpath`` compiles its expression on every call).
_BY_ID = etree.XPath("id($name)")  # libxml2 indexes HTML ids
_BY_ID_START = etree.XPath("//*[starts-with(@id, $start)]")


def find_body(root, source: str | None = None):
    """The article element of a page by :data:`BODY_RULES`, else the element with the most text.

    ``source``: the text the tree was parsed from (see :class:`Spelling`).
    """
    spelt = Spelling(source)
    by_class: dict[str, list] | None = None
    for attribute, wanted in BODY_RULES:
        name = wanted.rstrip("*")
        times = spelt.times(name)
        if times == 0:
            continue  # no element can carry a name the page never spells
        if attribute == "class":
            found = _only_carrier(root, name) if times == 1 else None
            if found is None:
                if by_class is None:
                    by_class = _body_classes(root)
                found = by_class.get(wanted, [])
        elif wanted.endswith("*"):
            found = _BY_ID_START(root, start=name)
        else:
            found = _BY_ID(root, name=name)
        found = [e for e in found if _has_text(e, 20)]
        if len(found) == 1:
            return found[0]
        if found:
            return max(found, key=lambda e: len(text_of(e)))
    return _largest_text_block(root)


def _body_classes(root) -> dict[str, list]:
    """Container elements by the body classes they carry, in document order."""
    by_class: dict[str, list] = {}
    for classes in _CLASS_ATTRIBUTES(root):
        element = classes.getparent()
        if element.tag in _CONTAINER_TAGS:
            for token in classes.split():
                if token in _BODY_CLASSES:
                    by_class.setdefault(token, []).append(element)
    return by_class


def _only_carrier(root, name: str) -> list | None:
    """``_body_classes(root).get(name, [])`` when the page spells ``name`` once; ``None`` if that cannot be told.

    The one element whose class attribute holds the name is found by walking the tree up to it
    (an article body sits near the top) instead of reading every class attribute of the page.
    libxml2 copies no element, but an HTML5 tree builder reopens a misnested formatting element such
    as ``<font>`` with its attributes: a font found is left to the whole search.
    """
    for element in root.iter(etree.Element):
        classes = element.get("class")
        if classes is not None and name in classes and name in classes.split():
            if element.tag == "font":
                return None
            return [element] if element.tag in _CONTAINER_TAGS else []
    return []


#: Characters of the class and id names looked for (:data:`BODY_RULES`, the classifier's selectors).
_NAME_CHARACTERS = frozenset(string.ascii_letters + string.digits + "_-")
#: Character references that can stand for one of them: numeric ones and the few named ones.
_NAME_REFERENCES = re.compile(
    "&#[xX]?[0-9A-Fa-f]+;?|&(?:"
    + "|".join(sorted(re.escape(name) for name, text in html5.items() if _NAME_CHARACTERS.intersection(text)))
    + ")"
)


class Spelling:
    """How many times a page's text spells a class or id name: no element of its tree carries it more often.

    The HTML parser decodes character references in attribute values (``TRS&#95;Editor``,
    ``TRS&lowbar;Editor``), so the names are counted in the text with the references that can
    stand for their characters decoded (:func:`html.unescape` decodes them as the parser does; the
    page's many ``&nbsp;`` cannot make a name and are left alone).  Without a text nothing is known.
    """

    def __init__(self, source: str | None):
        self.source = source
        self.decoded: str | None = None

    def times(self, name: str) -> int | None:
        if self.source is None:
            return None
        if not _NAME_CHARACTERS.issuperset(name):
            return html.unescape(self.source).count(name)
        if self.decoded is None:
            if "&" in self.source:
                self.decoded = _NAME_REFERENCES.sub(lambda reference: html.unescape(reference[0]), self.source)
            else:
                self.decoded = self.source
        return self.decoded.count(name)

    def may_contain(self, name: str) -> bool:
        if self.source is None or name in self.source:
            return True
        return self.times(name) != 0


def _has_text(element, minimum: int) -> bool:
    """Whether ``element`` holds at least ``minimum`` non-blank characters (stops as soon as it does)."""
    seen = 0
    for piece in element.itertext():
        seen += len(piece.strip())
        if seen >= minimum:
            return True
    return False


def _largest_text_block(root):
    """The element whose own paragraphs and tables hold the most text (navigation has short links)."""
    best, best_score = None, 0
    for element in root.iter("div", "td", "article", "section", "main", "body"):
        score = len((element.text or "").strip())
        for child in element:
            if child.tag in ("p", "table", "span", "font", "br", "h1", "h2", "h3", "h4", "pre", "section"):
                score += len(text_of(child))
        if score > best_score:
            best, best_score = element, score
    return best if best is not None else root.find(".//body")


def _title(root, metadata: dict[str, str]) -> str | None:
    if metadata.get("ArticleTitle"):
        return metadata["ArticleTitle"]
    for tag in ("h1", "h2"):
        for element in root.iter(tag):
            text = collapse(text_of(element))
            if 6 <= len(text) <= 100 and ("报告" in text or "年报" in text):
                return text
    title = root.find(".//title")
    if title is not None and text_of(title).strip():
        text = collapse(text_of(title))
        return re.split(r"\s*[-_|｜—]+\s*", text)[0] or text
    return None


_STRUCTURE = frozenset({"table", "br"} | _BLOCK)


def _flat_text(element) -> str | None:
    """The text of ``element`` (which has children) when no table, line break or block sits inside; else ``None``.

    Pieces are collapsed one by one afterwards, so whitespace around the only child of the usual
    ``<p><span>…</span></p>`` may be left out: one look at the child instead of serialising the element.
    """
    if len(element) == 1:
        child = element[0]
        if not len(child) and isinstance(tag := child.tag, str):
            if tag in _STRUCTURE:
                return None
            text, tail = element.text, child.tail
            if (text is None or text.isspace()) and (tail is None or tail.isspace()):
                return child.text or ""
            return text_of(element)
    if any(child.tag in _STRUCTURE for child in element.iterdescendants()):
        return None
    return text_of(element)


class _Walker:
    """Turns a body element into paragraphs and grids in reading order."""

    def __init__(self, blocks: list, warnings: list[str]):
        self.blocks = blocks
        self.warnings = warnings
        self.line: list[str] = []
        self.tables = 0

    def flush(self):
        if not self.line:
            return
        text = join_lines(self.line)
        self.line = []
        if text:
            self.blocks.append(Paragraph(text, f"html paragraph {len(self.blocks) + 1}"))

    def walk(self, element):
        self._visit(element)
        self.flush()

    def _visit(self, element):
        # Pieces that are only whitespace are left out of self.line: join_lines drops them anyway.
        tag = element.tag
        if not isinstance(tag, str):
            return  # a comment or processing instruction; its tail is read by the parent
        if tag == "table":
            if self.line:
                self.flush()
            self._table(element)
            return
        if tag == "br":
            if self.line:
                self.flush()
            return
        block = tag in _BLOCK
        if block and self.line:
            self.flush()
        line = self.line
        if not len(element):
            text = element.text
            if text and not text.isspace():
                line.append(text)
        elif (flat := _flat_text(element)) is not None:
            # no structure inside (styled spans only): take the text in one go
            if block:  # a paragraph of its own (what flushing the line would make of it)
                if text := collapse(flat):
                    self.blocks.append(Paragraph(text, f"html paragraph {len(self.blocks) + 1}"))
                return
            line.append(flat)
        else:
            text = element.text
            if text and not text.isspace():
                line.append(text)
            for child in element:
                self._visit(child)
                tail = child.tail
                if tail and not tail.isspace():
                    self.line.append(tail)
        if block and self.line:
            self.flush()

    def _table(self, table):
        rows = _own_rows(table)
        # one search of the whole table settles the usual case, a table without tables inside
        nested = next(table.iterdescendants("table"), None) is not None
        if nested and any(next(row.iterdescendants("table"), None) is not None for row in rows):
            for row in rows:  # layout table: read its content in order
                for cell in _own_cells(row):
                    self._visit(cell)
                    self.flush()
            return
        self.tables += 1
        grid = expand_table(table, f"html table {self.tables}", rows, self.warnings)
        if grid.rows:
            self.blocks.append(grid)


def _own_rows(table) -> list:
    rows = []
    for child in table:
        if child.tag == "tr":
            rows.append(child)
        elif child.tag in ("thead", "tbody", "tfoot"):
            rows.extend(r for r in child if r.tag == "tr")
    return rows


def _own_cells(row) -> list:
    return [c for c in row if c.tag in ("td", "th")]


def cell_text(cell) -> str:
    """A cell's text with its paragraphs/spans/line breaks joined (no space between CJK pieces)."""
    if not len(cell):
        return collapse(cell.text or "")
    raw = text_of(cell).strip(_PADDING)
    if not _has_space(raw):
        return raw  # one word or number, however many spans it was split into
    paragraphs = 0
    for element in cell.iterdescendants():
        if element.tag in _STRUCTURE:
            if element.tag == "br" or paragraphs:
                return _joined_lines(cell)
            paragraphs = 1
    return collapse(raw)  # at most one paragraph inside: no lines to join


_PADDING = " \t\r\n\u3000\xa0"


def _has_space(text: str) -> bool:
    """``_SPACES.search(text)``: str.split() looks for the same characters (str.isspace) much faster."""
    words = text.split(None, 1)
    return len(words) != 1 or len(words[0]) != len(text) if text else False


def _joined_lines(cell) -> str:
    parts: list[str] = []

    def visit(element):
        if element.text:
            parts.append(element.text)
        for child in element:
            if isinstance(child.tag, str) and (child.tag == "br" or child.tag in _BLOCK):
                parts.append("\n")
            visit(child)
            if child.tail:
                parts.append(child.tail)

    visit(cell)
    return join_lines("".join(parts).split("\n"))


def _span(value: str | None, limit: int) -> int:
    if not value:
        return 1
    if value.isascii() and value.isdigit():
        return max(1, min(int(value), limit))
    digits = re.sub(r"[^\d]", "", value)[:4]
    return max(1, min(int(digits), limit)) if digits else 1


def read_cell(cell) -> tuple[str, bool, str | None, str | None]:
    """(text, nested, rowspan, colspan) of a td/th element read through lxml's API: what
    ``_html_cells`` reads from the tree in C, and how it reads a cell holding a node an HTML tree does
    not have (an entity reference).

    The text of every text node inside, whether the cell has children, and the first rowspan and
    colspan attributes (``None`` when absent).
    """
    rowspan = colspan = None
    for name, value in cell.items():
        if name == "rowspan":
            if rowspan is None:
                rowspan = value
        elif name == "colspan" and colspan is None:
            colspan = value
    return _tostring(cell, method="text", encoding=str, with_tail=False), bool(len(cell)), rowspan, colspan


def expand_table(table, source: str, rows: list | None = None, warnings: list[str] | None = None) -> Grid:
    """Rows of ``table`` with rowspan/colspan expanded; copies carry ``origin`` (one shared object per merged cell).

    Rows without any text are left out.  A table that would expand beyond :data:`MAX_TABLE_CELLS`
    (a span bomb, not a report) is cut there, with a warning.  The expansion is C
    (``_html_cells.c``): this runs for every cell of every table.
    """
    rows = _own_rows(table) if rows is None else rows
    grid_rows, cut = _html_cells.expand_rows(rows, source, GridCell("", source), MAX_TABLE_CELLS, MAX_SPAN)
    if cut is not None and warnings is not None:
        warnings.append(
            f"{source}: more than {MAX_TABLE_CELLS} cells once merged cells are expanded; cut at row {cut}"
        )
    return Grid(rows=grid_rows, source=source)


_html_cells.configure(GridCell, _CELL_DEFAULTS, collapse, cell_text, read_cell, _span, _COLUMN_NUMBERS, _PADDING)
