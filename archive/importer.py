"""Import report files from disk into the corpus: walk, hash, parse in parallel, write in batches.

Each file is stored under the ``file://`` URL of its absolute path (percent-encoded, as
:meth:`pathlib.Path.as_uri` writes it), with the SHA-256 of its bytes and its modification time
as ``fetched_at``.  Files the corpus already holds with the same bytes and the same parser are
not parsed again, so a second run over the same folder only reads and hashes.

Results are written as the workers finish them, a batch per transaction: a Ctrl-C or a kill
loses at most the batch in progress, and the next run picks up from there.  Nothing stored
depends on that order (the writer settles which copy of a duplicated file is the original from
the rows alone), so a slow document — a scan being OCRed — never holds up the others.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

from archive import corpus
from archive.convert import parse_with_conversions
from archive.parallel import DEFAULT_MEMORY_LIMIT_MB, DEFAULT_TIME_LIMIT, ParseJob, parse_many
from parsers.formats import sniff_format
from parsers.model import Report, Status

#: Files larger than this are recorded as rejected without being read: no annual report comes
#: near it, and reading it would only load the parent process.
MAX_FILE_BYTES = 256 * 1024 * 1024
#: Reports written per transaction, and the longest a parsed report waits to be committed.
BATCH_SIZE = 200
BATCH_SECONDS = 2.0


@dataclass(frozen=True)
class FileOutcome:
    """What became of one file."""

    path: str
    url: str
    action: str
    """``new``, ``updated``, ``reparsed`` or ``unchanged`` (:class:`archive.corpus.Action`)."""
    status: str
    detail: str
    stored_as: str
    """``report`` or ``rejected``."""
    report_id: str | None = None

    @property
    def parsed(self) -> str:
        """``fully``, ``partly`` or ``not at all``."""
        if self.stored_as == "report" and self.status in Status.PARSED_FULLY:
            return "fully"
        if self.stored_as == "report" and self.status in Status.PARSED_PARTLY:
            return "partly"
        return "not at all"

    @property
    def reason(self) -> str:
        """One line saying why, without repeating the file name the parser may have put in front."""
        name = Path(self.path).name
        detail = self.detail.removeprefix(f"{name}: ")
        return " ".join(detail.split()) or self.status


@dataclass
class ImportSummary:
    outcomes: list[FileOutcome] = field(default_factory=list)
    seconds: float = 0.0

    def count_parsed(self) -> Counter[str]:
        return Counter(o.parsed for o in self.outcomes)

    def count_actions(self) -> Counter[str]:
        return Counter(o.action for o in self.outcomes)


def find_files(paths: Iterable[str | os.PathLike], *, corpus_path: str | os.PathLike | None = None) -> list[Path]:
    """Every regular file under ``paths`` (files taken as given, directories walked), sorted, once each.

    Hidden files and directories (name starting with ``.``) inside a walked directory are skipped:
    they are version-control or editor state, not saved reports.  So are the corpus at
    ``corpus_path`` and its journal files, which change while the import runs.
    """
    skip: set[Path] = set()
    if corpus_path is not None:
        base = Path(os.path.abspath(corpus_path))
        skip = {Path(f"{base}{suffix}").resolve() for suffix in ("", "-wal", "-shm", "-journal")}
    found: dict[Path, Path] = {}
    for given in paths:
        path = Path(os.path.abspath(given))
        if path.is_file():
            found.setdefault(path.resolve(), path)  # a file named explicitly is taken even if hidden
            continue
        for root, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in files:
                candidate = Path(root, name)
                if not name.startswith(".") and candidate.is_file():
                    found.setdefault(candidate.resolve(), candidate)
    return sorted(path for key, path in found.items() if key not in skip)


def import_files(
    db: sqlite_utils.Database,
    files: list[Path],
    *,
    workers: int | None = None,
    time_limit: float = DEFAULT_TIME_LIMIT,
    memory_limit_mb: int | None = DEFAULT_MEMORY_LIMIT_MB,
    on_outcome: Callable[[FileOutcome], None] | None = None,
) -> ImportSummary:
    """Parse and store ``files`` (see :func:`find_files`); return one outcome per file."""
    started = time.monotonic()
    summary = ImportSummary()
    parser_version = corpus.current_parser_version()

    def record(outcome: FileOutcome) -> None:
        summary.outcomes.append(outcome)
        if on_outcome is not None:
            on_outcome(outcome)

    queued: list[_Queued] = []

    def jobs() -> Iterator[ParseJob]:
        for path in files:
            item = _read(path)
            if item.data is None:
                record(_store(db, item, Report(status=Status.ERROR, status_detail=item.error), parser_version))
                continue
            unchanged = corpus.unchanged_outcome(db, item.url, item.sha256, parser_version)
            if unchanged is not None:
                record(_file_outcome(item, unchanged))
                continue
            # Recorded even when the parser never answers (killed for time): says what the file was.
            item.format = sniff_format(item.data, filename=path.name)
            queued.append(item)
            yield ParseJob(item.data, filename=path.name, url=item.url)
            item.data = None  # handed to a worker; keep only the metadata

    batch: list[tuple[_Queued, Report | corpus.PreparedReport]] = []
    last_commit = time.monotonic()
    for index, report in parse_many(
        jobs(), workers=workers, time_limit=time_limit, memory_limit_mb=memory_limit_mb, parse=_parse_and_prepare
    ):
        batch.append((queued[index], report))
        if len(batch) >= BATCH_SIZE or time.monotonic() - last_commit >= BATCH_SECONDS:
            _write_batch(db, batch, parser_version, record)
            batch = []
            last_commit = time.monotonic()
    _write_batch(db, batch, parser_version, record)
    summary.seconds = time.monotonic() - started
    return summary


def _parse_and_prepare(data: bytes, *, url: str, **options) -> Report | corpus.PreparedReport:
    """Parse in the worker, and build the report's rows there too (the parent only writes them)."""
    return corpus.prepare_for_storage(parse_with_conversions(data, url=url, **options), url)


@dataclass
class _Queued:
    path: Path
    url: str
    fetched_at: str | None
    sha256: str | None = None
    data: bytes | None = None
    error: str = ""
    format: str | None = None


def _read(path: Path) -> _Queued:
    url = path.as_uri()
    try:
        stat = path.stat()
        fetched_at = datetime.fromtimestamp(stat.st_mtime, UTC).isoformat(timespec="seconds")
        if stat.st_size > MAX_FILE_BYTES:
            too_large = f"file too large ({stat.st_size} bytes; limit {MAX_FILE_BYTES})"
            return _Queued(path, url, fetched_at, error=too_large)
        data = path.read_bytes()
    except OSError as exc:
        return _Queued(path, url, None, error=f"cannot read file: {exc.strerror or exc}")
    return _Queued(path, url, fetched_at, hashlib.sha256(data).hexdigest(), data)


def _write_batch(
    db: sqlite_utils.Database,
    batch: list[tuple[_Queued, Report | corpus.PreparedReport]],
    parser_version: str,
    record: Callable[[FileOutcome], None],
) -> None:
    if not batch:
        return
    with db.atomic():
        outcomes = [_store(db, item, report, parser_version) for item, report in batch]
    for outcome in outcomes:  # only once committed
        record(outcome)


def _store(
    db: sqlite_utils.Database, item: _Queued, report: Report | corpus.PreparedReport, parser_version: str
) -> FileOutcome:
    header = report.report if isinstance(report, corpus.PreparedReport) else report
    written = corpus.write_report(
        db,
        report,
        url=item.url,
        sha256=item.sha256,
        fetched_at=item.fetched_at,
        format=header.format or item.format,
        parser_version=parser_version,
    )
    return _file_outcome(item, written)


def _file_outcome(item: _Queued, written: corpus.WriteOutcome) -> FileOutcome:
    return FileOutcome(
        str(item.path), item.url, written.action, written.status, written.detail, written.stored_as, written.report_id
    )
