"""``PortalSpider`` (name ``portal``): THE spider; every portal is a registry row, every CMS an adapter.

One spider instance crawls one portal:

1. **Discovery** (``parse_start``): from the start page find the 年报 column
   (:mod:`parsers.cms.discover`), going through a 信息公开 gateway page when the start page does
   not link it directly.  News-like columns (政务动态, 通知公告 …) are *scanned* too, taking only
   items whose title reads like a report: reports are often misfiled there.
2. **Lists** (``parse_list``): the adapter of the page's CMS (:mod:`parsers.cms`) yields items
   and further list pages (pagination, sub-columns).  A link whose text names a look-alike is not
   fetched.  A page that brings no item not already seen in this crawl ends that pagination path.
3. **Items** (``parse_item``): a detail page is classified (:mod:`parsers.cms.classify`); a page
   that only carries the report as an attachment has its attachments fetched.  Documents (PDF,
   DOCX …) are kept as they are.

Nothing is parsed into rows here: every response goes to WARC (``WarcCaptureMiddleware``) and the
SQLite index, and ``xxgknb build`` turns the archive into the corpus.

Incremental and resumable: list pages are always fetched (conditionally, with the validators of
the last fetch; a 304 reuses the archived body); an item already fetched is fetched again only
when its entry on the list changed (date or title).  After a complete crawl, report candidates no
longer linked from the portal are marked gone.

:param portal: registry id of the portal (or pass ``start_url`` for an ad-hoc portal)
:param start_url: start page of a portal that is not in the registry
:param cms: CMS hint for ``start_url``
:param crawl_id: shared by every portal crawled in one run (default: the start time)
:param portal_id: id to file a ``start_url`` portal under (default: from its host and path)
:param portal_name: its name
:param scope: URL prefix the crawl stays under (default: the start URL's host)
"""

from __future__ import annotations

import logging
import os
import re
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError

from archive.crawlstate import CRAWL_END_PREFIX, CrawlState, Exchange
from archive.warc import WarcWriter, sha256
from parsers.cms import adapter_for
from parsers.cms.article import document_type, read_article
from parsers.cms.base import Fetch, anchors, clean, parse_html
from parsers.cms.charset import decode_html
from parsers.cms.classify import (
    ATTACHMENT_HOLDER,
    LOOKALIKE,
    REPORT,
    body_signal_count,
    classify_link,
    report_like_title,
)
from parsers.cms.discover import find_report_columns, is_report_column
from parsers.cms.gkmlpt import classify_id
from spiders.registry import Portal, adhoc_portal
from spiders.registry import load as load_registry

logger = logging.getLogger("xxgknb.crawl")

#: Columns worth scanning for misfiled reports (archetypes §2.0 "Misfiling is common").
_SCAN_TEXT = re.compile(
    r"^(政务动态|工作动态|政务要闻|通知公告|公告公示|最新文件|最新信息|法定主动公开内容|其他信息|专题专栏)$"
)
MAX_DISCOVERY_HOPS = 2
#: More unlisted reports than this (and than half of those known) in one crawl is a site change, not removals.
MAX_GONE_AT_ONCE = 5
#: List hops below a column: year → group → unit → pages; more is a trap.
MAX_LIST_DEPTH = 30
_HTML_TYPES = ("text/html", "application/xhtml")


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


class PortalSpider(scrapy.Spider):
    name = "portal"

    def __init__(
        self,
        portal: str | None = None,
        start_url: str | None = None,
        cms: str | None = None,
        crawl_id: str | None = None,
        portal_name: str | None = None,
        portal_id: str | None = None,
        scope: str | None = None,
        region_code: str | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if portal:
            registry = load_registry()
            if portal not in registry:
                raise ValueError(f"portal {portal!r} is not in the registry (see `xxgknb portals`)")
            self.portal: Portal = registry[portal]
        elif start_url:
            self.portal = adhoc_portal(
                start_url, cms=cms, name=portal_name, scope=scope, region_code=region_code
            )
            if portal_id:
                self.portal = Portal(**{**self.portal.__dict__, "id": portal_id})
        else:
            raise ValueError("PortalSpider needs portal=<registry id> or start_url=<url>")
        self.crawl_id = crawl_id or datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        self.seen_items: set[str] = set()
        self.seen_links: set[str] = set()
        self.listed: dict[str, str | None] = {}
        self.counts = {
            "pages_fetched": 0,
            "not_modified": 0,
            "list_pages": 0,
            "new_reports": 0,
            "changed_reports": 0,
            "lookalikes_skipped": 0,
        }
        self.report_urls: set[str] = set()
        self.blocked_hosts: dict[str, str] = {}
        self.list_failures = 0

    # ------------------------------------------------------------------ set-up and tear-down

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        data_dir = Path(crawler.settings.get("XXGKNB_DATA_DIR", "data"))
        spider.state = CrawlState(data_dir)
        folder = data_dir / "warc" / spider.portal.id
        spider.warc_path = folder / f"{spider.crawl_id}-{os.getpid()}.warc.gz"
        for message in spider.state.recover(spider.portal.id, skip=[spider.warc_path]):
            logger.warning("%s", message)
        spider.known = spider.state.known(spider.portal.id)
        spider.archive = WarcWriter(
            spider.warc_path,
            info={
                "software": "xxgknb crawler (Scrapy)",
                "format": "WARC File Format 1.1",
                "xxgknb-crawl": spider.crawl_id,
                "xxgknb-portal": spider.portal.row(),
                "http-header-user-agent": crawler.settings.get("USER_AGENT"),
                "robots": "obey" if crawler.settings.getbool("ROBOTSTXT_OBEY") else "ignore",
            },
        )
        spider.state.register_portal(spider.portal.row())
        spider.started_at = now()
        spider.state.start_crawl(
            spider.crawl_id,
            spider.portal.id,
            start_url=spider.portal.start_url,
            cms=spider.portal.cms,
            at=spider.started_at,
        )
        return spider

    async def start(self):
        logger.info("[%s] crawl %s starts at %s", self.portal.id, self.crawl_id, self.portal.start_url)
        callback = self.parse_list if self.portal.column else self.parse_start
        yield self._request(
            Fetch(self.portal.start_url, cms=self.portal.cms),
            callback,
            role="start",
            meta={"hops": 0, "depth_list": 0},
        )

    def closed(self, reason: str) -> None:
        complete = reason == "finished" and not self.blocked_hosts and self.list_failures == 0
        gone: list[str] = []
        if complete:
            gone = self.state.unlisted(self.portal.id, self.crawl_id)
            live = sum(
                1
                for row in self.known.values()
                if row.get("role") in ("item", "attachment")
                and row.get("status")
                and 200 <= row["status"] < 300
                and not row.get("gone_since")
            )
            if gone and (not self.listed or len(gone) > max(MAX_GONE_AT_ONCE, live // 2)):
                # A redesigned site (column moved, discovery failed) looks like "everything removed":
                # that is not evidence of removal, so nothing is marked gone and the crawl counts as incomplete.
                logger.warning(
                    "[%s] %d of %d known reports not linked any more: not marking them gone (site changed?)",
                    self.portal.id,
                    len(gone),
                    live,
                )
                complete, gone = False, []
            self.state.mark_gone(gone, now())
        finished_at = now()
        status = {
            **self.counts,
            "start_url": self.portal.start_url,
            "cms": self.portal.cms,
            "started_at": self.started_at,
            "reports_found": len(self.report_urls),
            "gone_reports": len(gone),
            "finished_at": finished_at,
            "finish_reason": reason,
            "complete": int(complete),
            "blocked": int(bool(self.blocked_hosts)),
            "blocked_hosts": sorted(self.blocked_hosts),
            "failures": self.state.failure_counts(self.crawl_id, self.portal.id),
        }
        target = f"{CRAWL_END_PREFIX}{self.crawl_id}:{self.portal.id}"
        ref = self.archive.write_metadata(
            target,
            {
                "crawl_id": self.crawl_id,
                "portal": self.portal.row(),
                "finish_reason": reason,
                "complete": complete,
                "listed": sorted(self.listed),
                "gone": sorted(gone),
                "status": status,
                "blocked_hosts": self.blocked_hosts,
            },
            fetched_at=finished_at,
        )
        self.state.index_crawl_end(self.state.relative(ref.path), ref.offset, ref.length, target, finished_at)
        self.archive.close()
        self.state.finish_crawl(self.crawl_id, self.portal.id, status)
        logger.info(
            "[%s] done (%s): %d pages fetched, %d reports found (%d new, %d changed, %d gone)%s",
            self.portal.id,
            reason,
            self.counts["pages_fetched"],
            len(self.report_urls),
            self.counts["new_reports"],
            self.counts["changed_reports"],
            len(gone),
            f", blocked: {', '.join(self.blocked_hosts)}" if self.blocked_hosts else "",
        )

    # ------------------------------------------------------------------ archive (called by the WARC middleware)

    def archive_exchange(self, request: Request, response: Response) -> None:
        meta = request.meta
        url = request.url
        role = meta.get("role") or ("robots" if urlsplit(url).path == "/robots.txt" else "other")
        original = (meta.get("redirect_urls") or [url])[0]
        fetched_at = now()
        headers = _header_pairs(response.headers)
        ref = self.archive.write_exchange(
            url=response.url,
            status=response.status,
            reason=_reason(response.status),
            response_headers=headers,
            body=response.body,
            method=request.method,
            request_headers=_header_pairs(request.headers),
            request_body=request.body or b"",
            fetched_at=fetched_at,
            extra={
                "Portal": self.portal.id,
                "Crawl": self.crawl_id,
                "Role": role,
                "Parent": meta.get("parent"),
                "Link-Text": meta.get("link_text"),
                "Original-Url": original if original != response.url else None,
                "Method": request.method,
            },
        )
        payload_sha256, payload_size = ref.payload_digest
        self.state.index(
            Exchange(
                warc_file=self.state.relative(ref.path),
                offset=ref.offset,
                length=ref.length,
                record_id=ref.record_id,
                url=original,
                final_url=response.url,
                method=request.method,
                status=response.status,
                content_type=_header(response, "Content-Type") or "",
                sha256=payload_sha256,
                size=payload_size,
                fetched_at=fetched_at,
                portal_id=self.portal.id,
                crawl_id=self.crawl_id,
                role=role,
                parent_url=meta.get("parent"),
                link_text=meta.get("link_text"),
                etag=_header(response, "ETag"),
                last_modified=_header(response, "Last-Modified"),
            )
        )
        if role != "robots":
            self.counts["pages_fetched"] += 1
            if response.status == 304:
                self.counts["not_modified"] += 1

    def host_blocked(self, host: str, url: str, reason: str) -> None:
        if host not in self.blocked_hosts:
            logger.warning(
                "[%s] %s is blocked by a challenge (%s); not crawling it further", self.portal.id, host, reason
            )
        self.blocked_hosts.setdefault(host, reason)
        self.record_failure(url, "challenge", reason)

    def record_failure(self, url: str, reason: str, detail: str) -> None:
        logger.warning("[%s] %s: %s (%s)", self.portal.id, reason, url, detail)
        self.state.record_failure(self.crawl_id, self.portal.id, url, reason, detail, now())

    # ------------------------------------------------------------------ requests

    def _request(
        self,
        fetch: Fetch,
        callback,
        *,
        role: str,
        meta: dict | None = None,
        parent: str | None = None,
        link_text: str | None = None,
        conditional: bool = False,
        form=None,
    ) -> Request:
        headers = {}
        known = self.known.get(fetch.url)
        if conditional and known and known.get("status") and 200 <= known["status"] < 300:
            if known.get("etag"):
                headers["If-None-Match"] = known["etag"]
            if known.get("last_modified"):
                headers["If-Modified-Since"] = known["last_modified"]
        full_meta = {"role": role, "cms": fetch.cms, "parent": parent, "link_text": link_text, **(meta or {})}
        body = None
        method = fetch.method
        pairs = fetch.form or form or ()
        if method == "POST":
            body = urlencode(pairs).encode("utf-8")
            headers["Content-Type"] = "application/x-www-form-urlencoded; charset=UTF-8"
            full_meta["form"] = pairs
        return Request(
            fetch.url,
            method=method,
            body=body,
            headers=headers,
            callback=callback,
            errback=self.failed,
            meta=full_meta,
            dont_filter=role == "start",
        )

    # ------------------------------------------------------------------ callbacks

    def _text(self, response: Response) -> str | None:
        """The page's text; for a 304, the text of the archived copy it confirms."""
        if response.status == 304:
            archived = self.state.last_response(response.request.url)
            return decode_html(archived[0], archived[1]) if archived else None
        if isinstance(response, TextResponse):
            return response.text
        return decode_html(response.body, _header(response, "Content-Type"))

    def parse_start(self, response: Response):
        text = self._text(response)
        if not text:
            self.record_failure(response.url, "empty_body", f"HTTP {response.status}, no body")
            return
        url = response.url
        hops = response.meta.get("hops", 0)
        self._note_navigation(response.request.url, text)
        if is_report_column(url, text) or classify_id(url, text):
            yield from self.parse_list(response)
            return
        columns = find_report_columns(url, text)
        strong = [c for c in columns if c.score >= 2 and self.portal.in_scope(c.link.url)]
        for column in strong:
            logger.info("[%s] 年报 column: %s (%s)", self.portal.id, column.link.url, column.link.text)
            yield self._request(
                Fetch(column.link.url),
                self.parse_list,
                role="list",
                conditional=True,
                meta={"depth_list": 0, "mode": "column"},
                parent=url,
                link_text=column.link.text,
            )
        if not strong and hops < MAX_DISCOVERY_HOPS:
            for gateway in (c for c in columns if c.score == 1 and self.portal.in_scope(c.link.url)):
                yield self._request(
                    Fetch(gateway.link.url),
                    self.parse_start,
                    role="start",
                    conditional=True,
                    meta={"hops": hops + 1},
                    parent=url,
                    link_text=gateway.link.text,
                )
        for link in _scan_links(url, text):
            if self.portal.in_scope(link[0]):
                yield self._request(
                    Fetch(link[0]),
                    self.parse_list,
                    role="list",
                    conditional=True,
                    meta={"depth_list": 0, "mode": "scan"},
                    parent=url,
                    link_text=link[1],
                )
        if not columns and hops == 0:
            # A start page with no way to a 年报 column is taken as the column itself (a user gave a list URL).
            yield from self.parse_list(response)

    def parse_list(self, response: Response):
        text = self._text(response)
        url = response.url
        if text is None or not text.strip():
            self.list_failures += 1
            self.record_failure(url, "empty_body", f"HTTP {response.status}, no body on a list page")
            return
        self.counts["list_pages"] += 1
        self._note_navigation(response.request.url, text)
        mode = response.meta.get("mode", "column")
        depth = response.meta.get("depth_list", 0)
        name, adapter = adapter_for(response.meta.get("cms"), url, text)
        page = adapter.read_list(url, text)
        new_items = 0
        for item in page.items:
            # "New" counts every link not seen before, taken or not: a page of notices is no repeat.
            if item.url not in self.seen_links:
                self.seen_links.add(item.url)
                new_items += 1
            if item.url in self.seen_items or not self.portal.in_scope(item.url):
                continue
            if mode == "scan" and not report_like_title(item.text):
                continue
            if classify_link(item.text) is not None:
                self.counts["lookalikes_skipped"] += 1
                continue
            listed_as = item.date or clean(item.text) or None
            self.seen_items.add(item.url)
            yield from self._item_requests(item.url, listed_as, parent=url, link_text=item.text, role="item")
        if mode == "column" and not page.items and not page.lists and depth == 0:
            self.record_failure(url, "unexpected_structure", f"{name} list page with no items and no further pages")
        if page.items and new_items == 0:
            return  # every item was already seen in this crawl: a repeat page ends this path
        if depth >= MAX_LIST_DEPTH or self.counts["list_pages"] >= self.settings.getint("XXGKNB_MAX_LIST_PAGES"):
            return
        for fetch in page.lists:
            if self.portal.in_scope(fetch.url):
                form = response.meta.get("form") if fetch.method == "POST" and not fetch.form else None
                yield self._request(
                    fetch,
                    self.parse_list,
                    role="list",
                    conditional=True,
                    form=form,
                    meta={"depth_list": depth + 1, "mode": mode, "cms": fetch.cms or name},
                    parent=url,
                )

    def _note_navigation(self, url: str, text: str) -> None:
        """Tell ``xxgknb build`` whether a navigation page may itself be a report (hand-built sites,
        single-article Hanweb columns); pages marked ``list`` are not examined again."""
        self.state.set_verdict(url, REPORT if body_signal_count(text) >= 2 else "list")

    def _item_requests(self, url: str, listed_as: str | None, *, parent: str, link_text: str, role: str):
        """Requests for a report candidate: none when what is archived is still current."""
        self.listed[url] = listed_as
        # How it is listed is stored only once fetched: a crawl killed before the fetch must retry it.
        self.state.note_listed(url, portal_id=self.portal.id, crawl_id=self.crawl_id, listed_as=None, at=now())
        known = self.known.get(url)
        fetched_ok = known is not None and known.get("status") and 200 <= known["status"] < 300
        if not fetched_ok:
            # The snapshot taken at start may be stale: ask the index before fetching.
            known = self.state.known_url(url) or known
            fetched_ok = known is not None and known.get("status") and 200 <= known["status"] < 300
            if known is not None:
                self.known[url] = known
        if (
            fetched_ok
            and not known.get("gone_since")
            and (listed_as is None or known.get("listed_as") in (None, listed_as))
        ):
            return self._from_archive(url, known, listed_as, link_text)
        request = self._request(
            Fetch(url),
            self.parse_item,
            role=role,
            parent=parent,
            link_text=link_text,
            conditional=bool(fetched_ok),
            meta={"listed_as": listed_as},
        )
        return [request]

    def _from_archive(self, url: str, known: dict, listed_as: str | None, link_text: str) -> list[Request]:
        """An unchanged candidate is judged from its archived copy, not fetched: it still counts as
        found, and a page holding its report as an attachment has the attachment followed (a resumed
        crawl may have archived the page but not yet the attachment)."""
        if listed_as:
            self.state.set_listed_as(url, listed_as)
        verdict = known.get("verdict")
        if verdict in (REPORT, "document"):
            self.report_urls.add(url)
            return []
        if verdict not in (None, ATTACHMENT_HOLDER):
            return []
        archived = self.state.last_response(url)
        if archived is None:
            return []
        body, content_type, final_url = archived
        return list(self._judge(url, final_url, body, content_type, "", link_text, known, fresh=False))

    def parse_item(self, response: Response):
        url = response.request.url
        known = self.known.get(url)
        listed_as = response.meta.get("listed_as")
        if response.status == 304:
            yield from self._from_archive(url, known or {}, listed_as, response.meta.get("link_text") or "")
            return
        if not response.body:
            self.record_failure(url, "empty_body", f"HTTP {response.status}, empty body")
            return
        if listed_as:
            self.state.set_listed_as(url, listed_as)
        yield from self._judge(
            url,
            response.url,
            response.body,
            _header(response, "Content-Type") or "",
            _header(response, "Content-Disposition") or "",
            response.meta.get("link_text") or "",
            known,
            fresh=True,
        )

    def _judge(self, url, final_url, body, content_type, disposition, link_text, known, *, fresh: bool):
        """Decide what a fetched candidate is; yields requests for the attachments of a holder page."""
        if fresh and known and known.get("sha256") and known["sha256"] != sha256(body):
            self.counts["changed_reports"] += 1 if known.get("verdict") in (REPORT, "document") else 0
        if not _looks_like_html(content_type, body):
            kind = document_type(url, link_text, content_type, disposition)
            self.state.set_verdict(url, "document")
            self._found(
                url, known if fresh else {"sha256": "archived"}, f"document ({kind or 'unknown type'})", link_text
            )
            return
        article = read_article(final_url, decode_html(body, content_type))
        verdict = article.verdict
        self.state.set_verdict(url, verdict.kind)
        if verdict.kind == REPORT:
            self._found(url, known if fresh else {"sha256": "archived"}, "page", article.title)
        elif verdict.kind == ATTACHMENT_HOLDER:
            for attachment in article.attachments:
                if self.portal.in_scope(attachment.url):
                    yield from self._item_requests(
                        attachment.url, None, parent=url, link_text=attachment.text, role="attachment"
                    )
        elif verdict.kind == LOOKALIKE:
            self.counts["lookalikes_skipped"] += 1
            logger.info("[%s] look-alike, not taken: %s (%s)", self.portal.id, article.title, verdict.reason)
        elif not article.title and len(article.text) < 50:
            self.record_failure(url, "unexpected_structure", "no title and almost no text")

    def _found(self, url: str, known: dict | None, what: str, title: str) -> None:
        self.report_urls.add(url)
        if known is None or not known.get("sha256"):
            self.counts["new_reports"] += 1
        logger.info("[%s] report (%s): %s", self.portal.id, what, title or url)

    def failed(self, failure):
        request = failure.request
        url = request.url
        if failure.check(HttpError):
            response = failure.value.response
            if response.status in (404, 410) and request.meta.get("role") in ("item", "attachment"):
                self.state.mark_gone([url], now())
            if request.meta.get("role") in ("list", "start"):
                self.list_failures += 1
            self.record_failure(url, "http_error", f"HTTP {response.status}")
        elif failure.check(IgnoreRequest):
            if getattr(failure.value, "recorded", False):
                return  # refused by spiders.guards, which recorded it with its own reason
            message = str(failure.value)
            if "robots.txt" in message:
                self.record_failure(url, "robots", "Disallowed by robots.txt")
            elif "blocked by a challenge" in message:
                # Another portal of this process met the host's challenge: this crawl is cut short too.
                self.blocked_hosts.setdefault(urlsplit(url).netloc, message)
            elif "challenge" not in message:
                self.record_failure(url, "http_error", message)
        elif "Timeout" in type(failure.value).__name__ or "TimedOut" in type(failure.value).__name__:
            self.record_failure(url, "timeout", type(failure.value).__name__)
            if request.meta.get("role") in ("list", "start"):
                self.list_failures += 1
        else:
            self.record_failure(url, "http_error", f"{type(failure.value).__name__}: {failure.value}")
            if request.meta.get("role") in ("list", "start"):
                self.list_failures += 1


def _scan_links(url: str, text: str) -> list[tuple[str, str]]:
    return [(link.url, link.text) for link in anchors(url, parse_html(text)) if _SCAN_TEXT.match(link.text)]


def _looks_like_html(content_type: str, body: bytes) -> bool:
    content_type = (content_type or "").lower()
    if any(t in content_type for t in _HTML_TYPES):
        return True
    if content_type and not content_type.startswith(("text/", "application/octet-stream")):
        return False
    head = body[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<head" in head


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value is not None else None


def _header_pairs(headers) -> list[tuple[str, str]]:
    pairs = []
    for key, values in headers.items():
        for value in values:
            pairs.append((key.decode("latin-1"), value.decode("latin-1")))
    return pairs


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"
