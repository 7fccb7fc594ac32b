"""VSB/博达 and other query-string lists (archetype E): ``list.jsp?…&PAGENUM=N``, ``?page=N``,
static ``{col}/N.htm`` pages; details ``info/<col>/<id>.htm`` or ``…NewsContentUrl…&wbnewsid=``.

The page count comes from "共 N 页" or the ``_simple_list_gotopage_fun(N, …)`` call; otherwise the
下一页 links are followed and the spider stops when a page brings no new items.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode, urljoin, urlsplit, urlunsplit

from parsers.cms.base import Fetch, ListPage, query
from parsers.cms.generic import MAX_GENERATED_PAGES, read_html_list

_MARKERS = re.compile(r"wbtreeid|PAGENUM|vsb_content|_simple_list_gotopage_fun|v_news_content|VIEWSTATE", re.I)
_GOTOPAGE = re.compile(r"_simple_list_gotopage_fun\(\s*(\d+)")
_STATIC_PAGE = re.compile(r"""href=["']((?:[\w./-]*/)?(\w+)/(\d+)\.htm)["']""")


def detect(url: str, text: str) -> bool:
    return bool(_MARKERS.search(url) or _MARKERS.search(text[:200000]))


def paging(url: str, text: str) -> list[Fetch]:
    params = query(url)
    match = _GOTOPAGE.search(text)
    if match and "PAGENUM" in params:
        parts = urlsplit(url)
        pages = []
        for number in range(1, min(int(match.group(1)), MAX_GENERATED_PAGES) + 1):
            params["PAGENUM"] = str(number)
            pages.append(Fetch(urlunsplit(parts._replace(query=urlencode(params)))))
        return pages
    return []


def read_list(url: str, text: str) -> ListPage:
    page = read_html_list(url, text, paging=paging(url, text))
    known = {fetch.url for fetch in page.lists}
    # Static VSB lists: column page ``{col}.htm``, further pages ``{col}/N.htm`` (N counts down).
    column = urlsplit(url).path.rsplit("/", 1)[-1].removesuffix(".htm")
    for href, name, number in _STATIC_PAGE.findall(text):
        if name != column and not urlsplit(url).path.endswith(f"/{name}/{number}.htm"):
            continue
        target = urljoin(url, href)
        if target not in known:
            page.lists.append(Fetch(target))
            known.add(target)
    return page
