"""Crawler guards: what a hostile or broken portal must never make the crawler do.

* :class:`NetworkGuardMiddleware` (downloader middleware, placed between the WARC capture and
  Scrapy's redirect middleware, so it sees every response as received and every request,
  including each redirect hop, before it is sent):

  - refuses non-HTTP schemes (``file://``, ``ftp://`` …), hosts off the portal's allowlist
    (the hosts of its start URL and scope, plus ``XXGKNB_EXTRA_HOSTS``) and hosts that resolve
    to private, loopback, link-local or reserved addresses (10/8, 172.16/12, 192.168/16,
    169.254/16, 127/8, ::1, fc00::/7 …) unless the address is the portal's own;
  - checks the ``Location`` of every 3xx before Scrapy follows it, and stops redirect loops
    (a hop back to a URL of the chain) and chains longer than ``REDIRECT_MAX_TIMES``;
  - bounds every download: a page (list/start) may be ``XXGKNB_MAXSIZE_PAGE`` bytes, a
    document ``DOWNLOAD_MAXSIZE``; an HTML answer to a document request is held to the page
    limit as soon as its headers say so; a body trickling in below ``XXGKNB_MIN_RATE`` bytes/s
    for longer than ``XXGKNB_STALL_SECONDS`` is stopped (``DOWNLOAD_TIMEOUT`` bounds a body
    that stops altogether);
  - recognises soft 404s: a 200 page whose content says the page does not exist.

* :class:`TrapGuardMiddleware` (spider middleware): caps the list pages of one column
  (``XXGKNB_MAX_LIST_PAGES_PER_COLUMN``), stops a pagination path after
  ``XXGKNB_MAX_BARREN_LIST_PAGES`` list pages in a row that bring no new item (infinite
  pagination, calendar traps), and records what ``DEPTH_LIMIT`` cuts instead of dropping it
  silently.

Every refusal is written to the crawler's failure table (``crawl_failures``) through the
spider's ``record_failure`` with its own reason (``off_site``, ``too_large``, ``redirect_loop``,
``soft_404``, ``trap``, ``timeout``), then raised as :class:`GuardRefusal` so the spider's errback
does not record it a second time.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import socket
import time
from urllib.parse import urljoin, urlsplit

from scrapy import signals
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest, StopDownload
from scrapy.http import Request, Response

logger = logging.getLogger("xxgknb.crawl")

PAGE_ROLES = ("start", "list", "robots")
_DEFAULT_PORTS = {"http": 80, "https": 443}

#: Bodies of pages that say "this page does not exist" while answering 200 (soft 404).
_SOFT_404 = re.compile(
    "|".join(
        [
            r"<title>[^<]{0,40}(?:404|not\s+found|页面不存在|页面未找到|找不到(?:您|你)?(?:要|所)?(?:访问|请求)?的页面|"
            r"页面已删除|信息已删除|文章不存在|内容不存在|无法找到该页)[^<]{0,40}</title>",
            r"(?:您|你)(?:所)?(?:访问|请求|查找)的(?:页面|网页|信息|内容)(?:不存在|已(?:被)?删除|已过期|找不到)",
            r"(?:页面|网页|信息|文章|内容)不存在或已(?:被)?删除",
            r"\b404\s*(?:not\s+found|error)\b",
        ]
    ),
    re.IGNORECASE,
)
#: A real report page is long; only short pages are checked for soft-404 wording.
_SOFT_404_MAX_BYTES = 20_000


class GuardRefusal(IgnoreRequest):
    """A request or response refused by a guard; already recorded in the failure table."""

    recorded = True

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def blocked_address(address: str) -> str | None:
    """Why ``address`` is not a public internet address, or ``None`` when it is."""
    ip = ipaddress.ip_address(address)
    if getattr(ip, "ipv4_mapped", None):
        ip = ip.ipv4_mapped
    for attribute, label in (
        ("is_loopback", "loopback"),
        ("is_link_local", "link-local"),
        ("is_private", "private"),
        ("is_multicast", "multicast"),
        ("is_reserved", "reserved"),
        ("is_unspecified", "unspecified"),
    ):
        if getattr(ip, attribute):
            return f"{label} address {ip}"
    return None


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def host_port(url: str) -> tuple[str, int | None]:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = -1
    return (parts.hostname or "").lower().rstrip("."), port or _DEFAULT_PORTS.get(parts.scheme.lower())


class NetworkGuardMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler
        settings = crawler.settings
        self.extra_hosts = [h.lower() for h in settings.getlist("XXGKNB_EXTRA_HOSTS")]
        self.page_maxsize = settings.getint("XXGKNB_MAXSIZE_PAGE")
        self.page_warnsize = settings.getint("XXGKNB_WARNSIZE_PAGE")
        self.max_redirects = settings.getint("REDIRECT_MAX_TIMES")
        self.stall_seconds = settings.getfloat("XXGKNB_STALL_SECONDS")
        self.min_rate = settings.getfloat("XXGKNB_MIN_RATE")
        self._resolved: dict[str, list[str] | str] = {}
        self._allowed: set[tuple[str, int | None]] | None = None
        self._own_addresses: set[str] = set()
        crawler.signals.connect(self.headers_received, signal=signals.headers_received)
        crawler.signals.connect(self.bytes_received, signal=signals.bytes_received)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    # ------------------------------------------------------------------ allowlist

    def _spider(self):
        return getattr(self.crawler, "spider", None)

    def allowlist(self) -> set[tuple[str, int | None]]:
        if self._allowed is None:
            spider = self._spider()
            portal = getattr(spider, "portal", None)
            urls = [portal.start_url, portal.crawl_scope] if portal is not None else []
            self._allowed = {host_port(url) for url in urls}
            # www.x.gov.cn and x.gov.cn are one portal (start URLs are often given without www).
            for host, port in list(self._allowed):
                if not _is_ip(host):
                    self._allowed.add((host.removeprefix("www.") if host.startswith("www.") else f"www.{host}", port))
            for extra in self.extra_hosts:
                self._allowed.add(host_port(extra if "://" in extra else f"http://{extra}/"))
            # Only the portal's own hosts may be private (a portal on an intranet, the sample portal
            # on loopback); an extra host resolving to a private address is refused.
            for url in urls:
                addresses = self.resolve(host_port(url)[0])
                if isinstance(addresses, list):
                    self._own_addresses.update(addresses)
        return self._allowed

    def resolve(self, host: str) -> list[str] | str:
        """The addresses of ``host``, or why it could not be resolved (cached per crawl)."""
        if host not in self._resolved:
            try:
                self._resolved[host] = [ipaddress.ip_address(host).compressed]
            except ValueError:
                try:
                    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
                    self._resolved[host] = sorted({info[4][0].split("%")[0] for info in infos})
                except OSError as error:
                    self._resolved[host] = f"cannot resolve {host}: {error}"
        return self._resolved[host]

    def refusal(self, url: str) -> str | None:
        """Why the crawler must not fetch ``url``, or ``None``."""
        scheme = urlsplit(url).scheme.lower()
        if scheme not in ("http", "https"):
            return f"{scheme or 'no'} scheme: only http(s) is crawled"
        host, port = host_port(url)
        allowed = self.allowlist()
        same_host = {p for h, p in allowed if h == host}
        if not same_host:
            return f"host {host} is not one of the portal's hosts ({', '.join(sorted(h for h, _ in allowed))})"
        if port not in same_host and not (port in (80, 443) and same_host & {80, 443}):
            return f"port {port} of {host} is not the portal's ({', '.join(str(p) for p in sorted(same_host))})"
        addresses = self.resolve(host)
        if isinstance(addresses, str):
            return None  # the download itself fails and is recorded with Scrapy's DNS error
        for address in addresses:
            why = blocked_address(address)
            if why and address not in self._own_addresses:
                return f"{host} resolves to a {why}"
        return None

    # ------------------------------------------------------------------ requests

    def process_request(self, request: Request):
        why = self.refusal(request.url)
        if why is not None:
            self._refuse(request, "off_site", why)
        role = request.meta.get("role")
        if "download_maxsize" not in request.meta and (role in PAGE_ROLES or request.url.endswith("/robots.txt")):
            request.meta["download_maxsize"] = self.page_maxsize
            request.meta["download_warnsize"] = self.page_warnsize
        return None

    def process_response(self, request: Request, response: Response):
        if 300 <= response.status < 400 and b"Location" in response.headers:
            self._check_redirect(request, response)
        elif response.status == 200 and request.meta.get("role") not in (None, "robots"):
            self._check_soft_404(request, response)
        return response

    def process_exception(self, request: Request, exception: Exception):
        stop = request.meta.get("guard_stop")
        if stop is not None:
            self._refuse(request, *stop)
        if isinstance(exception, DownloadCancelledError) or type(exception).__name__ == "CancelledError":
            limit = request.meta.get("download_maxsize") or self.crawler.settings.getint("DOWNLOAD_MAXSIZE")
            self._refuse(request, "too_large", f"download cut at the size limit of {limit} bytes ({exception})")
        return None

    def _check_redirect(self, request: Request, response: Response) -> None:
        location = response.headers[b"Location"].decode("latin-1").strip()
        target = urljoin(request.url, location)
        chain = [*request.meta.get("redirect_urls", []), request.url]
        why = self.refusal(target)
        if why is not None:
            self._refuse(request, "off_site", f"HTTP {response.status} redirect to {target}: {why}")
        if target in chain:
            loop = " -> ".join([*chain[chain.index(target) :], target])
            self._refuse(request, "redirect_loop", f"redirect loop: {loop}")
        if len(chain) > self.max_redirects:
            self._refuse(request, "redirect_loop", f"more than {self.max_redirects} redirects: {' -> '.join(chain)}")

    def _check_soft_404(self, request: Request, response: Response) -> None:
        body = response.body
        if len(body) > _SOFT_404_MAX_BYTES:
            return
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1").lower()
        if content_type and "html" not in content_type and not content_type.startswith("text/"):
            return
        text = (
            body.decode("utf-8", "ignore") if b"\xe4" in body or body.isascii() else body.decode("gb18030", "ignore")
        )
        match = _SOFT_404.search(text)
        if match is None:
            return
        spider = self._spider()
        if request.meta.get("role") in ("item", "attachment") and spider is not None and hasattr(spider, "state"):
            from spiders.portal import now

            spider.state.mark_gone([request.url], now())
        self._refuse(request, "soft_404", f"HTTP 200 page that says it does not exist ({match.group(0)[:80]!r})")

    # ------------------------------------------------------------------ body limits (signals)

    def headers_received(self, headers, body_length, request: Request, spider) -> None:
        request.meta["guard_started"] = time.monotonic()
        content_type = (headers.get(b"Content-Type") or b"").decode("latin-1").lower()
        if request.meta.get("role") not in PAGE_ROLES and "html" in content_type:
            request.meta["download_maxsize"] = min(
                request.meta.get("download_maxsize") or self.page_maxsize, self.page_maxsize
            )
        limit = request.meta.get("download_maxsize")
        if limit and body_length and body_length > limit:
            self._stop(
                request, "too_large", f"Content-Length {body_length} over the limit of {limit} bytes ({content_type})"
            )

    def bytes_received(self, data: bytes, request: Request, spider) -> None:
        received = request.meta.get("guard_bytes", 0) + len(data)
        request.meta["guard_bytes"] = received
        limit = request.meta.get("download_maxsize")
        if limit and received > limit:
            self._stop(request, "too_large", f"body passed the limit of {limit} bytes; cut")
        started = request.meta.get("guard_started")
        if started is not None and self.stall_seconds:
            elapsed = time.monotonic() - started
            if elapsed > self.stall_seconds and received / elapsed < self.min_rate:
                self._stop(
                    request,
                    "timeout",
                    f"download stalled: {received} bytes in {elapsed:.1f} s (under {self.min_rate:g} bytes/s)",
                )

    def _stop(self, request: Request, reason: str, detail: str) -> None:
        request.meta["guard_stop"] = (reason, detail)
        raise StopDownload(fail=True)

    # ------------------------------------------------------------------ recording

    def _refuse(self, request: Request, reason: str, detail: str):
        spider = self._spider()
        if spider is not None and hasattr(spider, "record_failure"):
            # Filed under the URL the portal links (the first of a redirect chain), as the spider does.
            spider.record_failure((request.meta.get("redirect_urls") or [request.url])[0], reason, detail)
            if request.meta.get("role") in ("list", "start") and reason != "trap" and hasattr(spider, "list_failures"):
                spider.list_failures += 1
        else:
            logger.warning("%s: %s (%s)", reason, request.url, detail)
        raise GuardRefusal(reason, detail)


class TrapGuardMiddleware:
    """Bounds the list pages a portal can make the crawler walk (spider middleware)."""

    def __init__(self, crawler):
        self.crawler = crawler
        settings = crawler.settings
        self.per_column = settings.getint("XXGKNB_MAX_LIST_PAGES_PER_COLUMN")
        self.max_barren = settings.getint("XXGKNB_MAX_BARREN_LIST_PAGES")
        self.depth_limit = settings.getint("DEPTH_LIMIT")
        self.column_pages: dict[str, set[str]] = {}

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _seen(self) -> int:
        return len(getattr(getattr(self.crawler, "spider", None), "seen_items", ()))

    def process_spider_input(self, response: Response) -> None:
        response.meta["guard_seen_before"] = self._seen()

    def process_spider_output(self, response: Response, result):
        for output in result:
            if isinstance(output, Request):
                why = self._trap(response, output)
                if why is not None:
                    self._record(output, why)
                    continue
            yield output

    async def process_spider_output_async(self, response: Response, result):
        async for output in result:
            if isinstance(output, Request):
                why = self._trap(response, output)
                if why is not None:
                    self._record(output, why)
                    continue
            yield output

    def _trap(self, response: Response, request: Request) -> str | None:
        depth = response.meta.get("depth", 0) + 1
        if self.depth_limit and depth > self.depth_limit:
            return f"depth {depth} over DEPTH_LIMIT {self.depth_limit} (from {response.url})"
        if request.meta.get("role") != "list":
            return None
        # A list request at list depth 0 opens a column; deeper ones page through their parent's.
        if request.meta.get("depth_list", 0) == 0:
            column = request.url
        else:
            column = response.meta.get("guard_column") or response.url
        request.meta["guard_column"] = column
        pages = self.column_pages.setdefault(column, {column})
        if request.url in pages:
            return None  # a page of this column already asked for: Scrapy's duplicate filter drops it
        new_items = self._seen() - response.meta.get("guard_seen_before", 0)
        parent_is_list = response.meta.get("role") == "list" or response.meta.get("guard_column")
        barren = 0 if new_items > 0 or not parent_is_list else response.meta.get("guard_barren", 0) + 1
        request.meta["guard_barren"] = barren
        if self.max_barren and barren > self.max_barren:
            return f"{barren} list pages in a row brought no new item (column {column})"
        if self.per_column and len(pages) > self.per_column:
            return f"more than {self.per_column} list pages in column {column}"
        pages.add(request.url)
        return None

    def _record(self, request: Request, why: str) -> None:
        spider = getattr(self.crawler, "spider", None)
        if spider is not None and hasattr(spider, "record_failure"):
            spider.record_failure(request.url, "trap", why)
        else:
            logger.warning("trap: %s (%s)", request.url, why)
