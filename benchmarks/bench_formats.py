"""How many PDF and DOCX reports per second ``parsers.parse`` reads, on one core.

    .venv/bin/python benchmarks/bench_formats.py [--seconds 3]

Inputs are the committed fixtures of ``tests/fixtures/formats/``: the five seed reports printed by
LibreOffice (3–4 pages), the 5-page 2021 report with merged cells and a table over three page
breaks, and a 6-page PDF made from it by appending one page of a seed (so that the figure is for
~6-page reports, as in the target of ≥ 50 PDF reports/s).  Rates are per second of this process's
CPU time, so that other jobs on a shared machine do not halve them.  "parse" is bytes → Report (format
reader + report interpreter); "reader" is bytes → Document alone.  pdfplumber's text extraction of
the same 6-page PDF is printed for comparison when it is installed, and so is the floor set by
pypdfium2 itself (plain text of every page, no boxes, no tables) — on a busy machine the ratios
to these two are the figures that carry over.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pypdfium2 as pdfium  # noqa: E402
from cpu_rate import batch_rates  # noqa: E402

import parsers  # noqa: E402
from parsers.formats import docx, pdf  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "formats"


def six_page_pdf() -> bytes:
    report = pdfium.PdfDocument(str(FIXTURES / "report_2021.pdf"))
    seed = pdfium.PdfDocument(str(FIXTURES / "seeds" / "000_5101592a4cecb7a5.pdf"))
    report.import_pages(seed, [0])
    buffer = io.BytesIO()
    report.save(buffer)
    return buffer.getvalue()


def rate(files: list[tuple[str, bytes]], work, seconds: float) -> str:
    """Documents per CPU second of this process (robust when other jobs share the cores): the best
    of 7 batches, and the median batch in brackets."""

    def one_pass() -> int:
        for name, data in files:
            work(name, data)
        return len(files)

    work(*files[0])  # warm-up: imports, first-call caches
    best, median, _wall = batch_rates(one_pass, seconds)
    return f"{best:6.1f} ({median:5.1f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="time spent on each measurement")
    seconds = parser.parse_args().seconds
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core

    six = six_page_pdf()
    seeds = sorted((FIXTURES / "seeds").glob("*.pdf"))
    pdf_sets = {
        "6-page PDF (2021 report + 1 page)": [("six.pdf", six)],
        "5-page PDF, table over 3 page breaks": [("report_2021.pdf", (FIXTURES / "report_2021.pdf").read_bytes())],
        "seed PDFs (3-4 pages)": [(p.name, p.read_bytes()) for p in seeds],
    }
    docx_sets = {
        "2021 report DOCX (merged cells)": [("report_2021.docx", (FIXTURES / "report_2021.docx").read_bytes())],
        "seed DOCX": [(p.name, p.read_bytes()) for p in sorted((FIXTURES / "seeds").glob("*.docx"))],
    }

    def parse(name: str, data: bytes) -> None:
        parsers.parse(data, filename=name)

    print(f"one core, {seconds:.0f} s per figure in 7 batches: best batch (median batch) per CPU second; "
          f"load average {os.getloadavg()[0]:.1f}")
    for label, files in pdf_sets.items():
        pages = sum(len(pdfium.PdfDocument(data)) for _, data in files) / len(files)
        print(f"PDF  {label:40s} {pages:4.1f} pages  parse {rate(files, parse, seconds)} reports/s  "
              f"reader {rate(files, lambda n, d: pdf.read(d), seconds)} docs/s")
    def bare_text(name: str, data: bytes) -> None:
        document = pdfium.PdfDocument(data)
        for page in document:
            page.get_textpage().get_text_range()
        document.close()

    print(f"     floor: pypdfium2 plain text of the 6-page PDF, nothing else     "
          f"{rate([('six.pdf', six)], bare_text, seconds)} docs/s")
    for label, files in docx_sets.items():
        print(f"DOCX {label:40s}             parse {rate(files, parse, seconds)} reports/s  "
              f"reader {rate(files, lambda n, d: docx.read(d), seconds)} docs/s")
    try:
        import pdfplumber
    except ImportError:
        print("pdfplumber not installed: no comparison")
        return

    def plumber(name: str, data: bytes) -> None:
        with pdfplumber.open(io.BytesIO(data)) as document:
            for page in document.pages:
                page.extract_text()
                page.extract_tables()

    print(f"pdfplumber text+tables, 6-page PDF: {rate([('six.pdf', six)], plumber, seconds)} docs/s")


if __name__ == "__main__":
    main()
