"""Back-off on 429/5xx honouring Retry-After, and a WAF challenge stopping the host — against a
small real HTTP server on loopback whose answers are scripted per path."""

from __future__ import annotations

import http.server
import itertools
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from crawl_test_helpers import query, xxgknb

REPORT_BODY = (
    "<html><head><meta charset='utf-8'><meta name='ArticleTitle' content='{title}'></head><body>"
    "<h1>{title}</h1><div class='TRS_Editor'><p>一、总体情况</p><p>本报告数据统计期限为2023年1月1日至12月31日。</p>"
    "<p>二、主动公开政府信息情况</p><p>三、收到和处理政府信息公开申请情况</p></div></body></html>"
)
COLUMN = (
    "<html><head><meta charset='utf-8'><meta name='ColumnName' content='政府信息公开年报'></head><body><ul>"
    "<li><a href='/t/202401/t20240101_1.html'>甲局2023年政府信息公开工作年度报告</a><span>2024-01-01</span></li>"
    "<li><a href='/t/202401/t20240102_2.html'>乙局2023年政府信息公开工作年度报告</a><span>2024-01-02</span></li>"
    "<li><a href='/t/202401/t20240103_3.html'>丙局2023年政府信息公开工作年度报告</a><span>2024-01-03</span></li>"
    "</ul></body></html>"
)
NOTICES_FIRST = (
    "<html><head><meta charset='utf-8'><meta name='ColumnName' content='政府信息公开年报'></head><body><ul>"
    "<li><a href='/n/202301/t20230101_8.html'>关于做好2023年政府信息公开工作年度报告编制发布工作的通知</a></li>"
    "<li><a href='/n/202201/t20220101_9.html'>2022年政府信息公开工作年度报告解读</a></li>"
    "</ul><a href='/n/index_1.html'>下一页</a></body></html>"
)
CHALLENGE = (
    "<html><head><script>$_ts=window['$_ts'];if(!$_ts)$_ts={};$_ts.nsd=12345;</script></head><body></body></html>"
)


class Scripted(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, host: str):
        super().__init__((host, 0), Handler)
        self.log: list[tuple[float, str, int]] = []
        self.hits: dict[str, int] = {}
        self.lock = threading.Lock()

    @property
    def origin(self) -> str:
        return f"http://{self.server_address[0]}:{self.server_address[1]}"


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        server: Scripted = self.server
        with server.lock:
            server.hits[self.path] = hit = server.hits.get(self.path, 0) + 1
        status, headers, body = self.answer(self.path, hit)
        with server.lock:
            server.log.append((time.monotonic(), self.path, status))
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def answer(self, path: str, hit: int) -> tuple[int, dict, str]:
        if path == "/robots.txt":
            return 200, {}, "User-agent: *\nAllow: /\n"
        if path == "/waf/index.html":
            return 412, {}, CHALLENGE
        if path == "/t/index.html":
            return 200, {}, COLUMN
        if path == "/n/index.html":  # a first page holding only notices, then the reports
            return 200, {}, NOTICES_FIRST
        if path == "/n/index_1.html":
            return 200, {}, COLUMN
        if path.endswith("_1.html"):  # busy once: 503 with Retry-After, then fine
            return (
                (503, {"Retry-After": "1"}, "busy")
                if hit == 1
                else (200, {}, REPORT_BODY.format(title="甲局2023年政府信息公开工作年度报告"))
            )
        if path.endswith("_2.html"):
            return 200, {}, REPORT_BODY.format(title="乙局2023年政府信息公开工作年度报告")
        if path.endswith("_3.html"):  # always throttled
            return 429, {}, "too many requests"
        return 404, {}, "not found"


@pytest.fixture
def server():
    running = Scripted("127.0.0.1")
    thread = threading.Thread(target=running.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield running
    running.shutdown()
    running.server_close()


def test_backoff_honours_retry_after_and_gives_up_with_a_reason(server, tmp_path):
    xxgknb(
        "crawl",
        "--no-politeness",
        "-q",
        "--data",
        str(tmp_path),
        "--id",
        "110000_backoff",
        "--url",
        server.origin + "/t/index.html",
    )
    times = {path: [t for t, p, _ in server.log if p == path] for _, path, _ in server.log}
    first = times["/t/202401/t20240101_1.html"]
    assert len(first) == 2 and first[1] - first[0] >= 0.95  # waited for Retry-After: 1
    third = times["/t/202401/t20240103_3.html"]
    assert len(third) == 5  # the request and 4 retries, with growing waits
    # Exponential waits (0.2 s base with --no-politeness): 0.2, 0.4, 0.8, 1.6 s at least; the host
    # was also slowed by the other Retry-After, so a gap may be longer, never shorter.
    gaps = [b - a for a, b in itertools.pairwise(third)]
    assert all(gap >= 0.2 * 2**index * 0.9 for index, gap in enumerate(gaps)), gaps
    failures = query(tmp_path, "SELECT url, reason, detail FROM crawl_failures")
    assert failures == [(server.origin + "/t/202401/t20240103_3.html", "http_error", "HTTP 429")]
    stored = {row[0] for row in query(tmp_path, "SELECT url FROM reports")}
    assert stored == {server.origin + "/t/202401/t20240101_1.html", server.origin + "/t/202401/t20240102_2.html"}
    assert query(tmp_path, "SELECT failures_http_error, blocked, reports_found FROM crawls") == [(1, 0, 2)]


def test_challenge_stops_the_host_and_is_recorded_as_blocked(server, tmp_path):
    xxgknb(
        "crawl",
        "--no-politeness",
        "-q",
        "--no-build",
        "--data",
        str(tmp_path),
        "--id",
        "110000_waf",
        "--url",
        server.origin + "/waf/index.html",
    )
    # The challenge is not retried or worked around: the host is asked nothing more.
    assert [entry[1] for entry in server.log] == ["/robots.txt", "/waf/index.html"]
    rows = query(tmp_path, "SELECT portal_id, blocked, blocked_hosts, complete, failures_challenge FROM crawls")
    host = server.origin.split("://")[1]
    assert rows == [("110000_waf", 1, f'["{host}"]', 0, 1)]
    reason = query(tmp_path, "SELECT reason, detail FROM crawl_failures")
    assert reason == [("challenge", "HTTP 412")]
    # The challenge page itself is archived, like every response.
    assert query(tmp_path, "SELECT status FROM warc_records WHERE url LIKE '%/waf/%'") == [(412,)]


def test_polite_crawl_one_connection_per_host_and_robots_crawl_delay(tmp_path):
    """Default politeness (delays shortened for the test): requests to a host never overlap, and the
    robots.txt ``Crawl-delay`` (longer than the configured delay) spaces them."""

    class PoliteScripted(Scripted):
        in_flight = 0
        overlaps = 0

    class SlowHandler(Handler):
        def answer(self, path, hit):
            server = self.server
            with server.lock:
                server.in_flight += 1
                server.overlaps += server.in_flight > 1
            time.sleep(0.05)
            with server.lock:
                server.in_flight -= 1
            if path == "/robots.txt":
                return 200, {}, "User-agent: *\nCrawl-delay: 0.6\n"
            if path.endswith("_3.html"):
                return 200, {}, REPORT_BODY.format(title="丙局2023年政府信息公开工作年度报告")
            return super().answer(path, hit if not path.endswith("_1.html") else 2)

    server = PoliteScripted("127.0.0.1")
    server.RequestHandlerClass = SlowHandler
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        scrapy = [
            sys.executable,
            "-m",
            "scrapy.cmdline",
            "crawl",
            "portal",
            "-a",
            f"start_url={server.origin}/t/index.html",
            "-s",
            f"XXGKNB_DATA_DIR={tmp_path}",
            "-s",
            "DOWNLOAD_DELAY=0.2",
            "-s",
            "AUTOTHROTTLE_ENABLED=0",
            "-s",
            "LOG_LEVEL=WARNING",
        ]
        result = subprocess.run(scrapy, capture_output=True, text=True, timeout=120, cwd=Path(__file__).parents[2])
        assert result.returncode == 0, result.stderr[-2000:]
    finally:
        server.shutdown()
        server.server_close()
    assert server.overlaps == 0
    pages = [t for t, path, _ in server.log if path != "/robots.txt"]
    assert len(pages) == 4  # the column and three reports
    gaps = [b - a for a, b in itertools.pairwise(pages)]
    assert min(gaps[1:]) >= 0.5, gaps  # Crawl-delay 0.6 s (±jitter) once robots.txt was read
    robots = query(tmp_path, "SELECT count(*) FROM warc_records WHERE role = 'robots'")
    assert robots == [(1,)]  # robots.txt itself is archived too


def test_a_page_of_look_alikes_does_not_end_the_pagination(server, tmp_path):
    xxgknb(
        "crawl",
        "--no-politeness",
        "-q",
        "--no-build",
        "--data",
        str(tmp_path),
        "--id",
        "110000_notices",
        "--url",
        server.origin + "/n/index.html",
    )
    asked = [entry[1] for entry in server.log]
    assert "/n/index_1.html" in asked
    assert not any(path.endswith(("_8.html", "_9.html")) for path in asked)  # look-alikes never fetched
    assert query(tmp_path, "SELECT lookalikes_skipped FROM crawls") == [(2,)]
    assert query(tmp_path, "SELECT count(*) FROM crawl_urls WHERE verdict = 'report'") == [(2,)]
