"""Every report the sample portal serves parses to what its manifest says it holds.

The portal runs on loopback; each document is fetched over HTTP like the crawler fetches it and
parsed with the portal's region code as ``region_hint`` (what the crawler's registry passes).
"""

from __future__ import annotations

import urllib.request

import pytest

from parsers import parse
from parsers.model import APPLICANT_COLUMNS, OUTCOME_COLUMNS
from xxgknb.sample_portal import SamplePortal


@pytest.fixture(scope="module")
def served():
    """(manifest entry, parsed report) for every report of the sample portal."""
    with SamplePortal(port=0) as portal:
        parsed = []
        for entry in portal.manifest["reports"]:
            with urllib.request.urlopen(entry["url"], timeout=30) as response:
                body, content_type = response.read(), response.headers.get("Content-Type")
            report = parse(
                body,
                filename=entry["url"].rsplit("/", 1)[-1],
                content_type=content_type,
                url=entry["url"],
                region_hint=entry["region_code"],
            )
            parsed.append((entry, report))
    return parsed


def _tables(report) -> dict:
    return {
        "active_disclosure": [
            {"item": c.item, "category": c.category, "metric": c.metric, "value": c.value.value, "raw": c.value.raw}
            for c in report.active_disclosure
        ],
        "applications": {
            r.row_key: {k: r.cells[k].value if k in r.cells else None for k in APPLICANT_COLUMNS}
            for r in report.applications
        },
        "review_litigation": {
            r.proceeding: {k: r.cells[k].value if k in r.cells else None for k in OUTCOME_COLUMNS}
            for r in report.review_litigation
        },
    }


def _mismatches(entry: dict, report) -> dict:
    got = {
        "status": report.status,
        "agency": report.agency,
        "year": report.year,
        "template": report.template,
        "published": report.published,
        "level": report.level,
        "region": (report.region.province, report.region.city, report.region.county, report.region.code),
        **_tables(report),
        "violations": sorted((v.rule, v.location) for v in report.violations),
    }
    want = {
        "status": "full",
        "agency": entry["agency"],
        "year": entry["year"],
        "template": entry["template"],
        "published": entry["published"],
        "level": entry["level"],
        "region": (entry["province"], entry["city"], entry["county"], entry["region_code"]),
        **entry["expected"],
        "violations": sorted((v["rule"], v["where"]) for v in entry["expected_violations"]),
    }
    return {key: (got[key], want[key]) for key in want if got[key] != want[key]}


def test_the_portal_serves_reports_of_every_format(served):
    assert len(served) >= 40
    assert {entry["format"] for entry, _ in served} == {"html", "pdf", "docx"}


def test_every_sample_portal_report_parses_to_its_manifest_entry(served):
    wrong = {entry["key"]: mismatches for entry, report in served if (mismatches := _mismatches(entry, report))}
    assert wrong == {}


def test_region_wide_reports_are_the_governments_own(served):
    region_wide = [(entry, report) for entry, report in served if entry["title"][:4].isdigit()]
    assert region_wide, "the portal serves region-wide reports titled 20XX年<place>…"
    for entry, report in region_wide:
        assert report.agency.endswith("人民政府") and report.body_kind == "government", entry["key"]
