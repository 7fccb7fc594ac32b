"""Grow a built corpus to N reports by replication, for measuring Datasette at national scale.

    .venv/bin/python benchmarks/scale_db.py --source /tmp/bench100k/data/corpus.db \\
        --out /tmp/scale/corpus-1500k.db --reports 1500000 \\
        --originals-only raw_cell_sets,report_texts,sections

Nobody builds 1.5 million reports from WARC in an afternoon (``docs/scale.md``: ≈ 5.5 h on two
cores), but the latency of a facet page or a search depends on the size and shape of the tables
and the search index, not on how the rows got there.  This script copies ``--source`` (never
touching it) to ``--out`` and appends copies of its reports until there are ``--reports`` of them,
then prepares the file for publishing exactly as ``xxgknb serve`` / ``xxgknb snapshot`` do
(``publish.serve.prepare_corpus``: schema, search index current, summary tables, checkpoint).

What a replica is.  Copy *k* of a report gets the URL ``<url>?xxgknb_replica=k`` (``&`` when the
URL has a query) and, as every report, the id ``sha256(url)[:16]``; its own body (agency id
``sha256(agency_id|replica k)[:16]``, with a row in ``agencies``), its own document hash (so it is
not a byte-duplicate of the original; a duplicate in the source stays a duplicate of the same
copy's report), the original's province, city, county, level, kind, year, template, status and
dates.  Every table keyed by ``report_id`` is copied row for row (applications, active_disclosure,
review_litigation, validation_issues, parse_notes, report_versions, and raw_cell_sets, report_texts and
sections unless named in ``--originals-only``).  Not copied: ``rejected_documents`` (not reports)
and the crawl state (``warc_records``, ``crawl_urls``, …), which serving never reads.

What replication models, and what it does not:

* facets, filters and counts see realistic distributions: the source corpus already spans every
  province, level, kind of body and year, and each copy keeps them, so every facet value has
  N / n times as many rows (and 31 provinces × 15 years of bodies become N / n times as many bodies);
* the search index gets one entry per report built from the original's title and text with
  ``archive.search.index_tokens``, so every posting list grows N / n times, as it would with more
  reports of the same kind; the **vocabulary does not grow** (no new words, place or agency names),
  so rare queries stay exactly as rare in proportion, where a real corpus would add new rare words;
* a table named in ``--originals-only`` (to fit the disk: raw_cell_sets, report_texts and sections are
  70 % of the file) keeps only the source's rows, so a copy's report page shows no section texts
  or cell sources; time report pages of source reports (their rows live in the full-size indexes
  of every other table).  The search index is unaffected: it is built from the original's text;
* the file is written in bulk (secondary indexes dropped and recreated), so its pages are less
  fragmented than a corpus grown over years of crawls; the summary tables, the search index
  (``optimize``d) and the checkpoint are what ``xxgknb serve`` would produce.

``--numbers-only`` makes the numbers-only edition instead (texts and search index dropped, as
``xxgknb snapshot`` does, but without VACUUM): the facet pages, canned queries and report pages
at a size whose search index would take too long to build.  The search index costs ~1 ms of CPU
per report (``index_tokens`` once per source report, then FTS5 per copy), so it is built in a
second process while the first copies rows.  A run stopped between two copies (each copy is one
transaction) is completed with ``--finish --numbers-only``: the dropped indexes, the edition, the
summaries.

Prints the time of each step and the final file size; refuses to start when the estimated file
would leave less than ``--min-free-gb`` free on the output's file system.
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import shutil
import sqlite3
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from archive.search import REPORT_FINGERPRINT_SQL, SEARCH_TABLE, STATE_TABLE, index_tokens  # noqa: E402
from archive.snapshot import TEXT_TABLES  # noqa: E402
from publish.serve import prepare_corpus  # noqa: E402

#: Derived (rebuilt by prepare_corpus, like the summary_* tables) or not about a report.
NOT_REPLICATED = {STATE_TABLE, "rejected_documents"}
#: Rows of the search index written per transaction.
FTS_BATCH = 2000


def _say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def _hash16(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def replica_url(url: str, copy: int) -> str:
    return f"{url}{'&' if '?' in url else '?'}xxgknb_replica={copy}"


def report_tables(conn: sqlite3.Connection) -> list[str]:
    """Tables with one or more rows per report (a ``report_id`` column), except derived ones."""
    rows = conn.execute(
        "select m.name from sqlite_master m join pragma_table_info(m.name) p "
        "where m.type = 'table' and p.name = 'report_id' order by m.name"
    )
    return [name for (name,) in rows if name not in NOT_REPLICATED and not name.startswith("summary_")]


def columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f"select * from pragma_table_info('{table}')")]


def estimate_bytes(conn: sqlite3.Connection, reports: int, originals_only: set[str]) -> int:
    """Size of the grown file: every replicated table and index grows by reports / source reports."""
    source_reports = conn.execute("select count(*) from reports").fetchone()[0]
    fixed = 0
    grown = 0
    tables = {name: tbl for name, tbl in conn.execute("select name, tbl_name from sqlite_master")}
    for name, size in conn.execute("select name, sum(pgsize) from dbstat group by name"):
        owner = tables.get(name, name)
        replicated = owner in ("reports", "agencies") or owner.startswith(SEARCH_TABLE) or (
            owner in report_tables(conn) and owner not in originals_only
        )
        if replicated:
            grown += size
        else:
            fixed += size
    return fixed + grown * reports // source_reports


def grow(out: Path, reports: int, originals_only: set[str]) -> int:
    """Append the copies; returns the largest rowid of a source report."""
    conn = sqlite3.connect(out, isolation_level=None)
    conn.execute("pragma journal_mode = delete")
    conn.execute("pragma synchronous = off")
    conn.execute("pragma cache_size = -2000000")  # 2 GB: the primary-key indexes stay in memory
    conn.execute("pragma temp_store = file")
    source_reports, last_source_rowid = conn.execute("select count(*), max(rowid) from reports").fetchone()
    if reports <= source_reports:
        raise SystemExit(f"{out}: already {source_reports:,} reports, nothing to add for --reports {reports:,}")
    originals = conn.execute("select rowid, id, url, agency_id, sha256 from reports order by rowid").fetchall()
    copies = -(-(reports - source_reports) // source_reports)
    tables = [table for table in report_tables(conn) if table not in originals_only]
    _say(f"{source_reports:,} source reports; {copies} copies → {reports:,}; copying rows of: "
         f"reports, agencies, {', '.join(tables)}")

    secondary = conn.execute(
        "select name, sql from sqlite_master where type = 'index' and sql is not null "
        f"and tbl_name in ({', '.join('?' * (len(tables) + 1))})",
        ["reports", *tables],
    ).fetchall()
    for name, _ in secondary:
        conn.execute(f'drop index "{name}"')

    conn.execute("create temp table replica_ids (copy integer, old text primary key, new text, url text, "
                 "agency_id text, sha256 text) without rowid")
    conn.execute("create temp table replica_agencies (old text primary key, new text) without rowid")
    report_columns = columns(conn, "reports")
    replaced = {"id": "m.new", "url": "m.url", "agency_id": "m.agency_id", "sha256": "m.sha256",
                "final_url": "case when r.final_url is null then null else m.url end",
                "duplicate_of": "(select d.new from replica_ids d where d.old = r.duplicate_of)"}
    report_select = ", ".join(replaced.get(column, f"r.{column}") for column in report_columns)
    agency_columns = columns(conn, "agencies")
    agency_select = ", ".join("a2.new" if column == "id" else f"a.{column}" for column in agency_columns)
    # Rows appended by a copy must not be copied again: only rows up to the source's last rowid.
    source_rowids = {table: conn.execute(f"select coalesce(max(rowid), 0) from {table}").fetchone()[0]
                     for table in tables}
    added = 0
    started = time.perf_counter()
    for copy in range(1, copies + 1):
        wanted = min(source_reports, reports - source_reports * copy)
        batch = originals[:wanted]
        conn.execute("begin")
        conn.execute("delete from replica_ids")
        conn.execute("delete from replica_agencies")
        ids = [(copy, report_id, _hash16(replica_url(url, copy)), replica_url(url, copy),
                _hash16(f"{agency_id}|replica {copy}") if agency_id else None,
                hashlib.sha256(f"{sha256}|replica {copy}".encode()).hexdigest())
               for _, report_id, url, agency_id, sha256 in batch]
        conn.executemany("insert into replica_ids values (?, ?, ?, ?, ?, ?)", ids)
        conn.execute(
            f"insert into replica_agencies select distinct r.agency_id, m.agency_id from reports r "
            f"join replica_ids m on m.old = r.id where r.rowid <= {last_source_rowid} and r.agency_id is not null"
        )
        conn.execute(f"insert into agencies select {agency_select} from agencies a "
                     "join replica_agencies a2 on a2.old = a.id")
        conn.execute(f"insert into reports ({', '.join(report_columns)}) select {report_select} from reports r "
                     f"join replica_ids m on m.old = r.id where r.rowid <= {last_source_rowid} order by r.rowid")
        for table in tables:
            table_columns = columns(conn, table)
            select = ", ".join("m.new" if column == "report_id" else f"t.{column}" for column in table_columns)
            conn.execute(f"insert into {table} select {select} from {table} t "
                         f"join replica_ids m on m.old = t.report_id where t.rowid <= {source_rowids[table]}")
        conn.execute("commit")
        added += len(batch)
        _say(f"copy {copy}/{copies}: {source_reports + added:,} reports, {time.perf_counter() - started:.0f} s")
    started = time.perf_counter()
    for _, sql in secondary:
        conn.execute(sql)
    _say(f"recreated {len(secondary)} secondary indexes in {time.perf_counter() - started:.0f} s")
    conn.close()
    return last_source_rowid


def expected_rowid(last_source_rowid: int, source_reports: int, copy: int, position: int) -> int:
    """Rowid of copy ``copy`` of the source report at ``position`` (0-based, in rowid order).

    Copies are appended in that order to a table whose rowids are ``1..last_source_rowid``, so
    SQLite gives each the next rowid: the search index can be built beside the copying.
    """
    return last_source_rowid + (copy - 1) * source_reports + position + 1


def build_side_index(source: Path, side: Path, reports: int) -> None:
    """The whole search index of the grown corpus, in its own file (a second process).

    Every report, source or copy, is indexed with the tokens of its source report's title and
    text (``archive.search.index_tokens``), under the rowid it gets in the grown corpus.
    """
    started = time.perf_counter()
    conn = sqlite3.connect(f"file:{source.resolve()}?immutable=1", uri=True)
    definition = conn.execute("select sql from sqlite_master where name = ?", [SEARCH_TABLE]).fetchone()[0]
    source_reports, last_source_rowid = conn.execute("select count(*), max(rowid) from reports").fetchone()
    tokens = [
        (rowid, index_tokens(title), index_tokens(body))
        for rowid, title, body in conn.execute(
            "select report_rowid, title, body from report_search_source order by report_rowid")
    ]
    conn.close()
    _say(f"side index: tokens of {len(tokens):,} source reports in {time.perf_counter() - started:.0f} s")
    out = sqlite3.connect(side, isolation_level=None)
    out.execute("pragma journal_mode = off")
    out.execute("pragma synchronous = off")
    out.execute(definition)
    copies = -(-(reports - source_reports) // source_reports)
    out.execute("begin")
    out.executemany(f"insert into {SEARCH_TABLE}(rowid, title, text) values (?, ?, ?)", tokens)
    out.execute("commit")
    for copy in range(1, copies + 1):
        wanted = min(source_reports, reports - source_reports * copy)
        for first in range(0, wanted, FTS_BATCH):
            out.execute("begin")
            out.executemany(
                f"insert into {SEARCH_TABLE}(rowid, title, text) values (?, ?, ?)",
                [(expected_rowid(last_source_rowid, source_reports, copy, position), title, text)
                 for position, (_, title, text) in enumerate(tokens[first:min(first + FTS_BATCH, wanted)],
                                                             start=first)],
            )
            out.execute("commit")
        _say(f"side index: copy {copy}/{copies}, {time.perf_counter() - started:.0f} s")
    optimizing = time.perf_counter()
    out.execute(f"insert into {SEARCH_TABLE}({SEARCH_TABLE}) values ('optimize')")
    out.close()
    _say(f"side index: optimized in {time.perf_counter() - optimizing:.0f} s; "
         f"{side.stat().st_size / 1e9:.1f} GB, {time.perf_counter() - started:.0f} s in all")


def install_side_index(out: Path, side: Path, last_source_rowid: int) -> None:
    """Replace the corpus's search index by the side file's, and mark every report indexed."""
    started = time.perf_counter()
    conn = sqlite3.connect(out, isolation_level=None)
    conn.execute("pragma synchronous = off")
    source_reports = conn.execute(f"select count(*) from reports where rowid <= {last_source_rowid}").fetchone()[0]
    first, last, count = conn.execute(f"select min(rowid), max(rowid), count(*) from reports "
                                      f"where rowid > {last_source_rowid}").fetchone()
    if (first, last) != (expected_rowid(last_source_rowid, source_reports, 1, 0), last_source_rowid + count):
        raise SystemExit(f"{out}: copies got rowids {first}..{last}, not the ones the search index was built for")
    conn.execute("attach database ? as side", [str(side)])
    conn.execute("begin")
    shadow_tables = [name for (name,) in conn.execute(
        "select name from side.sqlite_master where type = 'table' and name like ?", [f"{SEARCH_TABLE}_%"])]
    for table in shadow_tables:
        conn.execute(f"delete from main.{table}")
        conn.execute(f"insert into main.{table} select * from side.{table}")
    conn.execute(f"insert into {STATE_TABLE}(report_rowid, report_id, fingerprint) "
                 f"select r.rowid, r.id, {REPORT_FINGERPRINT_SQL} from reports r where r.rowid > {last_source_rowid}")
    conn.execute("commit")
    conn.execute("detach database side")
    conn.close()
    side.unlink()
    _say(f"search index installed ({', '.join(shadow_tables)}) in {time.perf_counter() - started:.0f} s")


def strip_to_numbers_edition(out: Path) -> None:
    """Drop what the numbers-only snapshot leaves out (``archive.snapshot``): texts and search index.

    Unlike ``xxgknb snapshot`` it neither rewrites ``report_versions.rows_json`` nor VACUUMs (that
    would need the file's size again in free space): the dropped pages stay free in the file.
    """
    started = time.perf_counter()
    conn = sqlite3.connect(out, isolation_level=None)
    existing = {name for (name,) in conn.execute("select name from sqlite_master where type in ('table', 'view')")}
    conn.execute("begin")
    for view in ("report_search_source",):
        if view in existing:
            conn.execute(f"drop view [{view}]")
    for table in (SEARCH_TABLE, STATE_TABLE, *TEXT_TABLES):
        if table in existing:
            conn.execute(f"drop table [{table}]")
    conn.execute("commit")
    conn.close()
    _say(f"numbers-only edition: dropped texts and search index in {time.perf_counter() - started:.0f} s")


def recreate_missing_indexes(out: Path, source: Path) -> None:
    """After an interrupted run (``--finish``): the source's indexes that the bulk load dropped."""
    started = time.perf_counter()
    conn = sqlite3.connect(f"file:{source.resolve()}?immutable=1", uri=True)
    wanted = conn.execute("select name, sql from sqlite_master where type = 'index' and sql is not null").fetchall()
    conn.close()
    conn = sqlite3.connect(out, isolation_level=None)
    present = {name for (name,) in conn.execute("select name from sqlite_master where type = 'index'")}
    missing = [(name, sql) for name, sql in wanted if name not in present]
    for _, sql in missing:
        conn.execute(sql)
    count = conn.execute("select count(*) from reports").fetchone()[0]
    conn.close()
    _say(f"{out}: {count:,} reports; recreated {len(missing)} indexes in {time.perf_counter() - started:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, required=True, help="a built corpus (only read)")
    parser.add_argument("--out", type=Path, required=True, help="the grown corpus (must not exist)")
    parser.add_argument("--reports", type=int, default=1_500_000)
    parser.add_argument("--originals-only", default="",
                        help="comma-separated tables whose rows are not copied "
                        "(e.g. raw_cell_sets,report_texts,sections)")
    parser.add_argument("--min-free-gb", type=float, default=15.0)
    parser.add_argument("--finish", action="store_true",
                        help="finish an --out whose run was stopped between two copies: indexes, edition, prepare")
    parser.add_argument("--numbers-only", action="store_true",
                        help="the numbers-only edition: no texts, no search index (facets, queries, report pages)")
    args = parser.parse_args()
    originals_only = {name for name in args.originals_only.split(",") if name}
    if args.finish:
        if not args.numbers_only:
            raise SystemExit("--finish: only for --numbers-only (a search index needs every copy)")
        begun = time.perf_counter()
        recreate_missing_indexes(args.out, args.source)
        strip_to_numbers_edition(args.out)
        prepare_corpus(args.out)
        _say(f"prepare_corpus in {time.perf_counter() - begun:.0f} s; {args.out.stat().st_size / 1e9:.2f} GB")
        return
    if args.out.exists():
        raise SystemExit(f"{args.out}: exists; remove it or choose another --out")
    source = sqlite3.connect(f"file:{args.source.resolve()}?immutable=1", uri=True)
    unknown = originals_only - set(report_tables(source))
    if unknown:
        raise SystemExit(f"--originals-only: no table {', '.join(sorted(unknown))} with a report_id in {args.source}")
    estimate = estimate_bytes(source, args.reports, originals_only)
    source.close()
    free = shutil.disk_usage(args.out.parent).free
    _say(f"estimated size {estimate / 1e9:.1f} GB; {free / 1e9:.1f} GB free on {args.out.parent}")
    if free - estimate < args.min_free_gb * 1e9:
        raise SystemExit(f"{args.out}: would leave {(free - estimate) / 1e9:.1f} GB free (< --min-free-gb "
                         f"{args.min_free_gb}); use fewer --reports or --originals-only")
    begun = time.perf_counter()
    shutil.copyfile(args.source, args.out)
    _say(f"copied {args.source} in {time.perf_counter() - begun:.0f} s")
    if args.numbers_only:
        grow(args.out, args.reports, originals_only)
        strip_to_numbers_edition(args.out)
    else:
        side = args.out.with_name(args.out.name + ".search-index")
        side.unlink(missing_ok=True)
        # The search index takes as long as all the rest: built by a second process meanwhile.
        indexer = multiprocessing.Process(target=build_side_index, args=(args.source, side, args.reports))
        indexer.start()
        last_source_rowid = grow(args.out, args.reports, originals_only)
        indexer.join()
        if indexer.exitcode != 0:
            raise SystemExit(f"{side}: building the search index failed (exit code {indexer.exitcode})")
        install_side_index(args.out, side, last_source_rowid)
    started = time.perf_counter()
    prepare_corpus(args.out)
    _say(f"prepare_corpus (schema, search index check, summary tables, checkpoint) in "
         f"{time.perf_counter() - started:.0f} s")
    _say(f"done: {args.out}, {args.out.stat().st_size / 1e9:.2f} GB, {time.perf_counter() - begun:.0f} s in all")


if __name__ == "__main__":
    main()
