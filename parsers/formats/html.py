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

import re

from lxml import etree, html

from parsers.decode import decode
from parsers.model import Document, Grid, GridCell, Paragraph, Status
from parsers.report.labels import collapse, join_lines, nfkc

BODY_XPATHS = (
    "//div[contains(concat(' ', normalize-space(@class), ' '), ' TRS_Editor ')]",
    "//div[contains(concat(' ', normalize-space(@class), ' '), ' TRS_UEDITOR ')]",
    "//div[contains(concat(' ', normalize-space(@class), ' '), ' trs_editor_view ')]",
    "//*[@id='zoom']",
    "//*[@id='UCAP-CONTENT']",
    "//*[starts-with(@id, 'vsb_content')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' v_news_content ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' pages_content ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' hbgov-article-content ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' article-content ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' article-con ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' con_text ')]",
    "//*[@id='content' or @id='Content' or @id='article' or @id='ArticleContent']",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' content ')]",
)
_DROP = ("script", "style", "noscript", "iframe", "object", "embed", "template", "select", "button", "head")
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
MAX_SPAN = 60


def read(data: bytes, *, filename: str | None = None, fmt: str = "html", declared: str | None = None) -> Document:
    text, _encoding = decode(data, declared)
    try:
        root = html.document_fromstring(text.encode("utf-8"), parser=_PARSER)
    except (etree.ParserError, ValueError) as exc:
        return Document(format="html", status=Status.ERROR, status_detail=f"unreadable HTML: {exc}")
    if root is None:
        return Document(format="html", status=Status.ERROR, status_detail="unreadable HTML: empty document")
    document = Document(format="html")
    document.metadata = read_metadata(root)
    for element in [e for e in root.iter(*_DROP) if e.tag != "head"]:
        element.drop_tree()
    body = find_body(root)
    document.title = _title(root, body, document.metadata)
    if body is None:
        return document
    document.images_in_body = sum(
        1 for img in body.iter("img") if not _ICON.search(img.get("src", "") + img.get("class", ""))
    )
    _Walker(document.blocks).walk(body)
    return document


_PARSER = html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)


def _norm_label(text: str) -> str:
    return _SPACES.sub("", nfkc(text))


def read_metadata(root) -> dict[str, str]:
    metadata: dict[str, str] = {}
    for meta in root.iter("meta"):
        name = meta.get("name") or meta.get("property") or ""
        for wanted in _META_NAMES:
            if name.lower() == wanted.lower() and meta.get("content", "").strip():
                metadata.setdefault(wanted, collapse(meta.get("content")))
    for element in root.iter("td", "th", "span", "label", "b", "strong", "li", "dt", "p", "em", "div"):
        if len(element) > 4:
            continue
        raw = element.text_content()
        if not raw or len(raw) > 120:
            continue
        match = _LABEL.match(_norm_label(raw))
        if not match:
            continue
        label, rest = match.group(1), match.group(2)
        if label in metadata:
            continue
        value = _value_after_label(element, raw) if not rest else _after_colon(raw)
        if value:
            metadata[label] = value
    return metadata


def _after_colon(raw: str) -> str:
    text = nfkc(raw)
    index = min((i for i in (text.find(":"), text.find("：")) if i >= 0), default=-1)
    return collapse(text[index + 1 :]) if index >= 0 else collapse(text)


def _value_after_label(element, raw: str) -> str:
    """The value of a label with nothing after it: the next cell/sibling, or the text that follows."""
    if element.tail and element.tail.strip():
        return collapse(element.tail)
    sibling = element.getnext()
    if sibling is not None:
        return collapse(sibling.text_content())
    return ""


def find_body(root):
    for xpath in BODY_XPATHS:
        found = [e for e in root.xpath(xpath) if len(_SPACES.sub("", e.text_content())) >= 20]
        if found:
            return max(found, key=lambda e: len(e.text_content()))
    return _largest_text_block(root)


def _largest_text_block(root):
    """The element whose own paragraphs and tables hold the most text (navigation has short links)."""
    best, best_score = None, 0
    for element in root.iter("div", "td", "article", "section", "main", "body"):
        score = 0
        for child in element:
            if not isinstance(child.tag, str):
                continue
            if child.tag in ("p", "table", "span", "font", "br", "h1", "h2", "h3", "h4", "pre", "section"):
                score += len(child.text_content())
        score += len((element.text or "").strip())
        if score > best_score:
            best, best_score = element, score
    return best if best is not None else root.find("body")


def _title(root, body, metadata: dict[str, str]) -> str | None:
    if metadata.get("ArticleTitle"):
        return metadata["ArticleTitle"]
    for tag in ("h1", "h2"):
        for element in root.iter(tag):
            text = collapse(element.text_content())
            if 6 <= len(text) <= 100 and ("报告" in text or "年报" in text):
                return text
    title = root.find(".//title")
    if title is not None and title.text_content().strip():
        text = collapse(title.text_content())
        return re.split(r"\s*[-_|｜—]+\s*", text)[0] or text
    return None


class _Walker:
    """Turns a body element into paragraphs and grids in reading order."""

    def __init__(self, blocks: list):
        self.blocks = blocks
        self.line: list[str] = []
        self.tables = 0

    def flush(self):
        text = join_lines(self.line)
        self.line = []
        if text:
            self.blocks.append(Paragraph(text=text, source=f"html paragraph {len(self.blocks) + 1}"))

    def walk(self, element):
        self._visit(element)
        self.flush()

    def _visit(self, element):
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag == "table":
            self.flush()
            self._table(element)
        elif tag == "br":
            self.flush()
        else:
            block = tag in _BLOCK
            if block:
                self.flush()
            if element.text:
                self.line.append(element.text)
            for child in element:
                self._visit(child)
                if child.tail:
                    self.line.append(child.tail)
            if block:
                self.flush()

    def _table(self, table):
        rows = _own_rows(table)
        if any(cell.find(".//table") is not None for row in rows for cell in _own_cells(row)):
            for row in rows:  # layout table: read its content in order
                for cell in _own_cells(row):
                    self._visit(cell)
                    self.flush()
            return
        self.tables += 1
        grid = expand_table(table, f"html table {self.tables}")
        if grid.rows:
            self.blocks.append(grid)


def _own_rows(table) -> list:
    return [r for r in table.iterchildren() if r.tag == "tr"] + [
        r
        for section in table.iterchildren()
        if section.tag in ("thead", "tbody", "tfoot")
        for r in section.iterchildren()
        if r.tag == "tr"
    ]


def _own_cells(row) -> list:
    return [c for c in row.iterchildren() if c.tag in ("td", "th")]


def cell_text(cell) -> str:
    """A cell's text with its paragraphs/spans/line breaks joined (no space between CJK pieces)."""
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
    try:
        return max(1, min(int(re.sub(r"[^\d]", "", value or "1") or 1), limit))
    except ValueError:
        return 1


def expand_table(table, source: str) -> Grid:
    """Rows of ``table`` with rowspan/colspan expanded; copies carry ``origin``."""
    placed: dict[tuple[int, int], GridCell] = {}
    width = 0
    rows = _own_rows(table)
    for r, row in enumerate(rows):
        c = 0
        for cell in _own_cells(row):
            while (r, c) in placed:
                c += 1
            rowspan = _span(cell.get("rowspan"), min(MAX_SPAN, len(rows) - r))
            colspan = _span(cell.get("colspan"), MAX_SPAN)
            text = cell_text(cell)
            where = f"{source} row {r + 1} col {c + 1}"
            for dr in range(rowspan):
                for dc in range(colspan):
                    origin = None if dr == dc == 0 else (r, c)
                    placed.setdefault((r + dr, c + dc), GridCell(text=text, source=where, origin=origin))
            c += colspan
            width = max(width, c)
    height = len(rows)
    grid_rows = [
        [placed.get((r, c), GridCell("", f"{source} row {r + 1} col {c + 1}")) for c in range(width)]
        for r in range(height)
    ]
    grid_rows = [row for row in grid_rows if any(cell.text for cell in row)]
    return Grid(rows=grid_rows, source=source)
