"""Facets, views, canned queries and charts over HTTP return the numbers of the known corpus."""

from __future__ import annotations

import sqlite3

import httpx
import pytest
from publish_corpus import KNOWN_REPORTS, substring_matches


def get_json(server, path: str, **params) -> dict | list:
    response = httpx.get(f"{server.url}{path}", params=params, timeout=30)
    response.raise_for_status()
    return response.json()


def facet_counts(data: dict, facet: str) -> dict:
    return {item["value"]: item["count"] for item in data["facet_results"][facet]["results"]}


def test_default_facets_count_the_hand_built_reports(server):
    data = get_json(server, "/corpus/reports.json", template="2021", _size="0")
    assert set(data["facet_results"]) >= {"province", "year", "level", "body_kind", "template", "status"}
    assert facet_counts(data, "province") == {"河南省": 4, "北京市": 2, "广东省": 1}
    assert facet_counts(data, "year") == {2021: 2, 2022: 4, 2020: 1}
    assert facet_counts(data, "body_kind") == {"government": 4, "department": 3}
    assert data["filtered_table_rows_count"] == len(KNOWN_REPORTS)


def test_a_search_is_faceted_only_as_asked(server, known_corpus):
    path, _ = known_corpus
    plain = get_json(server, "/corpus/reports.json", _search="疫情", _size="0")
    assert plain["facet_results"] == {}
    faceted = get_json(server, "/corpus/reports.json", _search="疫情", _facet="province", _size="0")
    assert set(faceted["facet_results"]) == {"province"}
    counts = facet_counts(faceted, "province")
    assert sum(counts.values()) == len(substring_matches(path, "疫情"))
    # Leaving the search brings the default facets back.
    assert len(get_json(server, "/corpus/reports.json", _size="0")["facet_results"]) == 6


def test_agency_foreign_key_is_labelled_with_the_agency_name(server):
    rows = get_json(server, "/corpus/reports.json", _labels="on", _shape="array", province="广东省")
    assert rows[0]["agency_id"]["label"] == "深圳市人民政府办公厅"


def canned(server, name: str, **params) -> list[dict]:
    return get_json(server, f"/corpus/{name}.json", _shape="array", **params)


def test_applications_by_province_and_year(server):
    rows = canned(server, "applications_by_province_and_year")
    henan_2022 = next(row for row in rows if row["province"] == "河南省" and row["year"] == 2022)
    assert (henan_2022["reports"], henan_2022["new_received"], henan_2022["granted"], henan_2022["denied"]) == (
        2, 27, 21, 3)
    assert henan_2022["total_processed"] == 24


def test_headline_numbers_for_one_report(server):
    rows = canned(server, "headline_numbers", province="北京市", year="2022")
    assert len(rows) == 1
    row = rows[0]
    assert (row["new_received"], row["carried_over"], row["granted"], row["denied"], row["carried_forward"]) == (
        50, 6, 40, 6, 10)
    assert (row["reviews"], row["lawsuits"]) == (2, 2)


@pytest.mark.parametrize(("province", "year"), [("", ""), ("河南省", ""), ("", "2022"), ("河南省", "2022")])
def test_headline_numbers_filters_blank_or_not(server, known_corpus, province, year):
    path, _ = known_corpus
    rows = canned(server, "headline_numbers", province=province, year=year)
    db = sqlite3.connect(path)
    try:
        expected = dict(
            db.execute(
                "select id, year from reports where duplicate_of is null and (? = '' or province = ?) "
                "and (? = '' or year = cast(? as integer))",
                [province, province, year, year],
            ).fetchall()
        )
    finally:
        db.close()
    assert expected  # the known corpus has reports under every filter tried
    # the newest 200 (ties in year broken either way)
    assert {row["report_id"] for row in rows} <= set(expected)
    years = [row["year"] for row in rows]
    assert years == sorted(expected.values(), reverse=True)[:200]


def test_denial_reasons_breakdown(server):
    rows = canned(server, "denial_reasons_all_years")
    by_key = {row["row_key"]: row for row in rows}
    assert by_key["denied_state_secret"]["applications"] == sum(entry[5][3] for entry in KNOWN_REPORTS)
    assert by_key["denied_state_secret"]["label_zh"].startswith("（三）不予公开")


def test_consistency_failures_name_the_rules(server):
    rows = canned(server, "reports_breaking_rules")
    assert [(row["agency"], row["year"], row["rules"], row["issues"]) for row in rows] == [
        ("新华区人民政府", 2022, "1,2", 2)]


def test_carry_over_chain_lists_the_one_break(server):
    breaks = canned(server, "carry_over_breaks")
    assert [(row["agency"], row["year"], row["carried_forward"], row["next_carried_over"], row["difference"])
            for row in breaks] == [("新华区人民政府", 2021, 5, 2, -3)]
    chain = get_json(server, "/corpus/carry_over_chain.json", _shape="array", agency="湛河区住建局")
    assert [(row["year"], row["chain_break"]) for row in chain] == [(2021, 0)]


def test_missing_report_years(server):
    rows = get_json(server, "/corpus/missing_report_years.json", _shape="array", province="北京市")
    assert [(row["agency"], row["missing_year"]) for row in rows] == [("西城区人民政府", 2021)]
    canned_rows = canned(server, "bodies_missing_a_year")
    assert ("西城区人民政府", 2021) in [(row["agency"], row["missing_year"]) for row in canned_rows]
    henan = get_json(server, "/corpus/missing_report_years.json", _shape="array", province="河南省")
    assert henan == []


def test_reports_per_month(server):
    rows = canned(server, "reports_per_month")
    assert {row["month"]: row["reports"] for row in rows} == {
        "2021-01": 1, "2022-01": 2, "2023-01": 2, "2023-02": 1, "2023-03": 1}


@pytest.mark.parametrize("name", ["search_sections"])
def test_parameterised_canned_query(server, name):
    rows = canned(server, name, section="1", text="碳达峰行动")
    assert [row["title"] for row in rows] == ["湛河区住建局2022年政府信息公开工作年度报告"]


def test_dashboard_renders_its_charts(server):
    page = httpx.get(f"{server.url}/-/dashboards/overview", timeout=30)
    assert page.status_code == 200
    for title in ("历年收到的申请", "各省办理结果", "各月发布的报告"):
        assert title in page.text
    # The charts fetch their data with the SQL of the dashboard: it must run on the corpus.
    total = get_json(server, "/corpus.json", sql="select sum(new_received) as n from applications_by_province_year",
                     _shape="array")
    assert total == [{"n": sum(entry[5][0] for entry in KNOWN_REPORTS)}]


def test_every_canned_query_runs_and_hides_no_view(server):
    database = get_json(server, "/corpus.json")
    queries = database["queries"]
    assert len(queries) >= 8
    views = {view["name"] for view in database["views"]}
    for query in queries:
        assert query["name"] not in views, f"canned query {query['name']} shadows the view of that name"
        response = httpx.get(f"{server.url}/corpus/{query['name']}.json", params={"_shape": "array"}, timeout=30)
        assert response.status_code == 200, (query["name"], response.text[:300])
