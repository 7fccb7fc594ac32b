"""Guangdong 政府信息公开目录平台 ``gkmlpt`` (archetype C): a Vue app fed by a JSON API.

The HTML (``/gkmlpt/index``, ``/gkmlpt/annualreport#<classifyId>``) carries ``window._CONFIG`` with
the site id ``SID`` and the category ``TREE``.  The 年报 category id is the URL fragment of the
annual-report view, or the ``TREE`` node named …年报/年度报告.  Lists come from
``GET <root>/gkmlpt/api/all/<classifyId>?page=N&sid=<SID>`` as JSON (``classify.post_count`` and
``articles[]`` with ``title``, ``url``, ``created_at``, ``attachment[]``).  Some sites return the
same data for pages 0 and 1, others 404 from page 2: paging continues while a page is full and
the count is not reached, and the spider also stops on a page without new items or on an error.
Details: ``/gkmlpt/content/<a>/<b>/post_<id>.html``.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

from parsers.cms.base import Fetch, Link, ListPage, iso_date, query
from parsers.cms.generic import read_html_list

_SID = re.compile(r"""["']?SID["']?\s*:\s*["']?(\w+)""")
_TREE_NODE = re.compile(r"\{[^{}]*?(?:年报|年度报告)[^{}]*?\}")
_NODE_ID = re.compile(r"""["']?(?:id|classify_id)["']?\s*:\s*["']?(\d+)""")


def detect(url: str, text: str) -> bool:
    return "/gkmlpt/" in url or ("_CONFIG" in text and "gkmlpt" in text)


def _root(url: str) -> str:
    parts = urlsplit(url)
    # rsplit: a site may itself live under a folder called gkmlpt (department sub-paths do)
    prefix = parts.path.rsplit("/gkmlpt/", 1)[0] if "/gkmlpt/" in parts.path else ""
    return f"{parts.scheme}://{parts.netloc}{prefix}/gkmlpt/"


def api_fetch(url: str, classify_id: str, sid: str, page: int) -> Fetch:
    return Fetch(f"{_root(url)}api/all/{classify_id}?page={page}&sid={sid}", cms="gkmlpt")


def classify_id(url: str, text: str) -> str | None:
    fragment = urlsplit(url).fragment
    if fragment.isdigit():
        return fragment
    for node in _TREE_NODE.findall(text):
        match = _NODE_ID.search(node)
        if match:
            return match.group(1)
    return None


def read_list(url: str, text: str) -> ListPage:
    if "/api/" in urlsplit(url).path:
        return _read_api(url, text)
    page = read_html_list(url, text)
    sid = _SID.search(text)
    category = classify_id(url, text)
    if sid and category:
        page.lists.insert(0, api_fetch(url, category, sid.group(1), 1))
    return page


def _read_api(url: str, text: str) -> ListPage:
    try:
        data = json.loads(text)
    except ValueError:
        return ListPage()
    articles = data.get("articles") or []
    page = ListPage()
    for article in articles:
        if not isinstance(article, dict) or not article.get("url"):
            continue
        page.items.append(
            Link(
                url=article["url"],
                text=str(article.get("title") or ""),
                date=iso_date(str(article.get("created_at") or "")),
            )
        )
    params = query(url)
    number = int(params.get("page", "1") or 1)
    post_count = (data.get("classify") or {}).get("post_count")
    per_page = len(articles)
    more = per_page > 0 and (post_count is None or number * per_page < int(post_count))
    if more:
        category = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
        page.lists.append(api_fetch(url, category, params.get("sid", ""), number + 1))
    return page
