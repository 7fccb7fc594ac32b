"""``xxgknb build``: the corpus from the WARC archive alone (no network), idempotent.

1. Every WARC file under ``<data>/warc`` is repaired (a truncated last record cut off) and indexed
   into ``warc_records`` where the index misses it; a fresh database is thus rebuilt from the files.
2. Report candidates are the successful responses fetched as list items or attachments, plus any
   list page that is itself a report.  HTML pages are classified again with the crawler's pure
   classifier (:mod:`parsers.cms.classify`): look-alikes and non-reports are recorded in
   ``rejected_documents`` with the reason; a page that only carries its report as an attachment
   is skipped (the attachment is the report).  Everything else is parsed and stored with
   :func:`archive.corpus.write_report`.  Reading the record back, classifying, parsing and building
   the rows all happen in the workers of :mod:`archive.parallel`, on all cores; the parent only
   hands out record locations and writes the rows, in input order.
3. A URL archived with different bytes over time becomes successive versions, oldest first; bytes
   already stored are not parsed again (unless the parser changed).
4. Gone: after a portal's last *complete* crawl (its end-of-crawl ``metadata`` record lists what
   the portal still links), its reports no longer linked are marked gone, as are reports whose
   URL last answered 404/410.
"""

from __future__ import annotations

import functools
import json
import resource
import sqlite3
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar
from urllib.parse import unquote, urlsplit

import sqlite_utils

from archive import corpus
from archive.convert import parse_with_conversions
from archive.crawlstate import CrawlState, FileToIndex, IndexEntries, corpus_path, read_index_entries
from archive.parallel import DEFAULT_MEMORY_LIMIT_MB, DEFAULT_TIME_LIMIT, read_ahead, run_many
from archive.warc import prefetch_record, read_record
from parsers.cms.article import document_type, read_article_page
from parsers.cms.classify import ATTACHMENT_HOLDER, REPORT
from parsers.model import Report, Status

#: Reports written per transaction, and the longest a written report waits to be committed.
BATCH_SIZE = 200
BATCH_SECONDS = 2.0
#: Page cache of the build's connection, in KiB.  A transaction of BATCH_SIZE reports touches pages
#: all over some twenty B-trees keyed by random ids: with SQLite's default of 2 MB they were read back
#: from the operating system again and again (15 % of the parent's CPU writing 30,000 reports).
CACHE_KIB = 64 * 1024
#: Pages the write-ahead log may hold before it is copied into the database (SQLite's default: 1,000,
#: i.e. at nearly every commit).  A page that several transactions change in a row is then copied
#: once, not each time, and the copy's fsync waits come five times less often: writing 30,000
#: reports took 2.5 ms of wall-clock time per report instead of 3.7, with the same CPU.
CHECKPOINT_PAGES = 10_000
#: Records handed to a worker ahead of the one it parses.  A job is only where a record is, so a deep
#: queue costs nothing, and it keeps the workers parsing while the parent waits for a checkpoint's
#: fsync (building 2,000 reports, each worker sat idle 2 s in some 35 such waits with 3 queued, 0.4 s with 8).
QUEUED_PER_WORKER = 8
#: Results collected ahead of the writer.  A checkpoint's fsync stops the writer for a few hundred
#: milliseconds, in which two workers finish some 150 documents.
RESULTS_AHEAD = 512
#: Records whose bytes are asked of the disk before they are handed to a worker: ~0.35 s of the build,
#: longer than a read waits behind the database's writeback (a worker's queue alone is ~25 ms).
PREFETCH_AHEAD = 128
_HTML = ("text/html", "application/xhtml")

T = TypeVar("T")


@dataclass
class BuildSummary:
    warc_messages: list[str] = field(default_factory=list)
    candidates: int = 0
    parsed: int = 0
    actions: dict[str, int] = field(default_factory=dict)
    rejected: int = 0
    gone: int = 0
    seconds: float = 0.0
    phase_seconds: dict[str, float] = field(default_factory=dict)
    """Wall-clock time of each step, in order: ``index`` (the WARC files), ``parse`` (examining,
    parsing and writing the documents), ``finish`` (marking gone reports, restoring crawl status)."""
    parent_cpu_seconds: float = 0.0
    """CPU time of this process during the build: indexing, dispatching, writing."""
    worker_cpu_seconds: float = 0.0
    """CPU time of the parse workers (and of the converters they ran) during the build."""

    def count(self, outcome: corpus.WriteOutcome) -> None:
        key = outcome.action if outcome.stored_as == "report" else f"rejected ({outcome.action})"
        self.actions[key] = self.actions.get(key, 0) + 1
        if outcome.stored_as != "report":
            self.rejected += 1


@dataclass
class _Version:
    url: str
    final_url: str
    warc_file: str
    offset: int
    length: int
    sha256: str
    fetched_at: str
    portal_id: str | None
    role: str
    content_type: str
    link_text: str | None


def build(
    data_dir: Path,
    *,
    workers: int | None = None,
    time_limit: float = DEFAULT_TIME_LIMIT,
    memory_limit_mb: int | None = DEFAULT_MEMORY_LIMIT_MB,
    on_outcome: Callable[[corpus.WriteOutcome], None] | None = None,
) -> BuildSummary:
    started = time.monotonic()
    cpu_before = _cpu_seconds()
    data_dir = Path(data_dir)
    db = corpus.open_corpus(corpus_path(data_dir))
    db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    db.execute(f"PRAGMA wal_autocheckpoint = {CHECKPOINT_PAGES}")
    summary = BuildSummary()
    state = CrawlState(data_dir, db)
    summary.warc_messages = state.recover(
        read_files=functools.partial(
            _read_in_workers, workers=workers, time_limit=time_limit, memory_limit_mb=memory_limit_mb
        )
    )
    summary.phase_seconds["index"] = time.monotonic() - started
    parser_version = corpus.current_parser_version()

    def record(outcome: corpus.WriteOutcome) -> None:
        summary.count(outcome)
        if on_outcome is not None:
            on_outcome(outcome)

    region_of_warc = functools.cache(lambda warc_file: portal_region(data_dir / warc_file))
    path_of_warc = functools.cache(lambda warc_file: str(data_dir / warc_file))

    def prefetch(version: _Version) -> None:
        prefetch_record(path_of_warc(version.warc_file), version.offset, version.length)

    def jobs(versions: deque[_Version]) -> Iterator[_RecordJob]:
        pending = _pending_versions(corpus_path(data_dir), parser_version)
        for version in announced_ahead(pending, PREFETCH_AHEAD, prefetch):
            summary.candidates += 1
            versions.append(version)
            yield _RecordJob(
                path_of_warc(version.warc_file),
                version.offset,
                version.length,
                version.url,
                version.role,
                version.final_url,
                version.content_type,
                version.link_text,
                region_of_warc(version.warc_file),
            )

    def examined() -> Iterator[tuple[_Version, _Examined | Report | None]]:
        # Versions handed to the pool and not yet answered, in job order (the pool answers in that
        # order), so memory stays flat however large the archive.
        versions: deque[_Version] = deque()
        for _index, result in run_many(
            jobs(versions),
            _read_and_parse,
            workers=workers,
            time_limit=time_limit,
            memory_limit_mb=memory_limit_mb,
            ordered=True,
            queued_per_worker=QUEUED_PER_WORKER,
        ):
            yield versions.popleft(), result

    batch = _Batch(db, parser_version, record)
    # The pool is driven from a thread: while this one waits for a commit's checkpoint (SQLite lets
    # go of the GIL), results are still collected and the workers kept busy.
    for version, result in read_ahead(examined(), RESULTS_AHEAD):
        if result is None:
            continue
        if isinstance(result, Report):  # the pool's own failure: killed for time, died, out of memory
            result = _Examined(result, parsed=True)
        if result.parsed:
            summary.parsed += 1
        batch.add(version, result.report)
    batch.commit()
    summary.phase_seconds["parse"] = time.monotonic() - started - summary.phase_seconds["index"]
    summary.gone = mark_gone_reports(db, data_dir)
    restore_crawl_status(db, data_dir)
    summary.seconds = time.monotonic() - started
    summary.phase_seconds["finish"] = summary.seconds - sum(summary.phase_seconds.values())
    cpu_after = _cpu_seconds()
    summary.parent_cpu_seconds = cpu_after[0] - cpu_before[0]
    summary.worker_cpu_seconds = cpu_after[1] - cpu_before[1]
    return summary


def announced_ahead(items: Iterable[T], count: int, announce: Callable[[T], object]) -> Iterator[T]:
    """Yield ``items`` in order, each after ``announce(item)`` was called ``count`` items earlier
    (when it entered a window of the next ``count`` items), so that its preparation overlaps the
    work on the items before it."""
    coming: deque[T] = deque()
    for item in items:
        announce(item)
        coming.append(item)
        if len(coming) > count:
            yield coming.popleft()
    yield from coming


def _read_in_workers(files: list[FileToIndex], **pool_options) -> Iterator[IndexEntries | None]:
    """The files' index entries, read and hashed on all cores (indexing a fresh archive otherwise
    keeps one core idle: 0.27 ms per record in the parent, half a minute per 100,000 reports)."""
    for _, result in run_many(files, read_index_entries, ordered=True, **pool_options):
        yield None if isinstance(result, Report) else result  # the pool's failure: read it in the parent


def _cpu_seconds() -> tuple[float, float]:
    """(this process, its finished children): user + system CPU seconds so far."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


@dataclass(frozen=True)
class _RecordJob:
    """An archived version to examine in a worker: where its record is and what the index says of it."""

    warc_path: str
    offset: int
    length: int
    url: str
    role: str
    final_url: str
    content_type: str
    link_text: str | None
    region_hint: str | None


@dataclass(frozen=True)
class _Examined:
    report: Report | corpus.PreparedReport
    parsed: bool
    """False for a page the crawler's classifier rejected without parsing it."""


def _read_and_parse(job: _RecordJob) -> _Examined | None:
    """Read the record back, classify an HTML page as the crawler does, parse what may be a report.

    Runs in a parse worker, so the parent only dispatches and writes.  ``None``: nothing to store (a
    record that cannot be read, a page that only links to its report, a navigation page).
    """
    archived = read_record(Path(job.warc_path), job.offset, job.length)
    if archived is None:
        return None
    payload = archived.payload
    page_tree = None
    if _is_html(job.content_type, payload):
        # one decode and one parse serve the classifier and, for a report, the HTML reader
        article, page_tree = read_article_page(job.final_url, payload, job.content_type)
        kind = article.verdict.kind
        if kind == ATTACHMENT_HOLDER or (job.role in ("list", "start") and kind != REPORT):
            return None
        if kind != REPORT:
            rejection = Report(
                status=Status.NOT_A_REPORT,
                status_detail=f"crawler: {kind}, {article.verdict.reason}",
                format="html",
                title=article.title or None,
            )
            return _Examined(rejection, parsed=False)
        filename = "page.html"
    elif job.role in ("list", "start"):
        return None  # a JSON/XML list reply: navigation, never a report
    else:
        filename = _document_filename(job, archived.http_header("Content-Disposition"))
    report = parse_with_conversions(
        payload,
        filename=filename,
        content_type=job.content_type or None,
        url=job.final_url,
        region_hint=job.region_hint,
        html_tree=page_tree,
    )
    return _Examined(corpus.prepare_for_storage(report, job.url), parsed=True)


class _Batch:
    """Writes reports as they come, committing every :data:`BATCH_SIZE` reports or :data:`BATCH_SECONDS`.

    Writing one report at a time lets the parent hand out new documents between two writes (a whole
    batch written at once would leave the workers without work meanwhile).  ``record`` hears of an
    outcome only once it is committed; a kill loses at most the uncommitted reports, which the next
    run parses again.
    """

    def __init__(self, db: sqlite_utils.Database, parser_version: str, record: Callable[[corpus.WriteOutcome], None]):
        self.db = db
        self.parser_version = parser_version
        self.record = record
        self.outcomes: list[corpus.WriteOutcome] = []
        self.opened = 0.0

    def add(self, version: _Version, report: Report | corpus.PreparedReport) -> None:
        if not self.db.conn.in_transaction:
            self.db.conn.execute("BEGIN")
            self.opened = time.monotonic()
        try:
            self.outcomes.append(_store(self.db, version, report, self.parser_version))
        except BaseException:
            self.db.conn.rollback()
            raise
        if len(self.outcomes) >= BATCH_SIZE or time.monotonic() - self.opened >= BATCH_SECONDS:
            self.commit()

    def commit(self) -> None:
        if self.db.conn.in_transaction:
            self.db.conn.commit()
        outcomes, self.outcomes = self.outcomes, []
        for outcome in outcomes:
            self.record(outcome)


def portal_region(warc_path: Path) -> str | None:
    """The division code of the portal a WARC file was crawled for, read from its ``warcinfo`` record.

    It settles county names shared by several places (江北区) for every report of that portal, and
    comes from the archive itself so that a rebuild from WARC alone gives the same regions.
    """
    first = read_record(warc_path, 0)
    if first is None or first.type != "warcinfo":
        return None
    for line in first.raw_payload.decode("utf-8", "replace").splitlines():
        name, _, value = line.partition(":")
        if name.strip() == "xxgknb-portal":
            try:
                portal = json.loads(value)
            except ValueError:
                return None
            code = portal.get("region_code") if isinstance(portal, dict) else None
            return code if isinstance(code, str) and len(code) == 6 and code.isdigit() else None
    return None


def _pending_versions(path: Path, parser_version: str) -> Iterator[_Version]:
    """Archived versions not yet in the corpus at ``path``, per URL oldest first.

    Read through a connection of its own, so that the thread that draws them never shares the
    writer's.
    """
    # The candidates go to a temporary table first and are read back a chunk at a time: a cursor
    # left open on the corpus for the whole build pins the write-ahead log, which then grows by
    # every page the build writes (13 GB at 100,000 reports) instead of being checkpointed.  What
    # is stored for each URL is joined in there too, rather than held in a dict of every URL of the
    # corpus (which grew with the corpus: ~375 MB at 1.5 million reports).
    db = sqlite3.connect(path, timeout=30)
    try:
        yield from _versions_to_examine(db, parser_version)
    finally:
        db.close()


def _versions_to_examine(db: sqlite3.Connection, parser_version: str) -> Iterator[_Version]:
    # In the order of the reports' ids (a URL's versions together, oldest first): every table keyed
    # by report id then grows at its end, where its pages are in the cache already, instead of at a
    # random place of an index far larger than the cache.
    db.create_function("report_id", 1, corpus.report_id, deterministic=True)
    db.execute(
        "CREATE TEMP TABLE pending_versions AS "
        "SELECT w.url, w.final_url, w.warc_file, w.offset, w.length, w.sha256, w.fetched_at, w.portal_id, w.role, "
        "w.content_type, w.link_text, "
        "r.url IS NOT NULL OR d.url IS NOT NULL AS stored, "
        "CASE WHEN r.url IS NOT NULL THEN r.sha256 ELSE d.sha256 END AS stored_sha256, "
        "r.parser_version AS stored_parser_version "
        "FROM warc_records w LEFT JOIN crawl_urls c ON c.url = w.url "
        "LEFT JOIN reports r ON r.url = w.url LEFT JOIN rejected_documents d ON d.url = w.url "
        "WHERE w.status BETWEEN 200 AND 299 AND (w.role IN ('item', 'attachment') "
        # Navigation pages the crawler saw are not reports ('list'); unknown ones (a fresh index) are examined.
        "OR (w.role IN ('list', 'start') AND coalesce(c.verdict, '') != 'list')) "
        "ORDER BY report_id(w.url), w.url, w.fetched_at, w.rowid"
    )
    current_url: str | None = None
    versions: list[_Version] = []
    stored: tuple[str, str | None] | None = None
    for row in _in_chunks(db, "SELECT rowid, * FROM temp.pending_versions WHERE rowid > ? ORDER BY rowid LIMIT ?"):
        version = _Version(*row[:-3])
        if version.url != current_url:
            yield from _unstored(versions, stored, parser_version)
            current_url, versions = version.url, []
            stored = row[-2:] if row[-3] else None
        if not versions or versions[-1].sha256 != version.sha256:
            versions.append(version)
    yield from _unstored(versions, stored, parser_version)


def _in_chunks(db: sqlite3.Connection, query: str, size: int = 2000) -> Iterator[tuple]:
    """The rows of ``query`` (rowid first, then the columns; parameters: last rowid, limit) without
    keeping a statement open between two chunks."""
    last = 0
    while True:
        chunk = db.execute(query, [last, size]).fetchall()
        yield from (row[1:] for row in chunk)
        if len(chunk) < size:
            return
        last = chunk[-1][0]


def _unstored(versions: list[_Version], stored: tuple[str, str | None] | None, parser_version: str) -> list[_Version]:
    """The versions of one URL still to examine, given what is stored for it: (sha256, parser
    version; ``None`` for a rejected document), or ``None`` when nothing is."""
    if not versions:
        return []
    if stored is None:
        return versions
    sha, version_of_parser = stored
    shas = [v.sha256 for v in versions]
    if sha in shas:
        last = len(shas) - 1 - shas[::-1].index(sha)
        later = versions[last + 1 :]
        if later:
            return later
        # Same bytes as stored: parse again only when the parser changed since.
        return [versions[last]] if version_of_parser not in (None, parser_version) else []
    return versions


def _is_html(content_type: str, payload: bytes) -> bool:
    lowered = (content_type or "").lower()
    if any(kind in lowered for kind in _HTML):
        return True
    if lowered and not lowered.startswith(("text/", "application/octet-stream")):
        return False
    head = payload[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<head" in head


def _document_filename(job: _RecordJob, disposition: str | None) -> str:
    """A file name telling the parser the format: Content-Disposition, URL, link text, Content-Type."""
    kind = document_type(job.final_url, job.link_text or "", job.content_type or "", disposition or "")
    name = unquote(urlsplit(job.final_url).path.rsplit("/", 1)[-1]) or "document"
    if kind and not name.lower().endswith(f".{kind}"):
        name = f"{name}.{kind}"
    return name


def _store(
    db: sqlite_utils.Database, version: _Version, report: Report | corpus.PreparedReport, parser_version: str
) -> corpus.WriteOutcome:
    return corpus.write_report(
        db,
        report,
        url=version.url,
        sha256=version.sha256,
        fetched_at=version.fetched_at,
        format=None,  # the parser's
        portal_id=version.portal_id,
        final_url=version.final_url,
        parser_version=parser_version,
    )


def restore_crawl_status(db: sqlite_utils.Database, data_dir: Path) -> int:
    """Fill ``crawls`` (and ``portals``) from the end-of-crawl records when the database lacks them
    (a corpus rebuilt from the WARC files alone); returns how many rows were restored."""
    state = CrawlState(data_dir, db)
    restored = 0
    for warc_file, offset, crawl_id, portal_id in db.execute(
        "SELECT w.warc_file, w.offset, w.crawl_id, w.portal_id FROM warc_records w WHERE w.role = 'crawl-end' "
        "AND NOT EXISTS (SELECT 1 FROM crawls c WHERE c.crawl_id = w.crawl_id AND c.portal_id = w.portal_id "
        "AND c.finished_at IS NOT NULL)"
    ).fetchall():
        end = _crawl_end(data_dir, warc_file, offset)
        if not end or not isinstance(end.get("status"), dict):
            continue
        if isinstance(end.get("portal"), dict) and end["portal"].get("id"):
            state.register_portal(end["portal"])
        status = {k: v for k, v in end["status"].items() if k in _CRAWL_COLUMNS or k == "failures"}
        state.finish_crawl(crawl_id, portal_id, status)
        restored += 1
    return restored


_CRAWL_COLUMNS = {
    "start_url",
    "cms",
    "finished_at",
    "finish_reason",
    "complete",
    "pages_fetched",
    "not_modified",
    "list_pages",
    "reports_found",
    "new_reports",
    "changed_reports",
    "gone_reports",
    "lookalikes_skipped",
    "blocked",
    "blocked_hosts",
}


def mark_gone_reports(db: sqlite_utils.Database, data_dir: Path) -> int:
    """Mark gone what the archive says is gone (see the module docstring); returns how many were marked."""
    latest = _latest_complete_crawls(db, data_dir)
    # One pass over the reports for every portal at once, in portal order so that one listing at a
    # time is held: a query per portal scanned the whole table each time (10 s at 100,000 reports
    # and 368 portals, growing with the square of the corpus).  Marked once the pass is over, so
    # that no statement reads the table while it is written.
    unlisted: list[tuple[str, str]] = []
    listing_of, listed = None, frozenset()
    for url, portal_id, fetched_at in db.execute(
        "SELECT url, portal_id, fetched_at FROM reports WHERE gone = 0 AND portal_id IS NOT NULL ORDER BY portal_id"
    ):
        crawl = latest.get(portal_id)
        if crawl is None:
            continue
        finished_at, ends = crawl
        if fetched_at is not None and fetched_at >= finished_at:
            continue
        if portal_id != listing_of:
            listing_of, listed = portal_id, _listing(data_dir, ends)
        if url not in listed:
            unlisted.append((url, finished_at))
    marked = sum(corpus.mark_gone(db, url, finished_at) for url, finished_at in unlisted)
    for url, fetched_at in db.execute(
        "SELECT r.url, w.fetched_at FROM reports r JOIN warc_records w ON w.url = r.url "
        "WHERE r.gone = 0 AND w.status IN (404, 410) AND w.fetched_at = "
        "(SELECT max(fetched_at) FROM warc_records WHERE url = r.url)"
    ).fetchall():
        if corpus.mark_gone(db, url, fetched_at):
            marked += 1
    return marked


def _latest_complete_crawls(db: sqlite_utils.Database, data_dir: Path) -> dict[str, tuple[str, list[tuple[str, int]]]]:
    """Per portal, its latest complete crawl: (when it finished, where its end records are).

    A crawl shared by several processes (``xxgknb crawl --redis``) leaves one end record per
    process, each listing what that process saw: the crawl's listing is their union, and it is
    complete only when every process completed.  The listings themselves are read later, one
    portal at a time, so that memory does not grow with the corpus.
    """
    crawls: dict[tuple[str, str], tuple[str, list[tuple[str, int]], bool]] = {}
    for warc_file, offset, portal_id, crawl_id, fetched_at in db.execute(
        "SELECT warc_file, offset, portal_id, crawl_id, fetched_at FROM warc_records "
        "WHERE role = 'crawl-end' ORDER BY fetched_at"
    ).fetchall():
        end = _crawl_end(data_dir, warc_file, offset)
        if end is None:
            continue
        _, ends, complete = crawls.get((portal_id, crawl_id), ("", [], True))
        complete = complete and bool(end.get("complete"))
        crawls[(portal_id, crawl_id)] = (fetched_at, [*ends, (warc_file, offset)], complete)
    latest: dict[str, tuple[str, list[tuple[str, int]]]] = {}
    for (portal_id, _crawl), (finished_at, ends, complete) in sorted(crawls.items(), key=lambda item: item[1][0]):
        if complete:
            latest[portal_id] = (finished_at, ends)
    return latest


def _listing(data_dir: Path, ends: list[tuple[str, int]]) -> frozenset[str]:
    """The URLs a crawl's end records list as still linked."""
    listed: set[str] = set()
    for warc_file, offset in ends:
        end = _crawl_end(data_dir, warc_file, offset)
        listed.update((end or {}).get("listed") or ())
    return frozenset(listed)


def _crawl_end(data_dir: Path, warc_file: str, offset: int) -> dict | None:
    """The end-of-crawl record at ``offset`` of ``warc_file``; ``None`` when it cannot be read as one."""
    archived = read_record(data_dir / warc_file, offset)
    if archived is None:
        return None
    try:
        end = json.loads(archived.raw_payload)
    except ValueError:
        return None
    return end if isinstance(end, dict) else None
