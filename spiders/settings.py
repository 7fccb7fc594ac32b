"""Scrapy settings of the xxgknb crawler: polite by default.

Every non-default line says why.  ``politeness_off()`` is what ``xxgknb crawl --no-politeness``
applies, for benchmarks and tests against the local sample portal only.
"""

import os

BOT_NAME = "xxgknb"
SPIDER_MODULES = ["spiders.portal"]
NEWSPIDER_MODULE = "spiders.portal"

#: Where the people running a crawl can be reached, shown in the User-Agent so a webmaster can ask;
#: whoever runs a crawl sets their own with the XXGKNB_CONTACT_URL environment variable.
XXGKNB_CONTACT_URL = os.environ.get("XXGKNB_CONTACT_URL", "https://github.com/xxgknb/xxgknb#crawler")
USER_AGENT = f"xxgknb/0.1 (open corpus of 政府信息公开工作年度报告; +{XXGKNB_CONTACT_URL})"

# Identify and obey: robots.txt Disallow is respected, Crawl-delay too (spiders.middlewares).
ROBOTSTXT_OBEY = True
# One connection per host and a steady, slow rate: government servers are small.
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 3.0
DOWNLOAD_DELAY_JITTER = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 3.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
# Bounded downloads: a 年报 PDF is a few MB; a 100 MB response is a trap, not a report.
DOWNLOAD_TIMEOUT = 60
DOWNLOAD_MAXSIZE = 100 * 1024 * 1024
DOWNLOAD_WARNSIZE = 20 * 1024 * 1024
# gzip/deflate only: archive.warc can undo them without optional libraries (zstd).
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "zh-CN,zh;q=0.9",
    "Accept-Encoding": "gzip, deflate",
}
# 304 answers to conditional requests reach the spider (it reuses the archived body).
HTTPERROR_ALLOWED_CODES = [304]
REDIRECT_MAX_TIMES = 5
# A portal's 年报 tree is shallow; deeper means a trap (calendar, infinite pagination).
DEPTH_LIMIT = 12
XXGKNB_MAX_LIST_PAGES = 2000

DOWNLOADER_MIDDLEWARES = {
    # Scrapy's retry re-queues at once; ours waits (exponential, Retry-After) and slows the host.
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "spiders.middlewares.BackoffRetryMiddleware": 550,
    # After decompression (590), before the spider: challenge pages and charsets.
    "spiders.middlewares.ChallengeMiddleware": 585,
    "spiders.middlewares.CharsetMiddleware": 580,
    # Closest to the network: every response as received (redirects, 304s, retried 503s) goes to WARC.
    "spiders.middlewares.WarcCaptureMiddleware": 950,
    # Between the WARC capture and the redirect middleware (600): sees every request (each redirect
    # hop) before it is sent and every response as received; private networks, off-site, size, soft 404.
    "spiders.guards.NetworkGuardMiddleware": 700,
}
# Before DepthMiddleware (900): list-page caps per column, barren pagination, recorded depth cuts.
SPIDER_MIDDLEWARES = {"spiders.guards.TrapGuardMiddleware": 950}
#: A list or start page bigger than this is not a page (a document is bounded by DOWNLOAD_MAXSIZE).
XXGKNB_MAXSIZE_PAGE = 8 * 1024 * 1024
XXGKNB_WARNSIZE_PAGE = 2 * 1024 * 1024
#: A body arriving slower than XXGKNB_MIN_RATE bytes/s after XXGKNB_STALL_SECONDS is a stall.
XXGKNB_STALL_SECONDS = 30.0
XXGKNB_MIN_RATE = 512.0
#: Hosts besides the portal's own that the crawl may fetch from (e.g. a separate file server).
XXGKNB_EXTRA_HOSTS: list[str] = []
XXGKNB_MAX_LIST_PAGES_PER_COLUMN = 300
XXGKNB_MAX_BARREN_LIST_PAGES = 4
XXGKNB_RETRY_TIMES = 4
XXGKNB_RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
#: First back-off wait in seconds; doubles on each retry, capped by XXGKNB_BACKOFF_MAX.
XXGKNB_BACKOFF_BASE = 5.0
XXGKNB_BACKOFF_MAX = 600.0

TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"


def politeness_off() -> dict:
    """Settings for crawling the local sample portal as fast as it goes (tests, benchmarks)."""
    return {
        "DOWNLOAD_DELAY": 0,
        "DOWNLOAD_DELAY_JITTER": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
        "XXGKNB_BACKOFF_BASE": 0.2,
        "XXGKNB_BACKOFF_MAX": 2.0,
        "DOWNLOAD_TIMEOUT": 20,
    }
