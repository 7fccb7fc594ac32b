"""The classifier skips body selectors whose class or id the page's text never spells.

Whatever a page spells, and however (literally or through character references, which the HTML
parser decodes), the article read with the page's text must be the one read without it, where
every selector searches the whole tree.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from lxml.cssselect import CSSSelector

from parsers.cms.article import (
    BODY_SELECTORS,
    _article_body,
    _first_carrying,
    _first_match,
    read_article,
    read_article_tree,
)
from parsers.cms.base import parse_html
from parsers.cms.charset import decode_html
from parsers.formats.html import Spelling

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
URL = "http://www.example.gov.cn/zwgk/2024/t20240115_1.html"
SIGNALS = "<p>统计期限自2023年1月1日起。</p><p>一、总体情况</p><p>二、主动公开政府信息情况</p>"
NAV = '<div class="nav"><a href="/">首页</a><a href="/zwgk/">政务公开</a><p>导航文字导航文字</p></div>'


def _page(body: str) -> str:
    return f"<!DOCTYPE html><html><head><title>2023年政府信息公开工作年度报告</title></head><body>{body}</body></html>"


PAGES = {
    "trs class": f'{NAV}<div class="TRS_Editor">{SIGNALS}</div>',
    "hanweb id": f'{NAV}<div id="zoom">{SIGNALS}</div>',
    "class through a decimal reference": f'{NAV}<div class="TRS&#95;Editor">{SIGNALS}</div>',
    "class through a named reference": f'{NAV}<div class="TRS&lowbar;Editor">{SIGNALS}</div>',
    "id through a hexadecimal reference": f'{NAV}<div id="&#x7a;oom">{SIGNALS}</div>',
    "name only in the text": f"{NAV}<p>TRS_Editor zoom content</p><div>{SIGNALS}</div>",
    "lower priority first in the page": f'<div class="content">{NAV}</div><div id="zoom">{SIGNALS}</div>',
    "class among others": f'{NAV}<div class="x\tcon_text\ny">{SIGNALS}</div>',
    "class in other white space": f'{NAV}<div class="x\u3000TRS_Editor\xa0y">..</div>'
    f'<div class=" TRS_Editor">{SIGNALS}</div>',
    "two bodies": f'<div class="content">{NAV}</div><div id="content">{SIGNALS}</div><div class="content">x</div>',
    "id among others": f'<div id="zoom x">{NAV}</div><div id="zoom">{SIGNALS}</div>',
    "article element": f"{NAV}<ARTICLE>{SIGNALS}</ARTICLE>",
    "nothing": f"{NAV}<div>{SIGNALS}</div>",
    "title from h2": f'<div class="x"><h2> </h2><h2>某局2023年报告</h2></div><b class="sp_title">副标题</b>{SIGNALS}',
}


def _articles(text: str):
    with_text = read_article_tree(URL, parse_html(text), source=text)
    without_text = read_article_tree(URL, parse_html(text))
    return dataclasses.asdict(with_text), dataclasses.asdict(without_text)


@pytest.mark.parametrize("name", PAGES)
def test_article_with_the_page_text_is_the_article_without_it(name: str):
    with_text, without_text = _articles(_page(PAGES[name]))
    assert with_text == without_text


@pytest.mark.parametrize("name", PAGES)
def test_each_selector_finds_what_css_finds_first(name: str):
    text = _page(PAGES[name])
    root = parse_html(text)
    for selector in ("h1", ".sp_title", "h2", "h3", *BODY_SELECTORS):
        found = CSSSelector(selector, translator="html")(root)
        assert _first_match(root, selector, Spelling(text)) is (found[0] if found else None), selector


@pytest.mark.parametrize("name", PAGES)
def test_the_article_body_is_what_the_first_selector_finding_anything_finds_first(name: str):
    text = _page(PAGES[name])
    root = parse_html(text)
    found = next(filter(None, (CSSSelector(s, translator="html")(root) for s in BODY_SELECTORS)), [None])
    assert _article_body(root, Spelling(text)) is found[0]
    assert _article_body(root, Spelling(None)) is found[0]
    for selector in BODY_SELECTORS:
        if selector[0] in ".#":
            assert _first_carrying(root, selector) is _first_match(root, selector, Spelling(None)), selector


def test_the_body_is_found_through_a_reference_the_text_does_not_spell_literally():
    article = read_article(URL, _page(PAGES["class through a named reference"]))
    assert article.text.startswith("统计期限")  # the TRS body, not the whole page with its navigation
    assert article.verdict.kind == "report"


@pytest.mark.parametrize("path", sorted(p for p in FIXTURES.rglob("*.htm*")), ids=lambda p: p.name)
def test_fixture_pages_with_and_without_their_text(path: Path):
    with_text, without_text = _articles(decode_html(path.read_bytes(), "text/html"))
    assert with_text == without_text
