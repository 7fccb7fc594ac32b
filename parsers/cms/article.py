"""Read a detail page: its title, body text and attachment links (every CMS; selectors per archetype)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from urllib.parse import unquote, urlsplit

from lxml import etree
from lxml.cssselect import CSSSelector

from parsers.cms.base import (
    DOCUMENT_EXTENSIONS,
    Link,
    anchors,
    clean,
    drop_tree,
    is_document_url,
    meta_tags,
    parse_html,
    text_content,
)
from parsers.cms.charset import decode_html, detect_encoding
from parsers.cms.classify import Verdict, classify_page
from parsers.decode import decode
from parsers.formats.html import ParsedPage, Spelling, parse_decoded

#: Body containers, most specific first: TRS editors, Hanweb ``#zoom``, gov.cn, VSB, common wrappers.
BODY_SELECTORS = (
    ".TRS_Editor",
    ".trs_editor_view",
    ".TRS_UEDITOR",
    "#UCAP-CONTENT",
    "#zoom",
    "#vsb_content",
    ".v_news_content",
    ".hbgov-article-content",
    ".pages_content",
    ".article-content",
    ".article-body",
    ".con_text",
    "#content",
    ".content",
    "article",
)
_ATTACHMENT_WORDS = re.compile(r"附件|下载|pdf|doc|wps|xls|ofd", re.IGNORECASE)
_DOWNLOAD_PATH = re.compile(r"/(download|attachment|attach|upload|uploadfile|files?)(/|\?|$)|[?&]fileName=", re.I)
_DOCUMENT_HINT = re.compile("|".join(re.escape(extension) for extension in DOCUMENT_EXTENSIONS), re.IGNORECASE)
_TITLE_SUFFIX = re.compile(r"\s*[_|｜\-—]+\s*[^_|｜\-—]{2,40}$")
#: What ``lxml.html.fromstring`` takes for a whole document (anything else it cuts down to a fragment).
_WHOLE_DOCUMENT = re.compile(r"^\s*<(?:html|!doctype)", re.IGNORECASE)


@dataclass
class Article:
    title: str
    text: str
    attachments: list[Link] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)
    verdict: Verdict | None = None


def document_type(url: str, text: str = "", content_type: str = "", disposition: str = "") -> str | None:
    """File type of a linked document (``pdf``, ``docx`` …) from the Content-Disposition file name,
    the URL, the link text or the Content-Type, in that order; ``None`` when nothing says "document"."""
    candidates = []
    match = re.search(r"filename\*?=(?:UTF-8''|\"?)([^\";]+)", disposition or "", re.IGNORECASE)
    if match:
        candidates.append(unquote(match.group(1)))
    candidates.append(urlsplit(url).path)
    candidates.extend(unquote(v) for v in re.findall(r"=([^&]+)", urlsplit(url).query))
    candidates.append(text or "")
    for candidate in candidates:
        lowered = candidate.lower().strip().rstrip(")）")
        for extension in DOCUMENT_EXTENSIONS:
            if lowered.endswith(extension) or f"{extension}）" in lowered or f"{extension})" in lowered:
                return extension.lstrip(".")
    mime = (content_type or "").split(";")[0].strip().lower()
    return {
        "application/pdf": "pdf",
        "application/msword": "doc",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
        "application/vnd.ms-excel": "xls",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
        "application/kswps": "wps",
        "application/ofd": "ofd",
    }.get(mime)


def attachment_links(url: str, root) -> list[Link]:
    """Links to documents: by URL extension, by link text naming a file, or an opaque download URL
    whose text says 附件/下载."""
    found: list[Link] = []
    seen: set[str] = set()
    for link in anchors(url, root, wanted=_may_be_attachment):
        if link.url in seen:
            continue
        by_name = document_type(link.url, link.text) is not None
        by_words = bool(_DOWNLOAD_PATH.search(link.url)) and bool(_ATTACHMENT_WORDS.search(link.text))
        if by_name or by_words or is_document_url(link.url):
            seen.add(link.url)
            found.append(link)
    return found


def _may_be_attachment(href: str, text: str) -> bool:
    """Cheap and never wrong about a yes below: a link that could pass the tests of :func:`attachment_links`.

    Those tests look for a file extension in the URL or the link text, or for 附件/下载-like words in
    the text; an href made of a query alone keeps the base URL's path, so it is always looked at.
    """
    return (
        href.startswith("?")
        or _DOCUMENT_HINT.search(unquote(href)) is not None
        or _DOCUMENT_HINT.search(text) is not None
        or _ATTACHMENT_WORDS.search(text) is not None
    )


@cache
def _selector(css: str) -> CSSSelector:
    """Compiled once: translating CSS to XPath on every call was most of a page's classification time."""
    return CSSSelector(css, translator="html")


#: Compiled once (``element.xpath`` compiles its expression on every call).
_SCRIPTS_AND_STYLES = etree.XPath(".//script|.//style")


def read_article(url: str, text: str) -> Article:
    return read_article_tree(url, parse_html(text), source=text)


def read_article_page(url: str, data: bytes, content_type: str | None = None) -> tuple[Article, ParsedPage | None]:
    """``read_article(url, decode_html(data, content_type))``, and the page's tree for the HTML report reader.

    The tree (a :class:`~parsers.formats.html.ParsedPage`: with the text it was parsed from) is what
    :func:`parsers.formats.html.read` would build of ``data`` (pass it on as
    ``read_document(..., html_tree=tree)``), so a report page is decoded and parsed once instead of
    twice.  It is shared only when the classifier would have seen the same tree: both decoders give
    the same text and the text is a whole document (``lxml.html`` cuts anything else down to a
    fragment); the comments the reader's parser leaves out never count in what the classifier reads.
    Otherwise the page is read as :func:`read_article` reads it and the tree is ``None``.
    """
    reader_text, encoding = decode(data, content_type)
    if encoding == detect_encoding(data, content_type) and not reader_text.startswith("\ufeff"):
        # decode_html would decode with the same codec, replacing undecodable bytes: the reader's
        # text is that text (its decoding was strict, or replaced the same way), without a second decoding
        text = reader_text
    else:
        text = decode_html(data, content_type)
    if reader_text == text and _WHOLE_DOCUMENT.match(text):
        root = parse_decoded(data, reader_text, encoding)
        if root is not None:
            return read_article_tree(url, root, source=text), ParsedPage(root, text)
    return read_article(url, text), None


def read_article_tree(url: str, root, source: str | None = None) -> Article:
    """:func:`read_article` of a parsed page (``lxml.html`` or plain ``etree`` elements).

    ``source``, the text the tree was parsed from, lets selectors whose class or id the page never
    spells be skipped instead of searching the whole tree for them.  Removes the script and style
    elements of the article body from the tree, as the HTML report reader does too.
    """
    if root is None:
        return Article(title="", text="", verdict=classify_page("", "", has_document_links=False))
    spelt = Spelling(source)
    tags = meta_tags(root)
    title = tags.get("ArticleTitle") or ""
    if not title:
        for selector in ("h1", ".sp_title", "h2", "h3"):
            first = _first_match(root, selector, spelt)
            if first is not None and clean(text_content(first)):
                title = clean(text_content(first))
                break
    if not title:
        nodes = root.findall(".//title")
        title = _TITLE_SUFFIX.sub("", clean(text_content(nodes[0]))) if nodes else ""
    body = _article_body(root, spelt)
    if body is None:
        bodies = root.findall(".//body")
        body = bodies[0] if bodies else root
    for junk in _SCRIPTS_AND_STYLES(body):
        drop_tree(junk)
    body_text = clean(text_content(body))
    attachments = attachment_links(url, root)
    verdict = classify_page(title, body_text, has_document_links=bool(attachments))
    return Article(title=title, text=body_text, attachments=attachments, metadata=tags, verdict=verdict)


def _article_body(root, spelt: Spelling):
    """What the first of :data:`BODY_SELECTORS` that finds anything finds first, or ``None``."""
    walked = False
    for selector in BODY_SELECTORS:
        if selector[0] in ".#" and not walked and spelt.may_contain(selector[1:]):
            # A page usually spells no other body's name than its own, which sits near the top of
            # the tree: walking up to it costs a few elements where the selector searches them all.
            walked = True
            found = _first_carrying(root, selector)
        else:
            found = _first_match(root, selector, spelt)
        if found is not None:
            return found
    return None


def _first_match(root, selector: str, spelt: Spelling):
    """The first element in document order that ``selector`` (a tag, ``.class`` or ``#id``) finds, or ``None``."""
    if selector[0] not in ".#":
        return next(root.iter(selector), None)  # stops at the first, where the selector searches the whole tree
    if not spelt.may_contain(selector[1:]):
        return None
    nodes = _selector(selector)(root)
    return nodes[0] if nodes else None


#: XPath's ``normalize-space`` white space, which separates the names of a class attribute for CSS.
_XML_SPACES = str.maketrans("\t\n\r", "   ")


def _first_carrying(root, selector: str):
    """:func:`_first_match` of a ``.class`` or ``#id`` selector, element by element until the first match."""
    name = selector[1:]
    if selector[0] == "#":
        for element in root.iter(etree.Element):
            if element.get("id") == name:
                return element
        return None
    for element in root.iter(etree.Element):
        value = element.get("class")
        if value is not None and name in value and name in value.translate(_XML_SPACES).split(" "):
            return element
    return None
