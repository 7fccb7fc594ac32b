"""What a CMS adapter reads from a page, and the helpers every adapter shares.

An adapter is a module with ``detect(url, text) -> bool`` and ``read_list(url, text) -> ListPage``.
Reading a detail page is the same on every CMS up to a list of body selectors
(:mod:`parsers.cms.article`).  Everything here is pure: text in, dataclasses out; the spider turns a
:class:`Fetch` into a request.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urldefrag, urljoin, urlsplit

import lxml.html
from lxml import etree

#: File extensions of documents a report can be published as (archetype F).
DOCUMENT_EXTENSIONS = (".pdf", ".doc", ".docx", ".wps", ".xls", ".xlsx", ".et", ".ofd", ".rtf", ".zip", ".txt")

#: Detail-page URL shapes of the common CMSs (TRS ``t20230128_1129303.html``, Hanweb ``art_…``,
#: gkmlpt/NFCMS ``post_…``, VSB ``info/12/345.htm``, channel family ``202301/<32hex>.shtml``, Henan
#: ``2023/01-19/2677014.html``, gov.cn ``content_5181403.htm``, ASP.NET/JSP detail endpoints).
ARTICLE_URL = re.compile(
    r"""(/t\d{8}_\d+(_\d+)?\.s?html?$
      |/art_[\w-]+\.html$
      |/[mp]?post_\d+\.html$
      |/info/\d+/\d+\.htm$
      |/\d{6}/[0-9a-f]{32}\.s?html?$
      |/\d{4}/\d{2}-\d{2}/\d+\.html$
      |/content_\d+\.s?html?$
      |/article_\d+\.html$
      |/doc_[0-9a-f]+\.html$
      |[?&](wbnewsid|InfoID|infoid|articleId|id)=\w+)""",
    re.VERBOSE | re.IGNORECASE,
)
_DATE = re.compile(r"(20\d{2}|19\d{2})[-/.年](\d{1,2})[-/.月](\d{1,2})")
_PAGING_TEXT = re.compile(r"^(下一页|下页|尾页|末页|上一页|上页|首页|第?\d+页?|>|>>|»|<|<<|«|\.\.\.|…)$")
_NEXT_TEXT = re.compile(r"^(下一页|下页|尾页|末页|>|>>|»)$")


@dataclass(frozen=True)
class Link:
    """A link found on a page, with what the page says about it."""

    url: str
    text: str = ""
    """The link text, or its ``title`` attribute when that is longer (list titles are often cut with …)."""
    date: str | None = None
    """ISO date printed next to the link on a list page, if any."""


@dataclass(frozen=True)
class Fetch:
    """A list page (or list API call) to fetch next."""

    url: str
    method: str = "GET"
    form: tuple[tuple[str, str], ...] = ()
    """POST form fields, in order."""
    cms: str | None = None
    """The adapter that must read the reply (JSON/XML replies cannot be recognised by their markup)."""


@dataclass
class ListPage:
    items: list[Link] = field(default_factory=list)
    """Candidate reports: detail pages, or documents linked straight from the list."""
    lists: list[Fetch] = field(default_factory=list)
    """Further list pages: pagination and sub-columns (year, unit group)."""
    column_name: str | None = None
    """``<meta name="ColumnName">`` of the page, when the CMS prints it."""


def clean(text: str | None) -> str:
    """Runs of white space made one space, none at the ends (``str.split`` knows the same white space as ``\\s``)."""
    return " ".join(text.split()) if text else ""


def is_document_url(url: str) -> bool:
    path = urlsplit(url).path.lower()
    return path.endswith(DOCUMENT_EXTENSIONS)


def is_article_url(url: str) -> bool:
    return bool(ARTICLE_URL.search(url)) or is_document_url(url)


def iso_date(text: str) -> str | None:
    match = _DATE.search(text or "")
    if not match:
        return None
    year, month, day = (int(g) for g in match.groups())
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def parse_html(text: str) -> lxml.html.HtmlElement | None:
    try:
        return lxml.html.fromstring(text) if text.strip() else None
    except (ValueError, lxml.etree.ParserError):
        return None


#: ``HtmlElement.text_content()`` (the same XPath) for any element, so that the readers here also
#: work on a tree from a plain ``etree.HTMLParser`` (the HTML report reader's, shared with it).
text_content = etree.XPath("string()", smart_strings=False)


def drop_tree(element) -> None:
    """``HtmlElement.drop_tree()`` for any element: remove it and its children, keep the text after it."""
    parent = element.getparent()
    if element.tail:
        previous = element.getprevious()
        if previous is None:
            parent.text = (parent.text or "") + element.tail
        else:
            previous.tail = (previous.tail or "") + element.tail
    parent.remove(element)


def page_base(url: str, root: lxml.html.HtmlElement | None) -> str:
    if root is not None:
        for base in root.iter("base"):
            href = base.get("href")
            if href:
                return urljoin(url, href.strip())
    return url


def resolve(base: str, href: str | None) -> str | None:
    """Absolute http(s) URL of ``href`` without its fragment, or ``None`` for javascript:/mailto:/empty."""
    href = (href or "").strip()
    if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
        return None
    absolute = urldefrag(urljoin(base, href))[0]
    return absolute if absolute.startswith(("http://", "https://")) else None


def anchors(
    url: str, root: lxml.html.HtmlElement | None, *, wanted: Callable[[str, str], bool] | None = None
) -> list[Link]:
    """Every followable link of a page with its text and a date printed beside it, in page order.

    ``wanted(href, text)``, when given, drops a link before its URL is resolved and its date looked
    for: a page body with hundreds of navigation links spent most of its reading time on them.
    """
    if root is None:
        return []
    base = page_base(url, root)
    found: list[Link] = []
    for a in root.iter("a"):
        href = a.get("href")
        text = clean(text_content(a))
        title = clean(a.get("title"))
        if len(title) > len(text.rstrip("…. ")):
            text = title
        if wanted is not None and not wanted(href or "", text):
            continue
        target = resolve(base, href)
        if target is None:
            continue
        container = a.getparent()
        while container is not None and container.tag not in ("li", "tr", "dd", "p", "div"):
            container = container.getparent()
        date = iso_date(clean(text_content(container))) if container is not None else None
        found.append(Link(url=target, text=text, date=date))
    return found


def meta_tags(root: lxml.html.HtmlElement | None) -> dict[str, str]:
    """``<meta name=… content=…>`` pairs (the CMS tags SiteName, ColumnName, ArticleTitle, PubDate …)."""
    if root is None:
        return {}
    tags: dict[str, str] = {}
    for meta in root.iter("meta"):
        name, content = meta.get("name"), meta.get("content")
        if name and content is not None and name not in tags:
            tags[name] = clean(content)
    return tags


def same_site(url: str, other: str) -> bool:
    return urlsplit(url).netloc.lower() == urlsplit(other).netloc.lower()


def column_dir(url: str) -> str:
    """The folder of a list page: ``…/zfxxgknb/index_2.html`` → ``…/zfxxgknb/``."""
    parts = urlsplit(url)
    path = parts.path if parts.path.endswith("/") else parts.path.rsplit("/", 1)[0] + "/"
    return f"{parts.scheme}://{parts.netloc}{path}"


def is_paging_text(text: str) -> bool:
    return bool(_PAGING_TEXT.match(text))


def is_next_text(text: str) -> bool:
    return bool(_NEXT_TEXT.match(text))


def query(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
