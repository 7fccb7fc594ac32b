"""Where a build's worker time goes: CPU per document of ``archive.build``'s worker step, per format.

    .venv/bin/python benchmarks/bench_build_worker.py --data /tmp/bench100k/data [--sample 2000] [--rounds 3]
    .venv/bin/python benchmarks/bench_build_worker.py --data … --forget-templates   # DOCX without the memo

``--data`` is a built corpus's data directory (``run_all.py --keep`` leaves one in ``<work>/data``).
Every 50th (``--every``) archived record that became a report is read back exactly as
``xxgknb build`` examines it in a parse worker — record read from its WARC file, HTML classified as
the crawler does, parsed, turned into rows and pickled for the parent — and the CPU time per
document is printed per format (best of ``--rounds`` passes over the same sample), with each
format's share of the sample, so that format × share says what each costs per report built.

Beside it, the *library floor* of each format: the CPU of what no code of ours can avoid with these
libraries — the record read back from its WARC file and the document opened by the library its
reader is built on (lxml parses the HTML page; pdfium loads every page and its text layer; the DOCX
archive is opened and ``word/document.xml`` parsed by lxml; a text file is decoded).  The rest of the
worker's time is ours: classifying, reading tables, interpreting, checking, building rows, pickling.

The DOCX reader remembers the list definitions of ``styles.xml``/``numbering.xml`` it has seen;
``--forget-templates`` empties that memo before every document, as for a corpus where no two files
share a Word template (the synthetic corpus uses one template throughout).

It runs on the allocator the build runs on (mimalloc where installed: :mod:`xxgknb.allocator`).
"""

from __future__ import annotations

import argparse
import collections
import io
import pickle
import sqlite3
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import lxml.etree
import lxml.html
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from archive.build import _read_and_parse, _RecordJob, portal_region
from archive.warc import read_record
from parsers.formats import docx
from xxgknb.allocator import use_mimalloc


def sample_jobs(data: Path, size: int, every: int = 50) -> dict[str, list[_RecordJob]]:
    connection = sqlite3.connect(f"file:{data / 'corpus.db'}?mode=ro", uri=True)
    try:
        rows = connection.execute(
            "SELECT w.url, w.final_url, w.warc_file, w.offset, w.length, w.role, w.content_type, w.link_text, "
            "r.format "
            "FROM warc_records w JOIN reports r ON r.url = w.url AND r.sha256 = w.sha256 "
            "WHERE w.role IN ('item', 'attachment') AND w.rowid % ? = ? LIMIT ?",
            [every, 7 % every, size],  # the 7th record of every `every`, the sample of earlier figures
        ).fetchall()
    finally:
        connection.close()
    jobs: dict[str, list[_RecordJob]] = collections.defaultdict(list)
    for url, final_url, warc_file, offset, length, role, content_type, link_text, fmt in rows:
        path = data / warc_file
        jobs[fmt].append(
            _RecordJob(str(path), offset, length, url, role, final_url, content_type, link_text, portal_region(path))
        )
    return jobs


def best_cpu_per_job(jobs: list[_RecordJob], work: Callable[[_RecordJob], object], rounds: int) -> float:
    """CPU seconds per job of ``work``, the best of ``rounds`` passes over ``jobs``."""
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        for job in jobs:
            work(job)
        best = min(best, (time.process_time() - started) / len(jobs))
    return best


def cpu_per_document(jobs: list[_RecordJob], rounds: int, forget_templates: bool) -> float:
    def examine(job: _RecordJob) -> None:
        if forget_templates:
            docx.forget_definitions()
        pickle.dumps(_read_and_parse(job), protocol=pickle.HIGHEST_PROTOCOL)

    return best_cpu_per_job(jobs, examine, rounds)


def _open_pdf_pages(payload: bytes) -> None:
    pdf = pdfium.PdfDocument(payload)
    try:
        for index in range(len(pdf)):
            page = pdfium_c.FPDF_LoadPage(pdf.raw, index)
            text_page = pdfium_c.FPDFText_LoadPage(page)
            pdfium_c.FPDFText_ClosePage(text_page)
            pdfium_c.FPDF_ClosePage(page)
    finally:
        pdf.close()


#: Per format, what its reader's library does to a document before any code of ours looks at it.
LIBRARY_WORK: dict[str, Callable[[bytes], object]] = {
    "html": lxml.html.document_fromstring,
    "pdf": _open_pdf_pages,
    "docx": lambda payload: lxml.etree.fromstring(zipfile.ZipFile(io.BytesIO(payload)).read("word/document.xml")),
    "text": lambda payload: payload.decode("utf-8", "replace"),
}


def library_floor(fmt: str, jobs: list[_RecordJob], rounds: int) -> float | None:
    """CPU seconds per document of reading its record back and of its library's work alone."""
    work = LIBRARY_WORK.get(fmt)
    if work is None:
        return None

    def read_back(job: _RecordJob) -> object:
        return work(read_record(Path(job.warc_path), job.offset, job.length).payload)

    return best_cpu_per_job(jobs, read_back, rounds)


@dataclass(frozen=True)
class FormatCost:
    fmt: str
    documents: int
    share: float
    """Of the documents sampled."""
    cpu_ms: float
    """Per document, the whole worker step."""
    floor_ms: float | None
    """Per document, the record read back and the library's work alone (None: read through a converter)."""

    @property
    def ours_ms(self) -> float:
        return self.cpu_ms - (self.floor_ms or 0.0)


def measure(data: Path, sample: int, every: int, rounds: int, forget_templates: bool = False) -> list[FormatCost]:
    """The worker's CPU and the library floor per document, per format, on a sample of a built corpus."""
    jobs = sample_jobs(data, sample, every)
    total = sum(len(batch) for batch in jobs.values())
    costs = []
    for fmt, batch in sorted(jobs.items()):
        cpu = cpu_per_document(batch, rounds, forget_templates)
        floor = library_floor(fmt, batch, rounds)
        costs.append(FormatCost(fmt, len(batch), len(batch) / total, cpu * 1000, floor and floor * 1000))
    return costs


def per_report(costs: list[FormatCost]) -> tuple[float, float]:
    """(worker CPU, library floor) per report built, in ms: each format weighted by its share."""
    return (sum(c.share * c.cpu_ms for c in costs), sum(c.share * (c.floor_ms or 0.0) for c in costs))


def main() -> None:
    use_mimalloc()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="data directory of a built corpus")
    parser.add_argument("--sample", type=int, default=2000, help="documents sampled at most")
    parser.add_argument("--every", type=int, default=50, help="sample every Nth archived record")
    parser.add_argument("--rounds", type=int, default=3, help="passes over the sample; the best is printed")
    parser.add_argument("--forget-templates", action="store_true", help="DOCX without remembered list definitions")
    args = parser.parse_args()
    if not (args.data / "corpus.db").is_file():
        raise SystemExit(f"{args.data}: no corpus.db (give the data directory of a built corpus)")
    costs = measure(args.data, args.sample, args.every, args.rounds, args.forget_templates)
    if not costs:
        raise SystemExit(f"{args.data}: no built reports to sample (build the corpus first)")
    print(
        f"{'format':8} {'documents':>9} {'share':>6} {'ms CPU/doc':>11} {'ms per report built':>19}"
        f" {'library floor ms/doc':>20} {'ours ms/doc':>11}"
    )
    for c in costs:
        floor = f"{'—':>20}" if c.floor_ms is None else f"{c.floor_ms:20.2f}"  # a converter's format: all ours
        print(
            f"{c.fmt:8} {c.documents:9d} {c.share:6.1%} {c.cpu_ms:11.2f} {c.share * c.cpu_ms:19.2f}"
            f" {floor} {c.ours_ms:11.2f}"
        )
    cpu, floor = per_report(costs)
    print(
        f"{'all':8} {sum(c.documents for c in costs):9d} {1:6.0%} {cpu:11.2f} {cpu:19.2f} {floor:20.2f}"
        f" {cpu - floor:11.2f}"
    )


if __name__ == "__main__":
    main()
