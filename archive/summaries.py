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
import sqlite3

from archive.search import REPORT_FINGERPRINT_SQL

STATE_TABLE = "summary_state"

#: summary table -> the query it holds the result of.
SUMMARIES = {
    "summary_applications_by_province_year": "select * from applications_by_province_year",
    "summary_denial_reasons": "select * from denial_reasons",
    "summary_carry_over_chain": "select * from carry_over_chain",
    "summary_missing_report_years": "select * from missing_report_years",
    "summary_reports_by_month": "select * from reports_by_month",
    "summary_corpus_totals": (
        "select (select count(*) from reports where duplicate_of is null) as reports,"
        " (select sum(new_received) from applications_by_province_year) as new_received"
    ),
}


def corpus_signature(conn: sqlite3.Connection) -> str:
    """A digest of everything the summaries depend on, report by report."""
    digest = hashlib.sha256()
    rows = conn.execute(
        f"""
        select r.rowid, r.id, {REPORT_FINGERPRINT_SQL}, r.duplicate_of, r.province, r.year, r.agency,
               r.agency_id, r.published
        from reports r order by r.rowid
        """
    )
    for row in rows:
        digest.update(repr(row).encode())
    return digest.hexdigest()


def _stored_signature(conn: sqlite3.Connection) -> str | None:
    exists = conn.execute("select 1 from sqlite_master where type = 'table' and name = ?", [STATE_TABLE]).fetchone()
    if exists is None:
        return None
    row = conn.execute(f"select signature from {STATE_TABLE} where name = 'corpus'").fetchone()
    return row[0] if row else None


def is_current(conn: sqlite3.Connection) -> bool:
    """True when the summary tables were computed from the corpus as it is now."""
    stored = _stored_signature(conn)
    return stored is not None and stored == corpus_signature(conn)


def refresh_summaries(conn: sqlite3.Connection) -> bool:
    """Recompute every summary table if the corpus changed (one transaction); True when it did."""
    signature = corpus_signature(conn)
    if _stored_signature(conn) == signature:
        return False
    with conn:
        for table, query in SUMMARIES.items():
            conn.execute(f"delete from {table}")
            conn.execute(f"insert into {table} {query}")
        conn.execute(f"insert or replace into {STATE_TABLE}(name, signature) values ('corpus', ?)", [signature])
    return True
