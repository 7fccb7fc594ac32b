"""Resumable: a crawl killed with SIGKILL mid-run, then run again, ends with the same corpus as an
uninterrupted crawl, stores no document twice, and leaves every WARC file readable."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time

import pytest
from crawl_test_helpers import CLI, crawl, crawl_args, query, xxgknb

from archive.warc import HEADER_PREFIX, WarcWriter, iter_records, valid_length
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


def _archive_without_index(data, url: str) -> None:
    """Leave ``url`` as a crawler killed right after archiving it does: its exchange complete in a
    WARC file of that crawl (written by the archive's own writer), no row for it in the index."""
    db = sqlite3.connect(data / "corpus.db")
    warc_file, offset = db.execute(
        "SELECT warc_file, offset FROM warc_records WHERE url = ? AND status = 200", [url]
    ).fetchone()
    with db:
        db.execute("DELETE FROM warc_records WHERE url = ?", [url])
        db.execute("DELETE FROM crawl_urls WHERE url = ?", [url])
    db.close()
    archived = next(iter_records(data / warc_file, offset))
    killed = WarcWriter((data / warc_file).parent / "19990101T000000000000Z-1.warc.gz", info={"software": "killed"})
    killed.write_exchange(
        url=archived.url,
        status=archived.http_status,
        reason="OK",
        response_headers=archived.http_headers,
        body=archived.raw_payload,
        method="GET",
        request_headers=[],
        request_body=b"",
        fetched_at=archived.warc_headers["WARC-Date"],
        extra={
            k.removeprefix(HEADER_PREFIX): v for k, v in archived.warc_headers.items() if k.startswith(HEADER_PREFIX)
        },
    )
    killed.close()


@pytest.mark.slow
def test_a_record_archived_but_not_indexed_is_recovered_not_fetched_again(tmp_path):
    data = tmp_path / "data"
    with SamplePortal(port=0, seed=0) as portal:
        crawl(portal, data, "--no-build")
        # An item page and an attachment: the two kinds of document a flaky CI run fetched twice.
        lost = [
            query(data, "SELECT url FROM warc_records WHERE role = ? AND status = 200 ORDER BY url LIMIT 1", [role])[
                0
            ][0]
            for role in ("item", "attachment")
        ]
        for url in lost:
            _archive_without_index(data, url)

        portal.clear_request_log()
        crawl(portal, data, "--no-build")
        asked = {entry["url"] for entry in portal.request_log}

    assert not asked & set(lost), "a document archived before the kill was fetched again"
    for url in lost:
        rows = query(data, "SELECT warc_file, status FROM warc_records WHERE url = ?", [url])
        assert len(rows) == 1 and rows[0][0].endswith("19990101T000000000000Z-1.warc.gz") and rows[0][1] == 200, rows
        assert query(data, "SELECT status FROM crawl_urls WHERE url = ?", [url]) == [(200,)]
