"""One parse of an HTML page serves both the crawler's classifier and the report reader.

``read_article_page`` hands back the tree the HTML reader would build, and
``parse_with_conversions(..., html_tree=tree)`` reads the report from it.  Whatever the page, the
article and the report must be exactly those of the two separate parses (``read_article`` of the
``decode_html`` text, then ``parse_with_conversions`` of the bytes), in the build's order: the
classifier first (it removes the body's scripts and styles), the reader after.
"""

from __future__ import annotations

import dataclasses
import urllib.request
from pathlib import Path

import pytest

from archive.convert import parse_with_conversions
from parsers.cms.article import read_article, read_article_page
from parsers.cms.charset import decode_html
from xxgknb.sample_portal import SamplePortal

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
URL = "http://www.example.gov.cn/zwgk/2024/t20240115_1.html"
REPORT = "<p>根据《中华人民共和国政府信息公开条例》，现公布2023年度政府信息公开工作年度报告。</p>"


def _separately(url: str, payload: bytes, content_type: str):
    article = read_article(url, decode_html(payload, content_type))
    report = parse_with_conversions(payload, filename="page.html", content_type=content_type or None, url=url)
    return dataclasses.asdict(article), dataclasses.asdict(report)


def _shared(url: str, payload: bytes, content_type: str):
    article, tree = read_article_page(url, payload, content_type)
    report = parse_with_conversions(
        payload, filename="page.html", content_type=content_type or None, url=url, html_tree=tree
    )
    return (dataclasses.asdict(article), dataclasses.asdict(report)), tree is not None


def _fixture_pages() -> list[Path]:
    return sorted(p for p in FIXTURES.rglob("*") if p.suffix.lower() in (".htm", ".html", ".shtml"))


@pytest.mark.parametrize("path", _fixture_pages(), ids=lambda p: str(p.relative_to(FIXTURES)))
@pytest.mark.parametrize("content_type", ["text/html", "", "text/html; charset=utf-8", "text/html; charset=GBK"])
def test_fixture_pages_read_from_one_tree_as_from_two(path: Path, content_type: str):
    payload = path.read_bytes()
    shared, was_shared = _shared(URL, payload, content_type)
    assert shared == _separately(URL, payload, content_type)
    assert was_shared == payload.lstrip().lower().startswith((b"<html", b"<!doctype"))


def test_sample_portal_pages_read_from_one_tree_as_from_two():
    with SamplePortal(port=0) as portal:
        manifest = portal.manifest
        urls = [entry["url"] for entry in manifest["reports"] + manifest["lookalikes"]]
        urls += [site["column_url"] for site in manifest["sites"]]
        pages = []
        for url in dict.fromkeys(urls):
            with urllib.request.urlopen(url, timeout=30) as response:
                payload, content_type = response.read(), response.headers.get("Content-Type", "")
            if content_type.startswith("text/html"):
                pages.append((url, content_type, payload))
    assert len(pages) > 40
    shared_pages = 0
    for url, content_type, payload in pages:
        shared, was_shared = _shared(url, payload, content_type)
        assert shared == _separately(url, payload, content_type), url
        shared_pages += was_shared
    assert shared_pages == len(pages)


def _page(body: str, head: str = '<meta charset="utf-8">') -> str:
    title = "<title>2023年度报告_某某县人民政府</title>"
    return f"<!DOCTYPE html><html><head>{head}{title}</head><body>{body}</body></html>"


#: Pages built to hit what differs between the two parsers: comments (kept by lxml.html, dropped by
#: the reader) next to the scripts the classifier removes, scripts outside the body it picks, labels.
TRICKY = {
    "comments around scripts": _page(
        '<div class="TRS_Editor">前<!-- a --><script>var x = "报告";</script><!-- b -->中'
        "<style>p {}</style>后" + REPORT + "<p>一、总体情况<!-- c --><script>1</script>尾</p></div>"
        '<a href="/files/2023.pdf">附件：2023年报告.pdf</a>'
    ),
    "script first in body": _page(
        '<script>0</script>开头<!-- x --><div id="zoom"><script>1</script>' + REPORT + "<noscript>无</noscript></div>"
    ),
    "metadata block and tables": _page(
        '<table><tr><td>索 引 号：</td><td>000014349/2024-00001</td></tr></table><div class="content">'
        + REPORT
        + '<table><tr><td rowspan="2">项目</td><td>数量<!-- n --></td></tr>'
        "<tr><td>12<script>3</script></td></tr></table></div>"
    ),
    "attachment holder": _page(
        '<div class="article-content"><p>详见附件。</p><a href="f.docx">2023年度报告.docx</a></div>'
    ),
}


@pytest.mark.parametrize("name", sorted(TRICKY))
@pytest.mark.parametrize("charset", ["utf-8", "gb18030"])
def test_comments_and_scripts_do_not_change_what_either_reader_sees(name: str, charset: str):
    html = TRICKY[name] if charset == "utf-8" else TRICKY[name].replace('charset="utf-8"', 'charset="gbk"')
    payload = html.encode(charset)
    shared, was_shared = _shared(URL, payload, "text/html")
    assert was_shared
    assert shared == _separately(URL, payload, "text/html")


#: Pages the classifier must read from a tree of its own, and why.
NOT_SHARED = {
    "a fragment (lxml.html returns the element, not the document)": b"<div id='zoom'>" + REPORT.encode() + b"</div>",
    "a comment before <html>": b"<!-- saved --><html><body>" + REPORT.encode() + b"</body></html>",
    "an XML declaration": b"<?xml version='1.0' encoding='utf-8'?><html><body>" + REPORT.encode() + b"</body></html>",
    "UTF-8 declared as GBK (the decoders disagree)": (
        b'<html><head><meta charset="gbk"></head><body>' + REPORT.encode() + b"</body></html>"
    ),
    "empty": b"",
    "blank": b" \r\n ",
}


@pytest.mark.parametrize("name", sorted(NOT_SHARED))
def test_pages_one_tree_cannot_serve_are_parsed_twice_as_before(name: str):
    payload = NOT_SHARED[name]
    shared, was_shared = _shared(URL, payload, "text/html")
    assert not was_shared
    assert shared == _separately(URL, payload, "text/html")


def test_a_tree_is_not_used_for_bytes_that_are_not_html():
    page = _page(REPORT).encode()
    _, tree = read_article_page(URL, page, "text/html")
    pdf_bytes = b"%PDF-1.4\n" + page  # served as text/html, but the format is decided by the bytes
    with_tree = parse_with_conversions(pdf_bytes, filename="page.html", content_type="text/html", html_tree=tree)
    assert with_tree.format == "pdf"
    assert dataclasses.asdict(with_tree) == dataclasses.asdict(
        parse_with_conversions(pdf_bytes, filename="page.html", content_type="text/html")
    )
