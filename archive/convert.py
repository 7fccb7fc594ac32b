"""Parse a document, converting it first when the pure parsers cannot read it as it is.

The parsers are pure (no subprocess, no disk), so two kinds of documents come back from them
unread:

* ``needs_converter`` — DOC and WPS files.  LibreOffice (``soffice --headless``) converts them
  to DOCX in a private temporary directory, with a user profile of its own per call so that
  parallel conversions never share (and lock) one profile; the DOCX is then parsed.
* ``needs_ocr`` — PDFs without a text layer and images.  ``pdftoppm`` renders the pages, their
  table rules are found and painted out, ``tesseract -l chi_sim`` reads the words, and the words
  are laid out on the rules like a PDF's text (:mod:`parsers.formats.ocr`); an image's text goes
  through the text reader.  Every cell and number that came out of OCR is marked as such.

When a tool is not installed the report keeps its status (``needs_converter`` / ``needs_ocr``)
with a message naming the missing program, so the document can be re-parsed once it is.
Every subprocess runs in its own process group with a timeout and is killed, children and
all, when the timeout passes.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from parsers import UnsupportedFormat, parse_report, read_document
from parsers.formats.ocr import OcrPage, document_from_pages, find_rules
from parsers.model import Document, Grid, Report, Status, Value

#: Seconds one LibreOffice conversion may take (the first start of a fresh profile costs ~3 s).
CONVERT_TIMEOUT = 120
#: Seconds OCR of one page may take.
OCR_PAGE_TIMEOUT = 120
#: Pages of a scanned PDF that are OCRed; the annual reports are 5–15 pages long.
OCR_MAX_PAGES = 30
#: Rendering resolution for OCR: tesseract reads 5-point CJK table text reliably from 200 dpi.
OCR_DPI = 200


class ToolFailed(RuntimeError):
    """A converter ran but did not produce a usable file."""


def parse_with_conversions(
    data: bytes,
    *,
    filename: str | None = None,
    content_type: str | None = None,
    url: str | None = None,
    tools_path: str | None = None,
    region_hint: str | None = None,
    html_tree=None,
) -> Report:
    """Parse ``data`` like :func:`parsers.parse`, converting DOC/WPS and OCRing scans where the tools exist.

    ``tools_path`` is the ``PATH`` searched for ``soffice``, ``pdftoppm`` and ``tesseract``
    (default: the process ``PATH``); pass a directory without them to get the status a machine
    without LibreOffice or tesseract records.  ``region_hint`` is the 6-digit division code of the
    portal the document came from (see :func:`parsers.report.parse_report`).  ``html_tree``: the
    tree :func:`parsers.cms.article.read_article_page` returned for a page, read instead of parsing
    the page again (see :func:`parsers.formats.read_document`).  Never raises for bad input.
    """
    name = filename or url or "document"
    try:
        document = read_document(data, filename=filename, content_type=content_type, html_tree=html_tree)
    except UnsupportedFormat as exc:
        return Report(status=Status.ERROR, status_detail=f"{name}: {exc}")
    except MemoryError:
        raise  # archive.parallel turns it into "needed more than the memory limit" and a fresh worker
    except Exception as exc:  # a reader crashing on a hostile file must not stop an import
        return Report(status=Status.ERROR, status_detail=f"{name}: reader failed: {type(exc).__name__}: {exc}")

    if document.status == Status.NEEDS_CONVERTER:
        return _convert_and_parse(
            document, data, filename=filename, url=url, tools_path=tools_path, region_hint=region_hint
        )
    if document.status == Status.NEEDS_OCR:
        return _ocr_and_parse(
            document, data, filename=filename, url=url, tools_path=tools_path, region_hint=region_hint
        )
    return parse_report(document, url=url, filename=filename, region_hint=region_hint)


def _unread(document: Document, detail: str) -> Report:
    return Report(status=document.status or Status.ERROR, status_detail=detail, format=document.format)


def _convert_and_parse(
    document: Document,
    data: bytes,
    *,
    filename: str | None,
    url: str | None,
    tools_path: str | None,
    region_hint: str | None = None,
) -> Report:
    soffice = shutil.which("soffice", path=tools_path) or shutil.which("libreoffice", path=tools_path)
    if soffice is None:
        return _unread(
            document,
            f"{document.status_detail}; LibreOffice (soffice) is not installed "
            "(Debian: libreoffice-writer-nogui) — re-parse once it is",
        )
    try:
        docx_bytes = convert_to_docx(data, fmt=document.format, soffice=soffice)
    except ToolFailed as exc:
        return Report(status=Status.ERROR, status_detail=f"{filename or url or 'document'}: {exc}",
                      format=document.format)
    try:
        converted = read_document(docx_bytes, filename="converted.docx")
    except Exception as exc:
        return Report(status=Status.ERROR, format=document.format,
                      status_detail=f"LibreOffice's DOCX of this {document.format.upper()} is unreadable: {exc}")
    converted.format = document.format
    converted.warnings.append(f"converted from {document.format.upper()} to DOCX with LibreOffice")
    report = parse_report(converted, url=url, filename=filename, region_hint=region_hint)
    report.format = document.format
    return report


def convert_to_docx(data: bytes, *, fmt: str, soffice: str, timeout: float = CONVERT_TIMEOUT) -> bytes:
    """Convert a DOC/WPS/RTF file to DOCX with LibreOffice; raise :class:`ToolFailed` if it cannot."""
    with tempfile.TemporaryDirectory(prefix="xxgknb-soffice-") as tmp:
        work = Path(tmp)
        # Kingsoft WPS files are Word-binary compatible and RTF is detected by content, so one
        # extension serves all; LibreOffice picks its import filter from the bytes.
        source = work / "input.doc"
        source.write_bytes(data)
        out = work / "out"
        command = [
            soffice,
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--headless", "--norestore", "--nologo", "--nodefault", "--nolockcheck",
            "--convert-to", "docx:MS Word 2007 XML",
            "--outdir", str(out), str(source),
        ]
        _run(command, timeout=timeout, what="LibreOffice conversion to DOCX")
        result = out / "input.docx"
        if not result.exists() or result.stat().st_size == 0:
            raise ToolFailed(f"LibreOffice could not convert this {fmt.upper()} file to DOCX")
        return result.read_bytes()


def _run(command: list[str], *, timeout: float, what: str) -> subprocess.CompletedProcess[bytes]:
    """Run ``command`` in its own process group; kill the whole group when ``timeout`` passes."""
    env = {**os.environ, "HOME": os.environ.get("HOME", tempfile.gettempdir()), "LC_ALL": "C.UTF-8"}
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
        start_new_session=True, env=env,
    ) as process:
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise ToolFailed(f"{what} took longer than {timeout:.0f} s and was killed") from None
    if process.returncode != 0:
        message = stderr.decode("utf-8", "replace").strip().splitlines()
        raise ToolFailed(f"{what} failed (exit {process.returncode}): {message[-1] if message else 'no message'}")
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def _ocr_and_parse(
    document: Document,
    data: bytes,
    *,
    filename: str | None,
    url: str | None,
    tools_path: str | None,
    region_hint: str | None = None,
) -> Report:
    if document.format not in ("pdf", "image"):
        return _unread(document, f"{document.status_detail}; OCR of {document.format.upper()} scans is not supported")
    tesseract = shutil.which("tesseract", path=tools_path)
    pdftoppm = shutil.which("pdftoppm", path=tools_path)
    if tesseract is None or (document.format == "pdf" and pdftoppm is None):
        missing = "tesseract" if tesseract is None else "pdftoppm (poppler-utils)"
        return _unread(document, f"{document.status_detail}; {missing} is not installed — re-parse once it is")
    try:
        if document.format == "pdf":
            ocr_document = ocr_pdf(data, tesseract=tesseract, pdftoppm=pdftoppm)
        else:
            text = ocr_image_text(data, tesseract=tesseract)
            ocr_document = mark_as_ocr(read_document(text.encode("utf-8"), filename="ocr.txt"))
    except (ToolFailed, ValueError) as exc:
        return _unread(document, f"{document.status_detail}; OCR failed: {exc}")
    if not ocr_document.text.strip():
        return _unread(document, f"{document.status_detail}; OCR found no text")
    ocr_document.format = document.format
    ocr_document.warnings.append(
        "no text layer: text and every number were read by OCR (tesseract chi_sim); check them against the image"
    )
    report = parse_report(ocr_document, url=url, filename=filename, region_hint=region_hint)
    report = mark_report_as_ocr(report)
    report.format = document.format
    return report


_PGM_HEADER = re.compile(rb"P5\s+(\d+)\s+(\d+)\s+255\s")


def ocr_pdf(data: bytes, *, tesseract: str, pdftoppm: str) -> Document:
    """OCR a scanned PDF page by page (up to :data:`OCR_MAX_PAGES`), keeping its ruled tables.

    Each page is rendered to grayscale, its table rules are found and painted out
    (:func:`parsers.formats.ocr.find_rules`) so that tesseract reads the cells rather than the
    lines, and tesseract's word boxes are laid out on the rules like a PDF's text.
    """
    with tempfile.TemporaryDirectory(prefix="xxgknb-ocr-") as tmp:
        work = Path(tmp)
        source = work / "input.pdf"
        source.write_bytes(data)
        _run([pdftoppm, "-r", str(OCR_DPI), "-gray", "-l", str(OCR_MAX_PAGES), str(source), str(work / "page")],
             timeout=OCR_PAGE_TIMEOUT * 2, what="pdftoppm")
        pages = []
        for image in sorted(work.glob("page*.pgm")):
            raw = image.read_bytes()
            header = _PGM_HEADER.match(raw)
            if header is None:
                raise ToolFailed(f"pdftoppm wrote an unexpected image {image.name}")
            width, height = int(header[1]), int(header[2])
            rules, cleaned = find_rules(raw[header.end():], width, height, OCR_DPI)
            image.write_bytes(header.group(0) + cleaned)
            result = _run([tesseract, str(image), "-", "-l", "chi_sim", "--psm", "6", "tsv"],
                          timeout=OCR_PAGE_TIMEOUT, what="tesseract")
            pages.append(OcrPage(width, height, OCR_DPI, result.stdout.decode("utf-8", "replace"), rules))
        return document_from_pages(pages, fmt="pdf")


def ocr_image_text(data: bytes, *, tesseract: str) -> str:
    """OCR an image file; return the text (tesseract decodes the image format itself)."""
    with tempfile.TemporaryDirectory(prefix="xxgknb-ocr-") as tmp:
        image = Path(tmp) / "input.img"
        image.write_bytes(data)
        # --psm 6 reads the page as one block of lines, which keeps a table row on one line.
        result = _run([tesseract, str(image), "-", "-l", "chi_sim", "--psm", "6"],
                      timeout=OCR_PAGE_TIMEOUT, what="tesseract")
        return result.stdout.decode("utf-8", "replace")


def mark_as_ocr(document: Document) -> Document:
    """The same document with every table cell flagged as read by OCR."""
    for block in document.blocks:
        if isinstance(block, Grid):
            block.rows = [[dataclasses.replace(cell, ocr=True) for cell in row] for row in block.rows]
    return document


def _ocr_value(value: Value) -> Value:
    return dataclasses.replace(value, ocr=True)


def mark_report_as_ocr(report: Report) -> Report:
    """Flag every number of the report as read by OCR (whatever the interpreter kept of the cell flags)."""
    for cell in report.active_disclosure:
        cell.value = _ocr_value(cell.value)
    for row in report.applications:
        row.cells = {key: _ocr_value(value) for key, value in row.cells.items()}
    for row in report.review_litigation:
        row.cells = {key: _ocr_value(value) for key, value in row.cells.items()}
    return report


__all__ = ["ToolFailed", "convert_to_docx", "ocr_image_text", "ocr_pdf", "parse_with_conversions"]
