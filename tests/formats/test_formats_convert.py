"""archive.convert with the real tools: LibreOffice for DOC/WPS, pdftoppm + tesseract for scans.

"Not installed" is tested for real by searching the tools in a directory that does not hold them.
"""

from __future__ import annotations

import shutil

import pytest

import parsers
from archive.convert import ToolFailed, convert_to_docx, parse_with_conversions


def test_doc_without_libreoffice_is_needs_converter_with_a_clear_message(formats_dir, tmp_path):
    data = (formats_dir / "report_2021.doc").read_bytes()
    assert parsers.parse(data, filename="r.doc").status == "needs_converter"
    report = parse_with_conversions(data, filename="r.doc", tools_path=str(tmp_path))
    assert report.status == "needs_converter"
    assert "LibreOffice (soffice) is not installed" in report.status_detail
    assert report.format == "doc"


def test_wps_without_libreoffice_is_needs_converter(formats_dir, tmp_path):
    report = parse_with_conversions((formats_dir / "report_2021.doc").read_bytes(), filename="报告.wps",
                                    tools_path=str(tmp_path))
    assert report.status == "needs_converter" and "WPS" in report.status_detail


def test_a_conversion_over_its_time_limit_is_killed(formats_dir):
    with pytest.raises(ToolFailed, match="took longer than"):
        convert_to_docx((formats_dir / "report_2021.doc").read_bytes(), fmt="doc", soffice=shutil.which("soffice"),
                        timeout=0.2)


def test_a_file_libreoffice_cannot_read_is_an_error():
    report = parse_with_conversions(b"{\\rtf1 unterminated", filename="x.doc")
    assert report.status in ("error", "not_a_report")
    assert report.status_detail


@pytest.mark.parametrize("name", ["scan.pdf", "scan.jpg"])
def test_scans_without_tesseract_are_needs_ocr(formats_dir, tmp_path, name):
    data = (formats_dir / name).read_bytes()
    assert parsers.parse(data, filename=name).status == "needs_ocr"
    report = parse_with_conversions(data, filename=name, tools_path=str(tmp_path))
    assert report.status == "needs_ocr"
    assert "tesseract is not installed" in report.status_detail
    assert not report.applications and not report.active_disclosure


@pytest.mark.slow
def test_scan_is_read_by_ocr_with_its_tables_and_every_number_is_marked(formats_dir):
    report = parse_with_conversions((formats_dir / "scan.pdf").read_bytes(), filename="scan.pdf")
    assert report.status not in ("needs_ocr", "error"), report.status_detail
    assert any("OCR" in note for note in report.notes)
    assert "收到和处理政府信息公开申请情况" in report.text
    values = [c.value for c in report.active_disclosure]
    values += [v for row in report.applications + report.review_litigation for v in row.cells.values()]
    assert len(values) > 40  # the scanned page holds two ruled tables: rules found, cells read
    assert all(value.ocr for value in values)
    assert all(value.source.startswith("pdf page 1 ") for value in values)
    licensing = [c.value.raw for c in report.active_disclosure if c.category == "licensing"]
    assert licensing == ["1520"]
