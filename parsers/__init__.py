"""Pure parsers: bytes of a document in, a :class:`~parsers.model.Report` out.

Nothing in this package touches the network, the disk, the clock or a database, so every
parser is testable on a fixture file alone.  Converting DOC/WPS with LibreOffice and running
OCR need processes and files: ``archive.convert`` does that and hands the result back here.
"""

from __future__ import annotations

from parsers._compiled import use_compiled_modules_only_if_current

# Before any other submodule is imported: a compiled module older than its .py must not run.
use_compiled_modules_only_if_current()

from parsers.formats import UnsupportedFormat, read_document, sniff_format  # noqa: E402
from parsers.model import Document, Report, Status  # noqa: E402
from parsers.report import parse_report  # noqa: E402

__all__ = [
    "Document",
    "Report",
    "Status",
    "UnsupportedFormat",
    "parse",
    "parse_report",
    "read_document",
    "sniff_format",
]


def parse(
    data: bytes,
    *,
    filename: str | None = None,
    content_type: str | None = None,
    url: str | None = None,
    region_hint: str | None = None,
) -> Report:
    """Parse one document.  Never raises for bad input: the report's status says what went wrong.

    ``region_hint`` is the 6-digit division code of the portal the document came from, if known.
    """
    try:
        document = read_document(data, filename=filename, content_type=content_type)
    except UnsupportedFormat as exc:
        return Report(status=Status.ERROR, status_detail=str(exc))
    return parse_report(document, url=url, filename=filename, region_hint=region_hint)
