"""The HTML reader told the page's text finds the same body, and reads the same document, as without it.

With the text, rules naming a class or id the page never spells are skipped, and a body class the
page spells once is looked for element by element up to its only carrier; without it every rule
searches the whole tree.
"""

from __future__ import annotations

import dataclasses
import html
from pathlib import Path

import pytest

from parsers.decode import decode
from parsers.formats.html import BODY_RULES, ParsedPage, Spelling, find_body, parse_decoded, read_tree

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PROSE = "<p>本报告根据《中华人民共和国政府信息公开条例》编制，统计期限自2023年1月1日起至12月31日止。</p>"
NAV = '<div class="nav"><a href="/">首页</a><span class="content">导航</span></div>'

BODIES = {
    "trs once": f'{NAV}<div class="TRS_Editor">{PROSE}</div>',
    "trs twice, the longer wins": f'<div class="TRS_Editor"><p>短文本短文本短文本短文本短文本短文本短文本</p></div>'
    f'<div class="TRS_Editor">{PROSE}{PROSE}</div>',
    "trs once without text": f'<div class="TRS_Editor">短</div><div id="zoom">{PROSE}</div>',
    "trs spelt once outside an attribute": f'<p>TRS_Editor</p><div class="TRS_Editor x">{PROSE}</div>',
    "trs on a table": f'<table class="TRS_Editor"><tr><td>{PROSE}</td></tr></table><div class="content">{PROSE}</div>',
    "trs through a reference": f'{NAV}<div class="TRS&#95;Editor">{PROSE}</div><div class="content">{PROSE}x</div>',
    "trs through a named reference": f'<div class="TRS&lowbar;Editor">{PROSE}</div><div class="content">{PROSE}</div>',
    "trs on a misnested font": f'<p><font class="TRS_Editor"><b>{PROSE}</p>{PROSE}</font><div id="zoom">{PROSE}</div>',
    "trs among tabs and no-break spaces": f'<div class="a\tTRS_Editor\u00a0b">{PROSE}</div>',
    "hanweb zoom": f'{NAV}<div id="zoom">{PROSE}</div>',
    "zoom through a reference": f'{NAV}<div id="&#122;oom">{PROSE}</div>',
    "zoom as an anchor name": f'<a name="zoom"></a>{NAV}<div id="zoom">{PROSE}</div>',
    "vsb prefix": f'{NAV}<div id="vsb_content_2">{PROSE}</div>',
    "content class": f'<div class="content">{PROSE}</div><div class="content">{PROSE}{PROSE}</div>',
    "no rule": f"{NAV}<div>{PROSE}</div>",
}


def _page(body: str) -> str:
    return f"<!DOCTYPE html><html><head><title>年报</title></head><body>{body}</body></html>"


def _tree(text: str):
    data = text.encode()
    return parse_decoded(data, *decode(data))


@pytest.mark.parametrize("name", BODIES)
def test_the_body_found_with_the_text_is_the_body_found_without(name: str):
    text = _page(BODIES[name])
    root = _tree(text)
    with_text = find_body(root, text)
    assert with_text is find_body(root)
    assert with_text is not None


@pytest.mark.parametrize("name", BODIES)
def test_a_document_read_with_the_text_is_the_document_read_without(name: str):
    text = _page(BODIES[name])
    with_text = read_tree(ParsedPage(_tree(text), text))
    assert dataclasses.asdict(with_text) == dataclasses.asdict(read_tree(_tree(text)))


def test_a_page_spelling_its_body_class_once_is_read_from_that_body():
    document = read_tree(ParsedPage(_tree(text := _page(BODIES["trs once"])), text))
    assert [block.text for block in document.blocks] == [PROSE[3:-4]]


@pytest.mark.parametrize("path", sorted(FIXTURES.rglob("*.htm*")), ids=lambda p: p.name)
def test_fixture_pages_read_with_and_without_their_text(path: Path):
    data = path.read_bytes()
    text, encoding = decode(data, "text/html")
    with_text = read_tree(ParsedPage(parse_decoded(data, text, encoding), text))
    assert dataclasses.asdict(with_text) == dataclasses.asdict(read_tree(parse_decoded(data, text, encoding)))


def test_spelling_counts_names_with_character_references_decoded():
    assert Spelling("a TRS_Editor b TRS_Editor").times("TRS_Editor") == 2
    assert Spelling("TRS&#95;Editor &amp; TRS&lowbar;Editor").times("TRS_Editor") == 2
    assert Spelling("nothing here").times("zoom") == 0
    assert Spelling(None).times("zoom") is None


TEXTS = [
    "TRS&#95;Editor TRS&#x5f;Editor TRS&#X5F;Editor TRS&#95Editor TRS&UnderBar;Editor &#122;oom z&#111;&#111;m",
    "&amp;#95; TRS&amp;lowbar;Editor &nbsp;zoom&nbsp; &ampzoom &#8220;content&#8221; &#xzoom &#12ab; &lowbar",
    "TRS_Edi&shy;tor con&#116;ent con&#x74ent &fjlig;  &#0; &#x110000; vsb&#95;content_1 Content &#67;ontent",
]


@pytest.mark.parametrize("text", TEXTS)
def test_spelling_counts_as_in_the_fully_decoded_text(text: str):
    names = [wanted.rstrip("*") for _, wanted in BODY_RULES] + ["fj", "sp_title"]
    for name in names:
        assert Spelling(text).times(name) == html.unescape(text).count(name), name
