"""Find and serve the archived bytes of a report, safely.

The crawler keeps every response in WARC files under the data directory and indexes them in
``warc_records``.  A report's archived copy is the 2xx response for its URL whose payload has the
report's ``sha256``.  Content of
reports is untrusted: it is served as ``text/plain`` (or as a download for binary formats), with
``nosniff`` and a sandboxing CSP, and only from WARC files below the configured archive root, so
no database row can make the server read any other file.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from archive import warc
from archive.schema import has_table

#: Formats a browser may show inline as text; everything else is offered as a download.
_TEXT_FORMATS = {"html", "text", "txt", "xml", "htm"}
_DOWNLOAD_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "doc": "application/msword",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "xls": "application/vnd.ms-excel",
}


@dataclass
class ArchivedCopy:
    """Where the archived bytes of a report are, or why there are none."""

    available: bool
    reason: str = ""
    warc_file: str | None = None
    """Path of the WARC file relative to the archive root (the data directory)."""
    offset: int | None = None
    format: str | None = None
    content_type: str | None = None
    fetched_at: str | None = None


def locate(conn: sqlite3.Connection, report_id: str, archive_root: str | None) -> ArchivedCopy | None:
    """The archived copy of ``report_id``; ``None`` if the report does not exist."""
    report = conn.execute("select url, final_url, sha256, format from reports where id = ?", [report_id]).fetchone()
    if report is None:
        return None
    url, final_url, sha256, fmt = report
    if not has_table(conn, "warc_records"):
        return ArchivedCopy(False, "这个语料库没有 WARC 存档索引 / this corpus has no WARC archive index", format=fmt)
    row = conn.execute(
        "select warc_file, offset, content_type, fetched_at from warc_records"
        " where url in (?, ?) and sha256 = ? and status between 200 and 299 order by fetched_at desc limit 1",
        [url, final_url or url, sha256],
    ).fetchone()
    if row is None:
        reason = "存档中没有这份报告的副本（例如由本地文件导入）/ no archived copy (e.g. imported from a file)"
        return ArchivedCopy(False, reason, format=fmt)
    copy = ArchivedCopy(True, warc_file=row[0], offset=int(row[1]), format=fmt, content_type=row[2], fetched_at=row[3])
    if not archive_root:
        return ArchivedCopy(False, "服务未配置存档目录 / the server has no archive directory configured", format=fmt)
    try:
        path = _resolve(copy, archive_root)
    except PermissionError as error:
        return ArchivedCopy(False, str(error), format=fmt)
    if not path.is_file():
        reason = f"存档文件不在此服务器上 / WARC file not on this server: {copy.warc_file}"
        return ArchivedCopy(False, reason, format=fmt)
    return copy


def _resolve(copy: ArchivedCopy, archive_root: str) -> Path:
    root = Path(archive_root).resolve()
    path = (root / str(copy.warc_file)).resolve()
    if not path.is_relative_to(root) or path.suffix not in (".gz", ".warc"):
        raise PermissionError(f"{copy.warc_file}: not a WARC file inside the archive directory")
    return path


def read_bytes(copy: ArchivedCopy, archive_root: str) -> bytes:
    """The payload of the archived response, ``Content-Encoding`` undone."""
    record = warc.read_record(_resolve(copy, archive_root), copy.offset or 0)
    if record is None:
        raise FileNotFoundError(f"{copy.warc_file}@{copy.offset}: no record")
    return record.payload


def safe_content_type(copy: ArchivedCopy) -> str:
    fmt = (copy.format or "").lower()
    if fmt in _DOWNLOAD_TYPES:
        return _DOWNLOAD_TYPES[fmt]
    if fmt in _TEXT_FORMATS or not fmt:
        declared = (copy.content_type or "").lower()
        charset = declared.split("charset=", 1)[1].split(";")[0].strip(" \"'") if "charset=" in declared else ""
        if not charset.replace("-", "").replace("_", "").isalnum():
            charset = "utf-8"
        return f"text/plain; charset={charset}"
    return "application/octet-stream"


def content_disposition(copy: ArchivedCopy, report_id: str) -> str:
    fmt = (copy.format or "").lower()
    if fmt in _TEXT_FORMATS or not fmt:
        return "inline"
    extension = fmt if fmt.isalnum() else "bin"
    return f'attachment; filename="{report_id}.{extension}"'
