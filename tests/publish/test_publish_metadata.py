"""metadata.json describes the corpus it publishes (the codebook researchers read)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import sqlite_utils

from archive import schema
from publish.plugin import DEFAULT_FACETS

METADATA = json.loads((Path(__file__).resolve().parents[2] / "metadata.json").read_text(encoding="utf-8"))
TABLES = METADATA["databases"]["corpus"]["tables"]
CHINESE = re.compile(r"[\u4e00-\u9fff]")
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")
#: Crawler bookkeeping whose columns its owner still extends: the table must be described, its
#: columns are checked for the ones described so far only.
CRAWL_TABLES = {"portals", "warc_records", "crawl_urls", "crawl_failures", "crawls"}


def corpus_schema() -> dict[str, list[str]]:
    db = sqlite_utils.Database(memory=True)
    schema.apply(db)
    hidden = {"_sqlite_migrations"} | {name for name in db.table_names() if name.startswith("reports_fts_")
                                       and name != "reports_fts_state"}
    hidden.add("reports_fts")
    names = [name for name in db.table_names() + db.view_names() if name not in hidden]
    return {name: [column.name for column in db[name].columns] for name in names}


def test_database_key_is_the_served_name():
    assert list(METADATA["databases"]) == ["corpus"]


def test_every_table_and_column_is_described_in_chinese_and_english():
    missing = []
    for table, columns in corpus_schema().items():
        entry = TABLES.get(table)
        if entry is None:
            missing.append(table)
            continue
        assert CHINESE.search(entry["description"]) and LATIN_WORD.search(entry["description"]), table
        described = entry.get("columns", {})
        if table not in CRAWL_TABLES:
            missing += [f"{table}.{column}" for column in columns if column not in described]
        for column, text in described.items():
            assert column in columns, f"{table}.{column} is described but does not exist"
            assert CHINESE.search(text) and LATIN_WORD.search(text), f"{table}.{column}: not bilingual: {text}"
    assert missing == []


@pytest.mark.parametrize("fragment", ["万元", "第二十条第（一）项", "第二十条第（八）项", "条例第五十条"])
def test_units_and_regulation_clauses_are_given(fragment):
    assert fragment in json.dumps(METADATA, ensure_ascii=False)


def test_publication_facts_are_there():
    for key in ("title", "license", "license_url", "source", "source_url"):
        assert METADATA[key]
    assert "How to cite" in METADATA["description_html"]
    reports = TABLES["reports"]
    # Default facets come from the plugin (not faceted when searching); metadata.json would override it.
    assert "facets" not in reports
    assert DEFAULT_FACETS["reports"] == [{"counted": column} for column in
                                         ("province", "year", "level", "body_kind", "template", "status")]
    assert reports["label_column"] == "title" and TABLES["agencies"]["label_column"] == "name"
    assert reports["fts_table"] == "reports_fts"


def test_dashboards_use_only_vega_charts_and_existing_views():
    views = set(corpus_schema())
    for dashboard in METADATA["plugins"]["datasette-dashboards"].values():
        for chart in dashboard["charts"].values():
            assert chart["library"] in ("vega-lite", "metric")
            used = set(re.findall(r"from (\w+)", chart["query"]))
            assert used <= views, used - views
