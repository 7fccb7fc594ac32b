"""``read_ahead`` draws a pool's results in a thread, so the build's workers go on while it writes."""

from __future__ import annotations

import multiprocessing
import threading
import time
from pathlib import Path

import pytest

from archive import build, warc
from archive.parallel import read_ahead

REPORT_TEXT = (Path(__file__).parents[1] / "fixtures" / "seeds" / "000_5101592a4cecb7a5.txt").read_bytes()


def _wait_until(condition, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def _read_ahead_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "read-ahead"]


def test_items_come_in_order_and_are_drawn_while_the_caller_is_busy():
    drawn = []

    def items():
        for number in range(100):
            drawn.append(number)
            yield number

    ahead = read_ahead(items(), 10)
    assert next(ahead) == 0
    # The caller takes nothing more; the thread fills the queue behind it meanwhile.
    assert _wait_until(lambda: len(drawn) >= 11), f"only {len(drawn)} items drawn while the caller was busy"
    time.sleep(0.2)
    assert len(drawn) <= 12, "drew past the queue's size"
    assert [0, *ahead] == list(range(100))
    assert not _read_ahead_threads()


def test_an_error_of_the_source_reaches_the_caller_after_the_items_before_it():
    def items():
        yield 1
        yield 2
        raise ValueError("bad record")

    received = []
    with pytest.raises(ValueError, match="bad record"):
        for item in read_ahead(items(), 4):
            received.append(item)
    assert received == [1, 2]
    assert not _read_ahead_threads()


def test_leaving_early_closes_the_source_in_its_thread():
    closed_in = []

    def items():
        try:
            yield from range(10_000)
        finally:
            closed_in.append(threading.current_thread().name)

    ahead = read_ahead(items(), 8)
    assert next(ahead) == 0
    ahead.close()
    assert closed_in == ["read-ahead"]
    assert not _read_ahead_threads()


def _archive_reports(data: Path, count: int) -> None:
    writer = warc.WarcWriter(data / "warc" / "crawl.warc.gz", info={"software": "tests/archive"})
    for number in range(count):
        writer.write_exchange(
            url=f"http://gk.example.gov.cn/{number}.txt",
            status=200,
            reason="OK",
            response_headers=[("Content-Type", "text/plain; charset=utf-8")],
            body=REPORT_TEXT + f"\n{number}\n".encode(),
            method="GET",
            request_headers=[],
            request_body=b"",
            fetched_at="2024-05-01T00:00:00Z",
            extra={"Role": "attachment"},
        )
    writer.close()


def test_a_build_whose_writing_fails_stops_its_workers_and_its_thread(tmp_path, monkeypatch):
    data = tmp_path / "data"
    _archive_reports(data, 40)
    monkeypatch.setattr(build, "BATCH_SIZE", 5)  # commits, and so the failure, come mid-build
    written = []

    def fail_on_the_first_commit(outcome):
        written.append(outcome)
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        build.build(data, workers=2, on_outcome=fail_on_the_first_commit)
    assert written, "nothing was written before the failure"
    assert _wait_until(lambda: not multiprocessing.active_children()), "parse workers outlived the build"
    assert not _read_ahead_threads()

    # The batch committed before the failure stays; the next run parses only the rest.
    summary = build.build(data, workers=2)
    assert summary.parsed == 40 - 5
    assert build.corpus.open_corpus(data / "corpus.db").execute("SELECT count(*) FROM reports").fetchone()[0] == 40
