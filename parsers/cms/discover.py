"""Find the 年报 column of a portal from any page of it (archetypes §2.0).

Signals, strongest first: the CMS ``<meta name="ColumnName">``/``ColumnType`` of the page itself;
link text (政府信息公开年报 | 信息公开年报 | 政务公开年报 | 年度报告 | 公开年报 | 年报); path tokens
(``zfxxgknb``, ``xxgknb``, ``gknb``, ``ndbg`` …) as a fallback.  Sibling entries of the 信息公开
navigation (指南, 制度, 目录, 依申请, 政府网站年度报表) are never taken.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from parsers.cms.base import Link, anchors, is_article_url, meta_tags, parse_html, same_site
from parsers.cms.classify import lookalike_reason

_COLUMN_TEXT = re.compile(r"^(政府信息公开|信息公开|政务公开|政务信息公开)?(工作)?(年度报告|年报)$|公开年报|年度报告$")
_COLUMN_NAME = re.compile(r"年报|年度报告")
_PATH_TOKEN = re.compile(r"(^|/|_)(zfxxgknb|xxgknb|gknb|ndbg|xxgkndbg|zfxxgkndbg|zfxxgkgzndbg|nianbao)(_\d+)?(/|\.|$)")
#: Entries of the 信息公开 navigation that lead towards the 年报 column when it is not linked directly.
_GATEWAY_TEXT = re.compile(r"^(政府信息公开|信息公开|政务公开|政府信息公开专栏|法定主动公开内容|政务信息公开)$")


@dataclass(frozen=True)
class Column:
    link: Link
    score: int
    """3 = link text, 2 = path token, 1 = a 信息公开 gateway worth one more hop."""


def is_report_column(url: str, text: str) -> bool:
    """Is this page itself a 年报 column (by its CMS meta tags or its URL path)?"""
    tags = meta_tags(parse_html(text))
    for name in ("ColumnName", "ColumnType", "columnname"):
        value = tags.get(name, "")
        if value and _COLUMN_NAME.search(value) and not lookalike_reason(value):
            return True
    return bool(_PATH_TOKEN.search(urlsplit(url).path.lower()))


def find_report_columns(url: str, text: str) -> list[Column]:
    """Links from this page to 年报 columns (score 3 or 2), or to 信息公开 gateways (score 1), best first."""
    columns: dict[str, Column] = {}
    for link in anchors(url, parse_html(text)):
        if not same_site(url, link.url) or is_article_url(link.url):
            continue
        label = link.text.replace(" ", "")
        if _COLUMN_TEXT.search(label) and not lookalike_reason(label):
            score = 3
        elif _PATH_TOKEN.search(urlsplit(link.url).path.lower()) and not lookalike_reason(label):
            score = 2
        elif _GATEWAY_TEXT.match(label):
            score = 1
        else:
            continue
        if link.url not in columns or columns[link.url].score < score:
            columns[link.url] = Column(link, score)
    return sorted(columns.values(), key=lambda c: -c.score)
