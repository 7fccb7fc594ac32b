"""The synthetic benchmark corpus is real: every layout parses to the numbers it was drawn with,
re-stamped PDF/DOCX copies stay valid documents, and ``xxgknb build`` ingests its WARC files."""

from __future__ import annotations

import dataclasses
import importlib.util
import io
import random
import sqlite3
import subprocess
import sys
from pathlib import Path

import pypdfium2
import pytest

from parsers import parse

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("synth", ROOT / "benchmarks" / "synth.py")
synth = importlib.util.module_from_spec(_spec)
sys.modules["synth"] = synth
_spec.loader.exec_module(synth)

REGIONS = synth.load_regions()
PORTAL_CODES = sorted(REGIONS[0])
TABLE_LAYOUTS = [(fmt, layout) for fmt, layout in synth.LAYOUTS if fmt in ("html", "text") and "prose" not in layout]


def _planned(index: int, fmt: str, layout: str, template: str):
    planned = synth.plan_report(index, 5, PORTAL_CODES, *REGIONS)
    year = 2022 if template == "2021" else 2020
    return dataclasses.replace(planned, fmt=fmt, layout=layout, template=template, year=year,
                               published=planned.published.replace(year=year + 1))


def _cells(report) -> dict:
    cells = {(row.row_key, col): value.value for row in report.applications for col, value in row.cells.items()}
    cells.update({(row.proceeding, col): value.value for row in report.review_litigation
                  for col, value in row.cells.items()})
    return cells


def _expected(numbers) -> dict:
    cells = {(key, col): value for key, row in numbers.applications.items() for col, value in row.items()}
    cells.update({(p, col): value for p, row in numbers.review_litigation.items() for col, value in row.items()})
    return cells


@pytest.mark.parametrize("template", ["2019", "2021"])
@pytest.mark.parametrize(("fmt", "layout"), TABLE_LAYOUTS)
def test_every_layout_parses_to_the_drawn_numbers(fmt, layout, template):
    for index in (11, 12, 13):  # index 13 is GBK for HTML; index 13 % 4 == 1 is GBK/CRLF text
        planned = _planned(index, fmt, layout, template)
        render = synth.render_html if fmt == "html" else synth.render_text
        body, content_type = render(planned, random.Random(f"t:{index}"))
        expected = synth.report_text(planned, random.Random(f"t:{index}")).numbers
        report = parse(body, filename=planned.url.rsplit("/", 1)[-1], content_type=content_type, url=planned.url)
        assert report.template == template, (layout, index, report.status_detail)
        assert report.year == planned.year
        assert _cells(report) == _expected(expected), (layout, index)


def test_prose_report_before_2019_is_unstructured():
    planned = _planned(21, "html", "prose-pre2019", "unstructured")
    planned = dataclasses.replace(planned, year=2015, published=planned.published.replace(year=2016))
    body, content_type = synth.render_html(planned, random.Random("prose"))
    report = parse(body, filename="t.html", content_type=content_type)
    assert report.template == "unstructured"
    assert report.year == 2015


def test_restamped_pdf_and_docx_are_valid_and_distinct():
    pdf = (ROOT / "tests" / "fixtures" / "formats" / "report_2021.pdf").read_bytes()
    docx = (ROOT / "tests" / "fixtures" / "formats" / "report_2021.docx").read_bytes()
    original = parse(pdf, filename="r.pdf")
    copies = [_planned(i, "pdf", "libreoffice", "2021") for i in (31, 32)]
    stamped = [synth.restamp_pdf(pdf, p) for p in copies]
    assert stamped[0] != stamped[1]
    for planned, data in zip(copies, stamped, strict=True):
        document = pypdfium2.PdfDocument(data)
        assert document.get_metadata_dict()["Title"] == planned.title
        assert len(document) == len(pypdfium2.PdfDocument(pdf))
        again = parse(data, filename="r.pdf")
        assert _cells(again) == _cells(original)
    docx_copy = synth.restamp_docx(docx, copies[0])
    import docx as python_docx

    assert python_docx.Document(io.BytesIO(docx_copy)).core_properties.title == copies[0].title
    assert _cells(parse(docx_copy, filename="r.docx")) == _cells(parse(docx, filename="r.docx"))


@pytest.mark.slow
def test_build_ingests_the_synthetic_warc(tmp_path):
    data = tmp_path / "data"
    generated = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "synth.py"), "--size", "60", "--out",
                                str(data), "--pdf-pool", "4"], capture_output=True, text=True, timeout=170)
    assert generated.returncode == 0, generated.stderr[-3000:]
    # the console script, as users run it: restarted on mimalloc, which CI installs (xxgknb.allocator)
    built = subprocess.run([Path(sys.executable).with_name("xxgknb"), "build", "--data", str(data), "-q"],
                           capture_output=True, text=True, timeout=170)
    assert built.returncode == 0, built.stderr[-3000:]
    assert "malloc: mimalloc)" in built.stdout
    db = sqlite3.connect(data / "corpus.db")
    try:
        reports = db.execute("SELECT count(*) FROM reports").fetchone()[0]
        rejected = db.execute("SELECT url, reason FROM rejected_documents").fetchall()
        formats = {row[0] for row in db.execute("SELECT DISTINCT format FROM reports")}
        gone = db.execute("SELECT count(*) FROM reports WHERE gone").fetchone()[0]
    finally:
        db.close()
    assert rejected == []
    assert reports == 60
    assert formats >= {"html", "pdf"}
    assert gone == 0

    # the worker benchmark reads every report back and times its libraries' share of it
    command = [sys.executable, str(ROOT / "benchmarks" / "bench_build_worker.py"), "--data", str(data),
               "--every", "1", "--rounds", "1"]
    benchmark = subprocess.run(command, capture_output=True, text=True, timeout=170)
    assert benchmark.returncode == 0, benchmark.stderr[-3000:]
    table = {line.split()[0]: line.split()[1:] for line in benchmark.stdout.splitlines()[1:]}
    assert set(table) == formats | {"all"}
    assert sum(int(row[0]) for fmt, row in table.items() if fmt != "all") == int(table["all"][0]) == reports
    for fmt in formats & {"html", "pdf", "docx", "text"}:
        cpu, floor, ours = float(table[fmt][2]), float(table[fmt][4]), float(table[fmt][5])
        assert cpu > 0 and floor > 0
        assert ours == pytest.approx(cpu - floor, abs=0.011)

    # an archive gathered with symlinks to WARC files kept elsewhere builds the same corpus
    linked = tmp_path / "linked"
    (linked / "warc").mkdir(parents=True)
    for warc_file in (data / "warc").rglob("*.warc.gz"):
        (linked / "warc" / warc_file.name).symlink_to(warc_file)
    built = subprocess.run([sys.executable, "-c", "from xxgknb.cli import cli; cli()", "build", "--data", str(linked),
                            "-q"], capture_output=True, text=True, timeout=170)
    assert built.returncode == 0, built.stderr[-3000:]
    linked_db = sqlite3.connect(linked / "corpus.db")
    try:
        assert linked_db.execute("SELECT count(*) FROM reports").fetchone()[0] == 60
    finally:
        linked_db.close()


def _embedded_font_names(pdf: bytes) -> set[str]:
    """Base names of the fonts a PDF embeds, without the subset tag (``BAAAAA+UMingCN`` → ``UMingCN``)."""
    import re

    return {name.decode() for name in re.findall(rb"/FontName\s*/[A-Z]{6}\+([\w-]+)", pdf)}


#: PostScript name (the start of it) a font family is embedded under
POSTSCRIPT_NAMES = {
    "AR PL UMing CN": "UMingCN",
    "WenQuanYi Zen Hei": "WenQuanYiZenHei",
    "Noto Sans CJK SC": "NotoSansCJK",
}


def test_pool_pdfs_embed_the_chosen_east_asian_fonts():
    from xxgknb.sample_portal import generate

    planned = synth._pool_plans(1, 3, PORTAL_CODES, *REGIONS)[0]
    docx = generate.report_docx(synth.report_text(planned, random.Random("fonts")))
    for body, heading in synth.PDF_FONTS:
        typeset = synth.with_east_asian_fonts(docx, body, heading)
        pdf = generate.docx_to_pdf({"r": typeset})["r"]
        names = _embedded_font_names(pdf)
        for family in {body, heading}:
            assert any(name.startswith(POSTSCRIPT_NAMES[family]) for name in names), (family, names)
        others = set(POSTSCRIPT_NAMES.values()) - {POSTSCRIPT_NAMES[body], POSTSCRIPT_NAMES[heading]}
        assert not any(name.startswith(other) for name in names for other in others), names
        # the text the reader gets does not depend on the font
        assert _cells(parse(pdf, filename="r.pdf")) == _cells(parse(docx, filename="r.docx"))


def test_a_missing_pool_font_stops_the_generator_before_rendering(monkeypatch):
    monkeypatch.setattr(synth, "PDF_FONTS", {("No Such Font 仿宋", "Noto Sans CJK SC"): 1})
    monkeypatch.setitem(synth.FONT_PACKAGES, "No Such Font 仿宋", "fonts-no-such")
    with pytest.raises(SystemExit, match=r"No Such Font 仿宋.*apt install fonts-no-such"):
        synth.check_fonts()


def test_a_pdf_or_docx_copy_takes_a_pool_entry_of_its_own_year():
    """Else its statistics would be of another year than its title: a rule-5 issue on every copy."""
    pool = [(2020, b"docx 2020", b"pdf 2020"),
            (2022, b"docx 2022 a", b"pdf 2022 a"), (2022, b"docx 2022 b", b"pdf 2022 b")]
    synth._init_worker(pool, ())
    try:
        for index in range(40):
            planned = dataclasses.replace(_planned(index, "pdf", "pdf", "new"), year=2022)
            assert synth._pool_copy(planned) in {(b"docx 2022 a", b"pdf 2022 a"), (b"docx 2022 b", b"pdf 2022 b")}
        copies = {synth._pool_copy(dataclasses.replace(_planned(index, "pdf", "pdf", "new"), year=2021))
                  for index in range(40)}
        assert copies == {(docx, pdf) for _, docx, pdf in pool}  # no entry of 2021: any entry
    finally:
        synth._init_worker([], ())
