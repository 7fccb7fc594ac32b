"""Hostile documents through the real parse pool (``archive.parallel``): each ends in a clear,
per-file outcome within the pool's time and memory limits, and never takes its neighbours down."""

from __future__ import annotations

import time
from pathlib import Path

import faults_hostile_files as hostile
import pytest

from archive.parallel import ParseJob, parse_many
from parsers.model import Status

TIME_LIMIT = 20.0
MEMORY_LIMIT_MB = 1536

#: name -> (builder, filename, expected status, words the detail must contain; a tuple: one of them)
CASES = {
    "encrypted_pdf": (hostile.encrypted_pdf, "report.pdf", Status.ERROR, ["encrypted"]),
    "truncated_pdf": (hostile.truncated_pdf, "report.pdf", Status.ERROR, ["unreadable PDF"]),
    "garbage_pdf": (hostile.garbage_pdf, "report.pdf", Status.ERROR, ["unreadable PDF"]),
    # Inflating 400 MB hits the memory limit first on an idle machine, the time limit on a loaded one.
    "flate_bomb_pdf": (hostile.flate_bomb_pdf, "report.pdf", Status.ERROR, [("memory", "time limit")]),
    "docx_zip_bomb": (hostile.docx_zip_bomb, "report.docx", Status.ERROR, ["zip bomb"]),
    "docx_lying_zip_bomb": (hostile.docx_lying_zip_bomb, "report.docx", Status.ERROR, ["unreadable DOCX"]),
    "docx_entity_bomb": (hostile.docx_entity_bomb, "report.docx", Status.ERROR, ["entity"]),
    "truncated_docx": (hostile.truncated_docx, "report.docx", Status.ERROR, ["report.docx"]),
    "binary_as_html": (hostile.binary_as_html, "report.html", Status.ERROR, ["report.html"]),
}


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    """Every hostile file plus one good report in one pool run: (report, seconds) per name."""
    secret = tmp_path_factory.mktemp("xxe") / "secret.txt"
    secret.write_bytes(b"XXE-SECRET-CONTENT-7f3a")
    jobs = {name: (builder(), filename) for name, (builder, filename, _s, _w) in CASES.items()}
    jobs["many_pages_pdf"] = (hostile.many_page_pdf(), "report.pdf")
    jobs["deeply_nested_html"] = (hostile.deeply_nested_html(), "report.html")
    jobs["broken_table_html"] = (hostile.broken_table_html(), "report.html")
    jobs["docx_external_entity"] = (hostile.docx_external_entity(str(secret)), "report.docx")
    seed = Path(__file__).resolve().parents[1] / "fixtures" / "seeds"
    good = sorted(seed.glob("*"))[0]
    jobs["good_report"] = (good.read_bytes(), good.name)
    names = list(jobs)
    started = time.monotonic()
    results = {}
    for index, report in parse_many(
        [ParseJob(data, filename=filename) for data, filename in jobs.values()],
        workers=2,
        time_limit=TIME_LIMIT,
        memory_limit_mb=MEMORY_LIMIT_MB,
    ):
        results[names[index]] = (report, time.monotonic() - started)
    return results


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_document_fails_clearly(outcomes, name):
    _builder, _filename, status, words = CASES[name]
    report, _seconds = outcomes[name]
    assert report.status == status, (name, report.status, report.status_detail)
    assert "\n" not in report.status_detail
    for word in words:
        alternatives = word if isinstance(word, tuple) else (word,)
        assert any(one.lower() in report.status_detail.lower() for one in alternatives), (name, report.status_detail)


@pytest.mark.parametrize("name", ["many_pages_pdf", "deeply_nested_html", "broken_table_html"])
def test_oversized_or_malformed_document_is_read_not_crashed(outcomes, name):
    report, _seconds = outcomes[name]
    assert report.status != Status.ERROR or "crash" not in report.status_detail, report.status_detail
    assert "parser process died" not in report.status_detail
    assert "time limit" not in report.status_detail


def test_external_entity_never_reads_a_local_file(outcomes):
    report, _seconds = outcomes["docx_external_entity"]
    assert "XXE-SECRET-CONTENT" not in repr(report)


def test_good_report_survives_its_hostile_neighbours(outcomes):
    report, _seconds = outcomes["good_report"]
    assert report.status in (Status.FULL, Status.PARTIAL), report.status_detail
    assert report.year is not None


def test_every_document_ends_within_the_time_limit(outcomes):
    # A generous margin for the pool's own work (fork, pickling a large document) on a loaded machine.
    slowest = max(seconds for _report, seconds in outcomes.values())
    assert slowest < len(outcomes) * TIME_LIMIT / 2
    assert all(
        "time limit" not in report.status_detail for name, (report, _s) in outcomes.items() if name != "flate_bomb_pdf"
    )
