"""Scheduled crawls: unchanged portal → only list pages fetched and no new rows; an edited report
→ a new version (old rows kept); a removed report → marked gone, not deleted."""

from __future__ import annotations

import shutil

import pytest
from crawl_test_helpers import crawl, query, xxgknb

from xxgknb.sample_portal import SamplePortal


@pytest.fixture(scope="module")
def own_portal():
    with SamplePortal(port=0, seed=0) as running:
        yield running


def _candidate_urls(manifest) -> set[str]:
    urls = set()
    for entry in manifest["reports"] + manifest["lookalikes"]:
        urls.update(u for u in (entry.get("url"), entry.get("page_url")) if u)
    return urls


def _table_counts(data) -> dict[str, int]:
    # Row counts of tables the parser fills are left out: in a shared working tree the parser may
    # change between two crawls and reparse; versions and documents must not change.
    tables = ("reports", "report_versions", "rejected_documents")
    return {table: query(data, f"SELECT count(*) FROM {table}")[0][0] for table in tables}


def test_recrawl_unchanged_edited_removed(own_portal, tmp_path):
    portal = own_portal
    data = tmp_path / "data"
    crawl(portal, data)
    manifest = portal.manifest
    first_counts = _table_counts(data)
    list_urls = {page["url"] for page in manifest["list_pages"]}

    # 1. Nothing changed: only list and navigation pages are asked for, conditionally; no new rows.
    portal.clear_request_log()
    crawl(portal, data)
    log = portal.request_log
    fetched = {entry["url"] for entry in log}
    assert fetched & _candidate_urls(manifest) == set()
    assert list_urls <= fetched
    conditional = [e for e in log if e["url"] in list_urls]
    assert all("If-None-Match" in e["headers"] or "If-Modified-Since" in e["headers"] for e in conditional)
    assert {e["status"] for e in conditional} == {304}
    assert _table_counts(data) == first_counts
    assert query(data, "SELECT count(*) FROM reports WHERE version > 1 OR gone = 1") == [(0,)]

    # 2. One report edited, another removed.
    html_reports = [r for r in manifest["reports"] if r["format"] == "html" and r["must_find"]]
    edited, removed = html_reports[0], html_reports[5]
    new_entry = portal.edit_report(edited["url"])
    portal.remove_report(removed["url"])
    portal.clear_request_log()
    crawl(portal, data)
    fetched = {entry["url"] for entry in portal.request_log}
    # Only the edited report is fetched again (its list entry changed); nothing else.
    assert fetched & _candidate_urls(manifest) == {edited["url"]}

    version, sha = query(data, "SELECT version, sha256 FROM reports WHERE url = ?", [edited["url"]])[0]
    assert version == 2
    old = query(
        data,
        "SELECT v.version, v.sha256, v.rows_json IS NOT NULL FROM report_versions v "
        "JOIN reports r ON r.id = v.report_id WHERE r.url = ? ORDER BY v.version",
        [edited["url"]],
    )
    assert [row[0] for row in old] == [1, 2] and old[0][1] != sha and old[0][2] == 1
    # The current rows are the new numbers.
    (rid,) = query(data, "SELECT id FROM reports WHERE url = ?", [edited["url"]])[0]
    total = query(data, "SELECT total FROM applications WHERE report_id = ? AND row_key = 'new_received'", [rid])
    assert total[0][0] == new_entry["expected"]["applications"]["new_received"]["total"]

    gone = query(data, "SELECT gone, gone_since IS NOT NULL FROM reports WHERE url = ?", [removed["url"]])
    assert gone == [(1, 1)]
    # Removed, not deleted: its rows are all still there.
    (removed_id,) = query(data, "SELECT id FROM reports WHERE url = ?", [removed["url"]])[0]
    assert query(data, "SELECT count(*) FROM applications WHERE report_id = ?", [removed_id])[0][0] > 0
    assert query(data, "SELECT count(*) FROM reports WHERE gone = 1") == [(1,)]
    status = query(
        data,
        "SELECT sum(changed_reports), sum(gone_reports) FROM crawls "
        "WHERE crawl_id = (SELECT max(crawl_id) FROM crawls)",
    )
    assert status == [(1, 1)]

    # 3. Rebuilt from the WARC files alone, the corpus knows the same report is gone: the end-of-crawl
    # record's listing says so, without the crawler's database.
    fresh = tmp_path / "fresh"
    shutil.copytree(data / "warc", fresh / "warc")
    xxgknb("build", "--data", str(fresh), "--quiet")
    rebuilt = query(fresh, "SELECT url, gone_since IS NOT NULL FROM reports WHERE gone = 1")
    assert rebuilt == [(removed["url"], 1)]


def test_most_reports_vanishing_at_once_is_not_taken_as_removal(tmp_path):
    """A redesign that hides the column looks like "every report removed": nothing is marked gone."""
    with SamplePortal(port=0, seed=1) as portal:
        site = next(s for s in portal.sites if s["id"] == "trs-city")
        args = ["crawl", "--no-politeness", "-q", "--data", str(tmp_path), "--url", site["start_url"]]
        xxgknb(*args)
        reports = [r for r in portal.manifest["reports"] if r["site"] == "trs-city" and r["must_find"]]
        for report in reports[:8]:
            portal.remove_report(report["url"])
        xxgknb(*args)
    assert query(tmp_path, "SELECT count(*) FROM reports WHERE gone = 1") == [(0,)]
    last = query(tmp_path, "SELECT complete, gone_reports FROM crawls ORDER BY started_at DESC LIMIT 1")
    assert last == [(0, 0)]
