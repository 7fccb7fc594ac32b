"""The registry (every portal valid and startable offline) and the WARC writer/reader."""

from __future__ import annotations

import asyncio
import ctypes
import gzip
import mmap
import os
import time

import pytest
from scrapy.utils.test import get_crawler

from archive.warc import WarcWriter, iter_records, prefetch_record, read_record, repair, valid_length
from spiders.portal import PortalSpider
from spiders.registry import RegistryError, load, validate


def test_registry_is_valid_and_seeded_from_the_real_list_columns():
    portals = load()
    assert len(portals) >= 40
    assert len({p.id for p in portals.values()}) == len(portals)
    assert "440000_guangdong_whly" in portals and portals["440000_guangdong_whly"].cms == "gkmlpt"


def test_registry_problems_are_reported_one_per_line(tmp_path):
    (tmp_path / "11-beijing.toml").write_bytes(
        b'[[portal]]\nid = "Beijing"\nname = "x"\nstart_url = "ftp://x"\ncms = "wordpress"\n'
        b'[[portal]]\nid = "440000_gd"\nname = "y"\nstart_url = "https://y/"\n'
    )
    with pytest.raises(RegistryError) as error:
        load(tmp_path)
    lines = str(error.value).splitlines()
    assert any("id must look like" in line for line in lines)
    assert any("http(s)" in line for line in lines)
    assert any("wordpress" in line for line in lines)
    assert any("does not belong in province file 11" in line for line in lines)
    assert validate({"id": "110000_ok", "name": "n", "start_url": "https://n/", "region_code": "110000"}, "f") == []


def test_every_registered_portal_yields_a_start_request_offline(tmp_path):
    async def first_request(spider):
        async for request in spider.start():
            return request
        return None

    for portal_id, portal in load().items():
        crawler = get_crawler(PortalSpider, {"XXGKNB_DATA_DIR": str(tmp_path)})
        spider = PortalSpider.from_crawler(crawler, portal=portal_id, crawl_id="test")
        request = asyncio.run(first_request(spider))
        spider.archive.close()
        assert request is not None and request.url == portal.start_url, portal_id
        assert request.meta["role"] == "start"


def _write_sample(path):
    writer = WarcWriter(path, info={"xxgknb-portal": {"id": "110000_x"}})
    refs = [
        writer.write_exchange(
            url=f"http://h/{n}.html",
            status=200,
            reason="OK",
            response_headers=[("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip")],
            body=gzip.compress(f"<p>报告 {n}</p>".encode()),
            method="GET",
            request_headers=[("User-Agent", "t")],
            request_body=b"",
            fetched_at=f"2026-01-0{n + 1}T00:00:00Z",
            extra={"Portal": "110000_x", "Role": "item", "Link-Text": "年度报告.pdf", "Parent": None},
        )
        for n in range(3)
    ]
    writer.close()
    return refs


def test_warc_roundtrip_with_roles_and_content_encoding(tmp_path):
    path = tmp_path / "a.warc.gz"
    refs = _write_sample(path)
    records = list(iter_records(path))
    assert [r.type for r in records] == ["warcinfo"] + ["response", "request"] * 3
    record = read_record(path, refs[1].offset)
    assert record.url == "http://h/1.html" and record.http_status == 200
    assert record.payload == "<p>报告 1</p>".encode()
    assert record.xheader("Role") == "item" and record.xheader("Link-Text") == "年度报告.pdf"
    assert record.xheader("Parent") is None
    assert record.warc_headers["WARC-Type"] == "response"
    assert valid_length(path) == path.stat().st_size


def test_a_record_read_with_its_indexed_length_is_the_record_whatever_the_length_says(tmp_path):
    path = tmp_path / "a.warc.gz"
    refs = _write_sample(path)
    second = refs[1]
    assert second.length > 0
    expected = read_record(path, second.offset)
    # The right length, one too many (the next record's first byte), one too few, past the file's end,
    # and two whole records: each gives the one record at the offset, read in one piece or the usual way.
    for length in (second.length, second.length + 1, second.length - 1, 10**9, second.length + refs[2].length):
        record = read_record(path, second.offset, length)
        assert record is not None, length
        assert (record.url, record.length, record.payload) == (expected.url, second.length, expected.payload), length
        assert record.http_headers == expected.http_headers and record.warc_headers == expected.warc_headers
    # A length that points into the middle of a record reads no record, as the offset alone does.
    assert read_record(path, second.offset + 3, second.length) is None


def _resident_pages(path, start: int, length: int) -> int:
    """How many pages of ``path``'s bytes [start, start + length) are in the page cache (mincore)."""
    page = mmap.PAGESIZE
    size = path.stat().st_size
    libc = ctypes.CDLL(None, use_errno=True)
    with open(path, "rb") as handle, mmap.mmap(handle.fileno(), size, access=mmap.ACCESS_COPY) as mapped:
        base = ctypes.c_char.from_buffer(mapped)  # mapping a file reads none of it
        try:
            first, last = start // page, (start + length - 1) // page
            pages = (ctypes.c_ubyte * (last - first + 1))()
            address = ctypes.addressof(base) + first * page
            if libc.mincore(ctypes.c_void_p(address), ctypes.c_size_t((last - first + 1) * page), pages) != 0:
                raise OSError(ctypes.get_errno(), "mincore failed")
            return sum(flag & 1 for flag in pages)
        finally:
            del base


def test_prefetching_a_record_brings_those_bytes_and_no_others_into_the_page_cache(tmp_path):
    path = tmp_path / "big.warc.gz"
    mb = 1 << 20
    path.write_bytes(os.urandom(8 * mb))
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
        os.posix_fadvise(descriptor, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(descriptor)
    if _resident_pages(path, 0, 8 * mb):
        pytest.skip(f"{tmp_path}: this filesystem keeps files in memory, so there is nothing to prefetch")
    wanted = mb // mmap.PAGESIZE
    prefetch_record(path, 2 * mb, mb)
    deadline = time.monotonic() + 10
    while _resident_pages(path, 2 * mb, mb) < wanted and time.monotonic() < deadline:
        time.sleep(0.01)
    assert _resident_pages(path, 2 * mb, mb) == wanted
    assert _resident_pages(path, 6 * mb, mb) == 0
    prefetch_record(tmp_path / "missing.warc.gz", 0, 100)  # left to the read to report


@pytest.mark.parametrize("cut", [1, 10, 100, -5])
def test_truncated_last_record_is_detected_and_cut_back(tmp_path, cut):
    path = tmp_path / "a.warc.gz"
    refs = _write_sample(path)
    full = path.read_bytes()
    end_of_second = refs[2].offset  # the third response starts here
    keep = end_of_second + (cut if cut > 0 else refs[2].length + cut)
    path.write_bytes(full[:keep])
    assert valid_length(path) == end_of_second
    assert repair(path) == keep - end_of_second
    assert path.stat().st_size == end_of_second
    assert [r.url for r in iter_records(path) if r.type == "response"] == ["http://h/0.html", "http://h/1.html"]
    # Appending after a repair gives a valid file again.
    writer = WarcWriter(path, info={})
    writer.write_metadata("urn:xxgknb:crawl:t:110000_x", {"complete": True}, fetched_at="2026-01-09T00:00:00Z")
    writer.close()
    assert valid_length(path) == path.stat().st_size
