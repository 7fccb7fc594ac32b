"""Every fault of the sample portal's fault sites, against one real crawl over loopback.

Each manifest fault is its own test id (``test_fault_outcome[<fault>]``) and asserts the outcome
class the manifest names (``expected_outcome``) with the reason the crawler recorded; the
closing tests check that every good report of the same portal was still archived and parsed,
and that the archive the crawl left is whole.
"""

from __future__ import annotations

import threading
from urllib.parse import urlsplit

import pytest
from faults_test_helpers import CRAWL_SETTINGS, archive_problems, query

from archive.warc import read_record
from xxgknb.sample_portal.content import site_items
from xxgknb.sample_portal.faults import FAULT_SITE, GOOD_REPORT_FAULTS, WAF_SITES, FaultRenderer


def _fault_names() -> list[str]:
    """The fault names of the fault sites, known before any server starts (for test ids)."""
    renderer = FaultRenderer(
        FAULT_SITE, "http://127.0.0.1:1", "/faults", site_items(FAULT_SITE, 0),
        stopping=threading.Event(), stall_seconds=1, huge_bytes=1,
    )  # fmt: skip
    names = [fault.name for fault in renderer.faults]
    names += list(GOOD_REPORT_FAULTS.values())
    names += [f"waf_{site.id.removeprefix('waf-')}" for site in WAF_SITES]
    return names


FAULT_NAMES = _fault_names()

#: What the crawler records in ``crawl_failures.reason`` for the manifest's reason of a fault.
RECORDED_REASON = {
    "timeout": "timeout",
    "connection_error": "http_error",
    "http_error": "http_error",
    "redirect_loop": "redirect_loop",
    "offsite": "off_site",
    "private_address": "off_site",
    "truncated": "http_error",
    "empty_body": "empty_body",
    "size_limit": "too_large",
    "challenge": "challenge",
}
#: Faults the manifest files as ``unexpected_structure`` and where the crawl really records them.
STRUCTURE_OUTCOMES = {
    "soft_404": ("crawl_failures", "soft_404"),
    "malformed_html": ("rejected_documents", "not_a_report"),
}


def _fault(fault_crawl, name: str) -> dict:
    matches = [f for f in fault_crawl["manifest"]["faults"] if f["fault"] == name]
    assert len(matches) == 1, f"manifest has {len(matches)} entries for fault {name}"
    return matches[0]


def _hits(fault_crawl, url: str) -> int:
    target = urlsplit(url)
    path = target.path + (f"?{target.query}" if target.query else "")
    return sum(1 for entry in fault_crawl["log"] if entry["path"] == path)


def _failures(fault_crawl, url: str) -> list[tuple[str, str]]:
    return query(fault_crawl["data"], "SELECT reason, detail FROM crawl_failures WHERE url = ?", [url])


def _report_rows(fault_crawl, url: str) -> list[tuple]:
    return query(fault_crawl["data"], "SELECT status, duplicate_of, id FROM reports WHERE url = ?", [url])


def _rejected(fault_crawl, url: str) -> list[tuple[str, str]]:
    return query(fault_crawl["data"], "SELECT status, reason FROM rejected_documents WHERE url = ?", [url])


def _good_report(fault_crawl, key: str) -> dict:
    return next(r for r in fault_crawl["manifest"]["reports"] if r["key"] == key)


def _assert_parsed_with_its_numbers(fault_crawl, report: dict) -> None:
    rows = _report_rows(fault_crawl, report["url"])
    assert rows, f"{report['key']} ({report['url']}) is not in the corpus"
    status, _duplicate_of, report_id = rows[0]
    assert status == "full", (report["key"], status)
    stored = dict(
        query(fault_crawl["data"], "SELECT row_key, total FROM applications WHERE report_id = ?", [report_id])
    )
    for row_key, cells in report["expected"]["applications"].items():
        assert stored.get(row_key) == cells["total"], (report["key"], row_key, stored.get(row_key), cells["total"])


def test_every_fault_of_the_manifest_is_a_test(fault_crawl):
    assert sorted(f["fault"] for f in fault_crawl["manifest"]["faults"]) == sorted(FAULT_NAMES)


@pytest.mark.parametrize("name", FAULT_NAMES)
def test_fault_outcome(fault_crawl, name):
    fault = _fault(fault_crawl, name)
    url, outcome, reason = fault["url"], fault["expected_outcome"], fault["reason"]
    failures = _failures(fault_crawl, url)
    recorded = {r for r, _detail in failures}
    attempts = 1 + CRAWL_SETTINGS["XXGKNB_RETRY_TIMES"]

    if outcome in ("retry-then-fail", "fail") and name not in STRUCTURE_OUTCOMES:
        assert recorded == {RECORDED_REASON[reason]}, failures
        expected_hits = attempts if fault["retry"] else 1
        if reason == "connection_error":
            # Twisted resends a request once by itself when a reused keep-alive connection drops.
            assert expected_hits <= _hits(fault_crawl, url) <= 2 * expected_hits
        else:
            assert _hits(fault_crawl, url) == expected_hits
        assert not _report_rows(fault_crawl, url)
    elif name in STRUCTURE_OUTCOMES:
        table, expected = STRUCTURE_OUTCOMES[name]
        if table == "crawl_failures":
            assert recorded == {expected}, failures
        else:
            assert [status for status, _reason in _rejected(fault_crawl, url)] == [expected]
        assert _hits(fault_crawl, url) == 1
        assert not _report_rows(fault_crawl, url)
    elif outcome == "not-followed":
        assert recorded == {"off_site"}, failures
        location = next(value for value in _redirect_targets(fault_crawl, url))
        assert location.split("//", 1)[-1].split("/", 1)[0] in failures[0][1] or location in failures[0][1]
        # The target was never requested: no record of it, no request for it on the portal's server.
        assert not query(fault_crawl["data"], "SELECT 1 FROM warc_records WHERE url = ? OR final_url = ?",
                         [location, location])  # fmt: skip
        assert _hits(fault_crawl, url) == 1
    elif outcome == "rejected" and reason == "size_limit":
        assert recorded == {"too_large"}, failures
        assert not query(fault_crawl["data"], "SELECT 1 FROM warc_records WHERE url = ? AND status = 200", [url])
    elif outcome == "rejected":
        rejected = _rejected(fault_crawl, url)
        assert [status for status, _reason in rejected] == ["error"], rejected
        assert rejected[0][1] and "\n" not in rejected[0][1]
        assert not _report_rows(fault_crawl, url)
    elif outcome == "bounded":
        path = urlsplit(url).path
        trap_hits = sum(1 for entry in fault_crawl["log"] if urlsplit(entry["path"]).path.startswith(path))
        assert trap_hits <= CRAWL_SETTINGS["XXGKNB_MAX_LIST_PAGES_PER_COLUMN"] + 1, trap_hits
        status = query(fault_crawl["data"], "SELECT finish_reason FROM crawls WHERE portal_id = 'faults'")
        assert status == [("finished",)]
    elif outcome == "blocked":
        site = fault["site"]
        assert query(fault_crawl["data"], "SELECT blocked, finish_reason FROM crawls WHERE portal_id = ?", [site]) == [
            (1, "finished")
        ]
        assert recorded == {"challenge"}, failures
        site_requests = [e for e in fault_crawl["log"] if e["path"].startswith(f"/{site}/")]
        assert len(site_requests) == 1, "a challenged host must not be asked again"
    elif outcome in ("retry-then-ok", "ok"):
        report = _good_report(fault_crawl, fault["report"])
        _assert_parsed_with_its_numbers(fault_crawl, report)
        if outcome == "retry-then-ok":
            assert _hits(fault_crawl, url) >= 2
            assert not failures
    elif outcome == "deduplicated":
        rows = [row for u in fault["urls"] for row in _report_rows(fault_crawl, u)]
        assert len(rows) == len(fault["urls"]), "every URL of the report is archived and read"
        originals = [row for row in rows if row[1] is None]
        assert len(originals) == 1, rows
        assert all(row[1] == originals[0][2] for row in rows if row[1] is not None)
    else:
        pytest.fail(f"fault {name}: outcome {outcome!r} has no assertion in this suite")


def _redirect_targets(fault_crawl, url: str) -> list[str]:
    rows = query(
        fault_crawl["data"],
        "SELECT warc_file, offset FROM warc_records WHERE url = ? AND status BETWEEN 300 AND 399",
        [url],
    )
    targets = []
    for warc_file, offset in rows:
        record = read_record(fault_crawl["data"] / warc_file, offset)
        targets.append(record.http_header("Location"))
    assert targets, f"the redirect of {url} was not archived"
    return targets


def test_every_good_report_was_archived_and_parsed(fault_crawl):
    good = [r for r in fault_crawl["manifest"]["reports"] if r["site"] == "faults" and not r["removed"]]
    assert len(good) == len(FAULT_SITE.reports)
    for report in good:
        _assert_parsed_with_its_numbers(fault_crawl, report)


def test_no_download_passed_its_size_limit(fault_crawl):
    (largest,) = query(fault_crawl["data"], "SELECT max(size) FROM warc_records")[0]
    assert largest <= CRAWL_SETTINGS["DOWNLOAD_MAXSIZE"]


def test_the_archive_left_by_the_faults_is_whole(fault_crawl):
    assert archive_problems(fault_crawl["data"]) == []
    assert query(fault_crawl["data"], "PRAGMA integrity_check") == [("ok",)]
