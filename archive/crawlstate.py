"""What the crawler knows, in SQLite (tables of migration ``m0002_crawl``).

* ``warc_records``: the index of the raw archive, one row per response record.  Written right after
  the record itself; a crawler killed between the two is caught up by :meth:`CrawlState.recover`,
  which also cuts a truncated record off the end of a WARC file.
* ``crawl_urls``: per URL, the last status, digest, validators (ETag / Last-Modified for
  conditional requests), how it was last listed, and the crawler's verdict; this is what makes a
  second crawl fetch only list pages, and a resumed crawl skip what it already has.
* ``crawl_failures`` and ``crawls``: failures with their reason and the status of each crawl.

The spider calls these methods from Scrapy's single thread; every call commits, so a ``kill -9``
loses at most the exchange in flight.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from archive import corpus
from archive.warc import ArchivedRecord, iter_record_heads, read_record

#: WARC-Target-URI prefix of the record closing one portal's crawl (see :mod:`archive.warc`).
CRAWL_END_PREFIX = "urn:xxgknb:crawl:"
#: Reasons with their own column in ``crawls``; other reasons (guards may add some) are still recorded.
FAILURE_REASONS = (
    "http_error",
    "challenge",
    "empty_body",
    "unexpected_structure",
    "timeout",
    "robots",
    # refused by spiders.guards (schema m0004_crawl_guards)
    "off_site",
    "too_large",
    "redirect_loop",
    "soft_404",
    "trap",
)
#: Roles of fetched URLs that are report candidates (the rest are navigation).
CANDIDATE_ROLES = ("item", "attachment")


def warc_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "warc"


def corpus_path(data_dir: Path) -> Path:
    return Path(data_dir) / "corpus.db"


@dataclass(frozen=True)
class Exchange:
    """One archived response, as the index stores it."""

    warc_file: str
    offset: int
    length: int
    record_id: str
    url: str
    final_url: str
    method: str
    status: int
    content_type: str
    sha256: str
    size: int
    fetched_at: str
    portal_id: str | None
    crawl_id: str | None
    role: str | None
    parent_url: str | None = None
    link_text: str | None = None
    etag: str | None = None
    last_modified: str | None = None

    def row(self) -> dict:
        """The exchange as a row of ``warc_records``."""
        fields = dict(self.__dict__)
        for name in _CRAWL_URLS_ONLY:
            fields.pop(name)
        return fields


#: Exchange fields that ``crawl_urls`` keeps and ``warc_records`` does not.
_CRAWL_URLS_ONLY = ("etag", "last_modified")
_WARC_RECORD_COLUMNS = [name for name in Exchange.__dataclass_fields__ if name not in _CRAWL_URLS_ONLY]
#: Built once: a build indexes some 10^5 records with it.
_INSERT_EXCHANGE = (
    f"INSERT OR IGNORE INTO warc_records ({', '.join(_WARC_RECORD_COLUMNS)})"
    f" VALUES ({', '.join('?' * len(_WARC_RECORD_COLUMNS))})"
)


def exchange_from_record(warc_file: str, record: ArchivedRecord) -> Exchange:
    payload_sha256, payload_size = record.payload_digest()
    final_url = record.url
    return Exchange(
        warc_file=warc_file,
        offset=record.offset,
        length=record.length,
        record_id=record.warc_headers.get("WARC-Record-ID", ""),
        url=record.xheader("Original-Url") or final_url,
        final_url=final_url,
        method=record.xheader("Method") or "GET",
        status=record.http_status or 0,
        content_type=record.http_header("Content-Type") or "",
        sha256=payload_sha256,
        size=payload_size,
        fetched_at=record.warc_headers.get("WARC-Date", ""),
        portal_id=record.xheader("Portal"),
        crawl_id=record.xheader("Crawl"),
        role=record.xheader("Role"),
        parent_url=record.xheader("Parent"),
        link_text=record.xheader("Link-Text"),
        etag=record.http_header("ETag"),
        last_modified=record.http_header("Last-Modified"),
    )


@dataclass(frozen=True)
class FileToIndex:
    """A WARC file whose records from byte ``start`` on are missing from the index."""

    path: str
    warc_file: str
    """``path`` as the index names it (relative to the data directory)."""
    start: int


@dataclass(frozen=True)
class IndexEntries:
    """What the index lacks of one file: its responses, and its end-of-crawl records as the
    arguments of :meth:`CrawlState.index_crawl_end`."""

    records: list[Exchange | tuple[str, int, int, str, str]]
    end: int
    """End of the file's last complete record: what follows is a truncated tail."""


def read_index_entries(file: FileToIndex) -> IndexEntries:
    """Read ``file`` from its ``start`` into index entries: from the file's record index as far as it
    vouches, and by reading and hashing the records beyond (the costly part of indexing, done
    without the database so that it can run in another process)."""
    records: list[Exchange | tuple[str, int, int, str, str]] = []
    end = file.start
    for record in iter_record_heads(Path(file.path), file.start):
        end = record.offset + record.length
        if record.type == "response":
            records.append(exchange_from_record(file.warc_file, record))
        elif record.type == "metadata" and record.url.startswith(CRAWL_END_PREFIX):
            records.append(
                (file.warc_file, record.offset, record.length, record.url, record.warc_headers.get("WARC-Date", ""))
            )
    return IndexEntries(records, end)


class CrawlState:
    def __init__(self, data_dir: Path, db: sqlite_utils.Database | None = None):
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.db = db if db is not None else corpus.open_corpus(corpus_path(self.data_dir))

    # ------------------------------------------------------------------ archive index

    def relative(self, path: Path) -> str:
        """``path`` relative to the data directory, as the index names WARC files.

        Symlinks are not followed first: an archive gathered from several machines may link to WARC
        files kept elsewhere."""
        for candidate, base in (
            (Path(os.path.abspath(path)), Path(os.path.abspath(self.data_dir))),
            (Path(path).resolve(), self.data_dir.resolve()),
        ):
            try:
                return candidate.relative_to(base).as_posix()
            except ValueError:
                continue
        raise ValueError(f"{path} is not inside the data directory {self.data_dir}")

    def recover(
        self,
        portal_id: str | None = None,
        skip: Iterable[Path] = (),
        *,
        read_files: Callable[[list[FileToIndex]], Iterable[IndexEntries | None]] | None = None,
    ) -> list[str]:
        """Index the records the index misses and cut a truncated tail off each WARC file (of one
        portal, or all).  Only the part after the last indexed record is read, so this is cheap on
        an archive that is already indexed, and rebuilds the whole index on a fresh database.

        Returns one line per repaired or caught-up file.  ``skip`` names files being written right now.
        ``read_files`` reads the files' new records (:func:`read_index_entries` for each, in order;
        ``None`` for a file it could not read, which is then read here): the build passes one that
        reads them on all cores.
        """
        messages = []
        skipped = {Path(p).resolve() for p in skip}
        folder = warc_dir(self.data_dir) / portal_id if portal_id else warc_dir(self.data_dir)
        indexed_up_to = dict(
            self.db.execute("SELECT warc_file, max(offset + length) FROM warc_records GROUP BY warc_file").fetchall()
        )
        files = []
        for path in sorted(folder.rglob("*.warc.gz")):
            if path.resolve() in skipped:
                continue
            rel = self.relative(path)
            start = indexed_up_to.get(rel) or 0
            if path.stat().st_size > start:  # otherwise indexed to its end: nothing to read or cut
                files.append(FileToIndex(str(path), rel, start))
        read = read_files or (lambda todo: map(read_index_entries, todo))
        for file, entries in zip(files, read(files), strict=True):
            path = Path(file.path)
            added, end = self._store_entries(entries or read_index_entries(file))
            if added:
                messages.append(f"{path}: indexed {added} records missing from the index")
            size = path.stat().st_size
            if end < size:
                with open(path, "r+b") as handle:
                    handle.truncate(end)
                messages.append(f"{path}: cut {size - end} bytes of a truncated record")
        return messages

    def _store_entries(self, entries: IndexEntries) -> tuple[int, int]:
        # One transaction per file, not per record: a fresh build indexes ~10^5 records.  A kill
        # loses the file's rows, and the next run indexes the file again from where its rows end.
        with self.db.atomic():
            for entry in entries.records:
                if isinstance(entry, Exchange):
                    self.index(entry)
                else:
                    self.index_crawl_end(*entry)
        return len(entries.records), entries.end

    def index_crawl_end(self, warc_file: str, offset: int, length: int, target: str, fetched_at: str) -> None:
        """Index an end-of-crawl ``metadata`` record (``urn:xxgknb:crawl:<crawl>:<portal>``)."""
        crawl_id, _, portal_id = target.removeprefix(CRAWL_END_PREFIX).partition(":")
        with corpus.transaction(self.db.conn):
            self.db.execute(
                "INSERT OR IGNORE INTO warc_records (warc_file, offset, length, url, final_url, fetched_at, "
                "portal_id, crawl_id, role) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'crawl-end')",
                [warc_file, offset, length, target, target, fetched_at, portal_id, crawl_id],
            )

    def index(self, exchange: Exchange) -> None:
        row = exchange.row()
        with corpus.transaction(self.db.conn):
            self.db.conn.execute(_INSERT_EXCHANGE, tuple(row.values()))
            if exchange.role == "robots":
                return
            status = exchange.status
            if status == 304:
                self.db.execute(
                    "UPDATE crawl_urls SET last_fetched = ? WHERE url = ?", [exchange.fetched_at, exchange.url]
                )
                return
            self.db.execute(
                """
                INSERT INTO crawl_urls (url, portal_id, role, status, sha256, etag, last_modified, first_seen,
                                        last_fetched)
                VALUES (:url, :portal, :role, :status, :sha, :etag, :lm, :at, :at)
                ON CONFLICT(url) DO UPDATE SET
                    status = excluded.status,
                    sha256 = CASE WHEN excluded.status BETWEEN 200 AND 299 THEN excluded.sha256 ELSE sha256 END,
                    etag = excluded.etag,
                    last_modified = excluded.last_modified,
                    last_fetched = excluded.last_fetched,
                    role = coalesce(role, excluded.role),
                    gone_since = CASE WHEN excluded.status BETWEEN 200 AND 299 THEN NULL ELSE gone_since END
                """,
                {
                    "url": exchange.url,
                    "portal": exchange.portal_id,
                    "role": exchange.role,
                    "status": status,
                    "sha": exchange.sha256,
                    "etag": exchange.etag,
                    "lm": exchange.last_modified,
                    "at": exchange.fetched_at,
                },
            )

    def last_response(self, url: str) -> tuple[bytes, str, str] | None:
        """(body, content type, final URL) of the last successful response for ``url``, read from the
        archive: what a 304 stands for, and what an unchanged page is judged from."""
        row = self.db.execute(
            "SELECT warc_file, offset, content_type, final_url FROM warc_records WHERE url = ? "
            "AND status BETWEEN 200 AND 299 ORDER BY fetched_at DESC, rowid DESC LIMIT 1",
            [url],
        ).fetchone()
        if row is None:
            return None
        record = read_record(self.data_dir / row[0], row[1])
        return (record.payload, row[2] or "", row[3] or url) if record is not None else None

    # ------------------------------------------------------------------ per-URL knowledge

    _KNOWN = ("url", "role", "status", "sha256", "etag", "last_modified", "listed_as", "verdict", "gone_since")

    def known(self, portal_id: str) -> dict[str, dict]:
        rows = self.db.execute(
            f"SELECT {', '.join(self._KNOWN)} FROM crawl_urls WHERE portal_id = ?", [portal_id]
        ).fetchall()
        return {row[0]: dict(zip(self._KNOWN, row, strict=True)) for row in rows}

    def known_url(self, url: str) -> dict | None:
        """What is known about one URL now (whoever archived it: another portal, another process)."""
        row = self.db.execute(f"SELECT {', '.join(self._KNOWN)} FROM crawl_urls WHERE url = ?", [url]).fetchone()
        return dict(zip(self._KNOWN, row, strict=True)) if row else None

    def note_listed(self, url: str, *, portal_id: str, crawl_id: str, listed_as: str | None, at: str) -> None:
        """``url`` is linked from a list of the portal in this crawl (as ``listed_as``)."""
        with self.db.conn:
            self.db.execute(
                """
                INSERT INTO crawl_urls (url, portal_id, first_seen, last_listed_crawl, listed_as)
                VALUES (?, ?, ?, ?, ?)
                ON CONFLICT(url) DO UPDATE SET last_listed_crawl = excluded.last_listed_crawl,
                    listed_as = coalesce(excluded.listed_as, listed_as)
                """,
                [url, portal_id, at, crawl_id, listed_as],
            )

    def set_listed_as(self, url: str, listed_as: str) -> None:
        with self.db.conn:
            self.db.execute("UPDATE crawl_urls SET listed_as = ? WHERE url = ?", [listed_as, url])

    def set_verdict(self, url: str, verdict: str) -> None:
        with self.db.conn:
            self.db.execute("UPDATE crawl_urls SET verdict = ? WHERE url = ?", [verdict, url])

    def unlisted(self, portal_id: str, crawl_id: str) -> list[str]:
        """Report candidates of the portal fetched before but not linked in crawl ``crawl_id``."""
        rows = self.db.execute(
            "SELECT url FROM crawl_urls WHERE portal_id = ? AND role IN ('item', 'attachment') "
            "AND status BETWEEN 200 AND 299 AND gone_since IS NULL "
            "AND (last_listed_crawl IS NULL OR last_listed_crawl != ?)",
            [portal_id, crawl_id],
        ).fetchall()
        return [row[0] for row in rows]

    def mark_gone(self, urls: Iterable[str], when: str) -> None:
        with self.db.conn:
            for url in urls:
                self.db.execute(
                    "UPDATE crawl_urls SET gone_since = ? WHERE url = ? AND gone_since IS NULL", [when, url]
                )

    # ------------------------------------------------------------------ crawl status

    def register_portal(self, portal: dict) -> None:
        with self.db.conn:
            self.db["portals"].upsert(portal, pk="id")

    def start_crawl(self, crawl_id: str, portal_id: str, *, start_url: str, cms: str | None, at: str) -> None:
        with self.db.conn:
            self.db["crawls"].upsert(
                {"crawl_id": crawl_id, "portal_id": portal_id, "start_url": start_url, "cms": cms, "started_at": at},
                pk=("crawl_id", "portal_id"),
            )

    def record_failure(self, crawl_id: str, portal_id: str, url: str, reason: str, detail: str, at: str) -> None:
        with self.db.conn:
            self.db.execute(
                "INSERT OR REPLACE INTO crawl_failures (crawl_id, portal_id, url, reason, detail, at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [crawl_id, portal_id, url, reason, detail[:500], at],
            )

    def failure_counts(self, crawl_id: str, portal_id: str) -> dict[str, int]:
        rows = self.db.execute(
            "SELECT reason, count(*) FROM crawl_failures WHERE crawl_id = ? AND portal_id = ? GROUP BY reason",
            [crawl_id, portal_id],
        ).fetchall()
        counts = dict.fromkeys(FAILURE_REASONS, 0)
        counts.update(dict(rows))
        return counts

    def failure_columns(self, counts: dict[str, int]) -> dict[str, int]:
        return {f"failures_{reason}": counts.get(reason, 0) for reason in FAILURE_REASONS}

    def finish_crawl(self, crawl_id: str, portal_id: str, status: dict) -> None:
        status = dict(status)
        counts = status.pop("failures", None) or self.failure_counts(crawl_id, portal_id)
        row = {"crawl_id": crawl_id, "portal_id": portal_id, **status}
        row.update(self.failure_columns(counts))
        if isinstance(row.get("blocked_hosts"), list | tuple):
            row["blocked_hosts"] = json.dumps(row["blocked_hosts"]) if row["blocked_hosts"] else None
        with self.db.conn:
            self.db["crawls"].upsert(row, pk=("crawl_id", "portal_id"))
