"""Resumable: a crawl killed with SIGKILL mid-run, then run again, ends with the same corpus as an
uninterrupted crawl, stores no document twice, and leaves every WARC file readable."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest
from crawl_test_helpers import CLI, crawl, crawl_args, query, xxgknb

from archive.warc import iter_records, valid_length
from xxgknb.sample_portal import SamplePortal

CANONICAL = {
    "reports": "url, title, year, agency, status, template, sha256, version, gone, portal_id",
    "active_disclosure": "report_id, item, category, metric, value, raw",
    "applications": "report_id, row_index, row_key, natural_person, commercial_enterprise, research_institution, "
    "social_welfare_org, legal_service_org, other_org, total",
    "review_litigation": "report_id, proceeding, upheld, corrected, other, pending, total",
    "rejected_documents": "url, sha256, status",
}


def canonical(data) -> dict[str, list[tuple]]:
    return {table: sorted(query(data, f"SELECT {columns} FROM {table}")) for table, columns in CANONICAL.items()}


def warc_bytes(data) -> int:
    return sum(p.stat().st_size for p in (data / "warc").rglob("*.warc.gz")) if (data / "warc").exists() else 0


@pytest.mark.slow
def test_killed_crawl_resumes_to_the_same_corpus(tmp_path):
    with SamplePortal(port=0, seed=0) as portal:
        reference = tmp_path / "reference"
        crawl(portal, reference, "--no-build")
        full_size = warc_bytes(reference)

        resumed = tmp_path / "resumed"
        process = subprocess.Popen(
            [*CLI, *crawl_args(portal, resumed, "--no-build")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 120
        while warc_bytes(resumed) < full_size * 0.4 and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        os.kill(process.pid, signal.SIGKILL)
        assert process.wait() == -signal.SIGKILL, "the crawl ended before it could be killed"
        killed_size = warc_bytes(resumed)
        assert 0 < killed_size < full_size

        # A kill can land inside a write: leave half a record at the end of the biggest file.
        biggest = max((resumed / "warc").rglob("*.warc.gz"), key=lambda p: p.stat().st_size)
        last = list(iter_records(biggest))[-1]
        with open(biggest, "rb") as handle:
            handle.seek(last.offset)
            record_bytes = handle.read(last.length)
        with open(biggest, "ab") as handle:
            handle.write(record_bytes[: len(record_bytes) // 2])
        assert valid_length(biggest) < biggest.stat().st_size

        crawl(portal, resumed, "--no-build")

        reports_in_manifest = len(portal.manifest["reports"])

    for path in (resumed / "warc").rglob("*.warc.gz"):
        assert valid_length(path) == path.stat().st_size, path
    # The same documents were archived, byte for byte, and none twice.
    documents = "SELECT url, sha256 FROM warc_records WHERE role IN ('item', 'attachment') AND status = 200"
    assert sorted(query(resumed, documents)) == sorted(query(reference, documents))
    twice = query(
        resumed,
        "SELECT url, count(*) FROM warc_records WHERE role IN ('item', 'attachment') AND status = 200 "
        "GROUP BY url HAVING count(*) > 1",
    )
    assert twice == []
    # Both corpora are built now, one right after the other, so they meet the same parser code
    # (the parsers may be edited while this test runs in a shared working tree).
    xxgknb("build", "--data", str(reference), "--quiet")
    xxgknb("build", "--data", str(resumed), "--quiet")
    expected = canonical(reference)
    assert len(expected["reports"]) == reports_in_manifest
    got = canonical(resumed)
    for table, rows in expected.items():
        missing, extra = set(rows) - set(got[table]), set(got[table]) - set(rows)
        assert not missing and not extra, (table, sorted(missing)[:3], sorted(extra)[:3])
