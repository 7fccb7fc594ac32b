"""The record index the WARC writer keeps beside each file (``X.warc.gz.records.jsonl``).

Indexing a fresh corpus reads it instead of inflating and hashing every payload, but only as far as
it agrees with the file: whatever it lacks, or gets wrong, is read from the WARC file itself, so
the ``warc_records`` and ``crawl_urls`` rows are the same with or without it."""

from __future__ import annotations

import gzip
import logging
import shutil
from pathlib import Path

from archive_test_helpers import rows

from archive import corpus
from archive.crawlstate import CRAWL_END_PREFIX, CrawlState, corpus_path
from archive.warc import INDEX_SUFFIX, WarcWriter, index_path, iter_record_heads, iter_records, repair, valid_length

WARC = Path("warc") / "p1" / "20240101T000000000000Z-p1.warc.gz"


def _write(data: Path, first: int, last: int, *, end_of_crawl: bool = True) -> Path:
    """Pages ``first`` .. ``last - 1`` of portal p1 (appended when the file exists), one of them
    gzip-encoded, and the end-of-crawl record."""
    path = data / WARC
    writer = WarcWriter(path, info={"portal": "p1"})
    for number in range(first, last):
        body = f"<html><title>报告 {number}</title>{'正文' * number}</html>".encode()
        encoded = number == 2
        writer.write_exchange(
            url=f"http://p1.gov.cn/xxgk/{number}.html",
            status=404 if number == 3 else 200,
            reason="",
            response_headers=[("Content-Type", "text/html; charset=utf-8"), ("ETag", f'"e{number}"')]
            + ([("Content-Encoding", "gzip")] if encoded else []),
            body=gzip.compress(body) if encoded else body,
            method="GET",
            request_headers=[("User-Agent", "t")],
            request_body=b"",
            fetched_at=f"2024-01-0{1 + number % 9}T00:00:00Z",
            extra={
                "Portal": "p1",
                "Crawl": "c1",
                "Role": "item" if number else "start",
                "Link-Text": f"报告 {number}",
            },
        )
    if end_of_crawl:
        writer.write_metadata(f"{CRAWL_END_PREFIX}c1:p1", {"status": "finished"}, fetched_at="2024-01-09T00:00:00Z")
    writer.close()
    return path


def _index_lines(path: Path) -> list[bytes]:
    return index_path(path).read_bytes().splitlines(keepends=True)


def _from_index(path: Path) -> list[int]:
    """Offsets of the responses :func:`iter_record_heads` took from the index (no payload bytes)."""
    return [r.offset for r in iter_record_heads(path) if r.type == "response" and r.indexed_digest is not None]


def _indexed(data: Path) -> tuple[list[str], dict[str, list[tuple]]]:
    db = corpus.open_corpus(corpus_path(data))
    messages = CrawlState(data, db).recover()
    db.close()
    return [m.replace(str(data), "") for m in messages], {
        "warc_records": sorted(rows(corpus_path(data), "SELECT * FROM warc_records")),
        "crawl_urls": sorted(rows(corpus_path(data), "SELECT * FROM crawl_urls")),
    }


def _without_index(tmp_path: Path, data: Path) -> Path:
    """A copy of ``data``'s WARC files alone: what indexing them gives is the reference."""
    bare = tmp_path / f"{data.name}-bare"
    shutil.copytree(data / "warc", bare / "warc")
    for path in (bare / "warc").rglob(f"*{INDEX_SUFFIX}"):
        path.unlink()
    return bare


def test_every_record_written_has_a_line_saying_what_reading_it_says(tmp_path):
    path = _write(tmp_path, 0, 5)
    read = list(iter_records(path))
    heads = list(iter_record_heads(path))

    assert len(_index_lines(path)) == len(read) == 1 + 2 * 5 + 1  # warcinfo, response + request each, end
    assert [(h.offset, h.length, h.warc_headers, h.http_status, h.http_headers) for h in heads] == [
        (r.offset, r.length, r.warc_headers, r.http_status, r.http_headers) for r in read
    ]
    assert [h.payload_digest() for h in heads if h.type == "response"] == [
        r.payload_digest() for r in read if r.type == "response"
    ]
    # The digest is of the payload as served, Content-Encoding undone.
    encoded = next(r for r in read if r.url.endswith("/2.html"))
    assert encoded.raw_payload != encoded.payload and encoded.payload.startswith(b"<html>")
    assert _from_index(path) == [r.offset for r in read if r.type == "response"]


def test_indexing_from_the_record_index_stores_what_reading_the_files_stores(tmp_path):
    data = tmp_path / "data"
    _write(data, 0, 6)
    bare = _without_index(tmp_path, data)

    messages, indexed = _indexed(data)

    assert (messages, indexed) == _indexed(bare)
    assert len(indexed["warc_records"]) == 6 + 1
    assert not index_path(bare / WARC).exists()


def test_a_record_the_index_never_heard_of_is_read_from_the_file(tmp_path):
    """A crawler killed between writing a record and its index line."""
    data = tmp_path / "data"
    path = _write(data, 0, 4)
    lines = _index_lines(path)
    index_path(path).write_bytes(b"".join(lines[:-3]) + lines[-3][:20])  # and a line cut short
    bare = _without_index(tmp_path, data)

    responses = [r for r in iter_record_heads(path) if r.type == "response"]

    assert [r.indexed_digest is None for r in responses] == [False, False, False, True]
    assert _indexed(data) == _indexed(bare)


def test_a_truncated_warc_file_is_cut_back_although_its_index_lists_the_lost_record(tmp_path):
    data = tmp_path / "data"
    path = _write(data, 0, 4, end_of_crawl=False)
    last = list(iter_records(path))[-2]  # the last response; its request follows
    path.write_bytes(path.read_bytes()[: last.offset + last.length // 2])

    messages, indexed = _indexed(data)

    assert path.stat().st_size == last.offset == valid_length(path)
    assert messages == [
        f"/{WARC}: indexed 3 records missing from the index",
        f"/{WARC}: cut {last.length // 2} bytes of a truncated record",
    ]
    assert [row[0] for row in indexed["crawl_urls"]] == [f"http://p1.gov.cn/xxgk/{n}.html" for n in range(3)]


def test_an_index_that_does_not_match_its_file_is_not_used(tmp_path, caplog):
    """A WARC file replaced by another of the same name, beside the old file's index."""
    data = tmp_path / "data"
    path = _write(data, 0, 3)
    stale = index_path(path).read_bytes()
    path.unlink()
    index_path(path).unlink()
    _write(data, 0, 3)  # the same pages again: new record ids, new dates
    index_path(path).write_bytes(stale)
    bare = _without_index(tmp_path, data)

    with caplog.at_level(logging.WARNING, logger="archive.warc"):
        assert _from_index(path) == []
        assert _indexed(data) == _indexed(bare)
    assert f"{path}: its record index does not match the file at byte 0" in caplog.text


def test_reopening_a_file_brings_its_index_up_to_date(tmp_path):
    path = _write(tmp_path, 0, 2, end_of_crawl=False)
    index_path(path).write_bytes(b"".join(_index_lines(path)[:-2]))  # killed before its last lines
    with open(path, "ab") as handle:
        handle.write(path.read_bytes()[-300:-100])  # and in the middle of a record

    _write(tmp_path, 2, 4)

    heads = list(iter_record_heads(path))
    assert heads[-1].offset + heads[-1].length == path.stat().st_size == valid_length(path)
    assert len(_from_index(path)) == 4
    assert len(_index_lines(path)) == len(list(iter_records(path)))


def test_repair_without_damage_leaves_the_index_as_it_was(tmp_path):
    path = _write(tmp_path, 0, 3)
    before = index_path(path).read_bytes()

    assert repair(path) == 0
    assert index_path(path).read_bytes() == before
