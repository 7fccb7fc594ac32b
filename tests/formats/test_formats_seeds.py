"""Each seed report, turned into PDF, DOCX and DOC by LibreOffice, parses to the cells of its text form.

The PDF/DOCX/DOC files were made by ``tests/formats/make_fixtures.py`` from HTML that renders the
text reader's grids one ``<td>`` per cell.  Cell texts are compared with whitespace removed: a PDF
does not record the space at which a line wrapped inside a cell.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import html

import parsers
from archive.convert import parse_with_conversions
from parsers.formats import docx, pdf
from parsers.model import Grid, Report

SEEDS = sorted(p.stem for p in (Path(__file__).resolve().parents[1] / "fixtures" / "seeds").glob("*.txt"))


def squeeze(text: str) -> str:
    return "".join(text.split())


def canonical(report: Report) -> dict:
    def values(cells):
        return {key: (value.value, value.raw) for key, value in cells.items()}

    return {
        "status": report.status,
        "template": report.template,
        "year": report.year,
        "agency": report.agency,
        "disclosure": [(c.item, c.category, c.metric, c.value.value, c.value.raw) for c in report.active_disclosure],
        "applications": [(r.row_key, squeeze(r.row_label), values(r.cells)) for r in report.applications],
        "review": [(r.proceeding, values(r.cells)) for r in report.review_litigation],
        "violations": [(v.rule, v.location, v.expected, v.actual) for v in report.violations],
    }


def html_grids(path: Path) -> list[list[list[str]]]:
    root = html.fromstring(path.read_bytes())
    return [[[squeeze(td.text_content()) for td in tr.findall("td")] for tr in table.findall("tr")]
            for table in root.iter("table")]


def document_grids(document) -> list[list[list[str]]]:
    return [[[squeeze(cell.text) for cell in row] for row in block.rows]
            for block in document.blocks if isinstance(block, Grid)]


@pytest.fixture(scope="module")
def text_reports(seeds_dir: Path) -> dict[str, Report]:
    return {seed: parsers.parse((seeds_dir / f"{seed}.txt").read_bytes(), filename=f"{seed}.txt") for seed in SEEDS}


def test_the_seed_reports_are_read_with_their_tables(text_reports):
    for seed, report in text_reports.items():
        assert report.applications and report.review_litigation and report.active_disclosure, seed


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("reader", [pdf, docx], ids=["pdf", "docx"])
def test_pdf_and_docx_grids_are_the_html_tables_cell_for_cell(formats_dir, seed, reader):
    extension = reader.__name__.rsplit(".", 1)[1]
    document = reader.read((formats_dir / "seeds" / f"{seed}.{extension}").read_bytes())
    assert document.status is None, document.status_detail
    assert document_grids(document) == html_grids(formats_dir / "seeds" / f"{seed}.html")


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("extension", ["pdf", "docx"])
def test_pdf_and_docx_parse_to_the_same_report_as_the_text(formats_dir, text_reports, seed, extension):
    path = formats_dir / "seeds" / f"{seed}.{extension}"
    report = parsers.parse(path.read_bytes(), filename=path.name)
    assert report.format == extension
    assert canonical(report) == canonical(text_reports[seed])


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_doc_converted_by_libreoffice_parses_to_the_same_report_as_the_text(formats_dir, text_reports, seed):
    report = parse_with_conversions((formats_dir / "seeds" / f"{seed}.doc").read_bytes(), filename=f"{seed}.doc")
    assert report.format == "doc"
    assert any("LibreOffice" in note for note in report.notes)
    assert canonical(report) == canonical(text_reports[seed])


@pytest.mark.parametrize("extension, pattern", [
    ("pdf", r"pdf page \d+ x=\d+ y=\d+"),
    ("docx", r"docx table \d+ row \d+ col \d+"),
])
def test_every_number_says_where_it_was_read(formats_dir, extension, pattern):
    for seed in SEEDS:
        report = parsers.parse((formats_dir / "seeds" / f"{seed}.{extension}").read_bytes(), filename=f"x.{extension}")
        values = [c.value for c in report.active_disclosure]
        values += [v for row in report.applications + report.review_litigation for v in row.cells.values()]
        assert values
        for value in values:
            assert re.fullmatch(pattern, value.source), (seed, value)
