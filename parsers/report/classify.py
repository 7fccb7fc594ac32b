"""Is this document an annual report at all?  Title and body signals (archetypes §3)."""

from __future__ import annotations

import re

from parsers.report.labels import halfwidth

#: Title patterns of look-alikes, with the reason given to the user.
_NOT_REPORT_TITLES = (
    (
        re.compile(r"关于印发|格式.{0,4}的?通知|有关事项的通知|编制发布.{0,8}通知|的通知$|通知$"),
        "a notice about annual reports, not a report",
    ),
    (re.compile(r"解读|图解|一图读懂|图说|答记者问"), "an interpretation (解读/图解) of a report, not the report"),
    (
        re.compile(r"网站.{0,6}(年度报表|工作年度报表|年报)"),
        "a government website annual statistics form (网站年度报表)",
    ),
    (re.compile(r"决算|预算|绩效|自评"), "a budget, final-accounts or performance report"),
    (re.compile(r"法治政府建设|政府工作报告|统计公报|工作要点|实施方案|工作总结"), "another kind of annual document"),
    (re.compile(r"信息公开指南|信息公开制度|信息公开目录"), "an open-government guide or catalogue, not a report"),
)
_TITLE_POSITIVE = re.compile(r"(信息公开|政务公开).{0,12}(年度报告|年报|工作报告)|年度报告")
_BODY_SIGNALS = (
    re.compile(r"统计期限|统计时限"),
    re.compile(r"一\s*[、.]\s*(总体情况|概述)"),
    re.compile(r"主动公开政府信息情况"),
    re.compile(r"第二十条第\s*[(（]\s*[一五六八]\s*[)）]\s*项"),
    re.compile(r"收到和处理政府信息公开申请情况"),
    re.compile(r"勾稽关系"),
    re.compile(r"行政复议\s*、?\s*行政诉讼情况"),
    re.compile(r"存在的主要问题(及|和)改进情况"),
    re.compile(r"其他需要报告的事项"),
    re.compile(r"依申请公开"),
)


def body_signal_count(plain_text: str) -> int:
    """Number of report phrases in ``plain_text`` (full- or half-width)."""
    return sum(1 for pattern in _BODY_SIGNALS if pattern.search(plain_text))


def not_a_report_reason(title: str | None, plain_text: str) -> str | None:
    """``None`` when the document looks like an annual report; else a one-line reason.

    ``plain_text`` is the document text (its start is enough).
    """
    characters = sum(map(len, plain_text[:2000].split()))  # str.split() drops what regex \s matches
    if characters < 40:
        return f"empty page: {characters} characters of text" if characters else "empty page: no text"
    plain_title = halfwidth(title or "").replace(" ", "")
    for pattern, reason in _NOT_REPORT_TITLES:
        if plain_title and pattern.search(plain_title):
            return f"{reason}: {title}"
    # a report is settled by its first one or two phrases: search the long text no further
    needed = 1 if plain_title and _TITLE_POSITIVE.search(plain_title) else 2
    found = 0
    for pattern in _BODY_SIGNALS:
        if pattern.search(plain_text):
            found += 1
            if found == needed:
                return None
    signals = found
    if title:
        return f"no sign of an annual report (title {title!r}, {signals} report phrase(s) in the text)"
    return f"no sign of an annual report ({signals} report phrase(s) in the text)"
