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

import sqlite3

import sqlite_utils
from sqlite_utils.migrations import Migrations

migrations = Migrations("xxgknb")


def has_table(conn: sqlite3.Connection, name: str) -> bool:
    """Whether the corpus has table ``name``: editions differ (the numbers-only snapshot has no
    texts, a corpus not yet prepared for publishing has no summaries or search index)."""
    return conn.execute("select 1 from sqlite_master where type = 'table' and name = ?", [name]).fetchone() is not None


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
            status TEXT NOT NULL,           -- not_a_report | error | needs_ocr | needs_converter
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


@migrations()
def m0003_publish(db: sqlite_utils.Database) -> None:
    """What publishing needs: the bigram search index (``archive.search``), facet indexes, a codebook
    of section 三 rows, and the views researchers ask for (documented in ``metadata.json``)."""
    db.executescript(
        """
        -- Contentless: it stores only the index of bigram tokens (archive/search.py), rowid = reports.rowid.
        -- The trailing comment is how datasette-search-all recognises it as the index of reports.
        CREATE VIRTUAL TABLE reports_fts USING fts5(
            title, text, content='', tokenize="unicode61 remove_diacritics 0" /* content="reports" */
        );
        CREATE TABLE reports_fts_state (
            report_rowid INTEGER PRIMARY KEY,
            report_id TEXT NOT NULL,
            fingerprint TEXT NOT NULL
        );

        CREATE INDEX publish_reports_province ON reports(province);
        CREATE INDEX publish_reports_level ON reports(level);
        CREATE INDEX publish_reports_body_kind ON reports(body_kind);
        CREATE INDEX publish_reports_template ON reports(template);
        CREATE INDEX publish_reports_status ON reports(status);
        CREATE INDEX publish_reports_published ON reports(published);
        CREATE INDEX publish_reports_province_year ON reports(province, year);
        CREATE INDEX publish_applications_row_key ON applications(report_id, row_key);
        CREATE INDEX publish_validation_issues_rule ON validation_issues(rule);

        CREATE TABLE application_rows (
            row_key TEXT PRIMARY KEY,
            position INTEGER NOT NULL,
            outcome TEXT NOT NULL,          -- intake | granted | denied | unavailable | rejected | other | total | carried_forward
            label_zh TEXT NOT NULL,
            label_en TEXT NOT NULL,
            template TEXT NOT NULL          -- both | 2019 | 2021
        );
        INSERT INTO application_rows VALUES
            ('new_received', 1, 'intake', '一、本年新收政府信息公开申请数量', 'New applications received this year', 'both'),
            ('carried_over', 2, 'intake', '二、上年结转政府信息公开申请数量', 'Applications carried over from last year', 'both'),
            ('granted', 3, 'granted', '（一）予以公开', 'Granted in full', 'both'),
            ('partially_granted', 4, 'granted', '（二）部分公开', 'Granted in part', 'both'),
            ('denied_state_secret', 5, 'denied', '（三）不予公开 1.属于国家秘密', 'Denied: state secret', 'both'),
            ('denied_prohibited_by_law', 6, 'denied', '2.其他法律行政法规禁止公开', 'Denied: prohibited by other laws', 'both'),
            ('denied_security_stability', 7, 'denied', '3.危及“三安全一稳定”', 'Denied: endangers security or stability', 'both'),
            ('denied_third_party_rights', 8, 'denied', '4.保护第三方合法权益', 'Denied: third-party rights', 'both'),
            ('denied_internal_affairs', 9, 'denied', '5.属于三类内部事务信息', 'Denied: internal affairs', 'both'),
            ('denied_process_information', 10, 'denied', '6.属于四类过程性信息', 'Denied: process information', 'both'),
            ('denied_enforcement_files', 11, 'denied', '7.属于行政执法案卷', 'Denied: law-enforcement files', 'both'),
            ('denied_administrative_query', 12, 'denied', '8.属于行政查询事项', 'Denied: administrative query', 'both'),
            ('unavailable_not_held', 13, 'unavailable', '（四）无法提供 1.本机关不掌握相关政府信息', 'Unavailable: not held', 'both'),
            ('unavailable_needs_creation', 14, 'unavailable', '2.没有现成信息需要另行制作', 'Unavailable: would need creating', 'both'),
            ('unavailable_unclear', 15, 'unavailable', '3.补正后申请内容仍不明确', 'Unavailable: still unclear after correction', 'both'),
            ('rejected_petition_complaint', 16, 'rejected', '（五）不予处理 1.信访举报投诉类申请', 'Not processed: petition or complaint', 'both'),
            ('rejected_duplicate', 17, 'rejected', '2.重复申请', 'Not processed: duplicate', 'both'),
            ('rejected_publication', 18, 'rejected', '3.要求提供公开出版物', 'Not processed: asks for publications', 'both'),
            ('rejected_excessive', 19, 'rejected', '4.无正当理由大量反复申请', 'Not processed: excessive repeated requests', 'both'),
            ('rejected_confirmation', 20, 'rejected', '5.要求行政机关确认或重新出具已获取信息', 'Not processed: asks to confirm or re-issue', 'both'),
            ('other_no_correction', 21, 'other', '（六）其他处理 1.申请人无正当理由逾期不补正', 'Other: applicant did not correct in time', '2021'),
            ('other_unpaid_fee', 22, 'other', '2.申请人逾期未按收费通知要求缴纳费用', 'Other: fee not paid', '2021'),
            ('other_other', 23, 'other', '3.其他', 'Other: other', '2021'),
            ('other', 24, 'other', '（六）其他处理', 'Other processing (single row)', '2019'),
            ('total_processed', 25, 'total', '（七）总计', 'Total processed', 'both'),
            ('carried_forward', 26, 'carried_forward', '四、结转下年度继续办理', 'Carried forward to next year', 'both'),
            ('unrecognized', 27, 'unrecognized', '（未识别的行）', 'Row whose label matched no key', 'both');

        -- Text indexed for search; also the reference a plain substring scan is checked against.
        CREATE VIEW report_search_source AS
        SELECT r.rowid AS report_rowid, r.id AS report_id, r.title,
               coalesce(
                   (SELECT t.text FROM report_texts t WHERE t.report_id = r.id),
                   (SELECT group_concat(coalesce(s.heading, '') || char(10) || coalesce(s.text, ''), char(10))
                    FROM sections s WHERE s.report_id = r.id)
               ) AS body
        FROM reports r;

        CREATE VIEW report_headlines AS
        SELECT r.id AS report_id, r.title, r.year, r.agency, r.agency_id, r.province, r.city, r.county, r.level,
               r.body_kind, r.template, r.status, r.published,
               (SELECT sum(coalesce(a.total, 0)) FROM applications a
                 WHERE a.report_id = r.id AND a.row_key = 'new_received') AS new_received,
               (SELECT sum(coalesce(a.total, 0)) FROM applications a
                 WHERE a.report_id = r.id AND a.row_key = 'carried_over') AS carried_over,
               (SELECT sum(coalesce(a.total, 0)) FROM applications a
                 WHERE a.report_id = r.id AND a.row_key = 'granted') AS granted,
               (SELECT sum(coalesce(a.total, 0)) FROM applications a
                 WHERE a.report_id = r.id AND a.row_key = 'partially_granted') AS partially_granted,
               (SELECT sum(coalesce(a.total, 0)) FROM applications a
                 WHERE a.report_id = r.id AND a.row_key GLOB 'denied_*') AS denied,
               (SELECT sum(coalesce(a.total, 0)) FROM applications a
                 WHERE a.report_id = r.id AND a.row_key = 'denied_state_secret') AS denied_state_secret,
               (SELECT sum(coalesce(a.total, 0)) FROM applications a
                 WHERE a.report_id = r.id AND a.row_key = 'denied_prohibited_by_law') AS denied_prohibited_by_law,
               (SELECT sum(coalesce(a.total, 0)) FROM applications a
                 WHERE a.report_id = r.id AND a.row_key = 'denied_security_stability') AS denied_security_stability,
               (SELECT sum(coalesce(a.total, 0)) FROM applications a
                 WHERE a.report_id = r.id AND a.row_key = 'denied_third_party_rights') AS denied_third_party_rights,
               (SELECT sum(coalesce(a.total, 0)) FROM applications a
                 WHERE a.report_id = r.id AND a.row_key = 'denied_internal_affairs') AS denied_internal_affairs,
               (SELECT sum(coalesce(a.total, 0)) FROM applications a
                 WHERE a.report_id = r.id AND a.row_key = 'denied_process_information') AS denied_process_information,
               (SELECT sum(coalesce(a.total, 0)) FROM applications a
                 WHERE a.report_id = r.id AND a.row_key = 'denied_enforcement_files') AS denied_enforcement_files,
               (SELECT sum(coalesce(a.total, 0)) FROM applications a
                 WHERE a.report_id = r.id AND a.row_key = 'denied_administrative_query') AS denied_administrative_query,
               (SELECT sum(coalesce(a.total, 0)) FROM applications a
                 WHERE a.report_id = r.id AND a.row_key GLOB 'unavailable_*') AS unavailable,
               (SELECT sum(coalesce(a.total, 0)) FROM applications a
                 WHERE a.report_id = r.id AND a.row_key GLOB 'rejected_*') AS not_processed,
               (SELECT sum(coalesce(a.total, 0)) FROM applications a
                 WHERE a.report_id = r.id AND a.row_key GLOB 'other*') AS other_processing,
               (SELECT sum(coalesce(a.total, 0)) FROM applications a
                 WHERE a.report_id = r.id AND a.row_key = 'total_processed') AS total_processed,
               (SELECT sum(coalesce(a.total, 0)) FROM applications a
                 WHERE a.report_id = r.id AND a.row_key = 'carried_forward') AS carried_forward,
               (SELECT sum(coalesce(v.total, 0)) FROM review_litigation v
                 WHERE v.report_id = r.id AND v.proceeding = 'administrative_review') AS reviews,
               (SELECT sum(coalesce(v.corrected, 0)) FROM review_litigation v
                 WHERE v.report_id = r.id AND v.proceeding = 'administrative_review') AS reviews_corrected,
               (SELECT sum(coalesce(v.total, 0)) FROM review_litigation v
                 WHERE v.report_id = r.id AND v.proceeding GLOB 'litigation_*') AS lawsuits,
               (SELECT sum(coalesce(v.corrected, 0)) FROM review_litigation v
                 WHERE v.report_id = r.id AND v.proceeding GLOB 'litigation_*') AS lawsuits_corrected,
               r.issue_count, r.duplicate_of, r.gone
        FROM reports r;

        CREATE VIEW applications_by_province_year AS
        SELECT r.province, r.year, count(DISTINCT r.id) AS reports,
               sum(CASE WHEN a.row_key = 'new_received' THEN coalesce(a.total, 0) END) AS new_received,
               sum(CASE WHEN a.row_key = 'granted' THEN coalesce(a.total, 0) END) AS granted,
               sum(CASE WHEN a.row_key = 'partially_granted' THEN coalesce(a.total, 0) END) AS partially_granted,
               sum(CASE WHEN a.row_key GLOB 'denied_*' THEN coalesce(a.total, 0) END) AS denied,
               sum(CASE WHEN a.row_key GLOB 'unavailable_*' THEN coalesce(a.total, 0) END) AS unavailable,
               sum(CASE WHEN a.row_key GLOB 'rejected_*' THEN coalesce(a.total, 0) END) AS not_processed,
               sum(CASE WHEN a.row_key GLOB 'other*' THEN coalesce(a.total, 0) END) AS other_processing,
               sum(CASE WHEN a.row_key = 'total_processed' THEN coalesce(a.total, 0) END) AS total_processed
        FROM reports r JOIN applications a ON a.report_id = r.id
        WHERE r.duplicate_of IS NULL
        GROUP BY r.province, r.year;

        CREATE VIEW denial_reasons AS
        SELECT r.year, c.outcome, a.row_key, c.label_zh, c.label_en,
               count(DISTINCT a.report_id) AS reports, sum(coalesce(a.total, 0)) AS applications
        FROM applications a
        JOIN reports r ON r.id = a.report_id
        JOIN application_rows c ON c.row_key = a.row_key
        WHERE r.duplicate_of IS NULL AND c.outcome IN ('denied', 'unavailable', 'rejected', 'other')
        GROUP BY r.year, a.row_key;

        CREATE VIEW consistency_failures AS
        SELECT r.id AS report_id, r.title, r.agency, r.province, r.year, r.template,
               count(*) AS issues,
               (SELECT group_concat(rule, ',') FROM (SELECT DISTINCT rule FROM validation_issues w
                  WHERE w.report_id = r.id ORDER BY rule)) AS rules,
               group_concat(v.location, '; ') AS locations
        FROM validation_issues v JOIN reports r ON r.id = v.report_id
        GROUP BY r.id;

        CREATE VIEW report_years AS
        SELECT coalesce(r.agency_id, coalesce(r.province, '') || '|' || r.agency) AS body_key,
               r.agency, r.province, r.year, r.id AS report_id,
               (SELECT sum(coalesce(a.total, 0)) FROM applications a
                 WHERE a.report_id = r.id AND a.row_key = 'carried_over') AS carried_over,
               (SELECT sum(coalesce(a.total, 0)) FROM applications a
                 WHERE a.report_id = r.id AND a.row_key = 'carried_forward') AS carried_forward,
               row_number() OVER (
                   PARTITION BY coalesce(r.agency_id, coalesce(r.province, '') || '|' || r.agency), r.year
                   ORDER BY r.published DESC, r.id
               ) AS rank_in_year
        FROM reports r
        WHERE r.duplicate_of IS NULL AND r.year IS NOT NULL AND r.agency IS NOT NULL;

        CREATE VIEW carry_over_chain AS
        SELECT t.body_key, t.agency, t.province, t.year, t.report_id, t.carried_forward,
               n.year AS next_year, n.report_id AS next_report_id, n.carried_over AS next_carried_over,
               n.carried_over - t.carried_forward AS difference,
               CASE WHEN t.carried_forward IS NULL OR n.carried_over IS NULL THEN NULL
                    ELSE t.carried_forward != n.carried_over END AS chain_break
        FROM report_years t
        JOIN report_years n ON n.body_key = t.body_key AND n.year = t.year + 1 AND n.rank_in_year = 1
        WHERE t.rank_in_year = 1;

        CREATE VIEW missing_report_years AS
        WITH RECURSIVE
            reported AS (SELECT DISTINCT body_key, year FROM report_years),
            bodies AS (
                SELECT body_key, max(agency) AS agency, max(province) AS province,
                       min(year) AS first_year, max(year) AS last_year, count(DISTINCT year) AS years_reported
                FROM report_years GROUP BY body_key
            ),
            span(year) AS (
                SELECT min(year) FROM report_years
                UNION ALL SELECT year + 1 FROM span WHERE year < (SELECT max(year) FROM report_years)
            )
        SELECT b.body_key, b.agency, b.province, s.year AS missing_year, b.first_year, b.last_year,
               b.years_reported
        FROM bodies b JOIN span s ON s.year > b.first_year
        LEFT JOIN reported p ON p.body_key = b.body_key AND p.year = s.year
        WHERE p.body_key IS NULL;

        CREATE VIEW reports_by_month AS
        SELECT substr(published, 1, 7) AS month, count(*) AS reports
        FROM reports
        WHERE published IS NOT NULL AND duplicate_of IS NULL
        GROUP BY month;
        """
    )


@migrations()
def m0002_crawl(db: sqlite_utils.Database) -> None:
    """What the crawler records: the WARC index, what it knows per URL (for incremental and resumed
    crawls), failures with their reason, and one status row per portal and crawl.  All of it can be
    rebuilt from the WARC files (``xxgknb build``), except conditional-request validators."""
    db.executescript(
        """
        CREATE TABLE IF NOT EXISTS portals (
            id TEXT PRIMARY KEY,            -- registry id (spiders/portals/*.toml)
            name TEXT NOT NULL,
            start_url TEXT NOT NULL,
            level TEXT,
            region_code TEXT,
            cms TEXT                        -- CMS hint, NULL = detected
        );

        CREATE TABLE IF NOT EXISTS warc_records (
            warc_file TEXT NOT NULL,        -- path relative to the data directory
            offset INTEGER NOT NULL,        -- byte offset of the response record (one gzip member)
            length INTEGER NOT NULL,        -- its compressed length
            record_id TEXT,
            url TEXT NOT NULL,              -- URL requested, before redirects
            final_url TEXT NOT NULL,        -- URL that answered
            method TEXT,
            status INTEGER,
            content_type TEXT,
            sha256 TEXT,                    -- of the payload, Content-Encoding undone
            size INTEGER,
            fetched_at TEXT,
            portal_id TEXT,
            crawl_id TEXT,
            role TEXT,                      -- start | list | item | attachment | robots
            parent_url TEXT,
            link_text TEXT,
            PRIMARY KEY (warc_file, offset)
        );
        CREATE INDEX IF NOT EXISTS warc_records_url ON warc_records(url);
        CREATE INDEX IF NOT EXISTS warc_records_portal_role ON warc_records(portal_id, role);

        CREATE TABLE IF NOT EXISTS crawl_urls (
            url TEXT PRIMARY KEY,
            portal_id TEXT,
            role TEXT,
            status INTEGER,                 -- of the last fetch
            sha256 TEXT,
            etag TEXT,
            last_modified TEXT,
            listed_as TEXT,                 -- link text and date as last seen on a list; a change means re-fetch
            verdict TEXT,                   -- report | attachment_holder | lookalike | not_a_report | document | list
            first_seen TEXT,
            last_fetched TEXT,
            last_listed_crawl TEXT,         -- crawl that last saw it linked from the portal
            gone_since TEXT
        );
        CREATE INDEX IF NOT EXISTS crawl_urls_portal ON crawl_urls(portal_id);

        CREATE TABLE IF NOT EXISTS crawl_failures (
            crawl_id TEXT NOT NULL,
            portal_id TEXT,
            url TEXT NOT NULL,
            reason TEXT NOT NULL,           -- http_error | challenge | empty_body | unexpected_structure | timeout | robots
            detail TEXT,
            at TEXT,
            PRIMARY KEY (crawl_id, url, reason)
        );

        CREATE TABLE IF NOT EXISTS crawls (
            crawl_id TEXT NOT NULL,
            portal_id TEXT NOT NULL,
            start_url TEXT,
            cms TEXT,
            started_at TEXT,
            finished_at TEXT,               -- NULL while running, or when the crawl was killed
            finish_reason TEXT,             -- Scrapy's: finished | shutdown | closespider_* …
            complete INTEGER NOT NULL DEFAULT 0,  -- every list page read: only then are gone marks made
            pages_fetched INTEGER NOT NULL DEFAULT 0,
            not_modified INTEGER NOT NULL DEFAULT 0,
            list_pages INTEGER NOT NULL DEFAULT 0,
            reports_found INTEGER NOT NULL DEFAULT 0,
            new_reports INTEGER NOT NULL DEFAULT 0,
            changed_reports INTEGER NOT NULL DEFAULT 0,
            gone_reports INTEGER NOT NULL DEFAULT 0,
            lookalikes_skipped INTEGER NOT NULL DEFAULT 0,
            failures_http_error INTEGER NOT NULL DEFAULT 0,
            failures_challenge INTEGER NOT NULL DEFAULT 0,
            failures_empty_body INTEGER NOT NULL DEFAULT 0,
            failures_unexpected_structure INTEGER NOT NULL DEFAULT 0,
            failures_timeout INTEGER NOT NULL DEFAULT 0,
            failures_robots INTEGER NOT NULL DEFAULT 0,
            blocked INTEGER NOT NULL DEFAULT 0,
            blocked_hosts TEXT,
            PRIMARY KEY (crawl_id, portal_id)
        );
        """
    )


@migrations()
def m0004_crawl_guards(db: sqlite_utils.Database) -> None:
    """Failure counts for the reasons of the crawler guards (``spiders.guards``)."""
    existing = {column.name for column in db["crawls"].columns}
    for reason in ("off_site", "too_large", "redirect_loop", "soft_404", "trap"):
        if f"failures_{reason}" not in existing:
            db.execute(f"ALTER TABLE crawls ADD COLUMN failures_{reason} INTEGER NOT NULL DEFAULT 0")


@migrations()
def m0005_publish_summaries(db: sqlite_utils.Database) -> None:
    """Summary tables of the views that aggregate over every report (``archive.summaries``).

    A query over the views scans the whole corpus and exceeds Datasette's SQL time limit on a
    large one; the served database is immutable, so the summaries are written before serving."""
    db.executescript(
        """
        CREATE TABLE summary_state (
            name TEXT PRIMARY KEY,
            signature TEXT NOT NULL       -- archive.summaries.corpus_signature when last refreshed
        );
        CREATE TABLE summary_corpus_totals (
            reports INTEGER,              -- reports that are not duplicates
            new_received INTEGER
        );
        CREATE TABLE summary_applications_by_province_year (
            province TEXT, year INTEGER, reports INTEGER, new_received INTEGER, granted INTEGER,
            partially_granted INTEGER, denied INTEGER, unavailable INTEGER, not_processed INTEGER,
            other_processing INTEGER, total_processed INTEGER
        );
        CREATE INDEX summary_applications_by_province_year_order
            ON summary_applications_by_province_year(year DESC, new_received DESC);
        CREATE TABLE summary_denial_reasons (
            year INTEGER, outcome TEXT, row_key TEXT, label_zh TEXT, label_en TEXT,
            reports INTEGER, applications INTEGER
        );
        CREATE TABLE summary_carry_over_chain (
            body_key TEXT, agency TEXT, province TEXT, year INTEGER, report_id TEXT, carried_forward INTEGER,
            next_year INTEGER, next_report_id TEXT, next_carried_over INTEGER, difference INTEGER,
            chain_break INTEGER
        );
        CREATE INDEX summary_carry_over_chain_breaks ON summary_carry_over_chain(chain_break, abs(difference));
        CREATE TABLE summary_missing_report_years (
            body_key TEXT, agency TEXT, province TEXT, missing_year INTEGER, first_year INTEGER,
            last_year INTEGER, years_reported INTEGER
        );
        CREATE INDEX summary_missing_report_years_order
            ON summary_missing_report_years(province, agency, missing_year);
        CREATE TABLE summary_reports_by_month (
            month TEXT PRIMARY KEY,
            reports INTEGER
        );
        """
    )


@migrations()
def m0006_raw_cells_without_rowid(db: sqlite_utils.Database) -> None:
    """``raw_cells`` as a WITHOUT ROWID table: its rows are stored once, in primary-key order.

    With a rowid, every cell was stored twice, in the table and again in the index of its primary
    key, and that pair was the largest thing in the file (1.13 GB of 2.9 GB at 40,800 reports;
    0.71 GB without rowid).  The columns stay exactly as ``m0001_core`` declared them; no view or
    trigger reads the table, so it is rebuilt in place."""
    (declared,) = db.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'raw_cells'").fetchone()
    columns = ", ".join(column.name for column in db["raw_cells"].columns)
    db.executescript(
        f"""
        {declared.replace("CREATE TABLE raw_cells", "CREATE TABLE raw_cells_without_rowid", 1)} WITHOUT ROWID;
        INSERT INTO raw_cells_without_rowid ({columns})
            SELECT {columns} FROM raw_cells ORDER BY report_id, section, row_key, column_key;
        DROP TABLE raw_cells;
        ALTER TABLE raw_cells_without_rowid RENAME TO raw_cells;
        """
    )


#: ``raw_cells`` as the view reads it back from ``raw_cell_sets``: one row per cell, in the order the
#: table's primary key gave (each set's cells are stored sorted by row_key, column_key).
_RAW_CELLS_VIEW = """
    CREATE VIEW raw_cells AS
    SELECT s.report_id AS report_id, s.section AS section,
        json_extract(c.value, '$[0]') AS row_key, json_extract(c.value, '$[1]') AS column_key,
        json_extract(c.value, '$[2]') AS value, json_extract(c.value, '$[3]') AS raw,
        json_extract(c.value, '$[4]') AS source, json_extract(c.value, '$[5]') AS ocr
    FROM raw_cell_sets AS s, json_each(s.cells) AS c
"""


@migrations()
def m0007_raw_cells_as_sets(db: sqlite_utils.Database) -> None:
    """``raw_cells`` becomes a view of the same name and columns over ``raw_cell_sets``: one row per
    report and section holding its cells as a JSON array of ``[row_key, column_key, value, raw, source, ocr]``.

    A report has some 180 printed cells and few readers ask for them other than by report.  Inserting
    them as rows took half of the build's writing (0.97 ms of CPU per report; two rows take 0.03), and
    the table was the largest in the file.  Every SELECT on ``raw_cells`` reads the same rows as
    before, in the same order; a lookup by ``report_id`` uses the primary key of ``raw_cell_sets``, a
    scan of all cells costs several times the CPU of the table's.  Rows can be deleted through the
    view (a maintainer removing a report by hand); other writes go to ``raw_cell_sets``."""
    db.executescript(
        f"""
        CREATE TABLE raw_cell_sets (
            report_id TEXT NOT NULL REFERENCES reports(id),
            section TEXT NOT NULL,          -- applications | review_litigation
            cells TEXT NOT NULL CHECK (json_valid(cells)),
            PRIMARY KEY (report_id, section)
        );
        -- json_array() would print a REAL with 15 digits: 0.30000000000000004 would come back as 0.3.
        INSERT INTO raw_cell_sets (report_id, section, cells)
            SELECT report_id, section, json_group_array(json_array(row_key, column_key,
                CASE WHEN value IS NULL THEN NULL
                    WHEN CAST(printf('%!.15g', value) AS REAL) = value THEN json(printf('%!.15g', value))
                    ELSE json(printf('%!.17g', value)) END,
                raw, source, ocr))
            FROM (SELECT * FROM raw_cells ORDER BY report_id, section, row_key, column_key)
            GROUP BY report_id, section;
        DROP TABLE raw_cells;
        {_RAW_CELLS_VIEW};
        CREATE TRIGGER raw_cells_delete INSTEAD OF DELETE ON raw_cells BEGIN
            UPDATE raw_cell_sets SET cells = (
                SELECT json_group_array(json(c.value)) FROM json_each(raw_cell_sets.cells) AS c
                WHERE json_extract(c.value, '$[0]') IS NOT OLD.row_key
                    OR json_extract(c.value, '$[1]') IS NOT OLD.column_key
            )
            WHERE report_id = OLD.report_id AND section = OLD.section;
            DELETE FROM raw_cell_sets WHERE report_id = OLD.report_id AND section = OLD.section AND cells = '[]';
        END;
        """
    )
