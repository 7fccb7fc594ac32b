"""Indexing a fresh archive reads its WARC files on all cores and stores exactly what reading them
in the parent stores: the same ``warc_records`` and ``crawl_urls`` rows, a file the pool could not
read is read in the parent, and a truncated tail is still cut off."""

from __future__ import annotations

import shutil
from pathlib import Path

from archive_test_helpers import rows

from archive import build, corpus
from archive.crawlstate import CRAWL_END_PREFIX, CrawlState, corpus_path
from archive.warc import WarcWriter, valid_length


def _archive(data: Path) -> None:
    """Three portals' WARC files: pages fetched twice with new bytes, a 404, a document, an end-of-crawl record."""
    for portal in ("p1", "p2", "p3"):
        writer = WarcWriter(
            data / "warc" / portal / f"20240101T000000000000Z-{portal}.warc.gz", info={"portal": portal}
        )
        for number in range(12):
            for fetch, day in enumerate(("01", "02")):
                status = 404 if number == 5 and fetch == 1 else 200
                writer.write_exchange(
                    url=f"http://{portal}.gov.cn/xxgk/{number}.html",
                    status=status,
                    reason="",
                    response_headers=[("Content-Type", "text/html; charset=utf-8")],
                    body=f"<html><title>{portal} {number} {fetch}</title></html>".encode(),
                    method="GET",
                    request_headers=[],
                    request_body=b"",
                    fetched_at=f"2024-01-{day}T00:00:00Z",
                    extra={
                        "Portal": portal,
                        "Crawl": "c1",
                        "Role": "item" if number else "start",
                        "Link-Text": f"报告 {number}",
                    },
                )
        writer.write_exchange(
            url=f"http://{portal}.gov.cn/files/report.pdf",
            status=200,
            reason="",
            response_headers=[("Content-Type", "application/pdf")],
            body=b"%PDF-1.4 not really",
            method="GET",
            request_headers=[],
            request_body=b"",
            fetched_at="2024-01-02T00:00:00Z",
            extra={
                "Portal": portal,
                "Crawl": "c1",
                "Role": "attachment",
                "Parent": f"http://{portal}.gov.cn/xxgk/1.html",
            },
        )
        writer.write_metadata(
            f"{CRAWL_END_PREFIX}c1:{portal}", {"status": "finished"}, fetched_at="2024-01-03T00:00:00Z"
        )
        writer.close()


def _archives(tmp_path: Path, *names: str) -> list[Path]:
    """Copies of one archive (record ids and gzip members differ from one writing to the next)."""
    first = tmp_path / names[0]
    _archive(first)
    for name in names[1:]:
        shutil.copytree(first, tmp_path / name)
    return [tmp_path / name for name in names]


def _index_rows(data: Path) -> dict[str, list[tuple]]:
    path = corpus_path(data)
    return {
        "warc_records": sorted(rows(path, "SELECT * FROM warc_records")),
        "crawl_urls": sorted(rows(path, "SELECT * FROM crawl_urls")),
    }


def _recovered(data: Path, read_files=None) -> tuple[list[str], dict[str, list[tuple]]]:
    db = corpus.open_corpus(corpus_path(data))
    messages = CrawlState(data, db).recover(read_files=read_files)
    db.close()
    return messages, _index_rows(data)


def _read_on_two_cores(files):
    return build._read_in_workers(files, workers=2, time_limit=60, memory_limit_mb=None)


def test_files_read_on_all_cores_index_the_same_rows_as_files_read_in_the_parent(tmp_path):
    serial, parallel = _archives(tmp_path, "serial", "parallel")

    serial_messages, serial_rows = _recovered(serial)
    handed_to_the_pool = []

    def read_on_two_cores(files):
        handed_to_the_pool.extend(file.warc_file for file in files)
        return _read_on_two_cores(files)

    parallel_messages, parallel_rows = _recovered(parallel, read_on_two_cores)

    assert sorted(handed_to_the_pool) == [f"warc/{p}/20240101T000000000000Z-{p}.warc.gz" for p in ("p1", "p2", "p3")]

    assert len(serial_rows["warc_records"]) == 3 * (24 + 1 + 1)
    assert parallel_rows == serial_rows
    assert [m.replace(str(parallel), "") for m in parallel_messages] == [
        m.replace(str(serial), "") for m in serial_messages
    ]
    # A second pass finds nothing new.
    assert _recovered(parallel, _read_on_two_cores) == ([], parallel_rows)


def test_a_file_the_pool_could_not_read_is_read_in_the_parent(tmp_path):
    reference, failing = _archives(tmp_path, "reference", "failing")

    def pool_that_fails_every_file(files):
        return [None for _ in files]

    assert _recovered(failing, pool_that_fails_every_file)[1] == _recovered(reference)[1]


def test_a_truncated_tail_is_cut_off_when_the_files_are_read_on_all_cores(tmp_path):
    data = tmp_path / "data"
    _archive(data)
    damaged = data / "warc" / "p2" / "20240101T000000000000Z-p2.warc.gz"
    complete = damaged.stat().st_size
    with open(damaged, "ab") as handle:
        handle.write(damaged.read_bytes()[-500:-100])  # half a gzip member: a writer killed mid-record

    messages, index = _recovered(data, _read_on_two_cores)

    assert damaged.stat().st_size == complete == valid_length(damaged)
    assert any(str(damaged) in m and "cut 400 bytes" in m for m in messages), messages
    assert len(index["warc_records"]) == 3 * 26


def test_the_build_indexes_a_fresh_archive_on_all_cores(tmp_path):
    data, reference = _archives(tmp_path, "data", "reference")
    _recovered(reference)

    summary = build.build(data, workers=2)

    assert _index_rows(data) == _index_rows(reference)
    assert len(_index_rows(data)["warc_records"]) == 3 * 26
    # Per portal: both fetches of the 12 pages (their bytes differ) but the 404, and the PDF.
    assert summary.candidates == 3 * (2 * 12 - 1 + 1)
