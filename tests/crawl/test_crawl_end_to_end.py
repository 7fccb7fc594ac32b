"""End to end: every report of the sample portal found, no look-alike taken, HTML cells right."""

from __future__ import annotations

import re

from crawl_test_helpers import query

from archive.warc import iter_records, valid_length
from parsers.model import APPLICANT_COLUMNS, OUTCOME_COLUMNS


def _reports_by_url(data):
    return {row[0]: row for row in query(data, "SELECT url, id, title, status, year, gone FROM reports")}


def test_every_report_found_and_stored(crawled):
    portal, data, _ = crawled
    stored = _reports_by_url(data)
    manifest = portal.manifest
    missing = [r["url"] for r in manifest["reports"] if r["must_find"] and r["url"] not in stored]
    assert missing == []
    # Misfiled reports (filed under 政务动态) are found too, by scanning news-like columns.
    misfiled = [r["url"] for r in manifest["reports"] if not r["must_find"]]
    assert misfiled and all(url in stored for url in misfiled)
    for report in manifest["reports"]:
        assert stored[report["url"]][2] == report["title"], report["url"]
        assert stored[report["url"]][4] == report["year"], report["url"]


def test_every_report_has_the_agency_and_region_of_the_manifest(crawled):
    """The portal's division code (``--region``) reaches the parser through the WARC, so county
    names shared by several places (江北区) resolve to the portal's one."""
    portal, data, _ = crawled
    stored = {
        row[0]: row[1:]
        for row in query(data, "SELECT url, agency, region_code, province, city, county, level FROM reports")
    }
    wrong = [
        (r["url"], stored[r["url"]])
        for r in portal.manifest["reports"]
        if stored[r["url"]] != (r["agency"], r["region_code"], r["province"], r["city"], r["county"], r["level"])
    ]
    assert wrong == []


def test_no_lookalike_taken(crawled):
    portal, data, _ = crawled
    stored = _reports_by_url(data)
    lookalikes = portal.manifest["lookalikes"]
    assert lookalikes
    assert [la["url"] for la in lookalikes if la["url"] in stored] == []
    # Nothing but the manifest's reports is in the corpus.
    expected = {r["url"] for r in portal.manifest["reports"]}
    assert set(stored) == expected


def test_html_report_cells_equal_expected_numbers(crawled):
    portal, data, _ = crawled
    mismatches = []
    checked = 0
    for report in portal.manifest["reports"]:
        if report["format"] != "html":
            continue
        (rid,) = query(data, "SELECT id FROM reports WHERE url = ?", [report["url"]])[0]
        expected = report["expected"]
        active = {
            (row[0], row[1], row[2]): row[3]
            for row in query(
                data, "SELECT item, category, metric, value FROM active_disclosure WHERE report_id = ?", [rid]
            )
        }
        for cell in expected["active_disclosure"]:
            # A blank cell is NULL: stored as NULL or not stored at all.
            found = active.get((cell["item"], cell["category"], cell["metric"]))
            if found != cell["value"]:
                mismatches.append((report["key"], "active_disclosure", cell, found))
        rows: dict[str, dict] = {}
        for row in query(
            data,
            f"SELECT row_key, {', '.join(APPLICANT_COLUMNS)} FROM applications WHERE report_id = ? ORDER BY row_index",
            [rid],
        ):
            rows.setdefault(row[0], dict(zip(APPLICANT_COLUMNS, row[1:], strict=True)))
        for key, cells in expected["applications"].items():
            if rows.get(key) != cells:
                mismatches.append((report["key"], "applications", key, cells, rows.get(key)))
        review = {
            row[0]: dict(zip(OUTCOME_COLUMNS, row[1:], strict=True))
            for row in query(
                data,
                f"SELECT proceeding, {', '.join(OUTCOME_COLUMNS)} FROM review_litigation WHERE report_id = ?",
                [rid],
            )
        }
        if review != expected["review_litigation"]:
            mismatches.append((report["key"], "review_litigation", expected["review_litigation"], review))
        checked += 1
    assert mismatches == []
    assert checked >= 40


def test_every_response_archived_with_its_role(crawled):
    portal, data, _ = crawled
    files = sorted((data / "warc").rglob("*.warc.gz"))
    assert len(files) == len(portal.sites)
    roles = set()
    for path in files:
        assert valid_length(path) == path.stat().st_size
        types = [record.type for record in iter_records(path)]
        assert types[0] == "warcinfo" and types[-1] == "metadata"
        assert types.count("response") == types.count("request")
    for (role,) in query(data, "SELECT DISTINCT role FROM warc_records"):
        roles.add(role)
    assert {"start", "list", "item", "attachment", "robots", "crawl-end"} <= roles
    # Every report of the corpus points at an indexed response with the same digest.
    unindexed = query(
        data,
        "SELECT url FROM reports r WHERE NOT EXISTS "
        "(SELECT 1 FROM warc_records w WHERE w.url = r.url AND w.sha256 = r.sha256)",
    )
    assert unindexed == []


def test_crawl_status_is_data(crawled):
    portal, data, _ = crawled
    rows = query(
        data,
        "SELECT portal_id, complete, pages_fetched, reports_found, new_reports, blocked FROM crawls",
    )
    assert len(rows) == len(portal.sites)
    assert all(row[1] == 1 and row[2] > 0 and row[5] == 0 for row in rows)
    assert sum(row[3] for row in rows) == len(portal.manifest["reports"])
    assert sum(row[4] for row in rows) == len(portal.manifest["reports"])


def test_build_is_idempotent_and_rebuilds_from_warc_alone(crawled, tmp_path):
    import shutil

    from crawl_test_helpers import xxgknb

    portal, data, _ = crawled
    before = query(data, "SELECT url, sha256, version FROM reports ORDER BY url")
    again = xxgknb("build", "--data", str(data), "--quiet")
    # Nothing new or updated (a parser changed since the first build would only "reparse").
    assert re.search(r"\b\d+ (new|updated)\b", again.stdout) is None, again.stdout
    # The summary times each step, and the steps make up the whole.
    timing = re.search(r"\((\d+\.\d)s: index (\d+\.\d)s, parse (\d+\.\d)s, finish (\d+\.\d)s;", again.stdout)
    assert timing is not None, again.stdout
    total, *phases = (float(seconds) for seconds in timing.groups())
    assert abs(total - sum(phases)) <= 0.2
    assert query(data, "SELECT url, sha256, version FROM reports ORDER BY url") == before
    # Only the WARC files: the corpus comes back the same, with no network (the portal is not asked).
    fresh = tmp_path / "fresh"
    shutil.copytree(data / "warc", fresh / "warc")
    portal.clear_request_log()
    xxgknb("build", "--data", str(fresh), "--quiet")
    assert portal.request_log == []
    assert query(fresh, "SELECT url, sha256, version FROM reports ORDER BY url") == before
    assert query(fresh, "SELECT count(*) FROM active_disclosure") == query(
        data, "SELECT count(*) FROM active_disclosure"
    )
