"""edit_report and remove_report change exactly what a recrawl should notice."""

from __future__ import annotations

import urllib.parse

import pytest
from sample_portal_helpers import fetch

from xxgknb.sample_portal import SamplePortal


@pytest.fixture
def fresh():
    with SamplePortal(port=0, seed=0) as running:
        yield running


def _get(entry):
    data = urllib.parse.urlencode(entry["form"]).encode() if entry["method"] == "POST" else None
    return fetch(entry["url"], method=entry["method"], data=data)


def test_edit_changes_the_report_and_only_the_list_page_showing_it(fresh):
    before = fresh.manifest
    report = next(r for r in before["reports"] if r["site"] == "trs-city" and r["must_find"])
    old = fetch(report["url"])
    list_etags = {e["url"]: _get(e).header("ETag") for e in before["list_pages"]}

    entry = fresh.edit_report(report["url"])

    assert entry["version"] == 2
    assert entry["updated"] > report["updated"]
    assert entry["expected"] != report["expected"]
    new = fetch(report["url"])
    assert new.status == 200 and new.body != old.body
    assert fetch(report["url"], headers={"If-None-Match": old.header("ETag")}).status == 200
    assert entry["updated"] in new.body.decode()
    after = fresh.manifest
    changed = {e["url"] for e in after["list_pages"] if _get(e).header("ETag") != list_etags.get(e["url"])}
    assert changed, "the list page showing an edited report must change"
    assert all("/trs-city/" in url for url in changed)
    assert any(url in entry["listed_in"] for url in changed)


def test_edit_of_an_attachment_report_serves_new_bytes(fresh):
    report = next(r for r in fresh.manifest["reports"] if r["format"] == "docx")
    old = fetch(report["url"]).body
    entry = fresh.edit_report(report["url"])
    assert fetch(report["url"]).body != old
    assert entry["version"] == 2


def test_remove_answers_404_and_drops_it_from_every_list(fresh):
    for site in ("hanweb", "gkmlpt", "vsb", "trs-chan", "handmade"):
        report = next(r for r in fresh.manifest["reports"] if r["site"] == site)
        fresh.remove_report(report["url"])
        assert fetch(report["url"]).status == 404
        if report["page_url"]:
            assert fetch(report["page_url"]).status == 404
        manifest = fresh.manifest
        gone = next(r for r in manifest["reports"] if r["key"] == report["key"])
        assert gone["removed"] and gone["listed_in"] == []
        parts = urllib.parse.urlsplit(report["page_url"] or report["url"])
        path = parts.path + ("?" + parts.query if parts.query else "")
        for entry in manifest["list_pages"]:
            assert path.encode() not in _get(entry).body
            assert (report["page_url"] or report["url"]) not in entry["items"]


def test_unknown_url_is_refused(fresh):
    with pytest.raises(KeyError, match="no report"):
        fresh.edit_report(fresh.base_url + "/nope.html")


def test_removal_moves_list_last_modified_forward(fresh):
    column = next(e for e in fresh.manifest["list_pages"] if e["site"] == "trs-city")
    before = fetch(column["url"])
    newest = next(r for r in fresh.manifest["reports"] if r["page_url"] == column["items"][0])
    fresh.remove_report(newest["url"])
    since = {"If-Modified-Since": before.header("Last-Modified")}
    assert fetch(column["url"], headers=since).status == 200, "a page that lost an item is modified"
