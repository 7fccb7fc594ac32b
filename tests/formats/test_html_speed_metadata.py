"""The metadata read around a page's body is what is read with the body taken out of the tree.

``read_metadata(root, body)`` no longer moves the body out and back; whatever stands around it
(labels before and after it, a label whose value would be the body, elements holding the body that
look like labels), the result must be that of reading the tree without the body.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from parsers.decode import decode
from parsers.formats.html import (
    _DROP,
    METADATA_LABELS,
    _read_metadata,
    _remove,
    find_body,
    parse_decoded,
    read_metadata,
    read_metadata_without_body,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
BODY = (
    '<div class="TRS_Editor"><p>发布机构：正文里的机构</p><p>本报告根据条例编制，统计期限自2023年1月1日起。</p></div>'
)

PAGES = {
    "labels before and after": f"<div><span>索引号：123</span><span>发布机构：某局</span></div>{BODY}<p>来源：某</p>",
    "label followed by the body": f"<div><b>发布机构：</b>{BODY}<span>某局</span></div>",
    "label followed by the body with a tail": f"<div><b>发布机构：</b>{BODY}尾巴文字<span>某局</span></div>",
    "label followed by what holds the body": f"<span>发布机构：</span><div><div>{BODY}</div></div><p>来源：某</p>",
    "a holder looks like a label": f"<div>来源：某局<span>x</span>{BODY}</div>",
    "a holder with five children": f"<div>来源：<i>1</i><i>2</i><i>3</i><i>4</i>{BODY}</div>",
    "labels only in the body": BODY,
    "wrapped label, value after the wrapper": f"<table><tr><td><b>索 引 号：</b></td><td>A-1</td></tr></table>{BODY}",
    "meta tags in the body": '<meta name="ArticleTitle" content="外"><div class="TRS_Editor"><meta name="PubDate" '
    'content="2024-01-01"><p>发布日期：2024-01-02 统计期限自2023年1月1日起至年底。</p></div>',
}


def _tree(text: str):
    data = text.encode()
    root = parse_decoded(data, *decode(data))
    for element in list(root.iter(*_DROP)):
        _remove(element)
    return root


def _with_the_body_taken_out(root, body) -> dict[str, str]:
    metadata = read_metadata_without_body(root, body)
    if not any(label in metadata for label in METADATA_LABELS):
        metadata = _read_metadata(root)
    return metadata


def _page(body: str) -> str:
    head = '<head><meta name="SiteName" content="某市政府"><title>年报</title></head>'
    return f"<!DOCTYPE html><html>{head}<body><div class='main'>{body}</div></body></html>"


@pytest.mark.parametrize("name", PAGES)
def test_metadata_around_the_body_is_that_of_the_tree_without_it(name: str):
    root = _tree(_page(PAGES[name]))
    body = find_body(root)
    assert body is not None and body.get("class") == "TRS_Editor"
    before = len(list(root.iter()))
    assert read_metadata(root, body) == _with_the_body_taken_out(root, body)
    assert len(list(root.iter())) == before


def test_labels_around_the_body_win_over_the_body_s_own():
    root = _tree(_page(PAGES["labels before and after"]))
    metadata = read_metadata(root, find_body(root))
    assert metadata["发布机构"] == "某局" and metadata["来源"] == "某" and metadata["SiteName"] == "某市政府"


@pytest.mark.parametrize("path", sorted(FIXTURES.rglob("*.htm*")), ids=lambda p: p.name)
def test_fixture_pages(path: Path):
    data = path.read_bytes()
    root = parse_decoded(data, *decode(data, "text/html"))
    for element in list(root.iter(*_DROP)):
        _remove(element)
    body = find_body(root)
    if body is None or body is root or body.getparent() is None:  # nothing to read around: the whole tree
        assert read_metadata(root, body) == _read_metadata(root)
    else:
        assert read_metadata(root, body) == _with_the_body_taken_out(root, body)
