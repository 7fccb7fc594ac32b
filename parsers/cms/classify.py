"""Is a page really a 政府信息公开工作年度报告?  Title and body signals (archetypes §3).

The crawler asks twice: on the list, from the link text alone, to skip obvious look-alikes without
fetching them; and on the detail page, from its title and body, to decide what it fetched.
``xxgknb build`` asks the same functions again on the archived bytes, so the verdict never has to be
stored anywhere but can always be recomputed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

REPORT = "report"
"""The page is a report (title not a look-alike, at least two body signals)."""
ATTACHMENT_HOLDER = "attachment_holder"
"""A report's page whose text is a line like "附件：…年度报告.pdf": the attachment is the report."""
LOOKALIKE = "lookalike"
"""A page about 年报 that is not one: notice, 解读, website 报表, budget, rules, news …"""
NOT_A_REPORT = "not_a_report"
"""Anything else (too little text, no report signals)."""

_REPORT_TITLE = re.compile(
    r"(政府|政务|信息)公开.{0,8}(年度报告|工作报告|年报)|信息公开年报|政务公开年报|公开工作年度报告|(年度|年)报告"
)

#: (reason, pattern): a title matching any of these is not a report whatever its body says.
LOOKALIKE_TITLES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (reason, re.compile(pattern))
    for reason, pattern in (
        ("notice", r"通知|关于(印发|做好|开展|报送|编制|发布)|格式》|格式的|有关事项"),
        ("interpretation", r"解读|图解|一图(读懂|看懂)|图说|问答|答记者问|政策吹风"),
        ("website_report", r"网站.{0,6}(年度)?报表|网站.{0,4}年度报告|网站工作"),
        ("budget_or_performance", r"预算|决算|绩效|自评|自查"),
        ("rules_or_guide", r"制度|指南|目录|要点|实施方案|任务分解|考核办法|工作方案"),
        ("news", r"新闻|发布会|召开|举行|发布了|发布\d{4}|发布《|圆满|顺利|获评"),
        ("other_series", r"法治政府建设|工作总结|政府工作报告|统计公报|情况统计表$|统计表$|社会责任"),
        ("other_issuer", r"大学|学院|医院|股份|有限公司|事业单位法人"),
        ("repost", r"^\s*[【\[（(]?\s*转载|转发\s*[:：]"),
    )
)

#: Phrases of the standard report format (2019/2021 and pre-2019), archetypes §3.3.
BODY_SIGNALS = (
    "统计期限",
    "总体情况",
    "主动公开政府信息情况",
    "第二十条第",
    "收到和处理政府信息公开申请情况",
    "勾稽关系",
    "行政复议、行政诉讼情况",
    "存在的主要问题及改进情况",
    "其他需要报告的事项",
    "本年新制作数量",
    "本年制发件数",
    "申请人情况",
    "政府信息公开的收费及减免情况",
    "依申请公开政府信息",
)


@dataclass(frozen=True)
class Verdict:
    kind: str
    """:data:`REPORT`, :data:`ATTACHMENT_HOLDER`, :data:`LOOKALIKE` or :data:`NOT_A_REPORT`."""
    reason: str = ""


def lookalike_reason(title: str) -> str | None:
    """Why ``title`` names something that is not a report, or ``None``."""
    for reason, pattern in LOOKALIKE_TITLES:
        if pattern.search(title or ""):
            return reason
    return None


def mentions_report(text: str) -> bool:
    """Does ``text`` name a report or a look-alike of one (an item of a list, not a sub-column)?"""
    return bool(_REPORT_TITLE.search(text or ""))


def report_like_title(title: str) -> bool:
    return bool(_REPORT_TITLE.search(title or "")) and lookalike_reason(title) is None


def body_signal_count(text: str) -> int:
    return sum(1 for phrase in BODY_SIGNALS if phrase in (text or ""))


def classify_page(title: str, text: str, *, has_document_links: bool) -> Verdict:
    """The verdict on a fetched detail page."""
    reason = lookalike_reason(title)
    if reason:
        return Verdict(LOOKALIKE, f"title: {reason}")
    signals = body_signal_count(text)
    if signals >= 2:
        return Verdict(REPORT, f"{signals} body signals")
    if has_document_links and (report_like_title(title) or signals == 1):
        return Verdict(ATTACHMENT_HOLDER, "report title, report in the attachment")
    if report_like_title(title):
        return Verdict(NOT_A_REPORT, f"report title but only {signals} body signals")
    return Verdict(NOT_A_REPORT, f"no report title, {signals} body signals")


def classify_link(text: str) -> Verdict | None:
    """A verdict from list-link text alone when it is certain (a look-alike), else ``None``: fetch it."""
    reason = lookalike_reason(text)
    return Verdict(LOOKALIKE, f"link text: {reason}") if reason else None
