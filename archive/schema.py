"""The corpus schema, as ordered migrations (sqlite-utils ``Migrations``).

Table and column names of ``shared/spec/report-schema.md`` are a public contract: add tables
and columns in new migrations, never rename or drop what a released migration created, and
never edit a migration after it has landed.

Design choices a reader of the database should know:

* ``reports`` holds the *current* version of each report, one row per source URL; ``id`` is a
  stable 16-hex id derived from the URL, so rebuilding the corpus from the archive, or merging
  archives made on several machines, yields the same ids.  Earlier versions live in
  ``report_versions`` with their rows kept as JSON, so the canonical tables always describe
  exactly the reports in ``reports``.
* Documents that are not reports, or could not be read, go to ``rejected_documents`` with the
  reason, never into ``reports``.
* Full texts live in ``report_texts`` and ``sections`` so that the numbers-only snapshot can
  drop them.
"""

from __future__ import annotations

import sqlite_utils
from sqlite_utils.migrations import Migrations

migrations = Migrations("xxgknb")


@migrations()
def m0001_core(db: sqlite_utils.Database) -> None:
    db.executescript(
        """
        CREATE TABLE regions (
            code TEXT PRIMARY KEY,          -- 6-digit 行政区划代码
            name TEXT NOT NULL,
            level TEXT NOT NULL,            -- province | prefecture | county
            province TEXT,
            city TEXT,
            county TEXT
        );

        CREATE TABLE agencies (
            id TEXT PRIMARY KEY,            -- 16 hex of sha256(region_code + '|' + name)
            name TEXT NOT NULL,
            region_code TEXT REFERENCES regions(code),
            province TEXT,
            city TEXT,
            county TEXT,
            level TEXT,
            body_kind TEXT
        );

        CREATE TABLE reports (
            id TEXT PRIMARY KEY,            -- 16 hex of sha256(url)
            url TEXT NOT NULL UNIQUE,
            final_url TEXT,
            title TEXT,
            year INTEGER,
            agency TEXT,
            agency_id TEXT REFERENCES agencies(id),
            province TEXT,
            city TEXT,
            county TEXT,
            region_code TEXT REFERENCES regions(code),
            level TEXT,
            body_kind TEXT,
            template TEXT,
            published TEXT,
            status TEXT NOT NULL,
            status_detail TEXT,
            format TEXT,
            sha256 TEXT NOT NULL,           -- of the document bytes this row was parsed from
            version INTEGER NOT NULL DEFAULT 1,
            fetched_at TEXT,                -- when the bytes were fetched (import: file mtime)
            portal_id TEXT,                 -- registry id of the portal it was crawled from, NULL for imports
            gone INTEGER NOT NULL DEFAULT 0,
            gone_since TEXT,
            duplicate_of TEXT REFERENCES reports(id),  -- same bytes first seen under another URL
            issue_count INTEGER NOT NULL DEFAULT 0,
            parser_version TEXT
        );

        CREATE TABLE report_texts (
            report_id TEXT PRIMARY KEY REFERENCES reports(id),
            text TEXT NOT NULL
        );

        CREATE TABLE sections (
            report_id TEXT NOT NULL REFERENCES reports(id),
            number INTEGER NOT NULL,        -- 1..6 for 一..六
            heading TEXT,
            text TEXT,
            PRIMARY KEY (report_id, number)
        );

        CREATE TABLE active_disclosure (
            report_id TEXT NOT NULL REFERENCES reports(id),
            item TEXT NOT NULL,
            category TEXT NOT NULL,
            metric TEXT NOT NULL,
            value REAL,
            raw TEXT,
            category_label TEXT,
            metric_label TEXT,
            source TEXT,
            PRIMARY KEY (report_id, item, category, metric)
        );

        CREATE TABLE applications (
            report_id TEXT NOT NULL REFERENCES reports(id),
            row_index INTEGER NOT NULL,     -- position in the printed table
            row_key TEXT NOT NULL,
            row_label TEXT,
            natural_person REAL,
            commercial_enterprise REAL,
            research_institution REAL,
            social_welfare_org REAL,
            legal_service_org REAL,
            other_org REAL,
            total REAL,
            PRIMARY KEY (report_id, row_index)
        );

        CREATE TABLE review_litigation (
            report_id TEXT NOT NULL REFERENCES reports(id),
            proceeding TEXT NOT NULL,
            upheld REAL,
            corrected REAL,
            other REAL,
            pending REAL,
            total REAL,
            PRIMARY KEY (report_id, proceeding)
        );

        -- Every number of sections 三 and 四 as printed, with where it was read.
        CREATE TABLE raw_cells (
            report_id TEXT NOT NULL REFERENCES reports(id),
            section TEXT NOT NULL,          -- applications | review_litigation
            row_key TEXT NOT NULL,          -- row_index (applications) or proceeding
            column_key TEXT NOT NULL,
            value REAL,
            raw TEXT,
            source TEXT,
            ocr INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (report_id, section, row_key, column_key)
        );

        CREATE TABLE validation_issues (
            report_id TEXT NOT NULL REFERENCES reports(id),
            rule INTEGER NOT NULL,
            location TEXT NOT NULL,
            expected TEXT,
            actual TEXT,
            message TEXT,
            PRIMARY KEY (report_id, rule, location)
        );

        CREATE TABLE parse_notes (
            report_id TEXT NOT NULL REFERENCES reports(id),
            n INTEGER NOT NULL,
            note TEXT NOT NULL,
            PRIMARY KEY (report_id, n)
        );

        CREATE TABLE report_versions (
            report_id TEXT NOT NULL,
            version INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            fetched_at TEXT,
            superseded_at TEXT,             -- NULL for the current version
            title TEXT,
            year INTEGER,
            status TEXT,
            rows_json TEXT,                 -- the canonical rows of this version, kept when superseded
            PRIMARY KEY (report_id, version)
        );

        CREATE TABLE rejected_documents (
            url TEXT PRIMARY KEY,
            sha256 TEXT,
            format TEXT,
            title TEXT,
            status TEXT NOT NULL,           -- not_a_report | error
            reason TEXT NOT NULL,
            seen_at TEXT,                   -- fetched_at of the rejected bytes
            final_url TEXT,
            portal_id TEXT,
            parser_version TEXT,
            report_id TEXT REFERENCES reports(id)  -- set when the URL still holds an earlier report
        );

        -- Lookups the writer makes for every document (idempotence, duplicates) and the
        -- filters every corpus query starts with.
        CREATE INDEX reports_sha256 ON reports(sha256);
        CREATE INDEX reports_duplicate_of ON reports(duplicate_of);
        CREATE INDEX reports_year ON reports(year);
        CREATE INDEX reports_region_code ON reports(region_code);
        CREATE INDEX reports_agency_id ON reports(agency_id);
        CREATE INDEX rejected_documents_sha256 ON rejected_documents(sha256);
        """
    )


def apply(db: sqlite_utils.Database) -> None:
    """Bring ``db`` up to the current schema (idempotent)."""
    migrations.apply(db)
