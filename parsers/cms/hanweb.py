"""Hanweb/大汉 JCMS (archetype B): ``/col/colN/index.html`` columns, ``/art/Y/M/D/art_COL_ID.html`` details.

The column page's HTML holds only navigation; the records sit in a ``<script type="text/xml">``
block as ``<record><![CDATA[<li><a …>…</a><span>date</span></li>]]></record>`` that an HTML parser
treats as opaque text, so the CDATA is cut out and parsed as markup.  Further records come from
``POST /module/web/jpage/dataproxy.jsp?startrecord=S&endrecord=E&perpage=P`` (older sites:
``/module/jpage/dataproxy.jsp``) with the form fields of the ``nextgroup`` link; the XML reply has
the same ``record`` CDATA and a ``totalrecord``.  Paging stops at ``totalrecord`` or when a reply
brings fewer records than asked for.
"""

from __future__ import annotations

import html as html_lib
import re
from urllib.parse import urlencode, urljoin, urlsplit

from parsers.cms.base import Fetch, Link, ListPage, anchors, parse_html, query
from parsers.cms.generic import read_html_list

_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S | re.I)
_NEXTGROUP = re.compile(r"<nextgroup>\s*<!\[CDATA\[(.*?)\]\]>", re.S | re.I)
_TOTAL = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>|totalRecord[\"']?\s*[=:]\s*[\"']?(\d+)", re.I)
_PERPAGE = re.compile(r"<perpage>\s*(\d+)\s*</perpage>|perpage[\"']?\s*[=:]\s*[\"']?(\d+)", re.I)
_HREF = re.compile(r"href\s*=\s*[\"']([^\"']+)[\"']", re.I)
_MARKERS = re.compile(r"/col/col\d+|/art/\d{4}/|dataproxy\.jsp|<datastore>|jpage", re.I)
GROUP_PAGES = 3
"""One dataproxy call returns three screen pages of records (45 = 3 × 15)."""
DEFAULT_PERPAGE = 15


def detect(url: str, text: str) -> bool:
    return bool(_MARKERS.search(url) or _MARKERS.search(text[:200000]))


def records(url: str, text: str) -> list[Link]:
    """The list items held in ``<record>`` CDATA blocks."""
    items: list[Link] = []
    for fragment in _RECORD.findall(text):
        for link in anchors(url, parse_html(f"<div>{fragment}</div>")):
            items.append(link)
    return items


def _number(pattern: re.Pattern[str], text: str) -> int | None:
    match = pattern.search(text)
    return int(next(g for g in match.groups() if g)) if match else None


def _proxy_form(href: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    params = query(href)
    form = (
        ("col", "1"),
        ("appid", params.get("appid", "1")),
        ("webid", params.get("webid", "")),
        ("path", params.get("path", "/")),
        ("columnid", params.get("columnid", "")),
        ("sourceContentType", "1"),
        ("unitid", params.get("unitid", "")),
        ("webname", params.get("webname", "")),
        ("permissiontype", params.get("permissiontype", "0")),
    )
    return urlsplit(href).path, form


def group_fetch(base_url: str, proxy_path: str, form, start: int, end: int, perpage: int) -> Fetch:
    target = (
        urljoin(base_url, proxy_path) + "?" + urlencode({"startrecord": start, "endrecord": end, "perpage": perpage})
    )
    return Fetch(target, method="POST", form=form, cms="hanweb")


def read_list(url: str, text: str) -> ListPage:
    if "dataproxy.jsp" in urlsplit(url).path:
        return _read_proxy_reply(url, text)
    page = read_html_list(url, text)
    known = {item.url for item in page.items}
    page.items.extend(item for item in records(url, text) if item.url not in known)
    nextgroup = _NEXTGROUP.search(text)
    if not nextgroup:
        return page
    href_match = _HREF.search(html_lib.unescape(nextgroup.group(1)))
    if not href_match:
        return page
    proxy_path, form = _proxy_form(href_match.group(1))
    perpage = _number(_PERPAGE, text) or DEFAULT_PERPAGE
    shown = len(_RECORD.findall(text))
    total = _number(_TOTAL, text)
    group = perpage * GROUP_PAGES
    if total is None:
        if shown >= group:
            page.lists.append(group_fetch(url, proxy_path, form, shown + 1, shown + group, perpage))
        return page
    for start in range(shown + 1, total + 1, group):
        page.lists.append(group_fetch(url, proxy_path, form, start, start + group - 1, perpage))
    return page


def _read_proxy_reply(url: str, text: str) -> ListPage:
    """A dataproxy XML reply; when the total is unknown, ask for the next group while groups come full."""
    page = ListPage(items=records(url, text))
    params = query(url)
    if _number(_TOTAL, text) is None and "startrecord" in params and "endrecord" in params:
        start, end = int(params["startrecord"]), int(params["endrecord"])
        size = end - start + 1
        if size > 0 and len(page.items) >= size:
            parts = urlsplit(url)
            base = f"{parts.scheme}://{parts.netloc}{parts.path}"
            perpage = int(params.get("perpage", DEFAULT_PERPAGE))
            page.lists.append(
                Fetch(
                    base + "?" + urlencode({"startrecord": end + 1, "endrecord": end + size, "perpage": perpage}),
                    method="POST",
                    cms="hanweb",
                )
            )
    return page
