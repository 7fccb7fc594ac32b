"""The report reader: a format-neutral :class:`~parsers.model.Document` in, a :class:`~parsers.model.Report` out.

Every format reader (text, HTML, PDF, DOCX, spreadsheets, OFD) ends here, so the rules for
finding tables, matching labels, reading metadata and checking consistency are written once.
"""

from __future__ import annotations

from parsers.model import Document, Grid, Report, Status, blocks_text
from parsers.regions import find_region
from parsers.report import metadata as meta
from parsers.report.classify import not_a_report_reason
from parsers.report.rules import check
from parsers.report.sections import read_sections
from parsers.report.tables import APPLICATIONS, DISCLOSURE, REVIEW, read_tables

__all__ = ["parse_report"]

_TABLE_NAMES = {
    DISCLOSURE: "active_disclosure (二)",
    APPLICATIONS: "applications (三)",
    REVIEW: "review_litigation (四)",
}


def parse_report(
    document: Document, *, url: str | None = None, filename: str | None = None, region_hint: str | None = None
) -> Report:
    """Read a report from ``document``.  Never raises for bad input: the status says what went wrong.

    ``region_hint``: 6-digit division code of the portal the document came from, when the caller
    knows it (the crawler's portal registry); it settles county names shared by several places.
    """
    try:
        return _parse(document, url=url, region_hint=region_hint)
    except MemoryError:
        raise  # archive.parallel turns it into "needed more than the memory limit" and a fresh worker
    except Exception as exc:  # a parser bug must not stop an import; the status names it
        return Report(
            status=Status.ERROR, status_detail=f"parser failure: {type(exc).__name__}: {exc}", format=document.format
        )


def _parse(document: Document, *, url: str | None, region_hint: str | None) -> Report:
    # Each grid's lines are made once, for the text and for the sections.
    row_lines = {id(block): block.lines() for block in document.blocks if isinstance(block, Grid)}
    text = blocks_text(document.blocks, lambda grid: row_lines[id(grid)])
    report = Report(status=Status.ERROR, format=document.format, text=text, metadata=dict(document.metadata))
    if document.status in (Status.ERROR, Status.NEEDS_OCR, Status.NEEDS_CONVERTER):
        report.status = document.status
        report.status_detail = document.status_detail
        return report
    report.title = meta.find_title(document)
    # the report phrases, year and agency are near the start; the patterns accept both widths
    plain_text = text[:30000]
    reason = not_a_report_reason(report.title, plain_text)
    if reason is not None:
        report.status, report.status_detail = Status.NOT_A_REPORT, reason
        return report

    report.year, title_year, period_year = meta.find_year(report.title, plain_text)
    report.agency = meta.find_agency(report.title, plain_text, document.metadata, meta.signature_lines(document))
    report.published = meta.find_published(document)
    report.region = find_region(report.agency or report.title, url, region_hint)
    if report.region.code is None and report.title:
        report.region = find_region(report.title + text[:300], url, region_hint)
    report.body_kind = meta.body_kind(report.agency)
    report.level = meta.level_of(report.agency, report.body_kind, report.region)
    report.sections = read_sections(document.blocks, row_lines)

    tables = read_tables(document.blocks, row_lines)
    report.active_disclosure = tables.active_disclosure
    report.applications = tables.applications
    report.review_litigation = tables.review_litigation
    report.notes.extend(document.warnings)
    report.notes.extend(tables.notes)

    if tables.found:
        votes = tables.template_votes
        report.template = "2019" if votes["2019"] > votes["2021"] else "2021"
        missing = [name for key, name in _TABLE_NAMES.items() if key not in tables.found]
        if missing:
            report.status = Status.PARTIAL
            report.status_detail = "table not found: " + ", ".join(missing)
            if document.images_in_body:
                report.status_detail += f" ({document.images_in_body} image(s) in the body may hold it)"
        else:
            report.status = Status.FULL
    else:
        report.template = "unstructured"
        if document.images_in_body:
            report.status = Status.TABLES_AS_IMAGES
            report.status_detail = (
                f"no table text; {document.images_in_body} image(s) in the body where tables should be"
            )
        else:
            report.status = Status.UNSTRUCTURED
            if "收到和处理政府信息公开申请情况" in plain_text or "第二十条第" in plain_text:
                # the 2019/2021 headings are there but the tables are not: a frame, an attachment …
                report.status_detail = "section headings of the 2019/2021 format but no table text"
            else:
                report.status_detail = "no statistics tables found (prose report)"
    report.violations = check(report, title_year=title_year, period_year=period_year)
    return report
