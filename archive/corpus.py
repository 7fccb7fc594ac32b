"""The corpus writer: the only module that writes the canonical tables of the SQLite corpus.

One call, :func:`write_report`, stores one parsed document under its source URL, inside a
transaction of its own or the caller's, so an importer can commit a whole batch at once and a
Ctrl-C rolls back to the last committed batch.  Either way a document leaves all its rows or
none: an error half-way through one, propagated or turned into a rejection, undoes its writes
(with a savepoint, or for a URL stored for the first time by deleting the rows it added).

What happens to a URL over time (``shared/spec/report-schema.md`` names the tables):

* **Same URL, same bytes, same parser** — nothing changes: the call returns ``unchanged``.
* **Same URL, same bytes, newer parser** — the rows are rebuilt in place (``reparsed``); the
  version number stays, because the document did not change.
* **Same URL, new bytes** — the current rows of every canonical table are serialised to
  ``report_versions.rows_json`` of the old version, then replaced; ``version`` goes up by one.
* **Not a report / unreadable** — a row in ``rejected_documents`` with the reason, never a row
  in ``reports``.  That includes ``needs_ocr`` / ``needs_converter`` documents (a scan or a DOC
  file on a machine without tesseract or LibreOffice), which are tried again on every run.
  If the URL held a report before, that report is *kept* as it was (its rows are the last good
  reading of the URL; a portal serving an error page for a while must not erase a report) and
  the rejected row points at it with ``report_id``.  Whether the report is
  gone is the crawler's call: :func:`mark_gone`.
* **Same bytes under another URL** — stored like any report, with ``duplicate_of`` naming the
  report that holds the same bytes and was fetched first (ties: lowest URL), so counts can skip
  duplicates (``WHERE duplicate_of IS NULL``).

Blank cells are NULL, never 0.  Every number of sections 三 and 四 is also kept as printed in
``raw_cells``, with where it was read.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import hashlib
import io
import json
import math
import operator
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import metadata, resources
from pathlib import Path
from typing import NamedTuple

import orjson
import sqlite_utils

from archive import schema
from parsers.model import APPLICANT_COLUMNS, OUTCOME_COLUMNS, Report, Status


class Action:
    """What :func:`write_report` did with a document."""

    NEW = "new"
    UPDATED = "updated"
    REPARSED = "reparsed"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class WriteOutcome:
    """The result of storing one document."""

    url: str
    action: str
    """One of :class:`Action`."""
    status: str
    """The document's parse status (:class:`parsers.model.Status`)."""
    detail: str
    """One line: why the status is what it is."""
    report_id: str | None = None
    """Id of the report stored under the URL (also set for a rejected document when an earlier
    report of the URL was kept)."""
    version: int | None = None
    stored_as: str = "report"
    """``report`` (row in ``reports``) or ``rejected`` (row in ``rejected_documents``)."""
    duplicate_of: str | None = None


#: Statuses of documents that were not read because a tool (OCR, LibreOffice) is missing.  They
#: are stored as rejected, not as reports (nothing is known about them), and parsed again on every
#: run, so installing the tool is all it takes to read them.
UNREAD = frozenset({Status.NEEDS_OCR, Status.NEEDS_CONVERTER})

#: Tables holding one report's rows, in the order they are serialised into ``rows_json``.
REPORT_TABLES = (
    "reports",
    "report_texts",
    "sections",
    "active_disclosure",
    "applications",
    "review_litigation",
    "raw_cells",
    "validation_issues",
    "parse_notes",
)

#: Errors a writer can hit because of odd parser output (a repeated key, an unbindable value);
#: such a document is recorded as rejected instead of stopping an import.  Lock and I/O errors
#: are not in this list: they are about the database, not the document, and must propagate.
_DOCUMENT_STORAGE_ERRORS = (sqlite3.IntegrityError, sqlite3.InterfaceError, TypeError, ValueError, OverflowError)


def open_corpus(path: str | Path) -> sqlite_utils.Database:
    """Open (creating if needed) the corpus at ``path`` with the current schema."""
    db = sqlite_utils.Database(path)
    # WAL lets Datasette read while an import or a crawl writes.
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA busy_timeout=30000")
    schema.apply(db)
    return db


def report_id(url: str) -> str:
    """The stable id of the report fetched from ``url``: first 16 hex digits of its SHA-256."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]


def agency_id(name: str, region_code: str | None) -> str:
    return hashlib.sha256(f"{region_code or ''}|{name}".encode()).hexdigest()[:16]


@cache
def current_parser_version() -> str:
    """Identify the code that turns bytes into rows: package version + hash of the parser sources.

    Stored with every row so that a parser fix re-parses documents whose bytes did not change.
    """
    digest = hashlib.sha256()
    root = Path(str(resources.files("parsers")))
    convert = Path(__file__).with_name("convert.py")
    # parsers/cms reads portal list pages for the crawler; it never touches a document's rows.
    files = sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and p.suffix in (".py", ".csv", ".json") and "cms" not in p.relative_to(root).parts
    )
    if convert.exists():
        files.append(convert)
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    try:
        version = metadata.version("xxgknb")
    except metadata.PackageNotFoundError:
        version = "0"
    return f"{version}+{digest.hexdigest()[:12]}"


def unchanged_outcome(
    db: sqlite_utils.Database, url: str, sha256: str, parser_version: str | None = None
) -> WriteOutcome | None:
    """The outcome of storing ``url`` again with bytes ``sha256``, if that would change nothing; else ``None``.

    Lets an importer skip parsing documents the corpus already holds.
    """
    return _unchanged(_Stored.under(db.conn, url), url, sha256, parser_version or current_parser_version())


def write_report(
    db: sqlite_utils.Database,
    report: Report | PreparedReport,
    *,
    url: str,
    sha256: str,
    fetched_at: str | None,
    format: str | None,
    portal_id: str | None = None,
    final_url: str | None = None,
    parser_version: str | None = None,
) -> WriteOutcome:
    """Store what was read from the document at ``url`` (see the module docstring for versions).

    Either everything of the report is written or nothing: a document whose rows cannot be
    stored becomes a ``rejected_documents`` row with the reason.
    """
    parser_version = parser_version or current_parser_version()
    with transaction(db.conn):
        stored = _Stored.under(db.conn, url)
        unchanged = _unchanged(stored, url, sha256, parser_version)
        if unchanged is not None:
            return unchanged
        prepared = report if isinstance(report, PreparedReport) else None
        report = prepared.report if prepared is not None else report
        context = _Context(
            url, sha256, fetched_at, format or report.format or None, portal_id, final_url, parser_version
        )
        if not report.is_report or report.status in UNREAD:
            return _store_rejection(
                db, context, stored, report.status, report.status_detail or report.status, report.title
            )
        try:
            if prepared is None:
                prepared = prepare_report(report, url)
            elif prepared.report_id != report_id(url):
                raise ValueError(f"rows prepared for report {prepared.report_id}, stored under {url}")
            return _store_report(db, context, stored, prepared)
        except _DOCUMENT_STORAGE_ERRORS as exc:
            reason = f"parsed as {report.status} but could not be stored: {type(exc).__name__}: {exc}"
            return _store_rejection(db, context, stored, Status.ERROR, reason, report.title)


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """Inside the caller's transaction if it holds one, else in one of its own, committed at the end
    (rolled back on an error)."""
    if conn.in_transaction:
        yield
        return
    conn.execute("BEGIN")
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        conn.rollback()  # a no-op when the error already ended the transaction
        raise


class _Stored(NamedTuple):
    """What the corpus holds under a URL before a write: read once, used by every step of the write."""

    report: tuple | None
    """``reports`` row: id, sha256, parser_version, status, status_detail, version, gone, duplicate_of."""
    rejected: tuple | None
    """``rejected_documents`` row, columns of :data:`_REJECTED_COLUMNS`."""

    @classmethod
    def under(cls, conn: sqlite3.Connection, url: str) -> _Stored:
        return cls(conn.execute(_SELECT_REPORT, (url,)).fetchone(), conn.execute(_SELECT_REJECTED, (url,)).fetchone())


_SELECT_REPORT = (
    "SELECT id, sha256, parser_version, status, status_detail, version, gone, duplicate_of FROM reports WHERE url = ?"
)
_REJECTED_COLUMNS = (
    "url",
    "sha256",
    "format",
    "title",
    "status",
    "reason",
    "seen_at",
    "final_url",
    "portal_id",
    "parser_version",
    "report_id",
)
_SELECT_REJECTED = f"SELECT {', '.join(_REJECTED_COLUMNS)} FROM rejected_documents WHERE url = ?"


def _unchanged(stored: _Stored, url: str, sha256: str, parser_version: str) -> WriteOutcome | None:
    rejected = stored.rejected
    if rejected is not None:
        if rejected[1] == sha256 and rejected[9] == parser_version and rejected[4] not in UNREAD:
            return WriteOutcome(
                url, Action.UNCHANGED, rejected[4], rejected[5], report_id=rejected[10], stored_as="rejected"
            )
        return None
    row = stored.report
    if row is not None and row[1] == sha256 and row[2] == parser_version and not row[6]:
        return WriteOutcome(
            url, Action.UNCHANGED, row[3], row[4] or "", report_id=row[0], version=row[5], duplicate_of=row[7]
        )
    return None


def mark_gone(db: sqlite_utils.Database, url: str, when: str) -> bool:
    """Record that the report at ``url`` is no longer published (since ``when``, ISO time).

    Its rows stay.  Returns False when no report is stored under ``url``.  Storing the URL again
    clears the mark.
    """
    with db.atomic():
        cursor = db.execute(
            "UPDATE reports SET gone = 1, gone_since = coalesce(gone_since, ?) WHERE url = ?", [when, url]
        )
        return cursor.rowcount > 0


#: What the ``raw_cells`` view is ordered by, as the table it replaced was by its primary key.
_RAW_CELLS_KEY = ("report_id", "section", "row_key", "column_key")


def report_rows(db: sqlite_utils.Database, rid: str) -> dict[str, list[dict]]:
    """Every row of report ``rid`` in the canonical tables, keyed by table, in primary-key order."""
    rows: dict[str, list[dict]] = {}
    for table in REPORT_TABLES:
        key = "id" if table == "reports" else "report_id"
        order = ", ".join(_RAW_CELLS_KEY if table == "raw_cells" else db[table].pks)
        cursor = db.execute(f"SELECT * FROM [{table}] WHERE {key} = ? ORDER BY {order}", [rid])
        names = [d[0] for d in cursor.description]
        rows[table] = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return rows


class _Context(NamedTuple):
    url: str
    sha256: str
    fetched_at: str | None
    format: str | None
    portal_id: str | None
    final_url: str | None
    parser_version: str


def _store_rejection(
    db: sqlite_utils.Database, context: _Context, stored: _Stored, status: str, reason: str, title: str | None
) -> WriteOutcome:
    previous = stored.rejected
    kept = stored.report
    reason = " ".join(reason.split())  # one line, whatever the parser put in
    row = (
        context.url,
        context.sha256,
        context.format,
        title,
        status,
        reason,
        context.fetched_at,
        context.final_url,
        context.portal_id,
        context.parser_version,
        kept[0] if kept else None,
    )
    if previous is None:
        action = Action.NEW
    elif tuple(previous) == row:
        action = Action.UNCHANGED  # a retried needs_ocr / needs_converter document, still unread
    elif previous[1] == context.sha256:
        action = Action.REPARSED
    else:
        action = Action.UPDATED
    if action != Action.UNCHANGED:
        db.conn.execute(_REPLACE_REJECTED, row)
    detail = reason if kept is None else f"{reason} (kept version {kept[5]} of report {kept[0]})"
    return WriteOutcome(
        context.url,
        action,
        status,
        detail,
        report_id=kept[0] if kept else None,
        version=kept[5] if kept else None,
        stored_as="rejected",
    )


_REPLACE_REJECTED = (
    f"INSERT OR REPLACE INTO rejected_documents ({', '.join(_REJECTED_COLUMNS)})"
    f" VALUES ({', '.join('?' for _ in _REJECTED_COLUMNS)})"
)


def _store_report(
    db: sqlite_utils.Database, context: _Context, stored: _Stored, prepared: PreparedReport
) -> WriteOutcome:
    """Store the report's rows; when it raises, none of them are left."""
    conn = db.conn
    report = prepared.report
    region_code = report.region.code or None
    agency = agency_id(report.agency, region_code) if report.agency else None
    if stored.report is None and stored.rejected is None and _region_known(conn, region_code):
        known_agency = conn.execute(_SELECT_AGENCY, (agency,)).fetchone() if agency else None
        if known_agency is None or (
            (known_agency[0] is not None or report.level is None)
            and (known_agency[1] is not None or report.body_kind is None)
        ):
            outcome = _insert_report(conn, context, prepared, agency, add_agency=bool(agency) and not known_agency)
            if outcome is not None:
                return outcome
    conn.execute(_SAVEPOINT)
    try:
        outcome = _replace_report(db, context, stored, prepared)
    except BaseException:
        # An error such as a full disk can end the transaction, savepoint included: nothing left to undo.
        if conn.in_transaction:
            conn.execute(_ROLLBACK_TO)
            conn.execute(_RELEASE)
        raise
    conn.execute(_RELEASE)
    return outcome


# A savepoint makes SQLite copy every page the report touches to a temporary file first (about 0.15 ms
# per report): a URL seen for the first time, the common case, is written without one and its rows
# deleted again should a statement fail.
_SAVEPOINT = "SAVEPOINT store_report"
_ROLLBACK_TO = "ROLLBACK TO store_report"
_RELEASE = "RELEASE store_report"
_SELECT_AGENCY = "SELECT level, body_kind FROM agencies WHERE id = ?"
_INSERT_AGENCY = (
    "INSERT INTO agencies (id, name, region_code, province, city, county, level, body_kind)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


def _insert_report(
    conn: sqlite3.Connection, context: _Context, prepared: PreparedReport, agency: str | None, *, add_agency: bool
) -> WriteOutcome | None:
    """Store a report under a URL that holds nothing yet, its region known and its agency row either
    missing or complete.  ``None`` when the document's rows cannot be stored: nothing of it is then
    left, and :func:`_replace_report` tells why."""
    report = prepared.report
    rid = prepared.report_id
    undo: list[tuple[str, tuple]] = []
    settled = False
    try:
        if add_agency:
            conn.execute(_INSERT_AGENCY, _agency_row(agency, report))
            undo.append(("DELETE FROM agencies WHERE id = ?", (agency,)))
        conn.execute(_INSERT_REPORT, _report_row(context, prepared, agency, 1))
        undo.append(("DELETE FROM reports WHERE id = ?", (rid,)))
        rows = prepared.rows
        for table, insert in _INSERT_CHILD.items():
            table_rows = rows.get(table)
            if table_rows:
                # Rows before a failing one stay in: the delete goes first.
                undo.append((_DELETE_CHILD[table], (rid,)))
                conn.executemany(insert, table_rows)
        conn.execute(_INSERT_VERSION, _version_row(context, report, rid, 1))
        undo.append(("DELETE FROM report_versions WHERE report_id = ? AND version = 1", (rid,)))
        settled = True
        duplicate_of = _settle_duplicates(conn, context.sha256).get(rid)
    except BaseException as exc:
        # Rowids are one more than the largest in use: deleting the new rows gives the next
        # report the rowids it would have had.
        if conn.in_transaction:
            for statement, parameters in reversed(undo):
                conn.execute(statement, parameters)
            if settled:
                _settle_duplicates(conn, context.sha256)
        if isinstance(exc, _DOCUMENT_STORAGE_ERRORS):
            return None
        raise
    return WriteOutcome(
        context.url,
        Action.NEW,
        report.status,
        report.status_detail,
        report_id=rid,
        version=1,
        duplicate_of=duplicate_of,
    )


def _replace_report(
    db: sqlite_utils.Database, context: _Context, stored: _Stored, prepared: PreparedReport
) -> WriteOutcome:
    """Store a report, whatever the URL holds; run inside a savepoint."""
    conn = db.conn
    report = prepared.report
    rid = prepared.report_id
    if stored.report is not None and stored.report[0] == rid:
        existing = stored.report[1], stored.report[5]
    else:
        existing = conn.execute("SELECT sha256, version FROM reports WHERE id = ?", [rid]).fetchone()
    if existing is None:
        action, version = Action.NEW, 1
    elif existing[0] == context.sha256:
        action, version = Action.REPARSED, existing[1]
    else:
        action, version = Action.UPDATED, existing[1] + 1
        _supersede(db, rid, existing[1], superseded_at=context.fetched_at)
    if existing is not None:
        # The reports row itself is updated in place below: its rowid stays, which the search index keys on.
        for delete in _DELETE_CHILD.values():
            conn.execute(delete, [rid])

    region_code = report.region.code or None
    if region_code:
        _ensure_region(db, region_code, report)
    agency = None
    if report.agency:
        agency = agency_id(report.agency, region_code)
        conn.execute(
            f"{_INSERT_AGENCY} ON CONFLICT(id) DO UPDATE SET"
            " level = coalesce(agencies.level, excluded.level),"
            " body_kind = coalesce(agencies.body_kind, excluded.body_kind)",
            _agency_row(agency, report),
        )

    conn.execute(_UPSERT_REPORT, _report_row(context, prepared, agency, version))
    rows = prepared.rows
    for table, insert in _INSERT_CHILD.items():
        table_rows = rows.get(table)
        if table_rows:
            conn.executemany(insert, table_rows)

    conn.execute(_INSERT_VERSION, _version_row(context, report, rid, version))
    if stored.rejected is not None:
        conn.execute("DELETE FROM rejected_documents WHERE url = ?", (context.url,))
    duplicate_of = _settle_duplicates(conn, context.sha256).get(rid)
    if action == Action.UPDATED:
        _settle_duplicates(conn, existing[0])  # the copies of the old bytes may have lost their original
    return WriteOutcome(
        context.url,
        action,
        report.status,
        report.status_detail,
        report_id=rid,
        version=version,
        duplicate_of=duplicate_of,
    )


def _agency_row(agency: str, report: Report) -> tuple:
    region = report.region
    return (
        agency,
        report.agency,
        region.code or None,
        region.province,
        region.city,
        region.county,
        report.level,
        report.body_kind,
    )


def _report_row(context: _Context, prepared: PreparedReport, agency: str | None, version: int) -> tuple:
    """The ``reports`` row, columns of :data:`_REPORT_COLUMNS`; ``duplicate_of`` is settled once it is in."""
    report = prepared.report
    region = report.region
    return (
        prepared.report_id,
        context.url,
        context.final_url,
        report.title,
        report.year,
        report.agency,
        agency,
        region.province,
        region.city,
        region.county,
        region.code or None,
        report.level,
        report.body_kind,
        report.template,
        report.published,
        report.status,
        report.status_detail or None,
        context.format,
        context.sha256,
        version,
        context.fetched_at,
        context.portal_id,
        0,
        None,
        None,
        prepared.issue_count,
        context.parser_version,
    )


def _version_row(context: _Context, report: Report, rid: str, version: int) -> tuple:
    return (rid, version, context.sha256, context.fetched_at, report.title, report.year, report.status)


_INSERT_VERSION = (
    "INSERT OR REPLACE INTO report_versions (report_id, version, sha256, fetched_at, superseded_at, title, year,"
    " status, rows_json) VALUES (?, ?, ?, ?, NULL, ?, ?, ?, NULL)"
)


@dataclass(frozen=True)
class PreparedReport:
    """A report turned into the rows of its own tables, ready for :func:`write_report`.

    Made by :func:`prepare_report`, typically in a parse worker: building ~200 row tuples costs as much
    as writing them, and tuples of plain values cross a process boundary faster than the report's objects.
    """

    report: Report
    """The report's own fields; its lists and text are in ``rows``."""
    report_id: str
    issue_count: int
    rows: dict[str, list[tuple]]
    """Rows per table of :data:`_CHILD_COLUMNS`, report id first, in insertion order; the columns of
    :data:`_UTF8_COLUMNS` as UTF-8 bytes."""


def prepare_report(report: Report, url: str) -> PreparedReport:
    """The rows ``report`` will have once stored under ``url`` (they do not depend on the database)."""
    rid = report_id(url)
    application_cells = []
    applications = []
    for index, row in enumerate(report.applications):
        cells = row.cells
        applications.append(
            (rid, index, row.row_key, row.row_label, *[_number(cells.get(c)) for c in APPLICANT_COLUMNS])
        )
        row_key = str(index)
        application_cells += _raw_cells(row_key, cells)
    review_cells = []
    for row in report.review_litigation:
        review_cells += _raw_cells(row.proceeding, row.cells)
    rows = {
        "report_texts": [(rid, (report.text or "").encode())],
        "sections": [(rid, s.number, s.heading, s.text.encode()) for s in report.sections],
        "active_disclosure": [
            (
                rid,
                c.item,
                c.category,
                c.metric,
                c.value.value,
                c.value.raw,
                c.category_label or None,
                c.metric_label or None,
                c.value.source or None,
            )
            for c in report.active_disclosure
        ],
        "applications": applications,
        "review_litigation": [
            (rid, row.proceeding, *(_number(row.cells.get(c)) for c in OUTCOME_COLUMNS))
            for row in report.review_litigation
        ],
        "raw_cell_sets": [
            (rid, section, _cells_json(cells))
            for section, cells in (("applications", application_cells), ("review_litigation", review_cells))
            if cells
        ],
        "validation_issues": [
            (rid, v.rule, v.location, v.expected, v.actual, v.message or None) for v in report.violations
        ],
        "parse_notes": [(rid, n, note) for n, note in enumerate(report.notes)],
    }
    header = dataclasses.replace(
        report,
        sections=[],
        active_disclosure=[],
        applications=[],
        review_litigation=[],
        violations=[],
        notes=[],
        text="",
        metadata={},
    )
    return PreparedReport(header, rid, len(report.violations), rows)


def prepare_for_storage(report: Report, url: str) -> Report | PreparedReport:
    """``report`` with its rows prepared (:func:`prepare_report`) when it will be stored as a report.

    Anything else comes back as it is: a rejection, or a report whose rows cannot be built, which
    :func:`write_report` records as rejected with the reason.
    """
    if not report.is_report or report.status in UNREAD:
        return report
    try:
        return prepare_report(report, url)
    except _DOCUMENT_STORAGE_ERRORS:
        return report


#: Columns of the tables holding a report's rows (besides ``reports``), in the order they are written.
_CHILD_COLUMNS = {
    "report_texts": ["report_id", "text"],
    "sections": ["report_id", "number", "heading", "text"],
    "active_disclosure": [
        "report_id",
        "item",
        "category",
        "metric",
        "value",
        "raw",
        "category_label",
        "metric_label",
        "source",
    ],
    "applications": ["report_id", "row_index", "row_key", "row_label", *APPLICANT_COLUMNS],
    "review_litigation": ["report_id", "proceeding", *OUTCOME_COLUMNS],
    "raw_cell_sets": ["report_id", "section", "cells"],
    "validation_issues": ["report_id", "rule", "location", "expected", "actual", "message"],
    "parse_notes": ["report_id", "n", "note"],
}


_REPORT_COLUMNS = (
    "id",
    "url",
    "final_url",
    "title",
    "year",
    "agency",
    "agency_id",
    "province",
    "city",
    "county",
    "region_code",
    "level",
    "body_kind",
    "template",
    "published",
    "status",
    "status_detail",
    "format",
    "sha256",
    "version",
    "fetched_at",
    "portal_id",
    "gone",
    "gone_since",
    "duplicate_of",
    "issue_count",
    "parser_version",
)


# Built once: a report is written with ten statements or so, and building their text each time
# cost as much as some of them take to run.
_INSERT_REPORT = (
    f"INSERT INTO reports ({', '.join(_REPORT_COLUMNS)}) VALUES ({', '.join('?' for _ in _REPORT_COLUMNS)})"
)
_UPSERT_REPORT = (
    f"{_INSERT_REPORT} ON CONFLICT(id) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in _REPORT_COLUMNS[1:])}"
)
#: Text columns whose values :func:`prepare_report` gives as UTF-8: a report's text and its sections'
#: texts (most of the non-ASCII characters it sends back), and the raw cells' JSON, which orjson writes
#: as UTF-8.  A ``str`` is encoded to UTF-8 by the worker's pickle, decoded by the parent's unpickling
#: and encoded again to be bound to the statement; as bytes these cross unchanged, and the statement
#: casts them back to TEXT (a ``str`` casts to itself).  For the two texts that saved 11 % of the
#: instructions of the single process that writes the corpus (docs/scale.md).
_UTF8_COLUMNS = {("report_texts", "text"), ("sections", "text"), ("raw_cell_sets", "cells")}
_INSERT_CHILD = {
    table: f"INSERT INTO [{table}] ({', '.join(columns)}) VALUES ("
    + ", ".join("CAST(? AS TEXT)" if (table, column) in _UTF8_COLUMNS else "?" for column in columns)
    + ")"
    for table, columns in _CHILD_COLUMNS.items()
}
_DELETE_CHILD = {table: f"DELETE FROM [{table}] WHERE report_id = ?" for table in _CHILD_COLUMNS}


def _number(value) -> float | None:
    return None if value is None else value.value


def _raw_cells(row_key: str, cells: dict) -> list[tuple]:
    """A row's cells as stored in a set of ``raw_cells``: ``[row_key, column_key, value, raw, source, ocr]`` each."""
    # float(): a REAL column made 3 into 3.0; JSON keeps what it is given.
    return [
        (
            row_key,
            column_key,
            None if (number := value.value) is None else float(number),
            value.raw,
            value.source or None,
            int(value.ocr),
        )
        for column_key, value in cells.items()
    ]


def _cells_json(cells: list[tuple]) -> bytes:
    """One section's cells as ``raw_cell_sets.cells`` (UTF-8 JSON), in the order the ``raw_cells``
    view reads them: by row_key, then column_key (text order, as the primary key of the former table had it)."""
    cells.sort(key=_CELL_KEY)
    # NaN and infinity are not JSON (orjson would write them as null): such a value makes the
    # report's rows unstorable rather than a set that says a number was blank.
    if not all(map(math.isfinite, filter(None, map(_CELL_VALUE, cells)))):
        raise ValueError("a cell's value is not a finite number (NaN or infinity)")
    # orjson: the standard library's encoder took 4.6 % of a parse worker's instructions.
    return orjson.dumps(cells)


_CELL_VALUE = operator.itemgetter(2)
_CELL_KEY = operator.itemgetter(0, 1)


def _supersede(db: sqlite_utils.Database, rid: str, version: int, *, superseded_at: str | None) -> None:
    rows_json = json.dumps(report_rows(db, rid), ensure_ascii=False, sort_keys=True)
    current = db.execute("SELECT sha256, fetched_at, title, year, status FROM reports WHERE id = ?", [rid]).fetchone()
    db.execute(
        "INSERT INTO report_versions (report_id, version, sha256, fetched_at, superseded_at, title, year, status,"
        " rows_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(report_id, version) DO UPDATE SET"
        " superseded_at = excluded.superseded_at, rows_json = excluded.rows_json",
        [rid, version, *current[:2], superseded_at, *current[2:], rows_json],
    )


def _settle_duplicates(conn: sqlite3.Connection, sha256: str) -> dict[str, str | None]:
    """Among the reports holding the bytes ``sha256``, the first fetched (then the lowest URL) is the
    original and the others point at it.  Decided from the rows alone, so the outcome does not depend
    on the order the reports were written in (parallel imports finish in any order).

    Returns ``duplicate_of`` per report id of the group.
    """
    members = conn.execute(
        "SELECT id, duplicate_of FROM reports WHERE sha256 = ? ORDER BY fetched_at IS NULL, fetched_at, url",
        [sha256],
    ).fetchall()
    settled: dict[str, str | None] = {}
    for rid, current in members:
        wanted = None if rid == members[0][0] else members[0][0]
        if current != wanted:
            conn.execute("UPDATE reports SET duplicate_of = ? WHERE id = ?", (wanted, rid))
        settled[rid] = wanted
    return settled


# --- regions -------------------------------------------------------------------------------

#: Placeholder names of the official list that stand for "no prefecture level here".
_NOT_A_CITY = ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划")


@cache
def _adcodes() -> dict[str, str]:
    """code -> name from the official division code list the parsers ship (empty if not shipped)."""
    try:
        data = resources.files("parsers").joinpath("data/adcodes.csv").read_bytes()
    except (FileNotFoundError, OSError):
        return {}
    reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig")))
    return {row["code"].strip(): row["name"].strip() for row in reader if row.get("code") and row.get("name")}


def _region_row(code: str, names: dict[str, str]) -> tuple | None:
    name = names.get(code)
    if name is None:
        return None
    level = "province" if code.endswith("0000") else "prefecture" if code.endswith("00") else "county"
    province = names.get(code[:2] + "0000")
    city = names.get(code[:4] + "00") if level != "province" else None
    if city in _NOT_A_CITY:
        city = None
    county = name if level == "county" else None
    return (code, name, level, province, city, county)


def _region_known(conn: sqlite3.Connection, code: str | None) -> bool:
    """Whether a report of region ``code`` needs no row added to ``regions``."""
    return code is None or conn.execute("SELECT 1 FROM regions WHERE code = ?", (code,)).fetchone() is not None


def _ensure_region(db: sqlite_utils.Database, code: str, report: Report) -> None:
    """Make ``code`` (and its parents) resolvable in ``regions``; the whole official list is loaded once."""
    # A code already there is the common case: one query answers it (the table is then not empty either).
    if _region_known(db.conn, code):
        return
    names = _adcodes()
    if names and db.execute("SELECT NOT EXISTS (SELECT 1 FROM regions)").fetchone()[0]:
        rows = [row for row in (_region_row(c, names) for c in sorted(names)) if row]
        db.conn.executemany("INSERT OR IGNORE INTO regions VALUES (?, ?, ?, ?, ?, ?)", rows)
    if db.execute("SELECT 1 FROM regions WHERE code = ?", [code]).fetchone():
        return
    # A code the shipped list lacks: describe it from what the report says.
    region = report.region
    name = region.county or region.city or region.province or code
    level = "province" if code.endswith("0000") else "prefecture" if code.endswith("00") else "county"
    db.execute(
        "INSERT INTO regions (code, name, level, province, city, county) VALUES (?, ?, ?, ?, ?, ?)",
        [code, name, level, region.province, region.city, region.county],
    )
