"""The sample portal: an HTTP server on loopback imitating Chinese government portals.

``SamplePortal`` is the API tests and the demo use::

    with SamplePortal(port=0, seed=0) as portal:
        portal.base_url          # http://127.0.0.1:PORT
        portal.sites             # [{id, name, archetype, cms, start_url, …}]
        portal.manifest          # every report with its expected numbers, look-alikes, list pages, …
        portal.edit_report(url)  # the report's content changes (new version)
        portal.remove_report(url)  # 404 from now on, gone from every list
        portal.request_log       # every request the server answered

The manifest format is documented in ``docs/sample-portal.md``.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import errno
import html
import http.server
import socket
import threading
import urllib.parse
from dataclasses import dataclass

from xxgknb.sample_portal import generate
from xxgknb.sample_portal.content import Item, site_items
from xxgknb.sample_portal.render import RENDERERS, Resource, SiteRenderer
from xxgknb.sample_portal.sites import SITES, SiteDef

#: Report whose page is served with a wrong ``charset=ISO-8859-1`` header (its <meta> says UTF-8).
WRONG_HEADER_REPORT = "hanweb/r01"
MANIFEST_VERSION = 1


@dataclass
class _Binding:
    address: str
    server: http.server.ThreadingHTTPServer
    thread: threading.Thread | None = None


class SamplePortal:
    """Serve the sample portal in background threads until :meth:`stop` (or the ``with`` block ends).

    ``multi_host=True`` gives every site its own loopback address (127.0.0.11, .12, …, all on one
    port), so host-based politeness and robots.txt work per site; otherwise every site lives on
    ``host`` under its own path prefix (``/trs-city/…``, ``/hanweb/…``).
    """

    def __init__(
        self,
        port: int = 0,
        *,
        host: str = "127.0.0.1",
        seed: int = 0,
        faults: bool = False,
        multi_host: bool = False,
        crawl_delay: float = 0.2,
        first_multi_host_address: int = 11,
        stall_seconds: float = 30.0,
        huge_bytes: int = 200 * 2**20,
        zip_bomb_bytes: int = 2**30,
    ):
        self.requested_port = port
        self.host = host
        self.seed = seed
        self.faults = faults
        self.multi_host = multi_host
        self.crawl_delay = crawl_delay
        self.first_multi_host_address = first_multi_host_address
        self.stall_seconds = stall_seconds
        self.huge_bytes = huge_bytes
        self.zip_bomb_bytes = zip_bomb_bytes
        self._lock = threading.RLock()
        self._log: list[dict] = []
        self._bindings: list[_Binding] = []
        self.renderers: dict[str, SiteRenderer] = {}
        self.port = 0
        self.stopping = threading.Event()

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> SamplePortal:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def site_defs(self) -> list[SiteDef]:
        if not self.faults:
            return list(SITES)
        from xxgknb.sample_portal.faults import FAULT_SITE, WAF_SITES

        return [*SITES, FAULT_SITE, *WAF_SITES]

    def start(self) -> None:
        sites = self.site_defs()
        addresses = self._addresses(sites)
        self._bind(sorted(set(addresses.values()), key=addresses_order(addresses)))
        for site in sites:
            origin = f"http://{addresses[site.id]}:{self.port}"
            items = site_items(site, self.seed)
            for item in items:
                if item.key == WRONG_HEADER_REPORT:
                    item.content_type = "text/html; charset=ISO-8859-1"
            if site.cms == "faults":
                from xxgknb.sample_portal.faults import FaultRenderer

                renderer: SiteRenderer = FaultRenderer(
                    site,
                    origin,
                    f"/{site.id}",
                    items,
                    stopping=self.stopping,
                    stall_seconds=self.stall_seconds,
                    huge_bytes=self.huge_bytes,
                )
            elif site.cms == "waf":
                from xxgknb.sample_portal.faults import WafRenderer

                renderer = WafRenderer(site, origin, f"/{site.id}", items)
            else:
                renderer = RENDERERS[site.cms](site, origin, f"/{site.id}", items)
            self.renderers[site.id] = renderer
        self._make_binaries([i for r in self.renderers.values() for i in r.items])
        if "faults" in self.renderers:
            from xxgknb.sample_portal.faults import fault_binaries

            renderer = self.renderers["faults"]
            good = next(i for i in renderer.items if i.fmt == "pdf")
            renderer.binaries.update(fault_binaries(good.docx(), renderer.binaries[good.key], self.zip_bomb_bytes))
        for renderer in self.renderers.values():
            renderer.rebuild()
        for binding in self._bindings:
            binding.thread = threading.Thread(
                target=binding.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
            )
            binding.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        for binding in self._bindings:
            binding.server.shutdown()
            binding.server.server_close()
        self._bindings = []

    def _addresses(self, sites: list[SiteDef]) -> dict[str, str]:
        if not self.multi_host:
            return {site.id: self.host for site in sites}
        return {site.id: f"127.0.0.{self.first_multi_host_address + i}" for i, site in enumerate(sites)}

    def _bind(self, addresses: list[str]) -> None:
        """Bind every address on one port; with port 0, retry until a port is free on all of them."""
        for _attempt in range(50):
            bound: list[_Binding] = []
            port = self.requested_port
            try:
                for address in addresses:
                    server = _Server((address, port), _Handler)
                    server.portal = self
                    port = server.server_address[1]
                    bound.append(_Binding(address, server))
            except OSError as error:
                for binding in bound:
                    binding.server.server_close()
                if error.errno != errno.EADDRINUSE or self.requested_port:
                    raise
                continue
            self._bindings = bound
            self.port = port
            return
        raise OSError(errno.EADDRINUSE, "sample portal: no port free on every loopback address")

    def _make_binaries(self, items: list[Item]) -> None:
        attached = [i for i in items if i.kind == "report" and i.fmt in ("pdf", "docx") and not i.removed]
        docx = {i.key: i.docx() for i in attached}
        pdf = generate.docx_to_pdf({i.key: docx[i.key] for i in attached if i.fmt == "pdf"})
        for item in attached:
            renderer = self.renderers[item.site.id]
            renderer.binaries[item.key] = pdf[item.key] if item.fmt == "pdf" else docx[item.key]

    # ------------------------------------------------------------------ public API

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}" if not self.multi_host else self.sites[0]["origin"]

    @property
    def sites(self) -> list[dict]:
        out = []
        for renderer in self.renderers.values():
            site = renderer.site
            out.append(
                {
                    "id": site.id,
                    "name": site.name,
                    "archetype": site.archetype,
                    "cms": site.cms,
                    "origin": renderer.origin,
                    "prefix": renderer.prefix,
                    "start_url": renderer.start_url,
                    "column_url": renderer.column_url,
                    "robots_url": renderer.origin + "/robots.txt",
                    "charset": site.charset,
                    "charset_header": site.charset_header,
                    "level": site.level,
                    "region_code": site.region_code,
                    "province": site.province,
                    "city": site.city,
                    "county": site.county,
                }
            )
        return out

    @property
    def request_log(self) -> list[dict]:
        with self._lock:
            return list(self._log)

    def clear_request_log(self) -> None:
        with self._lock:
            self._log.clear()

    def find_item(self, url: str) -> Item:
        for renderer in self.renderers.values():
            for item in renderer.items:
                if url in (item.page_url, item.document_url):
                    return item
        raise KeyError(f"sample portal: no report or look-alike at {url}")

    def edit_report(self, url: str) -> dict:
        """Publish a new version of the report at ``url``: new numbers and text, a later date.

        The date shown next to it in every list changes too, so list pages change (new ETag)."""
        with self._lock:
            item = self.find_item(url)
            item.version += 1
            item.updated = item.published + dt.timedelta(days=35 * (item.version - 1))
            if item.fmt in ("pdf", "docx"):
                self._make_binaries([item])
            self.renderers[item.site.id].rebuild()
            return self.report_entry(item)

    def remove_report(self, url: str) -> None:
        """Take the report down: its URLs answer 404 and no list shows it any more."""
        with self._lock:
            item = self.find_item(url)
            item.removed = True
            renderer = self.renderers[item.site.id]
            renderer.removals += 1
            renderer.rebuild()

    # ------------------------------------------------------------------ manifest

    @property
    def manifest(self) -> dict:
        with self._lock:
            reports, lookalikes, lists, traps, faults = [], [], [], [], []
            for renderer in self.renderers.values():
                for item in renderer.items:
                    if item.kind == "report":
                        reports.append(self.report_entry(item))
                    else:
                        lookalikes.append(
                            {
                                "key": item.key,
                                "site": item.site.id,
                                "url": item.page_url,
                                "title": item.title,
                                "kind": item.lookalike.kind if item.lookalike else "",
                                "why": item.lookalike.why if item.lookalike else "",
                                "listed_in": list(item.listed_in),
                                "removed": item.removed,
                            }
                        )
                lists += renderer.list_pages
                traps += renderer.trap_entries()
                faults += getattr(renderer, "fault_entries", [])
            return {
                "version": MANIFEST_VERSION,
                "seed": self.seed,
                "base_url": self.base_url,
                "sites": self.sites,
                "reports": reports,
                "lookalikes": lookalikes,
                "list_pages": lists,
                "traps": traps,
                "faults": faults,
            }

    def report_entry(self, item: Item) -> dict:
        renderer = self.renderers[item.site.id]
        misfiled = bool(item.planned and item.planned.misfiled)
        if item.fmt == "html":
            content_type = renderer.detail_content_type(item)
        else:
            content_type = renderer.pages.get(item.document_url[len(renderer.origin + renderer.prefix) :], None)
            content_type = content_type.content_type if content_type else None
        return {
            "key": item.key,
            "site": item.site.id,
            "url": item.document_url,
            "page_url": item.page_url,
            "format": item.fmt,
            "content_type": content_type,
            "charset": (item.charset or item.site.charset) if item.fmt == "html" else None,
            "fault": item.fault,
            "title": item.title,
            "agency": item.agency,
            "year": item.year,
            "template": item.template,
            "published": item.published.isoformat(),
            "updated": item.shown_date.isoformat(),
            "level": item.level,
            "region_code": item.site.region_code,
            "province": item.site.province,
            "city": item.site.city,
            "county": item.site.county,
            "column": "政务动态" if misfiled else "政府信息公开年报",
            "must_find": not misfiled,
            "listed_in": list(item.listed_in),
            "version": item.version,
            "removed": item.removed,
            "expected": item.numbers.to_dict(),
            "expected_violations": generate.check_rules(item.numbers),
        }

    # ------------------------------------------------------------------ serving

    def robots(self, address: str) -> str:
        lines = ["User-agent: *", f"Crawl-delay: {self.crawl_delay:g}"]
        for renderer in self.renderers.values():
            if renderer.origin.startswith(f"http://{address}:"):
                lines.append(f"Disallow: {renderer.prefix}{renderer.trap_prefix}")
        return "\n".join(lines) + "\n"

    def resolve(self, address: str, method: str, raw_path: str, body: bytes) -> Resource:
        parsed = urllib.parse.urlsplit(raw_path)
        path = parsed.path
        if path == "/robots.txt":
            return Resource(self.robots(address).encode(), "text/plain; charset=utf-8")
        with self._lock:
            for renderer in self.renderers.values():
                if not renderer.origin.startswith(f"http://{address}:"):
                    continue
                if path != renderer.prefix and not path.startswith(renderer.prefix + "/"):
                    continue
                inner = path[len(renderer.prefix) :] or "/"
                if inner == "/":
                    inner = renderer.home_path
                query = urllib.parse.parse_qs(parsed.query, keep_blank_values=True)
                dynamic = renderer.dynamic(method, inner, query, body)
                if dynamic is not None:
                    return dynamic
                key = inner + (
                    "?" + parsed.query if parsed.query and inner + "?" + parsed.query in renderer.pages else ""
                )
                resource = renderer.pages.get(key) or renderer.pages.get(inner)
                if resource is None and inner.endswith("/"):
                    # a directory URL answers with its index page, as static web servers do
                    for index in ("index.html", "index.shtml", "index.htm"):
                        resource = resource or renderer.pages.get(inner + index)
                if resource is not None:
                    return resource
                return not_found(renderer)
        if path == "/":
            return self.root_index(address)
        return not_found(None)

    def root_index(self, address: str) -> Resource:
        """A plain page at ``/`` listing the sites on this address (for people opening the base URL)."""
        links = "".join(
            f'<li><a href="{r.start_url}">{html.escape(r.site.name)}</a> {r.site.id}, {r.site.archetype}</li>'
            for r in self.renderers.values()
            if r.origin.startswith(f"http://{address}:")
        )
        head = "<!DOCTYPE html><html><head><meta charset='utf-8'><title>xxgknb sample portal</title></head>"
        return Resource(f"{head}<body><ul>{links}</ul></body></html>".encode(), "text/html; charset=utf-8")

    def record(self, entry: dict) -> None:
        with self._lock:
            self._log.append(entry)


def addresses_order(addresses: dict[str, str]):
    order = {address: index for index, address in enumerate(dict.fromkeys(addresses.values()))}
    return order.__getitem__


def not_found(renderer: SiteRenderer | None) -> Resource:
    text = (
        "<html><head><title>404 Not Found</title></head>"
        "<body><h1>404 Not Found</h1><p>您访问的页面不存在。</p></body></html>"
    )
    return Resource(text.encode("utf-8"), "text/html; charset=utf-8", status=404)


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    portal: SamplePortal


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; without TCP_NODELAY, Nagle's algorithm and the
        # client's delayed ACK hold the body back ~40 ms on every keep-alive response.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def version_string(self) -> str:
        return "nginx"

    def do_GET(self) -> None:
        self.serve("GET")

    def do_HEAD(self) -> None:
        self.serve("HEAD")

    def do_POST(self) -> None:
        self.serve("POST")

    def log_message(self, format: str, *args) -> None:
        """Requests are recorded in ``portal.request_log``, not printed."""

    def serve(self, method: str) -> None:
        portal: SamplePortal = self.server.portal
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        address = self.server.server_address[0]
        resource = portal.resolve(address, method, self.path, body)
        etag = resource.etag if resource.action is None and resource.status == 200 else None
        status = 304 if etag and self.not_modified(resource, etag) else resource.status
        # Recorded before the response is written, so a client that has its answer finds it logged.
        portal.record(
            {
                "method": method,
                "path": self.path,
                "url": f"http://{address}:{portal.port}{self.path}",
                "host": self.headers.get("Host"),
                "headers": dict(self.headers.items()),
                "body": body.decode("utf-8", "replace") if body else "",
                "status": status,
            }
        )
        if resource.action is not None:
            resource.action(self)
            return
        headers = {"Content-Type": resource.content_type, **resource.headers}
        if etag:
            headers["ETag"] = etag
            if resource.last_modified is not None:
                headers["Last-Modified"] = email.utils.format_datetime(resource.last_modified, usegmt=True)
        if status == 304:
            self.send_response(304)
            for name in ("ETag", "Last-Modified"):
                if name in headers:
                    self.send_header(name, headers[name])
            self.end_headers()
            return
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(resource.body)))
        self.end_headers()
        if method != "HEAD":
            self.wfile.write(resource.body)

    def not_modified(self, resource: Resource, etag: str) -> bool:
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match:
            return etag in [tag.strip() for tag in if_none_match.split(",")] or if_none_match.strip() == "*"
        since = self.headers.get("If-Modified-Since")
        if since and resource.last_modified is not None:
            try:
                parsed = email.utils.parsedate_to_datetime(since)
            except (TypeError, ValueError):
                return False
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=dt.UTC)
            return resource.last_modified.replace(microsecond=0) <= parsed
        return False
