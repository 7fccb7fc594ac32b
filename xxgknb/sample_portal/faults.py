"""The fault-injection sites of the sample portal (issue 7): hostile responses at known URLs.

``faults`` is a TRS-style site whose 年报 column lists good reports next to report-titled links
that stall, reset, fail, redirect into private networks, trap, or serve broken and hostile
files.  Some good reports are themselves served with a quirk (transient 503/429, a wrong or
missing charset, the same report under many URLs).  The ``waf-*`` sites answer *every* request
with a WAF challenge, so a crawler that stops a challenged host (as it must) loses nothing else
when each site has its own host (``multi_host=True``).

Every fault is one manifest entry: ``{key, site, fault, url, expected_outcome, reason, retry,
description, listed_in, report, urls}`` — see ``docs/sample-portal.md``.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import socket
import struct
import threading
import zipfile
from dataclasses import dataclass

from xxgknb.sample_portal import generate
from xxgknb.sample_portal.content import Item
from xxgknb.sample_portal.render import Resource, TrsRenderer, day_time
from xxgknb.sample_portal.sites import Planned, SiteDef

FAULT_SITE = SiteDef(
    id="faults",
    name="巴中市恩阳区人民政府",
    archetype="A",
    cms="faults",
    charset="utf-8",
    charset_header=True,
    level="county",
    region_code="511903",
    province="四川省",
    city="巴中市",
    county="恩阳区",
    region="恩阳区",
    per_page=8,
    reports=(
        Planned("恩阳区人民政府办公室", 2023, busy=True),
        Planned("恩阳区教育局", 2023),
        Planned("恩阳区住房和城乡建设局", 2022),
        Planned("恩阳区登科街道办事处", 2022, level="township"),
        Planned("恩阳区民政局", 2021),
        Planned("恩阳区卫生健康局", 2023),
        Planned("恩阳区人民政府", 2022, fmt="pdf", title_pattern=2, busy=True),
        Planned("恩阳区柳林镇人民政府", 2021, level="township"),
    ),
    lookalikes=(),
)

#: good report key -> the quirk it is served with
GOOD_REPORT_FAULTS = {
    "faults/r01": "transient_503",
    "faults/r02": "transient_429",
    "faults/r03": "wrong_charset_header",
    "faults/r04": "missing_charset_header",
    "faults/r05": "duplicate_urls",
}
DUPLICATE_COPIES = 4


def _waf_site(status: str, name: str, code: str, province: str) -> SiteDef:
    return SiteDef(
        id=f"waf-{status}",
        name=name,
        archetype="A",
        cms="waf",
        charset="utf-8",
        charset_header=True,
        level="province",
        region_code=code,
        province=province,
        city=None,
        county=None,
        region=province,
        per_page=0,
        reports=(),
        lookalikes=(),
    )


WAF_SITES = (
    _waf_site("412", "某省卫生健康委员会", "420000", "湖北省"),
    _waf_site("418", "某省应急管理厅", "620000", "甘肃省"),
    _waf_site("521", "某省公安厅", "450000", "广西壮族自治区"),
    _waf_site("200", "某省人力资源和社会保障厅", "640000", "宁夏回族自治区"),
)


@dataclass
class Fault:
    """One hostile URL: what it serves and what a correct crawl records for it."""

    name: str
    path: str
    title: str
    expected_outcome: str
    reason: str
    retry: bool
    description: str
    resource: Resource | None = None


class FaultActions:
    """Responses that cannot be a plain status + body: stalls, resets, truncation, streams."""

    def __init__(self, stopping: threading.Event, stall_seconds: float):
        self.stopping = stopping
        self.stall_seconds = stall_seconds

    def stall_headers(self, handler) -> None:
        handler.close_connection = True
        self.stopping.wait(self.stall_seconds)

    def stall_body(self, handler) -> None:
        handler.close_connection = True
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length", "60000")
        handler.end_headers()
        handler.wfile.write(("<html><head><title>政府信息公开工作年度报告</title></head><body>" + "一" * 300).encode())
        handler.wfile.flush()
        self.stopping.wait(self.stall_seconds)

    def reset(self, handler) -> None:
        handler.close_connection = True
        # SO_LINGER with a zero timeout turns close() into a TCP RST.
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        handler.connection.close()

    def truncated(self, handler) -> None:
        handler.close_connection = True
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length", "40000")
        handler.end_headers()
        handler.wfile.write(
            ("<html><body><div class='TRS_Editor'>" + "二、主动公开政府信息情况" * 400).encode()[:10000]
        )
        handler.wfile.flush()

    def stream(self, size: int, content_type: str, head: bytes):
        """A response of ``size`` bytes produced chunk by chunk (never held in memory)."""

        def action(handler) -> None:
            handler.close_connection = True
            handler.send_response(200)
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(size))
            handler.end_headers()
            chunk = (b"<p>" + "政府信息公开".encode() * 50 + b"</p>\n") * 64
            sent = 0
            try:
                handler.wfile.write(head)
                sent = len(head)
                while sent < size and not self.stopping.is_set():
                    piece = chunk[: size - sent]
                    handler.wfile.write(piece)
                    sent += len(piece)
            except (BrokenPipeError, ConnectionResetError):
                return  # the client gave up, which is what a size limit does

        return action


class FaultRenderer(TrsRenderer):
    """The ``faults`` site: a TRS tree whose 年报 column mixes good reports with fault links."""

    def __init__(
        self, site, origin, prefix, items, *, stopping: threading.Event, stall_seconds: float, huge_bytes: int
    ):
        self.actions = FaultActions(stopping, stall_seconds)
        self.huge_bytes = huge_bytes
        self.hits: dict[str, int] = {}
        super().__init__(site, origin, prefix, items)
        by_key = {i.key: i for i in items}
        for key, fault in GOOD_REPORT_FAULTS.items():
            by_key[key].fault = fault
        by_key["faults/r03"].content_type = "text/html; charset=gbk"
        by_key["faults/r04"].content_type = "text/html"
        by_key["faults/r04"].charset = "gb2312"
        self.faults = self._faults()
        self.fault_entries: list[dict] = []

    # -------------------------------------------------------------- the fault table

    def fault_path(self, number: int) -> str:
        return f"{self.column_dir}202403/t202403{number:02d}_{9100000 + number}.html"

    def _faults(self) -> list[Fault]:
        port = self.origin.rsplit(":", 1)[1]
        a = self.actions
        say = "恩阳区{}2023年政府信息公开工作年度报告".format

        def page(status: int, text: str, **headers: str) -> Resource:
            body = f"<html><head><title>{status}</title></head><body>{text}</body></html>".encode()
            return Resource(body, "text/html; charset=utf-8", status=status, headers=headers)

        def redirect(target: str, status: int = 302) -> Resource:
            return page(status, f'<a href="{html.escape(target)}">moved</a>', Location=target)

        def acting(action, status: int) -> Resource:
            return Resource(b"", "", status=status, action=action)

        faults = [
            Fault("stall_before_headers", "", say("审计局"), "retry-then-fail", "timeout", True,
                  "accepts the request and never answers", acting(a.stall_headers, 0)),
            Fault("stall_mid_body", "", say("统计局"), "retry-then-fail", "timeout", True,
                  "200 with Content-Length 60000, sends ~1 KB, then stalls", acting(a.stall_body, 200)),
            Fault("connection_reset", "", say("司法局"), "retry-then-fail", "connection_error", True,
                  "TCP RST right after the request", acting(a.reset, 0)),
            Fault("http_404", "", say("档案馆"), "fail", "http_error", False, "404 Not Found",
                  page(404, "页面不存在")),
            Fault("http_410", "", say("信访局"), "fail", "http_error", False, "410 Gone", page(410, "Gone")),
            Fault("http_500", "", say("财政局"), "retry-then-fail", "http_error", True,
                  "500 on every attempt", page(500, "Internal Server Error")),
            Fault("http_502", "", say("水利局"), "retry-then-fail", "http_error", True,
                  "502 on every attempt", page(502, "Bad Gateway")),
            Fault("http_503_retry_after", "", say("林业局"), "retry-then-fail", "http_error", True,
                  "503 with Retry-After: 1 on every attempt",
                  page(503, "Service Unavailable", **{"Retry-After": "1"})),
            Fault("http_503", "", say("商务局"), "retry-then-fail", "http_error", True,
                  "503 without Retry-After on every attempt", page(503, "Service Unavailable")),
            Fault("http_429", "", say("科技局"), "retry-then-fail", "http_error", True,
                  "429 with Retry-After: 2 on every attempt", page(429, "Too Many Requests", **{"Retry-After": "2"})),
            Fault("soft_404", "", say("文化旅游局"), "fail", "unexpected_structure", False,
                  "200 whose body is a 页面不存在 notice",
                  page(200, "<div class='error'><h2>页面不存在</h2><p>抱歉，您访问的页面不存在！</p></div>")),
            Fault("redirect_loop", "/loop/a.html", say("交通运输局"), "fail", "redirect_loop", False,
                  "a.html -> b.html -> a.html …", redirect(self.link("/loop/b.html"))),
            Fault("redirect_offsite", "", say("农业农村局"), "not-followed", "offsite", False,
                  "302 to a host outside the portal", redirect("http://www.example.invalid/zfxxgknb/2023.html")),
            Fault("redirect_private_10", "", say("经济信息化局"), "not-followed", "private_address", False,
                  "302 to 10.0.0.1", redirect("http://10.0.0.1/zfxxgknb/index.html")),
            Fault("redirect_private_192", "", say("市场监督管理局"), "not-followed", "private_address", False,
                  "302 to 192.168.1.1", redirect("http://192.168.1.1/admin/")),
            Fault("redirect_link_local", "", say("自然资源局"), "not-followed", "private_address", False,
                  "302 to the cloud metadata address 169.254.169.254",
                  redirect("http://169.254.169.254/latest/meta-data/")),
            Fault("redirect_other_loopback", "", say("生态环境局"), "not-followed", "private_address", False,
                  "302 to a loopback address that is not the portal",
                  redirect(f"http://127.0.0.254:{port}/faults/index.html")),
            Fault("redirect_file", "", say("退役军人事务局"), "not-followed", "private_address", False,
                  "302 to file:///etc/passwd", redirect("file:///etc/passwd")),
            Fault("truncated_body", "", say("医疗保障局"), "retry-then-fail", "truncated", True,
                  "Content-Length 40000, 10000 bytes sent, connection closed", acting(a.truncated, 200)),
            Fault("zero_byte", "", say("乡村振兴局"), "fail", "empty_body", False, "200 with an empty body",
                  Resource(b"", "text/html; charset=utf-8")),
            Fault("huge_html", "", say("应急管理局"), "rejected", "size_limit", False,
                  f"200 text/html of {self.huge_bytes} bytes, streamed",
                  acting(a.stream(self.huge_bytes, "text/html; charset=utf-8", b"<html><body>"), 200)),
            Fault("malformed_html", "", say("体育局"), "fail", "unexpected_structure", False,
                  "broken markup: unclosed tags, stray end tags, NUL bytes, a never-ending comment",
                  Resource(
                      "<html><head><title>恩阳区体育局2023年政府信息公开工作年度报告<body><table><tr><td>一、总体情况"
                      "</table></table><div><p><b><i></div>\x00\x00<td>二、主动公开</tr></html>"
                      "<!-- 未闭合注释 <a href='/x'>".encode(),
                      "text/html; charset=utf-8",
                  )),
            Fault("infinite_pagination", "/zwgk/zfxxgkzl/zfxxgknb/more/index.html", "更多年度报告",
                  "bounded", "trap", False,
                  "createPageHTML(N+2, N, …): page N+1 always exists and repeats the same item", None),
            Fault("calendar_trap", "/calendar/index.html", "年报日历", "bounded", "trap", False,
                  "?month=YYYY-MM pages link the previous and next month forever", None),
            Fault("encrypted_pdf", "/attachment/0/77/77001.pdf", say("发展和改革局") + ".pdf", "rejected",
                  "parse_error", False, "a report PDF that needs a password to open", None),
            Fault("corrupt_pdf", "/attachment/0/77/77002.pdf", say("人力资源和社会保障局") + ".pdf", "rejected",
                  "parse_error", False, "the first 40% of a real PDF followed by garbage", None),
            Fault("huge_pdf", "/attachment/0/77/77003.pdf", say("城市管理局") + ".pdf", "rejected", "size_limit",
                  False, f"application/pdf of {self.huge_bytes} bytes, streamed",
                  acting(a.stream(self.huge_bytes, "application/pdf", b"%PDF-1.7\n%"), 200)),
            Fault("docx_zip_bomb", "/download?fileName=77004", say("机关事务服务中心") + "（Word版）", "rejected",
                  "parse_error", False, "a .docx whose word/document.xml inflates to 1 GiB", None),
            Fault("xml_entity_bomb", "/download?fileName=77005", say("供销合作社") + "（Word版）", "rejected",
                  "parse_error", False, "a .docx whose document.xml is a billion-laughs entity bomb", None),
        ]  # fmt: skip
        for number, fault in enumerate(faults, start=1):
            if not fault.path:
                fault.path = self.fault_path(number)
        return faults

    # -------------------------------------------------------------- rendering

    def rebuild(self) -> None:
        super().rebuild()
        self._binary_faults()
        for fault in self.faults:
            if fault.resource is not None:
                self.pages[fault.path] = fault.resource
        self.pages["/loop/b.html"] = Resource(
            b"<html><body>moved</body></html>",
            "text/html; charset=utf-8",
            status=302,
            headers={"Location": self.link("/loop/a.html")},
        )
        self._duplicates()
        self.fault_entries = [self._entry(f) for f in self.faults] + self._good_entries()

    def _entry(self, fault: Fault) -> dict:
        url = self.url(fault.path)
        return {
            "key": f"faults/{fault.name}",
            "site": self.site.id,
            "fault": fault.name,
            "url": url,
            "expected_outcome": fault.expected_outcome,
            "reason": fault.reason,
            "retry": fault.retry,
            "description": fault.description,
            "listed_in": [e["url"] for e in self.list_pages if url in e["items"]],
            "report": None,
            "urls": [url],
        }

    def _good_entries(self) -> list[dict]:
        descriptions = {
            "transient_503": ("retry-then-ok", "http_error", True, "503 + Retry-After: 1 twice, then the report"),
            "transient_429": ("retry-then-ok", "http_error", True, "429 without Retry-After once, then the report"),
            "wrong_charset_header": ("ok", "", False, "UTF-8 page labelled charset=gbk; <meta> says utf-8"),
            "missing_charset_header": ("ok", "", False, "GB2312 page, no charset in the header, only in <meta>"),
            "duplicate_urls": ("deduplicated", "", False, f"the same report under {DUPLICATE_COPIES + 1} URLs"),
        }
        entries = []
        for item in self.items:
            if not item.fault:
                continue
            outcome, reason, retry, description = descriptions[item.fault]
            urls = [item.page_url] + (self.duplicate_urls(item) if item.fault == "duplicate_urls" else [])
            entries.append(
                {
                    "key": f"faults/{item.fault}",
                    "site": self.site.id,
                    "fault": item.fault,
                    "url": item.page_url,
                    "expected_outcome": outcome,
                    "reason": reason,
                    "retry": retry,
                    "description": description,
                    "listed_in": list(item.listed_in),
                    "report": item.key,
                    "urls": urls,
                }
            )
        return entries

    def duplicate_urls(self, item: Item) -> list[str]:
        path = self.detail_path(item)
        copies = [f"{path}?from=rss", f"{path}?from=timeline&id={item.article_id}"]
        copies += [
            f"/zwgk/zwdt/{item.published:%Y%m}/t{item.published:%Y%m%d}_{item.article_id + n}.html" for n in (1, 2)
        ]
        return [self.url(p) for p in copies[:DUPLICATE_COPIES]]

    def _duplicates(self) -> None:
        for item in self.items:
            if item.fault == "duplicate_urls" and not item.removed:
                original = self.pages[self.detail_path(item)]
                for url in self.duplicate_urls(item):
                    inner = url[len(self.origin + self.prefix) :]
                    self.pages[inner] = original

    def _binary_faults(self) -> None:
        binaries = self.binaries
        by_name = {f.name: f for f in self.faults}
        modified = day_time(dt.date(2024, 3, 1))
        for name in ("encrypted_pdf", "corrupt_pdf"):
            by_name[name].resource = Resource(binaries[name], "application/pdf", last_modified=modified)
        for name in ("docx_zip_bomb", "xml_entity_bomb"):
            disposition = f"attachment; filename=\"{name}.docx\"; filename*=UTF-8''{name}.docx"
            by_name[name].resource = Resource(
                binaries[name], "application/octet-stream", headers={"Content-Disposition": disposition},
                last_modified=modified,
            )  # fmt: skip

    def render_column(self) -> None:
        """Good reports and fault links, newest first, 8 to a page, TRS 0-based pagination."""
        entries: list[tuple[dt.date, str, str, Item | None]] = []
        for item in self.live_reports():
            href = f"./{item.published:%Y%m}/t{item.published:%Y%m%d}_{item.article_id}.html"
            entries.append((item.shown_date, href, item.title, item))
            if item.fault == "duplicate_urls":
                for n, url in enumerate(self.duplicate_urls(item)):
                    entries.append(
                        (item.shown_date - dt.timedelta(days=n + 1), url[len(self.origin) :], item.title, None)
                    )
        for number, fault in enumerate(self.faults, start=1):
            entries.append((dt.date(2024, 3, 1) - dt.timedelta(days=number), self.link(fault.path), fault.title, None))
        entries.sort(key=lambda e: e[0], reverse=True)
        per = self.site.per_page
        pages = [entries[i : i + per] for i in range(0, len(entries), per)]
        for index, chunk in enumerate(pages):
            name = "index.html" if index == 0 else f"index_{index}.html"
            lis = "".join(
                f'<li><a href="{html.escape(href)}" title="{html.escape(title)}">{html.escape(title)}</a>'
                f"<span>{day.isoformat()}</span></li>"
                for day, href, title, _item in chunk
            )
            body = (
                f'<div class="list"><ul class="newsList">{lis}</ul></div>\n<div class="page"><script>\n'
                f'createPageHTML({len(pages)}, {index}, "index", "html");\n</script></div>'
            )
            url = self.url(self.column_dir + name)
            self.put(self.column_dir + name, self.page("政府信息公开年报", body, column="政府信息公开年报"))
            items = [e[3] for e in chunk if e[3] is not None]
            self.record_list(url, items, index=index, dialect="trs-createPageHTML-0based")
            self.list_pages[-1]["items"] = [
                self.url(href[len(self.prefix) :]) if href.startswith("/") else self.url(self.column_dir + href[2:])
                for _day, href, _title, _item in chunk
            ]

    def home_extra(self) -> str:
        return f'<p><a href="{self.link("/calendar/index.html")}">年报日历</a></p>'

    def dynamic(self, method: str, path: str, query: dict[str, list[str]], body: bytes) -> Resource | None:
        if path.startswith("/zwgk/zfxxgkzl/zfxxgknb/more/index"):
            return self._infinite(path)
        if path == "/calendar/index.html":
            return self._calendar(query.get("month", ["2024-03"])[-1])
        for item in self.items:
            if item.removed or item.fault not in ("transient_503", "transient_429"):
                continue
            if path == self.detail_path(item):
                failures = 2 if item.fault == "transient_503" else 1
                seen = self.hits.get(item.key, 0)
                self.hits[item.key] = seen + 1
                if seen < failures:
                    if item.fault == "transient_503":
                        return Resource(b"<html><body>503</body></html>", "text/html", status=503,
                                        headers={"Retry-After": "1"})  # fmt: skip
                    return Resource(b"<html><body>429</body></html>", "text/html", status=429)
        return None

    def _infinite(self, path: str) -> Resource:
        name = path.rsplit("/", 1)[-1]
        index = 0 if name == "index.html" else int(name.removeprefix("index_").removesuffix(".html") or 0)
        first = self.live_reports()[0]
        href = self.link(self.detail_path(first))
        body = (
            f'<ul class="newsList"><li><a href="{href}">{html.escape(first.title)}</a></li></ul>'
            f'<div class="page"><script>createPageHTML({index + 2}, {index}, "index", "html");</script></div>'
        )
        text = self.page("更多年度报告", body, column="政府信息公开年报")
        return Resource(text.encode(), self.html_type, last_modified=self.last_change)

    def _calendar(self, month: str) -> Resource:
        try:
            year, number = (int(x) for x in month.split("-"))
            dt.date(year, number, 1)
        except ValueError:
            year, number = 2024, 3
        previous = f"{year - (number == 1)}-{(number - 2) % 12 + 1:02d}"
        following = f"{year + (number == 12)}-{number % 12 + 1:02d}"
        link = self.link("/calendar/index.html")
        body = (
            f"<h2>{year}年{number}月 发布日历</h2>"
            f'<a href="{link}?month={previous}">上一月</a> <a href="{link}?month={following}">下一月</a>'
        )
        text = self.page("年报日历", body)
        return Resource(text.encode(), self.html_type, last_modified=self.last_change)


class WafRenderer(TrsRenderer):
    """A site behind a WAF: every request gets the same challenge."""

    def __init__(self, site, origin, prefix, items):
        super().__init__(site, origin, prefix, items)
        self.status = int(site.id.removeprefix("waf-"))

    def rebuild(self) -> None:
        self.pages = {}
        self.list_pages = []

    @property
    def last_change(self) -> dt.datetime:
        return day_time(dt.date(2024, 1, 1))

    def challenge(self) -> Resource:
        if self.status == 412:
            script = (
                "<script>$_ts=window['$_ts'];if(!$_ts)$_ts={};$_ts.nsd=84123;"
                '$_ts.cd="qEcrqqAlcGqlrsAhcqL1DqLhcaqEqAl1rGLqrGA1DA3qEqAlrGL0rGAhrAq";'
                "if($_ts.lcd)$_ts.lcd();</script>"
                '<script type="text/javascript" charset="utf-8" src="/4QbVtADbnLVIc/c.FxJzG50F.dfe1675.js"></script>'
            )
            body, headers = (
                f"<!DOCTYPE html><html><head><meta charset='utf-8'>{script}</head><body></body></html>",
                {"Set-Cookie": "FSSBBIl1UgzbN7NO=5h.QXqc9; Path=/; HttpOnly"},
            )
        elif self.status == 418:
            body, headers = (
                "<html><head><title>访问被拦截</title></head><body><h1>您的访问被拦截</h1>"
                "<p>当前访问疑似黑客攻击，已被网站管理员设置为拦截。</p><p>创宇盾</p></body></html>",
                {},
            )
        elif self.status == 521:
            body, headers = (
                "<html><body><script>document.cookie='__jsl_clearance_s=1700000000.123|0|abc';"
                "location.href=location.pathname+location.search</script></body></html>",
                {"Set-Cookie": "__jsluid_s=8e2f1c0a9b; Path=/; HttpOnly"},
            )
        else:
            body, headers = (
                "<html><head><meta charset='utf-8'></head><body><script>var __jsl_clearance='1700000000.1|0|x';"
                "document.cookie='__jsl_clearance='+__jsl_clearance;setTimeout('location.reload()',1500);</script>"
                "<noscript>请开启JavaScript并刷新该页.</noscript></body></html>",
                {"Set-Cookie": "__jsluid_h=44a2b6f1c3; Path=/"},
            )
        return Resource(body.encode(), "text/html; charset=utf-8", status=self.status, headers=headers)

    def dynamic(self, method: str, path: str, query: dict[str, list[str]], body: bytes) -> Resource | None:
        return self.challenge()

    def trap_entries(self) -> list[dict]:
        return []

    def fault_entry(self) -> dict:
        return {
            "key": f"{self.site.id}/challenge",
            "site": self.site.id,
            "fault": f"waf_{self.status}",
            "url": self.start_url,
            "expected_outcome": "blocked",
            "reason": "challenge",
            "retry": False,
            "description": {
                412: "412 with an obfuscated $_ts script (Ruishu style) on every request",
                418: "418 访问被拦截 interstitial on every request",
                521: "521 with a __jsl_clearance cookie script on every request",
                200: "200 page that is really a __jsl challenge on every request",
            }[self.status],
            "listed_in": [],
            "report": None,
            "urls": [self.start_url],
        }

    @property
    def fault_entries(self) -> list[dict]:
        return [self.fault_entry()]


# ---------------------------------------------------------------------- hostile files


def zip_bomb_docx(inflated_bytes: int) -> bytes:
    """A .docx whose document.xml inflates to ``inflated_bytes`` (cached: deflating takes seconds)."""
    cache = generate.cache_dir() / f"zip-bomb-{inflated_bytes}.docx"
    if cache.exists():
        return cache.read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr(zipfile.ZipInfo("[Content_Types].xml", (2020, 1, 1, 0, 0, 0)), _CONTENT_TYPES)
        archive.writestr(zipfile.ZipInfo("_rels/.rels", (2020, 1, 1, 0, 0, 0)), _RELS)
        info = zipfile.ZipInfo("word/document.xml", (2020, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=True) as member:
            member.write(_DOC_HEAD)
            block = b" " * (1 << 20)
            written = len(_DOC_HEAD)
            while written < inflated_bytes - len(_DOC_TAIL):
                piece = block[: inflated_bytes - len(_DOC_TAIL) - written]
                member.write(piece)
                written += len(piece)
            member.write(_DOC_TAIL)
    data = buffer.getvalue()
    tmp = cache.with_suffix(".tmp")
    tmp.write_bytes(data)
    tmp.replace(cache)
    return data


def entity_bomb_docx() -> bytes:
    levels = ['<!ENTITY lol0 "政府信息公开工作年度报告">']
    levels += [f'<!ENTITY lol{n} "{("&lol" + str(n - 1) + ";") * 10}">' for n in range(1, 10)]
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<!DOCTYPE w:document [\n'
        + "\n".join(levels)
        + "\n]>\n"
        + _DOC_HEAD.decode().split("\n", 1)[1]
        + "&lol9;"
        + _DOC_TAIL.decode()
    ).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in (
            ("[Content_Types].xml", _CONTENT_TYPES),
            ("_rels/.rels", _RELS),
            ("word/document.xml", document),
        ):
            archive.writestr(zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0)), data)
    return buffer.getvalue()


def corrupt_pdf(good: bytes) -> bytes:
    keep = good[: len(good) * 2 // 5]
    return keep + b"\n\x00\xff garbled xref \x00" * 40 + b"\n%%EOF\n"


_CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/word/document.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" '
    b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    b'Target="word/document.xml"/></Relationships>'
)
_DOC_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
    "<w:p><w:r><w:t>恩阳区机关事务服务中心2023年政府信息公开工作年度报告</w:t></w:r></w:p><w:p><w:r><w:t>"
).encode()
_DOC_TAIL = b"</w:t></w:r></w:p></w:body></w:document>"


def fault_binaries(good_pdf_docx: bytes, good_pdf: bytes, zip_bomb_bytes: int) -> dict[str, bytes]:
    """The hostile files of the faults site, by fault name."""
    encrypted = generate.docx_to_pdf({"encrypted": good_pdf_docx}, export_filter=generate.ENCRYPTED_PDF_FILTER)
    return {
        "encrypted_pdf": encrypted["encrypted"],
        "corrupt_pdf": corrupt_pdf(good_pdf),
        "docx_zip_bomb": zip_bomb_docx(zip_bomb_bytes),
        "xml_entity_bomb": entity_bomb_docx(),
    }
