"""Downloader middlewares: WARC capture, challenge detection, charset fix, polite back-off.

They talk to the running :class:`spiders.portal.PortalSpider` (``crawler.spider``) for the
archive and the crawl records, so one crawler process can run several portals side by side.
"""

from __future__ import annotations

import logging
import re
import time
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response, TextResponse
from scrapy.utils.asyncio import sleep

from parsers.cms.charset import detect_encoding

logger = logging.getLogger("xxgknb.crawl")

#: Markers of WAF challenge pages (archetypes §2.9): Ruishu ``$_ts``, 加速乐 ``__jsl``, CAPTCHAs.
_CHALLENGE_BODY = re.compile(
    rb"\$_ts\s*=|\$_ts\[|__jsl_clearance|__jsluid|_jsl_|captcha|geetest|nc_token|"
    rb"\xe9\xaa\x8c\xe8\xaf\x81\xe7\xa0\x81|\xe6\xbb\x91\xe5\x8a\xa8\xe9\xaa\x8c\xe8\xaf\x81|"  # 验证码 | 滑动验证
    rb"\xe8\xae\xbf\xe9\x97\xae\xe8\xa2\xab\xe6\x8b\xa6\xe6\x88\xaa",  # 访问被拦截
    re.IGNORECASE,
)
CHALLENGE_STATUSES = (412, 418, 521)
#: A real page of a 年报 tree is bigger than a challenge shell; big pages mentioning 验证码 are not challenges.
_CHALLENGE_MAX_BYTES = 30_000


def _spider(crawler):
    return getattr(crawler, "spider", None)


class WarcCaptureMiddleware:
    """Archive every response exactly as received, with its request, before anything else sees it."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        spider = _spider(self.crawler)
        if spider is not None and hasattr(spider, "archive_exchange"):
            spider.archive_exchange(request, response)
        return response


#: Hosts that answered with a challenge, for the whole process: every portal crawled side by side
#: (``xxgknb crawl --all``) stops asking a host once one of them met its challenge.
BLOCKED_HOSTS: dict[str, str] = {}


class ChallengeMiddleware:
    """A WAF challenge stops that host for the rest of the crawl and is recorded; never worked around."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.blocked = BLOCKED_HOSTS

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request: Request):
        host = urlsplit(request.url).netloc
        if host in self.blocked:
            raise IgnoreRequest(f"host {host} blocked by a challenge ({self.blocked[host]})")
        return None

    def process_response(self, request: Request, response: Response) -> Response:
        reason = challenge_reason(response)
        if reason is None:
            return response
        host = urlsplit(request.url).netloc
        self.blocked.setdefault(host, reason)
        spider = _spider(self.crawler)
        if spider is not None and hasattr(spider, "host_blocked"):
            spider.host_blocked(host, request.url, reason)
        raise IgnoreRequest(f"challenge at {request.url}: {reason}")


def challenge_reason(response: Response) -> str | None:
    if response.status in CHALLENGE_STATUSES:
        return f"HTTP {response.status}"
    body = response.body
    if response.status in (200, 202, 403) and len(body) < _CHALLENGE_MAX_BYTES:
        match = _CHALLENGE_BODY.search(body)
        if match:
            return f"challenge marker {match.group(0).decode('utf-8', 'replace')!r} in a {len(body)}-byte page"
    return None


class CharsetMiddleware:
    """Decode pages BOM > ``<meta>`` > header > gb18030 (Scrapy lets a wrong header win)."""

    def process_response(self, request: Request, response: Response) -> Response:
        if not isinstance(response, TextResponse) or not response.body:
            return response
        content_type = response.headers.get("Content-Type", b"").decode("latin-1")
        encoding = detect_encoding(response.body, content_type)
        if encoding != response.encoding:
            return response.replace(encoding=encoding)
        return response


class BackoffRetryMiddleware:
    """Retry 429/5xx and timeouts after an exponential wait (or the server's ``Retry-After``), and
    slow the whole host down meanwhile: the wait goes into the host's download slot delay, so other
    requests to that host wait too.  The delay relaxes again after successful responses.  Robots
    ``Crawl-delay`` is applied here as the minimum of every wait between two requests to the host.

    The slot delay alone does not honour a wait: Scrapy's jitter shortens it (down to half with
    the default ``DOWNLOAD_DELAY_JITTER``) and a success from another request relaxes it before
    the retry leaves.  So the end of each wait is also kept per host (``quiet_until``) and no
    request to that host is sent before it."""

    def __init__(self, crawler):
        settings = crawler.settings
        self.crawler = crawler
        self.max_retries = settings.getint("XXGKNB_RETRY_TIMES")
        self.codes = set(settings.getlist("XXGKNB_RETRY_HTTP_CODES"))
        self.base = settings.getfloat("XXGKNB_BACKOFF_BASE")
        self.cap = settings.getfloat("XXGKNB_BACKOFF_MAX")
        self.normal_delay = settings.getfloat("DOWNLOAD_DELAY")
        self.minimum: dict[str, float] = {}
        self.raised: set[str] = set()
        self.quiet_until: dict[str, float] = {}
        self.polite = settings.getbool("AUTOTHROTTLE_ENABLED") or self.normal_delay > 0
        crawler.signals.connect(self.robots_parsed, signal=signals.robots_parsed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def robots_parsed(self, robotparser, request: Request, **kwargs) -> None:
        inner = getattr(robotparser, "rp", None)
        user_agent = self.crawler.settings.get("USER_AGENT")
        delay = inner.crawl_delay(user_agent) if inner is not None and hasattr(inner, "crawl_delay") else None
        if delay and self.polite:
            key = self.crawler.engine.downloader.get_slot_key(request)
            self.minimum[key] = min(float(delay), self.cap)

    def _floor(self, key: str, slot) -> float:
        """The slot delay that keeps every jittered wait at or above the host's ``Crawl-delay``:
        Scrapy draws each wait from ``delay * (1 ± jitter)``, so the delay itself must be higher."""
        crawl_delay = self.minimum.get(key, 0.0)
        return crawl_delay / (1 - slot.jitter) if slot.jitter < 1 else crawl_delay

    def _slot(self, request: Request):
        downloader = self.crawler.engine.downloader
        key = downloader.get_slot_key(request)
        return key, downloader.slots.get(key)

    async def process_request(self, request: Request):
        key, slot = self._slot(request)
        if slot is not None and slot.delay < (floor := self._floor(key, slot)):
            slot.delay = floor
        # A wait may be extended by another 429/503 while this request sleeps: look again after it.
        while (pause := self.quiet_until.get(key, 0.0) - time.monotonic()) > 0:
            await sleep(pause)
        return None

    def process_response(self, request: Request, response: Response):
        key, slot = self._slot(request)
        if response.status in self.codes:
            wait = self._wait(request, response.headers.get("Retry-After"))
            return self._retry(request, f"HTTP {response.status}", wait, key, slot) or response
        if slot is not None and key in self.raised and 200 <= response.status < 400:
            relaxed = max(self.normal_delay, self._floor(key, slot), slot.delay / 2)
            slot.delay = relaxed
            if relaxed <= self.normal_delay:
                self.raised.discard(key)
        return response

    def process_exception(self, request: Request, exception: Exception):
        name = type(exception).__name__
        if isinstance(exception, IgnoreRequest) or not any(
            word in name
            for word in (
                "Timeout", "TimedOut", "ConnectionLost", "ConnectionRefused", "ResponseNeverReceived",
                # Scrapy 2.19 wraps a reset connection in DownloadFailedError and a cut body in ResponseDataLossError
                "DownloadFailed", "DataLoss",
            )
        ):
            return None
        key, slot = self._slot(request)
        return self._retry(request, name, self._wait(request, None), key, slot)

    def _wait(self, request: Request, retry_after: bytes | None) -> float:
        retries = request.meta.get("backoff_retries", 0)
        wait = self.base * (2**retries)
        if retry_after:
            wait = max(wait, retry_after_seconds(retry_after.decode("latin-1")) or 0.0)
        return min(wait, self.cap)

    def _retry(self, request: Request, why: str, wait: float, key, slot) -> Request | None:
        retries = request.meta.get("backoff_retries", 0)
        if retries >= self.max_retries:
            logger.warning("giving up on %s after %d retries (%s)", request.url, retries, why)
            return None
        now = time.monotonic()  # Scrapy 2.19 keeps slot times on the monotonic clock
        self.quiet_until[key] = max(self.quiet_until.get(key, 0.0), now + wait)
        if slot is not None:
            slot.delay = max(slot.delay, wait)
            slot.lastseen = now
            self.raised.add(key)
        logger.info("retrying %s in %.1fs (%s)", request.url, wait, why)
        retry = request.replace(dont_filter=True)
        retry.meta["backoff_retries"] = retries + 1
        return retry


def retry_after_seconds(value: str) -> float | None:
    """``Retry-After`` as seconds: a number, or an HTTP date."""
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
