"""What preparing a corpus for serving found out, kept beside the file for as long as the file stays as it was.

Two facts about a large corpus are slow to establish and cannot change while the file does not:
that its search index and summary tables are current (every report is read: 16 s at 500,000
reports), and how many rows each table has — Datasette counts every table of an immutable database
before it answers its first request (50 s at 500,000 reports, 29 of them in the search index's data
table).  ``publish.serve.prepare_corpus`` establishes both once and writes them to
``<corpus>.prepared.json``.  The record holds while the corpus file has the same inode, size and
modification time, and the search index and summaries are defined as they were when it was written.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

from archive import search, summaries

#: What "current" meant when a record was written: a changed definition makes every record stale.
DEFINITIONS = f"search {search.REPORT_FINGERPRINT_SQL} | summaries {summaries.SUMMARIES_VERSION}"


def record_path(db_path: str | Path) -> Path:
    path = Path(db_path)
    return path.with_name(path.name + ".prepared.json")


def _file_identity(path: Path) -> list[int]:
    status = path.stat()
    return [status.st_ino, status.st_size, status.st_mtime_ns]


def table_counts(db_path: str | Path) -> dict[str, int] | None:
    """The row count of every table as recorded when the corpus was prepared, or ``None`` when there is
    no record, it cannot be read, or the file or the definitions changed since."""
    path = Path(db_path)
    try:
        record = json.loads(record_path(path).read_text(encoding="utf-8"))
        if record["file"] != _file_identity(path) or record["definitions"] != DEFINITIONS:
            return None
        counts = record["tables"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not isinstance(counts, dict) or not all(type(count) is int for count in counts.values()):
        return None
    return counts


def record(db_path: str | Path) -> None:
    """Count every table and write the record (nothing, if the file changed while counting).

    Call it only once the corpus is ready to serve, with nothing left in its write-ahead log.
    Raises ``OSError`` when the record cannot be written (a read-only directory).
    """
    path = Path(db_path)
    identity = _file_identity(path)
    counts = _count_tables(path)
    if _file_identity(path) != identity:
        return
    target = record_path(path)
    partial = target.with_name(target.name + ".partial")
    partial.write_text(
        json.dumps({"file": identity, "definitions": DEFINITIONS, "tables": counts}, ensure_ascii=False, indent=1),
        encoding="utf-8",
    )
    os.replace(partial, target)


def _count_tables(path: Path) -> dict[str, int]:
    """Every table Datasette lists (``sqlite_master``'s tables, the search index's own included)."""
    conn = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True)
    try:
        names = [name for (name,) in conn.execute("select name from sqlite_master where type = 'table'")]
        return {name: conn.execute(f"select count(*) from {_quoted(name)}").fetchone()[0] for name in names}
    finally:
        conn.close()


def _quoted(name: str) -> str:
    escaped = name.replace('"', '""')
    return f'"{escaped}"'
