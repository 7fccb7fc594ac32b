"""Fallback adapter for hand-built pages and unknown CMSs (archetype F), and the list reading the
other HTML adapters build on.

Items are links shaped like a detail page or a document (:data:`parsers.cms.base.ARTICLE_URL`), or
whose text reads like a report title.  Further list pages are: links inside the column's folder
that are not items (year and unit-group sub-columns), and 下一页/尾页 links.  A page can carry
"共 N 页" with a ``page=``-style query parameter; then every page is listed at once.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode, urlsplit, urlunsplit

from parsers.cms.base import (
    Fetch,
    ListPage,
    anchors,
    column_dir,
    is_article_url,
    is_next_text,
    meta_tags,
    parse_html,
    query,
)
from parsers.cms.classify import mentions_report

_PAGE_PARAMS = ("page", "pageIndex", "pageNo", "pageNum", "PAGENUM", "currentPage", "curPage", "p")
_TOTAL_PAGES = re.compile(r"共\s*(\d+)\s*页|totalPages?\s*[=:]\s*['\"]?(\d+)|countPage\s*[=:]\s*['\"]?(\d+)")
#: Folders that are never a 年报 sub-column, however they are linked.
_NAV_PATH = re.compile(r"/(search|login|sitemap|rss|english|en|ft|big5|wza|jact|member)(/|\.|$)", re.I)
MAX_GENERATED_PAGES = 500


def detect(url: str, text: str) -> bool:
    return True


def read_list(url: str, text: str) -> ListPage:
    return read_html_list(url, text)


def read_html_list(url: str, text: str, *, paging: list[Fetch] | None = None) -> ListPage:
    root = parse_html(text)
    page = ListPage(column_name=meta_tags(root).get("ColumnName"))
    here = column_dir(url)
    # Sub-columns are folders below a folder-shaped column; a query-string list (list.jsp?…) or a
    # column at the site root has none, and there every link would otherwise look like one.
    folder_list = not urlsplit(url).query and urlsplit(here).path != "/"
    own_paths = {url} | {fetch.url for fetch in paging or ()}
    seen_items: set[str] = set()
    lists: dict[str, Fetch] = {fetch.url: fetch for fetch in paging or ()}
    for link in anchors(url, root):
        if link.url in own_paths:
            continue
        if is_article_url(link.url) or (mentions_report(link.text) and not link.url.endswith("/")):
            if link.url not in seen_items:
                seen_items.add(link.url)
                page.items.append(link)
        elif (
            is_next_text(link.text)
            or (link.text.isdigit() and _same_column_page(url, link.url))
            or (
                folder_list
                and link.url.startswith(here)
                and not urlsplit(link.url).query
                and link.text
                and not _NAV_PATH.search(urlsplit(link.url).path)
            )
        ):
            lists.setdefault(link.url, Fetch(link.url))
    for fetch in query_pages(url, text):
        lists.setdefault(fetch.url, fetch)
    page.lists = list(lists.values())
    return page


def _same_column_page(url: str, other: str) -> bool:
    return column_dir(url) == column_dir(other)


def query_pages(url: str, text: str) -> list[Fetch]:
    """All pages of a query-string-paged list when the page states its page count ("共 N 页")."""
    params = query(url)
    name = next((p for p in _PAGE_PARAMS if p in params), None)
    match = _TOTAL_PAGES.search(text)
    if name is None or match is None:
        return []
    total = min(int(next(g for g in match.groups() if g)), MAX_GENERATED_PAGES)
    current = params[name]
    first = 0 if current == "0" else 1
    parts = urlsplit(url)
    pages = []
    for number in range(first, first + total):
        params[name] = str(number)
        pages.append(Fetch(urlunsplit(parts._replace(query=urlencode(params)))))
    return pages
