"""Dated, immutable snapshots of the corpus for download and citation.

A snapshot is one directory ``<out>/<YYYY-MM-DD>/`` (``.2``, ``.3`` … for a second one the same day):

* ``corpus-<date>.db`` — the whole corpus (``VACUUM INTO``: compact, consistent even while a
  crawl writes), with the search index current;
* ``corpus-<date>-numbers.db`` — the same without full texts (``report_texts``, ``sections``,
  the search index, and the texts inside ``report_versions.rows_json``): the numbers only;
* ``csv/<table>.csv`` — the canonical tables (UTF-8 with BOM so Excel reads the Chinese);
* ``changelog.md`` and ``changes.csv`` — reports added, changed and removed since the previous
  snapshot in ``<out>``;
* ``<file>.sha256`` for each database and ``SHA256SUMS`` for every file.

Everything is written into ``<out>/.<name>.partial/`` and renamed into place at the end, so a
killed run leaves no half snapshot (the next run removes the leftover and starts again), and the
presence of ``SHA256SUMS`` marks a complete snapshot.  Files are made read-only.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import shutil
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from archive import schema, search, summaries

#: Canonical tables exported as CSV (``shared/spec/report-schema.md`` plus the lookup tables).
CSV_TABLES = (
    "reports",
    "agencies",
    "regions",
    "active_disclosure",
    "applications",
    "review_litigation",
    "validation_issues",
    "application_rows",
)

#: What the numbers-only edition leaves out.
TEXT_TABLES = ("report_texts", "sections")
_TEXT_VIEWS = ("report_search_source",)

_CHUNK = 1 << 20


@dataclass
class Changes:
    """Reports added, changed and removed between two snapshots (lists of report ids)."""

    previous: str | None
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    reparsed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


@dataclass
class Snapshot:
    """What :func:`make_snapshot` wrote."""

    directory: Path
    full: Path
    numbers: Path
    changes: Changes
    reports: int
    files: dict[str, str]
    """Relative path -> sha256 of every file of the snapshot."""


class SnapshotError(Exception):
    """The snapshot could not be made (one line, names the file and the reason)."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def complete_snapshots(out_dir: Path) -> list[Path]:
    """Complete snapshot directories in ``out_dir``, oldest first."""
    if not out_dir.is_dir():
        return []
    found = [path for path in out_dir.iterdir()
             if path.is_dir() and not path.name.startswith(".") and (path / "SHA256SUMS").is_file()]
    return sorted(found, key=_snapshot_sort_key)


def _snapshot_sort_key(path: Path) -> tuple[str, int]:
    date, _, counter = path.name.partition(".")
    return date, int(counter) if counter.isdigit() else 1


def _snapshot_name(out_dir: Path, today: dt.date) -> str:
    base = today.isoformat()
    name, counter = base, 1
    while (out_dir / name).exists():
        counter += 1
        name = f"{base}.{counter}"
    return name


def prepare_source(db_path: Path) -> None:
    """Bring the corpus' schema and search index up to date before it is copied."""
    conn = sqlite3.connect(db_path, timeout=30)
    try:
        import sqlite_utils

        schema.apply(sqlite_utils.Database(conn))
        search.refresh_index(conn)
        summaries.refresh_summaries(conn)
    finally:
        conn.close()


def make_snapshot(db_path: str | Path, out_dir: str | Path, *, today: dt.date | None = None) -> Snapshot:
    """Write a snapshot of the corpus at ``db_path`` into a new dated directory of ``out_dir``."""
    db_path, out_dir = Path(db_path), Path(out_dir)
    if not db_path.is_file():
        raise SnapshotError(f"{db_path}: no such corpus file")
    out_dir.mkdir(parents=True, exist_ok=True)
    for leftover in out_dir.glob(".*.partial"):
        shutil.rmtree(leftover)
    previous = complete_snapshots(out_dir)
    name = _snapshot_name(out_dir, today or dt.date.today())
    stem = f"corpus-{name}"
    work = out_dir / f".{name}.partial"
    work.mkdir()

    prepare_source(db_path)
    full = work / f"{stem}.db"
    _vacuum_into(db_path, full)
    numbers = work / f"{stem}-numbers.db"
    _vacuum_into(full, numbers)
    _strip_texts(numbers)
    _export_csv(full, work / "csv")
    previous_db = previous[-1] / f"corpus-{previous[-1].name}.db" if previous else None
    changes = _compare(previous_db, full)
    _write_changes(changes, full, previous_db, work)
    reports = _count_reports(full)

    files = {path.relative_to(work).as_posix(): sha256_file(path)
             for path in sorted(work.rglob("*")) if path.is_file()}
    for database in (full, numbers):
        database.with_name(database.name + ".sha256").write_text(f"{files[database.name]}  {database.name}\n")
    (work / "SHA256SUMS").write_text("".join(f"{digest}  {name}\n" for name, digest in files.items()))
    for path in work.rglob("*"):
        if path.is_file():
            path.chmod(0o444)
    final = out_dir / name
    work.rename(final)
    return Snapshot(final, final / full.name, final / numbers.name, changes, reports, files)


def _vacuum_into(source: Path, target: Path) -> None:
    conn = sqlite3.connect(f"file:{source.resolve()}?mode=ro", uri=True, timeout=30)
    try:
        conn.execute("VACUUM INTO ?", [str(target)])
    finally:
        conn.close()
    # A snapshot is served immutable: no WAL, nothing beside the file.
    conn = sqlite3.connect(target)
    try:
        conn.execute("PRAGMA journal_mode=DELETE")
    finally:
        conn.close()


def _strip_texts(path: Path) -> None:
    conn = sqlite3.connect(path)
    try:
        existing = {row[0] for row in conn.execute("select name from sqlite_master where type in ('table', 'view')")}
        with conn:
            for view in _TEXT_VIEWS:
                if view in existing:
                    conn.execute(f"DROP VIEW [{view}]")
            for table in (search.SEARCH_TABLE, search.STATE_TABLE, *TEXT_TABLES):
                if table in existing:
                    conn.execute(f"DROP TABLE [{table}]")
            if "report_versions" in existing:
                conn.execute(
                    "UPDATE report_versions SET rows_json = json_remove(rows_json, '$.report_texts', '$.sections')"
                    " WHERE rows_json IS NOT NULL AND json_valid(rows_json)"
                )
        conn.execute("VACUUM")
    finally:
        conn.close()


def _export_csv(path: Path, csv_dir: Path) -> None:
    csv_dir.mkdir()
    conn = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True)
    try:
        existing = {row[0] for row in conn.execute("select name from sqlite_master where type = 'table'")}
        for table in CSV_TABLES:
            if table not in existing:
                continue
            cursor = conn.execute(f"select * from [{table}] order by rowid")
            with (csv_dir / f"{table}.csv").open("w", encoding="utf-8-sig", newline="") as stream:
                writer = csv.writer(stream)
                writer.writerow([column[0] for column in cursor.description])
                while rows := cursor.fetchmany(5000):
                    writer.writerows(rows)
    finally:
        conn.close()


def _compare(previous: Path | None, current: Path) -> Changes:
    if previous is None or not previous.is_file():
        conn = sqlite3.connect(f"file:{current.resolve()}?mode=ro", uri=True)
        try:
            added = [row[0] for row in conn.execute("select id from reports order by id")]
        finally:
            conn.close()
        return Changes(previous=None, added=added)
    conn = sqlite3.connect(f"file:{current.resolve()}?mode=ro", uri=True)
    try:
        conn.execute("ATTACH DATABASE ? AS previous", [f"file:{previous.resolve()}?mode=ro"])
        changes = Changes(previous=previous.name)
        changes.added = [row[0] for row in conn.execute(
            "select id from main.reports where id not in (select id from previous.reports) order by id")]
        changes.removed = [row[0] for row in conn.execute(
            "select id from previous.reports where id not in (select id from main.reports) order by id")]
        changes.changed = [row[0] for row in conn.execute(
            "select n.id from main.reports n join previous.reports o on o.id = n.id"
            " where n.sha256 != o.sha256 order by n.id")]
        changes.reparsed = [row[0] for row in conn.execute(
            "select n.id from main.reports n join previous.reports o on o.id = n.id"
            " where n.sha256 = o.sha256 and n.parser_version is not o.parser_version order by n.id")]
        return changes
    finally:
        conn.close()


def _write_changes(changes: Changes, full: Path, previous: Path | None, work: Path) -> None:
    details: dict[str, tuple] = {}
    # Removed reports are described from the previous snapshot, the others from this one.
    for source in (previous, full):
        if source is None or not source.is_file():
            continue
        conn = sqlite3.connect(f"file:{source.resolve()}?mode=ro", uri=True)
        try:
            rows = conn.execute("select id, year, agency, title, url from reports")
            details.update((row[0], row[1:]) for row in rows)
        finally:
            conn.close()
    kinds = (("added", changes.added), ("changed", changes.changed), ("reparsed", changes.reparsed),
             ("removed", changes.removed))
    with (work / "changes.csv").open("w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["change", "report_id", "year", "agency", "title", "url"])
        for kind, ids in kinds:
            for report_id in ids:
                writer.writerow([kind, report_id, *details.get(report_id, ("", "", "", ""))])
    since = f"since snapshot `{changes.previous}`" if changes.previous else "(first snapshot)"
    lines = [f"# Changes in {full.name} {since}", ""]
    labels = {"added": "新增 added", "changed": "内容变化 changed (new bytes)",
              "reparsed": "重新解析 re-parsed (same bytes, newer parser)", "removed": "移除 removed"}
    for kind, ids in kinds:
        lines.append(f"- {labels[kind]}: {len(ids)}")
    lines += ["", "Every report id with its change is listed in `changes.csv`.", ""]
    (work / "changelog.md").write_text("\n".join(lines), encoding="utf-8")


def _count_reports(path: Path) -> int:
    conn = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True)
    try:
        return conn.execute("select count(*) from reports").fetchone()[0]
    finally:
        conn.close()
