"""The crawler guards beyond the sample portal's fault site: list-page traps that the spider's own
"a page of repeats ends the path" rule cannot stop (every page brings a new item; pages that
bring nothing but a next link), crawled for real over loopback; and the network guard's
decisions on addresses and schemes, resolved with the machine's real resolver."""

from __future__ import annotations

import http.server
import threading
import time
from typing import ClassVar
from urllib.parse import urlsplit

import pytest
from faults_test_helpers import query, run_crawl_subprocess
from scrapy.utils.test import get_crawler

from spiders.guards import GuardRefusal, NetworkGuardMiddleware, blocked_address
from spiders.portal import PortalSpider

COLUMN_CAP = 8
BARREN_CAP = 3


def _list_page(title: str, items: list[tuple[str, str]], total: int, current: int) -> bytes:
    lis = "".join(
        f'<li><a href="{href}" title="{text}">{text}</a><span>2024-03-01</span></li>' for href, text in items
    )
    return (
        '<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
        f'<meta name="ColumnName" content="政府信息公开年报"><title>{title}</title></head><body>'
        f'<div class="list"><ul class="newsList">{lis}</ul></div>'
        f'<div class="page"><script type="text/javascript">createPageHTML({total}, {current}, "index", "html");'
        "</script></div></body></html>"
    ).encode()


class _TrapHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    requests: ClassVar[list[str]] = []

    def log_message(self, *args) -> None:
        """Requests are kept in ``requests``."""

    def do_GET(self) -> None:
        self.requests.append(self.path)
        path = urlsplit(self.path).path
        trap, _, name = path.strip("/").partition("/")
        status, body = 404, b"<html><body>404</body></html>"
        if name.startswith("index"):
            number = int(name.removeprefix("index").removeprefix("_").removesuffix(".html") or 0)
            if trap == "new-items":
                # Every page links one more page and one item never seen before.
                item = (f"./t{number}.html", f"恩阳区第{number}局2023年政府信息公开工作年度报告")
                status, body = 200, _list_page("政府信息公开年报", [item], number + 2, number)
            elif trap == "barren":
                first = [("./t0.html", "恩阳区审计局2023年政府信息公开工作年度报告"),
                         ("./drip.html", "恩阳区统计局2023年政府信息公开工作年度报告")]  # fmt: skip
                items = first if number == 0 else []
                status, body = 200, _list_page("政府信息公开年报", items, number + 2, number)
        elif name == "drip.html":
            self._drip()
            return
        elif name.startswith("t"):
            status, body = 200, "<html><head><title>通知</title></head><body><p>一则通知。</p></body></html>".encode()
        self._send(status, body)

    def _drip(self) -> None:
        """A body that keeps coming, 50 bytes every 0.2 s: never a timeout, never done."""
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", "1000000")
        self.end_headers()
        try:
            for _ in range(300):
                self.wfile.write(b"<p>" + b"x" * 43 + b"</p>\n")
                self.wfile.flush()
                time.sleep(0.2)
        except OSError:
            return

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def trap_crawl(tmp_path_factory):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _TrapHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    data = tmp_path_factory.mktemp("traps") / "data"
    try:
        result = run_crawl_subprocess(
            [{"start_url": f"{base}/new-items/index.html", "portal_id": "trap-new-items"},
             {"start_url": f"{base}/barren/index.html", "portal_id": "trap-barren"}],
            data,
            {"XXGKNB_MAX_LIST_PAGES_PER_COLUMN": COLUMN_CAP, "XXGKNB_MAX_BARREN_LIST_PAGES": BARREN_CAP,
             # The drip must be cut by the stall guard, long before the download timeout.
             "XXGKNB_STALL_SECONDS": 1.5, "XXGKNB_MIN_RATE": 1024, "DOWNLOAD_TIMEOUT": 50},
            timeout=120,
        )  # fmt: skip
    finally:
        server.shutdown()
        server.server_close()
    assert result.returncode == 0, result.stderr[-3000:]
    return data, list(_TrapHandler.requests)


def _list_requests(requests: list[str], trap: str) -> list[str]:
    return [path for path in requests if path.startswith(f"/{trap}/index")]


def test_pagination_that_always_brings_new_items_stops_at_the_column_cap(trap_crawl):
    data, requests = trap_crawl
    pages = set(_list_requests(requests, "new-items"))
    # The column's first page is the start page; COLUMN_CAP further list pages may follow.
    assert len(pages) == COLUMN_CAP + 1, sorted(pages)
    traps = query(data, "SELECT detail FROM crawl_failures WHERE portal_id = 'trap-new-items' AND reason = 'trap'")
    assert traps and all(f"more than {COLUMN_CAP} list pages" in detail for (detail,) in traps)
    assert query(data, "SELECT finish_reason FROM crawls WHERE portal_id = 'trap-new-items'") == [("finished",)]


def test_pagination_of_empty_pages_stops_after_the_barren_limit(trap_crawl):
    data, requests = trap_crawl
    pages = set(_list_requests(requests, "barren"))
    # The start page (with the one item), the first empty page, then BARREN_CAP more empty pages.
    assert len(pages) == 2 + BARREN_CAP, sorted(pages)
    traps = query(data, "SELECT detail FROM crawl_failures WHERE portal_id = 'trap-barren' AND reason = 'trap'")
    assert traps and all("brought no new item" in detail for (detail,) in traps)


@pytest.fixture(scope="module")
def guard():
    """The network guard of a real crawler whose portal lives on 127.0.0.2:8000."""
    crawler = get_crawler(
        PortalSpider,
        {"XXGKNB_EXTRA_HOSTS": ["localhost", "files.portal.example:8000"], "XXGKNB_DATA_DIR": "/nonexistent"},
    )
    crawler.spider = PortalSpider(start_url="http://127.0.0.2:8000/xxgk/index.html")
    return NetworkGuardMiddleware(crawler)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.2:8000/xxgk/nb/index.html",
        "http://127.0.0.2:8000/other/path.jsp?page=2",
    ],
)
def test_the_portals_own_address_is_allowed(guard, url):
    assert guard.refusal(url) is None


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("file:///etc/passwd", "file scheme"),
        ("ftp://127.0.0.2:8000/report.pdf", "ftp scheme"),
        ("javascript:alert(1)", "javascript scheme"),
        ("http://10.0.0.1/zfxxgknb/", "not one of the portal's hosts"),
        ("http://172.16.5.4/", "not one of the portal's hosts"),
        ("http://192.168.1.1/admin/", "not one of the portal's hosts"),
        ("http://169.254.169.254/latest/meta-data/", "not one of the portal's hosts"),
        ("http://127.0.0.1:8000/xxgk/", "not one of the portal's hosts"),
        ("http://[::1]:8000/", "not one of the portal's hosts"),
        ("http://[fc00::1]/", "not one of the portal's hosts"),
        ("http://www.example.invalid/", "not one of the portal's hosts"),
        ("http://127.0.0.2:9999/xxgk/", "port 9999"),
        # On the allowlist but resolving to loopback that is not the portal's own address.
        ("http://localhost/xxgk/", "resolves to a loopback address"),
    ],
)
def test_refused_urls(guard, url, why):
    refusal = guard.refusal(url)
    assert refusal is not None and why in refusal, refusal


def test_the_www_and_bare_names_of_a_portal_are_one_portal():
    crawler = get_crawler(PortalSpider, {"XXGKNB_DATA_DIR": "/nonexistent"})
    crawler.spider = PortalSpider(start_url="http://portal.example.invalid/xxgk/")
    guard = NetworkGuardMiddleware(crawler)
    assert ("www.portal.example.invalid", 80) in guard.allowlist()
    assert "not one of the portal's hosts" in guard.refusal("http://evil.portal.example.invalid/")


def test_an_allowlisted_host_that_does_not_resolve_is_left_to_the_download(guard):
    # The download then fails with Scrapy's DNS error, recorded as such by the spider.
    assert guard.refusal("http://files.portal.example:8000/a.pdf") is None


@pytest.mark.parametrize(
    "address", ["10.1.2.3", "172.31.255.255", "192.168.0.1", "169.254.1.1", "127.0.0.5", "::1", "fc00::1", "fd12::1",
                "fe80::1", "0.0.0.0", "::ffff:10.0.0.1", "224.0.0.1"],
)  # fmt: skip
def test_private_and_special_addresses(address):
    assert blocked_address(address) is not None


@pytest.mark.parametrize("address", ["202.108.22.5", "114.114.114.114", "2400:da00::6666"])
def test_public_addresses(address):
    assert blocked_address(address) is None


def test_a_refusal_is_an_ignored_request_already_recorded():
    refusal = GuardRefusal("off_site", "host x is not one of the portal's hosts")
    assert refusal.recorded and str(refusal).startswith("off_site: ")


def test_a_body_that_trickles_in_is_cut_as_a_stall(trap_crawl):
    data, requests = trap_crawl
    failures = query(data, "SELECT reason, detail FROM crawl_failures WHERE url LIKE '%/barren/drip.html'")
    assert len(failures) == 1 and failures[0][0] == "timeout", failures
    assert "download stalled" in failures[0][1]
    assert requests.count("/barren/drip.html") == 1
