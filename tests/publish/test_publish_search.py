"""Chinese search through the real Datasette over HTTP equals a plain substring scan."""

from __future__ import annotations

import hashlib
import random
import re
import sqlite3

import httpx
import pytest
from publish_corpus import _generated_report, build_corpus, substring_matches, url_of

from archive import corpus, search
from publish.serve import prepare_corpus

QUERIES = [
    "疫情", "复议", "热线", "行政",             # 2 characters: the queries trigram cannot answer
    "依申请", "碳达峰", "请公开",               # 3 characters: words jieba does not know
    "政府信息公开", "12345热线", "年度报告",   # 4+ characters
    "COVID-19", "covid", "A", "疫",             # mixed ASCII, case, single characters
    "𠀀字", "😀", "ｘ",                          # beyond the BMP, full-width
    "疫 情", "复 议",                           # terms that must both occur (AND)
    "疫情防控信息",                              # only in one hand-built report
    "不存在的词语",                              # nothing
]


def search_ids(server, query: str) -> set[str]:
    response = httpx.get(
        f"{server.url}/corpus/reports.json",
        params={"_search": query, "_shape": "array", "_col": "id", "_size": "max"},
        timeout=30,
    )
    response.raise_for_status()
    rows = response.json()
    assert len(rows) < 1000, "more matches than one page: the comparison would be incomplete"
    return {row["id"] for row in rows}


@pytest.mark.parametrize("query", QUERIES)
def test_search_returns_exactly_the_reports_containing_the_query(server, known_corpus, query):
    path, _ = known_corpus
    expected = substring_matches(path, query)
    assert search_ids(server, query) == expected
    if query not in ("不存在的词语",):
        assert expected, f"the corpus should contain {query!r} somewhere"


def test_search_box_keeps_the_query_as_typed(server):
    page = httpx.get(f"{server.url}/corpus/reports", params={"_search": "依申请"}, timeout=30).text
    assert 'value="依申请"' in page


def test_search_all_page_offers_the_reports_table(server):
    page = httpx.get(f"{server.url}/-/search", params={"q": "疫情"}, timeout=30).text
    assert "/corpus/reports" in page


def test_index_tokens_are_exact_and_self_delimiting():
    assert search.index_tokens("疫情防控") == "疫情 情防 防控 控 疫情防 情防控"
    assert search.index_tokens("疫情") == "疫情 情"
    assert search.fts_query("信息公开政务") == '"信息公 息公开 公开政 开政务"'
    # Upper case, 'x' and punctuation are spelled in hex, so 'A' never matches 'a'.
    assert search.fts_query("A") != search.fts_query("a")
    assert search.fts_query("疫情 防控") == '"疫情" AND "防控"'
    assert search.fts_query("   ") == '""'


def test_every_substring_finds_exactly_the_texts_that_contain_it():
    texts = [
        "信息公开政务公开", "政务公开信息公开", "公开政府信息", "𠀀字𠀀字😀", "字𠀀😀字", "Aa-aA 疫情，防控。",
        "信息", "息", "疫情防控信息公开政务",
    ]
    conn = sqlite3.connect(":memory:")
    conn.execute("create virtual table reports_fts using fts5("
                 "title, text, content='', tokenize='unicode61 remove_diacritics 0')")
    conn.executemany("insert into reports_fts(rowid, title, text) values (?, '', ?)",
                     [(rowid, search.index_tokens(text)) for rowid, text in enumerate(texts, start=1)])
    substrings = {text[start:start + length] for text in texts for length in range(1, 8)
                  for start in range(len(text) - length + 1)}
    substrings -= {substring for substring in substrings if substring != substring.strip() or not substring.strip()}
    assert len(substrings) > 100
    for substring in substrings:
        expected = {rowid for rowid, text in enumerate(texts, start=1) if substring in text}
        found = {rowid for (rowid,) in conn.execute(
            "select rowid from reports_fts where reports_fts match ?", [search.fts_query(substring)])}
        assert found == expected, substring


def test_refresh_appends_new_reports_and_rebuilds_after_a_change(tmp_path):
    path = tmp_path / "corpus.db"
    build_corpus(path, generated=20)
    assert prepare_corpus(path).indexed == 27
    db = corpus.open_corpus(path)
    new_report = _generated_report(999, random.Random(1))
    new_report.text = new_report.sections[0].text = "新增报告提到了碳中和"
    corpus.write_report(db, new_report, url=url_of("new"), sha256=hashlib.sha256(b"new").hexdigest(),
                        fetched_at="2024-06-01T00:00:00Z", format="text")
    db.conn.commit()
    refresh = search.refresh_index(db.conn)
    assert (refresh.indexed, refresh.rebuilt) == (1, False)

    changed = _generated_report(0, random.Random(2))
    changed.text = changed.sections[0].text = "改写后的报告提到了碳中和"
    corpus.write_report(db, changed, url=url_of("generated-0"), sha256=hashlib.sha256(b"v2").hexdigest(),
                        fetched_at="2024-06-02T00:00:00Z", format="text")
    db.conn.commit()
    refresh = search.refresh_index(db.conn)
    assert refresh.rebuilt and refresh.stale == 1 and refresh.indexed == 28
    db.close()

    conn = sqlite3.connect(path)
    found = {row[0] for row in conn.execute(
        "select id from reports where rowid in (select rowid from reports_fts where reports_fts match ?)",
        [search.fts_query("碳中和")])}
    conn.close()
    assert found == substring_matches(path, "碳中和")
    assert len(found) == 2


def search_pages(server, **params) -> tuple[list[str], list[dict]]:
    """Every page of a reports.json search, following next_url; ids in page order and the pages."""
    ids, pages = [], []
    url, query = f"{server.url}/corpus/reports.json", {"_shape": "objects", "_col": "id", **params}
    while url:
        response = httpx.get(url, params=query, timeout=30)
        response.raise_for_status()
        page = response.json()
        pages.append(page)
        ids += [row["id"] for row in page["rows"]]
        url, query = page.get("next_url"), None
    return ids, pages


def test_a_frequent_query_pages_through_exactly_the_matching_reports_without_a_total(server, known_corpus):
    path, _ = known_corpus
    expected = substring_matches(path, "行政")
    assert len(expected) > 50, "行政 should be in most reports of the known corpus"
    ids, pages = search_pages(server, _search="行政", _size="9")
    assert ids == sorted(expected)
    assert len(pages) > 5
    # Answered report by report (publish.plugin.dense_search): no total, which would count every report.
    assert {page["filtered_table_rows_count"] for page in pages} == {None}
    # The same rows as Datasette's own clause (a sort keeps it) gives, with its total.
    sorted_ids, sorted_pages = search_pages(server, _search="行政", _size="9", _sort="id")
    assert sorted_ids == ids
    assert sorted_pages[0]["filtered_table_rows_count"] == len(expected)


def test_a_rare_query_keeps_its_total(server, known_corpus):
    path, _ = known_corpus
    ids, pages = search_pages(server, _search="疫情防控信息")
    assert ids == sorted(substring_matches(path, "疫情防控信息"))
    assert pages[0]["filtered_table_rows_count"] == len(ids) == 1


def test_the_pages_of_a_frequent_query_keep_the_search_box_and_link_back_to_the_search(server):
    page = httpx.get(f"{server.url}/corpus/reports", params={"_search": "行政"}, timeout=30).text
    assert 'value="行政"' in page
    assert "search matches &#34;行政&#34;" in page
    next_links = re.findall(r'href="([^"]*_next=[^"]*)"', page)
    assert next_links, "a page of a frequent query links to the next one"
    following = httpx.get(next_links[0].replace("&amp;", "&"), timeout=30)
    assert following.status_code == 200 and 'value="行政"' in following.text
