"""Paragraph text of inline markup: styled spans, padding and line breaks inside one block.

The HTML walker takes a block without structure in one go (and looks only at the only child of
``<p><span>…</span></p>``); these pages check that every shape gives the text a reader sees.
"""

from __future__ import annotations

import pytest

from parsers.formats.html import read
from parsers.model import Paragraph

_PAGE = '<html><body><div class="TRS_Editor">{}</div></body></html>'
_SPAN = '<span style="font-family:仿宋_GB2312;font-size:16px">'


def _paragraphs(body: str) -> list[str]:
    document = read(_PAGE.format(body).encode("utf-8"))
    return [block.text for block in document.blocks if isinstance(block, Paragraph)]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (f"<p>{_SPAN}一、总体情况</span></p>", ["一、总体情况"]),
        (f"<p>\n  {_SPAN} 2022年，我局 主动公开 </span>\n</p>", ["2022年，我局 主动公开"]),
        (f"<p>共{_SPAN}236</span>条</p>", ["共236条"]),
        (f"<p>total {_SPAN}12</span> items</p>", ["total 12 items"]),
        (f"<p>\u3000\u3000{_SPAN}本年度\xa0未收取</span>\xa0</p>", ["本年度 未收取"]),
        (f"<p>{_SPAN}\u200b申请\u200b</span></p>", ["申请"]),
        (f"<p>{_SPAN}</span></p><p>{_SPAN}  </span></p>", []),
        (f"<p>{_SPAN}<b>广州市</b>番禺区</span>教育局</p>", ["广州市番禺区教育局"]),
        (f"<p>{_SPAN}第一行</span><br/>{_SPAN}第二行</span></p>", ["第一行", "第二行"]),
        (f"<p>{_SPAN}abc</span>{_SPAN}def</span><br/>ghi</p>", ["abc def", "ghi"]),
        (f"<div>{_SPAN}单位</span><p>{_SPAN}正文</span></p></div>", ["单位", "正文"]),
        (f"{_SPAN}前言</span><p>{_SPAN}正文</span></p>{_SPAN}结尾</span>", ["前言", "正文", "结尾"]),
    ],
)
def test_inline_markup_gives_the_text_a_reader_sees(body, expected):
    assert _paragraphs(body) == expected
