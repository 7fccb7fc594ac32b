"""Summary tables hold exactly what the aggregating views compute, and follow corpus changes."""

from __future__ import annotations

import hashlib
import sqlite3

import httpx
from publish_corpus import KNOWN_REPORTS, _known_report, build_corpus, url_of

from archive import corpus, search, summaries
from publish.serve import corpus_problem, prepare_corpus

VIEW_OF_SUMMARY = {
    "summary_applications_by_province_year": "applications_by_province_year",
    "summary_denial_reasons": "denial_reasons",
    "summary_carry_over_chain": "carry_over_chain",
    "summary_missing_report_years": "missing_report_years",
    "summary_reports_by_month": "reports_by_month",
}


def _rows(conn: sqlite3.Connection, table: str) -> list[tuple]:
    return sorted(conn.execute(f"select * from {table}").fetchall(), key=repr)


def _assert_summaries_equal_views(conn: sqlite3.Connection) -> None:
    for summary, view in VIEW_OF_SUMMARY.items():
        rows = _rows(conn, view)
        assert rows, f"{view} is empty on the test corpus: the comparison would prove nothing"
        assert _rows(conn, summary) == rows, summary
    reports, new_received = conn.execute("select reports, new_received from summary_corpus_totals").fetchone()
    assert reports == conn.execute("select count(*) from reports where duplicate_of is null").fetchone()[0]
    assert new_received == conn.execute("select sum(new_received) from applications_by_province_year").fetchone()[0]


def test_summary_tables_equal_the_views_on_the_known_corpus(known_corpus):
    path, _ = known_corpus
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        _assert_summaries_equal_views(conn)
        assert summaries.is_current(conn)
        # The carry-over view holds breaks the canned query must list.
        assert conn.execute("select count(*) from carry_over_chain where chain_break = 1").fetchone()[0] > 0
    finally:
        conn.close()


def test_canned_queries_serve_the_summaries(server, known_corpus):
    path, _ = known_corpus
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        expected = [list(row) for row in conn.execute(
            "select * from applications_by_province_year order by year desc, new_received desc")]
        breaks = conn.execute("select count(*) from carry_over_chain where chain_break = 1").fetchone()[0]
    finally:
        conn.close()
    response = httpx.get(f"{server.url}/corpus/applications_by_province_and_year.json",
                         params={"_shape": "arrays"}, timeout=30)
    assert response.status_code == 200
    assert response.json()["rows"] == expected
    response = httpx.get(f"{server.url}/corpus/carry_over_breaks.json", params={"_shape": "arrays"}, timeout=30)
    assert len(response.json()["rows"]) == breaks


def test_summaries_are_refreshed_after_a_report_is_added(tmp_path):
    path = tmp_path / "corpus.db"
    build_corpus(path, generated=20)
    prepare_corpus(path)
    conn = sqlite3.connect(path)
    totals = "select reports, new_received from summary_corpus_totals"
    reports_before, received_before = conn.execute(totals).fetchone()
    conn.close()

    db = corpus.open_corpus(path)
    _, province, _, _, published, numbers, *rest = KNOWN_REPORTS[0]
    new_report = _known_report("added", province, "新增的机关", 2023, published, numbers, *rest)
    outcome = corpus.write_report(db, new_report, url=url_of("added"), sha256=hashlib.sha256(b"added").hexdigest(),
                                  fetched_at="2024-06-01T00:00:00Z", format="html")
    db.conn.commit()
    received_new = db.conn.execute("select new_received from report_headlines where report_id = ?",
                                   [outcome.report_id]).fetchone()[0]
    db.close()
    assert received_new > 0
    conn = sqlite3.connect(path)
    assert not summaries.is_current(conn)
    search.refresh_index(conn)
    conn.close()
    assert corpus_problem(path) == "the summary tables are missing or out of date"

    prepare_corpus(path)
    assert corpus_problem(path) is None
    conn = sqlite3.connect(path)
    try:
        _assert_summaries_equal_views(conn)
        reports_after, received_after = conn.execute(totals).fetchone()
        assert (reports_after, received_after) == (reports_before + 1, received_before + received_new)
        assert not summaries.refresh_summaries(conn), "an unchanged corpus must not be recomputed"
    finally:
        conn.close()


def _facet_counts_by_group_by(conn: sqlite3.Connection) -> list[tuple]:
    rows = []
    for facet in summaries.FACET_COLUMNS:
        rows += conn.execute(f"select '', '', '{facet}', {facet}, count(*) from reports "
                             f"where {facet} is not null group by {facet}").fetchall()
        for column in summaries.FACET_COLUMNS:
            rows += conn.execute(
                f"select '{column}', cast({column} as text), '{facet}', {facet}, count(*) from reports "
                f"where {column} is not null and {facet} is not null group by {column}, {facet}").fetchall()
    return sorted(rows, key=repr)


def test_precomputed_facet_counts_equal_a_group_by_per_filter(known_corpus):
    path, _ = known_corpus
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        expected = _facet_counts_by_group_by(conn)
        assert len(expected) > 100
        assert _rows(conn, summaries.FACET_TABLE) == expected
    finally:
        conn.close()


def _facets(server, **params) -> dict:
    response = httpx.get(f"{server.url}/corpus/reports.json", params={"_size": "0", **params}, timeout=30)
    response.raise_for_status()
    return {name: {(item["value"], item["count"], item["selected"]) for item in facet["results"]}
            for name, facet in response.json()["facet_results"].items()}


def test_default_facets_read_from_the_precomputed_counts_equal_datasettes_own(server):
    # `_where=1` is a filter the precomputed counts do not cover: Datasette's own counting.
    for params in ({}, {"level": "county"}, {"year": "2022"}, {"province": "河南省"}, {"status__exact": "full"}):
        precomputed = _facets(server, **params)
        counted = _facets(server, _where="1", **params)
        assert set(precomputed) == set(summaries.FACET_COLUMNS)
        assert precomputed == counted, params


def test_only_a_single_equality_on_a_facet_column_is_precomputed():
    from publish.facets import precomputed_filter

    assert precomputed_filter("") == ("", "")
    assert precomputed_filter("_size=0&_facet=city") == ("", "")
    assert precomputed_filter("province=%E6%B2%B3%E5%8D%97%E7%9C%81&_next=x") == ("province", "河南省")
    assert precomputed_filter("year__exact=2022") == ("year", "2022")
    assert precomputed_filter("city=x") is None
    assert precomputed_filter("year__gt=2020") is None
    assert precomputed_filter("province=a&year=2022") is None
    assert precomputed_filter("_search=x") is None
    assert precomputed_filter("_where=1") is None


def test_a_numbers_only_edition_is_prepared_without_a_search_index(tmp_path):
    from archive.snapshot import _strip_texts

    path = tmp_path / "corpus.db"
    build_corpus(path, generated=5)
    _strip_texts(path)
    assert corpus_problem(path) == "the summary tables are missing or out of date"
    prepare_corpus(path)
    assert corpus_problem(path) is None
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("select count(*) from sqlite_master where name like 'reports_fts%'").fetchone()[0] == 0
        assert conn.execute(f"select count(*) from {summaries.FACET_TABLE}").fetchone()[0] > 0
    finally:
        conn.close()
