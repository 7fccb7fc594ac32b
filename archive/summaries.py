"""Summary tables: the views that aggregate over every report, computed once before serving.

Datasette serves the corpus immutable, with a 1 s SQL time limit; a view such as
``applications_by_province_year`` scans every report and its section 三 rows on each request, which
exceeds the limit on a corpus of tens of thousands of reports.  :func:`refresh_summaries` copies
each view into ``summary_<view>`` (tables created by migration ``m0005_publish_summaries``); the
canned queries and dashboard charts read those, and the views stay for ad-hoc SQL.

The summaries are rebuilt whenever the corpus changed since they were computed: the signature
covers every report's search-index fingerprint (sha256, version, parser version, title, see
``archive.search``) and the columns the views group or filter by.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3

from archive.schema import has_table
from archive.search import REPORT_FINGERPRINT_SQL

STATE_TABLE = "summary_state"
#: Bumped when a summary is added or computed differently: every corpus is then recomputed once.
SUMMARIES_VERSION = "2"

#: The default facets of the reports table page; their counts, over all reports and under each
#: single equality filter on one of them, are precomputed in :data:`FACET_TABLE`.
FACET_COLUMNS = ("province", "year", "level", "body_kind", "template", "status")
FACET_TABLE = "summary_facet_counts"
#: Indexes for the reports table page filtered by one facet column: rows come in primary-key
#: order, so ``where province = ? order by id limit 31`` reads 31 index entries instead of
#: sorting every report of the province (a second at a million reports).
#: The last two serve the canned query ``headline_numbers``: the newest original reports, of one
#: province or not, read in year order from an index (a sort of every report before: 4 s at 1.1 M).
PAGE_INDEXES = {
    **{
        f"publish_reports_{column}_id": (
            f"CREATE INDEX IF NOT EXISTS publish_reports_{column}_id ON reports({column}, id)"
        )
        for column in FACET_COLUMNS
    },
    "publish_reports_original_year": (
        "CREATE INDEX IF NOT EXISTS publish_reports_original_year ON reports(duplicate_of, year)"
    ),
    "publish_reports_original_province_year": (
        "CREATE INDEX IF NOT EXISTS publish_reports_original_province_year ON reports(duplicate_of, province, year)"
    ),
}

#: Views whose queries join the window view ``report_years`` with itself: SQLite recomputes it
#: for every row (quadratic, half a minute at 20,000 reports), so their summaries are computed from
#: the view's own SQL over an indexed temporary copy of ``report_years``.
OVER_REPORT_YEARS = ("carry_over_chain", "missing_report_years")

#: summary table -> the query it holds the result of.
SUMMARIES = {
    "summary_applications_by_province_year": "select * from applications_by_province_year",
    "summary_denial_reasons": "select * from denial_reasons",
    **{f"summary_{view}": f"select * from {view}" for view in OVER_REPORT_YEARS},
    "summary_reports_by_month": "select * from reports_by_month",
    "summary_corpus_totals": (
        "select (select count(*) from reports where duplicate_of is null) as reports,"
        " (select sum(new_received) from applications_by_province_year) as new_received"
    ),
}


def corpus_signature(conn: sqlite3.Connection) -> str:
    """A digest of everything the summaries depend on, report by report."""
    digest = hashlib.sha256(SUMMARIES_VERSION.encode())
    rows = conn.execute(
        f"""
        select r.rowid, r.id, {REPORT_FINGERPRINT_SQL}, r.duplicate_of, r.province, r.year, r.agency,
               r.agency_id, r.published, r.level, r.body_kind, r.template, r.status
        from reports r order by r.rowid
        """
    )
    for row in rows:
        digest.update(repr(row).encode())
    return digest.hexdigest()


def _stored_signature(conn: sqlite3.Connection) -> str | None:
    if not has_table(conn, STATE_TABLE):
        return None
    row = conn.execute(f"select signature from {STATE_TABLE} where name = 'corpus'").fetchone()
    return row[0] if row else None


def is_current(conn: sqlite3.Connection) -> bool:
    """True when the summary tables were computed from the corpus as it is now."""
    stored = _stored_signature(conn)
    return stored is not None and stored == corpus_signature(conn)


def has_page_indexes(conn: sqlite3.Connection) -> bool:
    present = {name for (name,) in conn.execute("select name from sqlite_master where type = 'index'")}
    return set(PAGE_INDEXES) <= present


def refresh_summaries(conn: sqlite3.Connection) -> bool:
    """Recompute every summary table if the corpus changed (one transaction); True when it did.

    Also creates the indexes of the table pages (:data:`PAGE_INDEXES`) where they are missing.
    """
    if not has_page_indexes(conn):
        with conn:
            for create in PAGE_INDEXES.values():
                conn.execute(create)
    signature = corpus_signature(conn)
    if _stored_signature(conn) == signature:
        return False
    with conn:
        conn.execute("drop table if exists temp.report_years_copy")
        conn.execute("create temp table report_years_copy as select * from report_years")
        conn.execute("create index temp.report_years_copy_body_year on report_years_copy(body_key, year)")
        for table, query in SUMMARIES.items():
            view = table.removeprefix("summary_")
            if view in OVER_REPORT_YEARS:
                query = _over_report_years_copy(conn, view)
            conn.execute(f"delete from {table}")
            conn.execute(f"insert into {table} {query}")
        conn.execute("drop table temp.report_years_copy")
        _refresh_facet_counts(conn)
        conn.execute(f"insert or replace into {STATE_TABLE}(name, signature) values ('corpus', ?)", [signature])
    return True


def _over_report_years_copy(conn: sqlite3.Connection, view: str) -> str:
    """The view's own query, reading ``report_years_copy`` instead of the view ``report_years``."""
    definition = conn.execute("select sql from sqlite_master where type = 'view' and name = ?", [view]).fetchone()[0]
    query = re.sub(r"^\s*CREATE\s+VIEW\s+\w+\s+AS\s", "", definition, flags=re.IGNORECASE)
    return re.sub(r"\breport_years\b", "report_years_copy", query)


def _refresh_facet_counts(conn: sqlite3.Connection) -> None:
    """Counts of every default facet over all reports ('' filter) and under each ``column = value``.

    A facet of a million reports takes seconds, beyond Datasette's facet time limit: the table
    page reads these instead when its only filter is one such equality (``publish.facets``).  One
    scan of ``reports`` into a cube of the six columns, then every pair from the cube.
    """
    columns = ", ".join(FACET_COLUMNS)
    conn.execute(
        f"""create table if not exists {FACET_TABLE} (
            filter_column TEXT NOT NULL,    -- '' for all reports
            filter_value TEXT NOT NULL,     -- the value as a query string gives it
            facet_column TEXT NOT NULL,
            value,
            count INTEGER NOT NULL
        )"""
    )
    conn.execute(f"create index if not exists {FACET_TABLE}_lookup "
                 f"on {FACET_TABLE}(filter_column, filter_value, facet_column, count desc, value)")
    conn.execute(f"delete from {FACET_TABLE}")
    conn.execute("drop table if exists temp.facet_cube")
    conn.execute(f"create temp table facet_cube as select {columns}, count(*) as n from reports group by {columns}")
    for facet in FACET_COLUMNS:
        conn.execute(f"insert into {FACET_TABLE} select '', '', '{facet}', {facet}, sum(n) from facet_cube "
                     f"where {facet} is not null group by {facet}")
        for column in FACET_COLUMNS:
            conn.execute(
                f"insert into {FACET_TABLE} select '{column}', cast({column} as text), '{facet}', {facet}, sum(n) "
                f"from facet_cube where {column} is not null and {facet} is not null group by {column}, {facet}"
            )
    conn.execute("drop table temp.facet_cube")
