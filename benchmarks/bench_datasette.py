"""Datasette latency on a large synthetic corpus: facet page, search, canned query, report page.

    .venv/bin/python benchmarks/bench_datasette.py [--reports 100000] [--requests 60] [--text-chars 1500]

Writes N synthetic reports straight into a fresh corpus in a temp dir (``executemany`` into the
canonical tables: reports, agencies, 26 application rows, 3 review rows, 6 sections and the full
text of each report, ~1/40 with a consistency issue), builds the n-gram search index and the
summary tables (``publish.serve.prepare_corpus``; also run on ``--db``), starts
``xxgknb serve``'s server (``publish.serve.BackgroundServer``, immutable database, production
settings) on 127.0.0.1 and times sequential HTTP requests, as a researcher's browser makes them:

* facet page   ``/corpus/reports?province=…`` — HTML table page with the six default facets;
* search       ``/corpus/reports?_search=…`` — HTML page, 2–4 character Chinese queries, with facets
  (and separately the worst case: 政府信息公开, which every report contains many times);
* canned query ``/corpus/headline_numbers?province=…&year=…``, and each canned query that
  aggregates over every report (read from the summary tables) and each dashboard chart's SQL;
* report page  ``/-/report/<id>``.

Prints build times, database size, and median / p95 latency (ms) per page type.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import sqlite_utils  # noqa: E402

from archive import schema  # noqa: E402
from parsers.model import APPLICANT_COLUMNS  # noqa: E402
from publish.serve import BackgroundServer, load_metadata, prepare_corpus  # noqa: E402


def _words(text: str) -> list[str]:
    return text.split()


PROVINCES = _words(
    "北京市 天津市 河北省 山西省 内蒙古自治区 "
    "辽宁省 吉林省 黑龙江省 上海市 江苏省 浙江省 "
    "安徽省 福建省 江西省 山东省 河南省 湖北省 "
    "湖南省 广东省 广西壮族自治区 海南省 重庆市 "
    "四川省 贵州省 云南省 西藏自治区 陕西省 "
    "甘肃省 青海省 宁夏回族自治区 新疆维吾尔自治区 "
)
LEVELS = ["province", "prefecture", "county", "county", "township", "township"]
KINDS = ["government", "government_office", "department", "department", "street_office", "township"]
TEMPLATES = ["2021", "2021", "2021", "2019", "unstructured"]
STATUSES = ["full", "full", "full", "partial", "unstructured"]
ROW_KEYS = ["new_received", "carried_over", "granted", "partially_granted", "denied_state_secret",
            "denied_prohibited_by_law", "denied_security_stability", "denied_third_party_rights",
            "denied_internal_affairs", "denied_process_information", "denied_enforcement_files",
            "denied_administrative_query", "unavailable_not_held", "unavailable_needs_creation",
            "unavailable_unclear", "rejected_petition_complaint", "rejected_duplicate", "rejected_publication",
            "rejected_excessive", "rejected_confirmation", "other_no_correction", "other_unpaid_fee", "other_other",
            "total_processed", "carried_forward"]
#: Wording every report uses (政府信息公开 occurs many times in each, as in real reports).
COMMON = _words(
    "政府信息公开 主动公开 依申请公开 政务服务 "
    "重点领域 信息发布 政策解读 回应关切 平台建设 "
    "监督保障 年度报告 工作要点 保密审查 公开目录 "
    "公开指南 网站建设 规范性文件 行政许可 "
    "行政处罚 行政强制 督查考核 培训 存在问题 "
    "改进措施 公众参与 。 ， ； 一是 二是 三是 "
    "全年 共计 件 条 次 进一步 加强 推进 我局 "
    "我区 本机关 "
)
#: Topics only some reports mention (3–6 per report).
TOPICS = _words(
    "疫情防控 碳达峰 碳中和 乡村振兴 营商环境 "
    "12345热线 政府开放日 政务新媒体 "
    "人大代表建议 政协提案 优化营商环境 安全生产 "
    "生态环境 教育 医疗卫生 就业 社会保障 "
    "住房保障 食品药品 财政预决算 重大建设项目 "
    "公共资源交易 减税降费 防汛 河长制 垃圾分类 "
    "老旧小区改造 数字政府 一网通办 放管服 "
)
QUERIES = ["疫情", "复议", "诉讼", "热线", "碳达峰", "碳中和", "开放日", "乡村振兴", "营商环境", "政务新媒体",
           "12345热线", "河长制", "垃圾分类", "一网通办"]
SECTION_HEADINGS = ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                    "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"]


def synthetic_text(rng: random.Random, chars: int, topics: list[str]) -> str:
    parts, length = [], 0
    while length < chars:
        phrase = rng.choice(topics) if rng.random() < 0.08 else rng.choice(COMMON)
        parts.append(phrase)
        length += len(phrase)
    return "".join(parts)


def generate(path: Path, reports: int, text_chars: int, seed: int = 7) -> list[str]:
    """Write ``reports`` synthetic reports into a new corpus at ``path``; returns their ids."""
    rng = random.Random(seed)
    db = sqlite_utils.Database(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    schema.apply(db)
    conn = db.conn
    bodies = max(1, reports // 4)
    agencies = []
    for index in range(bodies):
        province = PROVINCES[index % len(PROVINCES)]
        kind = rng.choice(KINDS)
        agencies.append((hashlib.sha256(f"agency{index}".encode()).hexdigest()[:16], f"{province}第{index}机关",
                         None, province, None, None, rng.choice(LEVELS), kind))
    with conn:
        conn.executemany("insert into agencies values (?, ?, ?, ?, ?, ?, ?, ?)", agencies)
    # Sections are drawn from a pool (each with its own topics): generating text per report was
    # most of the time, and a pool of thousands still gives every report a different mix.
    section_pool = [synthetic_text(rng, text_chars // 6, rng.sample(TOPICS, rng.randint(1, 3)))
                    for _ in range(min(6000, 6 * reports))]
    ids = []
    batch = 5000
    for start in range(0, reports, batch):
        report_rows, text_rows, section_rows, application_rows, review_rows, issue_rows = [], [], [], [], [], []
        for index in range(start, min(start + batch, reports)):
            agency = agencies[index % bodies]
            year = 2019 + (index // bodies) % 5
            url = f"https://www.gov{index % 997}.example.cn/xxgk/{index}.html"
            report_id = hashlib.sha256(url.encode()).hexdigest()[:16]
            ids.append(report_id)
            template, status = rng.choice(TEMPLATES), rng.choice(STATUSES)
            published = f"{year + 1}-{rng.randint(1, 3):02d}-{rng.randint(1, 28):02d}"
            has_issue = index % 40 == 0
            report_rows.append((
                report_id, url, None, f"{agency[1]}{year}年政府信息公开工作年度报告", year, agency[1], agency[0],
                agency[3], None, None, None, agency[6], agency[7], template, published, status, None, "html",
                hashlib.sha256(f"bytes{index}".encode()).hexdigest(), 1, "2024-01-01T00:00:00Z", None, 0, None,
                None, 1 if has_issue else 0, "bench",
            ))
            sections = rng.sample(section_pool, len(SECTION_HEADINGS))
            section_rows.extend((report_id, number + 1, heading, text)
                                for number, (heading, text) in enumerate(zip(SECTION_HEADINGS, sections, strict=True)))
            text_rows.append((report_id, "\n".join(f"{h}\n{t}" for h, t in zip(SECTION_HEADINGS, sections,
                                                                               strict=True))))
            if template != "unstructured":
                for row_index, row_key in enumerate(ROW_KEYS):
                    cells = [rng.randint(0, 30) for _ in APPLICANT_COLUMNS[:-1]]
                    application_rows.append((report_id, row_index, row_key, row_key, *cells, sum(cells)))
                for proceeding in ("administrative_review", "litigation_direct", "litigation_after_review"):
                    outcome = [rng.randint(0, 3) for _ in range(4)]
                    review_rows.append((report_id, proceeding, *outcome, sum(outcome)))
            if has_issue:
                issue_rows.append((report_id, 2, "applications.carried_forward.total", "5", "4", None))
        with conn:
            conn.executemany(f"insert into reports values ({', '.join('?' * 27)})", report_rows)
            conn.executemany("insert into report_texts values (?, ?)", text_rows)
            conn.executemany("insert into sections values (?, ?, ?, ?)", section_rows)
            conn.executemany("insert into applications values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", application_rows)
            conn.executemany("insert into review_litigation values (?, ?, ?, ?, ?, ?, ?)", review_rows)
            conn.executemany("insert into validation_issues values (?, ?, ?, ?, ?, ?)", issue_rows)
    db.close()
    return ids


failures: list[str] = []


#: Canned queries that aggregate over every report (served from the summary tables).
AGGREGATE_QUERIES = (
    "applications_by_province_and_year",
    "denial_reasons_all_years",
    "carry_over_breaks",
    "bodies_missing_a_year",
    "reports_per_month",
)


def timed(client: httpx.Client, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        # Datasette's SQL time limit answers 400 "SQL Interrupted": count it, it is what a user gets.
        failures.append(f"{url}: HTTP {response.status_code} after {elapsed:.0f} ms")
    return elapsed


def measure(client: httpx.Client, urls: list[str]) -> tuple[float, float]:
    warm_up_failures = len(failures)
    for url in urls[:3]:
        timed(client, url)
    del failures[warm_up_failures:]
    samples = sorted(timed(client, url) for url in urls)
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return statistics.median(samples), p95


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=60, help="timed requests per page type")
    parser.add_argument("--text-chars", type=int, default=1500, help="characters of text per report")
    parser.add_argument("--keep", type=Path, help="write the corpus here (kept) instead of a temp dir")
    parser.add_argument("--db", type=Path, help="time an existing corpus (e.g. one made with --keep) instead")
    parser.add_argument("--queries", help="comma-separated search queries (default: words of the generated corpus)")
    parser.add_argument("--only", help="comma-separated prefixes of the page types to time (default: all)")
    args = parser.parse_args()
    queries = args.queries.split(",") if args.queries else QUERIES
    print(f"load average at start: {' '.join(f'{load:.1f}' for load in os.getloadavg())}")
    rng = random.Random(11)
    with tempfile.TemporaryDirectory(prefix="bench_datasette_") as tmp:
        if args.db:
            path = args.db
            conn = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True)
            ids = [row[0] for row in conn.execute("select id from reports")]
            # A corpus grown by benchmarks/scale_db.py keeps some tables for its source reports only:
            # time the report pages of those, which have every row.
            with_every_row = [row[0] for row in conn.execute(
                "select id from reports r where exists (select 1 from raw_cells c where c.report_id = r.id) "
                "order by rowid limit 50000")]
            report_ids = with_every_row or ids
            conn.close()
            started = time.perf_counter()
            prepare_corpus(path)
            print(f"corpus: {path} ({len(ids):,} reports), {path.stat().st_size / 1e6:,.0f} MB; "
                  f"prepared (schema, search index, summary tables) in {time.perf_counter() - started:.1f}s")
        else:
            path = args.keep or Path(tmp) / "corpus.db"
            started = time.perf_counter()
            ids = generate(path, args.reports, args.text_chars)
            report_ids = ids
            generated = time.perf_counter() - started
            started = time.perf_counter()
            refresh = prepare_corpus(path)
            indexed = time.perf_counter() - started
            print(f"corpus: {args.reports:,} reports, {args.text_chars} text chars each; generated in "
                  f"{generated:.1f}s, search index ({refresh.indexed:,} reports) and summary tables built "
                  f"in {indexed:.1f}s; "
                  f"file {path.stat().st_size / 1e6:,.0f} MB")
        pages = {
            "facet page (6 facets)": [f"/corpus/reports?province={rng.choice(PROVINCES)}"
                                      for _ in range(args.requests)],
            "facet page, year filter": [f"/corpus/reports?year={rng.randint(2019, 2023)}"
                                        for _ in range(args.requests)],
            "facet page, no filter": ["/corpus/reports"] * args.requests,
            "facet page JSON, province": [f"/corpus/reports.json?province={rng.choice(PROVINCES)}"
                                         for _ in range(args.requests)],
            "search (HTML)": [f"/corpus/reports?_search={rng.choice(queries)}" for _ in range(args.requests)],
            "search (JSON)": [f"/corpus/reports.json?_search={rng.choice(queries)}" for _ in range(args.requests)],
            **{f"search {query}": [f"/corpus/reports.json?_search={query}"] * max(5, args.requests // 6)
               for query in queries},
            "search + facet province (JSON)": [f"/corpus/reports.json?_search={rng.choice(queries)}&_facet=province"
                                               for _ in range(args.requests)],
            "search 政府信息公开": ["/corpus/reports?_search=政府信息公开"] * max(5, args.requests // 6),
            "canned query": [
                f"/corpus/headline_numbers?province={rng.choice(PROVINCES)}&year={rng.randint(2019, 2023)}"
                for _ in range(args.requests)
            ],
            "report page": [f"/-/report/{rng.choice(report_ids)}" for _ in range(args.requests)],
            **{f"canned {name}": [f"/corpus/{name}"] * max(5, args.requests // 4) for name in AGGREGATE_QUERIES},
            **{f"chart {name}": [f"/corpus.json?sql={quote(chart['query'])}"] * max(5, args.requests // 4)
               for name, chart in load_metadata()["plugins"]["datasette-dashboards"]["overview"]["charts"].items()},
        }
        if args.only:
            pages = {name: urls for name, urls in pages.items()
                     if any(name.startswith(prefix) for prefix in args.only.split(","))}
        with BackgroundServer(path, prepare=False, startup_timeout=300) as server, \
                httpx.Client(base_url=server.url, timeout=120) as client:
            print(f"{'page':<44}{'median ms':>12}{'p95 ms':>10}{'n':>6}{'failed':>8}")
            for name, urls in pages.items():
                before = len(failures)
                median, p95 = measure(client, urls)
                print(f"{name:<44}{median:>12.1f}{p95:>10.1f}{len(urls):>6}{len(failures) - before:>8}")
        for failure in sorted(set(failures)):
            print("failed:", failure)
        print(f"load average at end: {' '.join(f'{load:.1f}' for load in os.getloadavg())}")


if __name__ == "__main__":
    main()
