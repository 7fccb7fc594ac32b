"""The six numbered sections (一 … 六) as text.

Headings vary: the numeral may be missing (``存在的主要问题及改进情况`` alone), the wording
shortened, the heading followed by text on the same line.  A line is a heading when its
words are close to a canonical heading and the section numbers keep increasing.
"""

from __future__ import annotations

import re
from functools import lru_cache

from parsers.model import Grid, Paragraph, Section
from parsers.report.labels import compact, halfwidth, similarity_reaching

CANONICAL_HEADINGS = {
    1: ("总体情况", "概述"),
    2: ("主动公开政府信息情况", "主动公开情况"),
    3: ("收到和处理政府信息公开申请情况", "依申请公开政府信息情况", "依申请公开情况", "政府信息公开申请的办理情况"),
    4: (
        "政府信息公开行政复议行政诉讼情况",
        "行政复议行政诉讼情况",
        "因政府信息公开申请行政复议行政诉讼情况",
        # pre-2019 reports: section 四 is fees, 五 review/litigation, 六 problems
        "政府信息公开的收费及减免情况",
        "因政府信息公开申请行政复议提起行政诉讼的情况",
    ),
    5: ("存在的主要问题及改进情况", "存在的主要问题和改进情况", "存在的主要问题及改进措施", "存在问题及改进情况"),
    6: ("其他需要报告的事项", "其他需要报告事项"),
}
_NUMERAL = re.compile(r"^\s*([一二三四五六七八九])\s*[、.．,，]\s*")
_NUMBER_OF = {c: i + 1 for i, c in enumerate("一二三四五六七八九")}


def heading_number(text: str, after: int = 0) -> tuple[int, str] | None:
    """``(number, heading)`` when ``text`` starts a section numbered above ``after``; else ``None``.

    A printed numeral is the section number (pre-2019 reports number their sections
    differently); an unnumbered heading takes the number of the canonical heading it matches.
    """
    if len(text) > 200:
        return None
    if len(text) > 60 and not _NUMERAL.match(text) and len(text.strip()) > 60:
        # the test below without folding the text: folding changes neither its stripped length nor
        # whether the numeral pattern (which accepts both widths of its punctuation) matches
        return None
    return _short_line_heading(text, after)


@lru_cache(maxsize=4096)
def _short_line_heading(text: str, after: int) -> tuple[int, str] | None:
    """:func:`heading_number` for a line of at most 200 characters (the same headings recur in every report)."""
    line = halfwidth(text).strip()
    numeral = _NUMERAL.match(line)
    if not line or (not numeral and len(line) > 60):
        return None
    printed_number = _NUMBER_OF[numeral.group(1)] if numeral else None
    if printed_number is not None and printed_number <= after:
        return None
    body = compact(line[numeral.end() :] if numeral else line)
    if not numeral and len(body) > 30:
        return None  # a sentence, not a heading
    best: tuple[float, int, str] | None = None
    # a score below the threshold (see the end) never makes a heading, whichever variant it is for
    threshold = 0.75 if numeral else 0.9
    for number, variants in CANONICAL_HEADINGS.items():
        if printed_number is None and number <= after:
            continue
        for variant in variants:
            # the heading may be followed by text on the same line: compare the line's start
            score = (
                1.0 if body.startswith(variant) else similarity_reaching(body[: len(variant) + 2], variant, threshold)
            )
            if best is None or score > best[0]:
                best = (score, number, variant)
        if best is not None and best[0] == 1.0:
            break  # no later heading can score higher
    if best is None:
        return None
    score, number, variant = best
    if score < threshold:
        return None
    if not numeral and len(body) > len(variant) + 4:
        return None  # a sentence that merely mentions the words, not a heading
    return (printed_number or number), line


def read_sections(blocks, row_lines: dict[int, list[str]]) -> list[Section]:
    """``row_lines``: each grid's rows as tab-separated lines, by ``id(grid)`` (made once by the caller)."""
    sections: list[Section] = []
    current: Section | None = None
    parts: list[str] = []

    def close():
        if current is not None:
            current.text = "\n".join(filter(None, parts)).strip()
            sections.append(current)

    for block in blocks:
        if isinstance(block, Paragraph):
            found = heading_number(block.text, current.number if current else 0)
            if found is not None:
                close()
                number, line = found
                current = Section(number=number, heading=line, text="")
                parts = []
                continue
            if current is not None:
                parts.append(block.text.strip())
        elif isinstance(block, Grid) and current is not None:
            parts.extend(row_lines[id(block)])
    close()
    return sections
