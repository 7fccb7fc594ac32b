"""TRS-style static trees (archetype A): ``index_N.html`` lists paged by ``createPageHTML``.

Two dialects of the paging call, with an off-by-one between them:

* classic ``createPageHTML(total, current, "index", "html")``: ``current`` is 0-based; page 0 is
  ``index.html``, page k is ``index_k.html`` for k = 1 … total−1 (prefix may be ``list``);
* "page_div" (the channel-id family, ``.shtml``)
  ``createPageHTML('page_div', total, current, 'prefix', 'shtml', records)``: 1-based; page 1 is
  ``prefix.shtml``, page k is ``prefix_k.shtml`` for k = 2 … total.

Details live at ``./YYYYMM/tYYYYMMDD_ID.html`` (or ``YYYYMM/<32hex>.shtml``), body in
``div.TRS_Editor``/``.trs_editor_view``; a list can also be a table (``tr > td > a`` + date cell).
"""

from __future__ import annotations

import re

from parsers.cms.base import Fetch, ListPage, column_dir
from parsers.cms.generic import MAX_GENERATED_PAGES, read_html_list

_CLASSIC = re.compile(r"createPageHTML\(\s*(\d+)\s*,\s*(\d+)\s*,\s*[\"'](\w+)[\"']\s*,\s*[\"'](\w+)[\"']")
_PAGE_DIV = re.compile(
    r"createPageHTML\(\s*[\"'][\w-]+[\"']\s*,\s*(\d+)\s*,\s*(\d+)\s*,\s*[\"'](\w+)[\"']\s*,\s*[\"'](\w+)[\"']"
)
_TRS_MARKERS = re.compile(r"createPageHTML|TRS_Editor|trs_editor_view|TRS_UEDITOR|/t\d{8}_\d+\.s?html?")


def detect(url: str, text: str) -> bool:
    return bool(_TRS_MARKERS.search(url) or _TRS_MARKERS.search(text[:200000]))


def paging(url: str, text: str) -> list[Fetch]:
    """Every page of the column named by its ``createPageHTML`` call (both dialects)."""
    folder = column_dir(url)
    pages: list[Fetch] = []
    for match in _PAGE_DIV.finditer(text):
        total, _current, prefix, extension = match.groups()
        for number in range(1, min(int(total), MAX_GENERATED_PAGES) + 1):
            name = f"{prefix}.{extension}" if number == 1 else f"{prefix}_{number}.{extension}"
            pages.append(Fetch(folder + name))
    for match in _CLASSIC.finditer(text):
        total, _current, prefix, extension = match.groups()
        for number in range(min(int(total), MAX_GENERATED_PAGES)):
            name = f"{prefix}.{extension}" if number == 0 else f"{prefix}_{number}.{extension}"
            pages.append(Fetch(folder + name))
    return pages


def read_list(url: str, text: str) -> ListPage:
    return read_html_list(url, text, paging=paging(url, text))
