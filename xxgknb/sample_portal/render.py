"""Page renderers, one class per CMS the sample portal imitates (archetypes.md §2).

A renderer owns one site's URL space below its path prefix.  :meth:`SiteRenderer.rebuild`
renders every static page into ``pages`` (path -> :class:`Resource`) and records the list pages
for the manifest; :meth:`SiteRenderer.dynamic` answers query-string and POST endpoints.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field

from xxgknb.sample_portal.content import Item
from xxgknb.sample_portal.sites import SiteDef

NEWS_TITLES = (
    "{region}召开政务公开工作推进会",
    "{region}开展“政府开放日”活动",
    "{region}组织政务公开业务培训",
)
#: Sibling entries of the 政府信息公开 专栏 (archetypes.md §2.0) besides the 年报 column.
SIBLINGS = (
    ("zn", "政府信息公开指南"),
    ("zd", "政府信息公开制度"),
    ("fdzdgknr", "法定主动公开内容"),
    ("ysqgk", "依申请公开"),
    ("wzndbb", "政府网站年度报表"),
)


@dataclass
class Resource:
    """One HTTP response the portal can serve."""

    body: bytes
    content_type: str
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    last_modified: dt.datetime | None = None
    #: A fault that writes the response itself (see ``faults.py``); ``body`` is then unused and
    #: ``status`` is what the action sends (0 when it sends no status line at all).
    action: Callable | None = None

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha1(self.body).hexdigest()[:20] + '"'


def day_time(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 1, 30, tzinfo=dt.UTC)


class SiteRenderer:
    #: paths (below the prefix) of the portal's columns; subclasses fill these in
    home_path = "/index.html"
    zhuanlan_path = "/zwgk/index.html"
    news_path = "/zwdt/index.html"
    trap_prefix = "/search/"

    def __init__(self, site: SiteDef, origin: str, prefix: str, items: list[Item]):
        self.site = site
        self.origin = origin
        self.prefix = prefix
        self.items = items
        self.pages: dict[str, Resource] = {}
        #: item key -> the PDF/DOCX bytes of attachment reports, filled in by the portal
        self.binaries: dict[str, bytes] = {}
        self.list_pages: list[dict] = []
        #: how many items were taken down (remove_report); moves list pages' Last-Modified forward
        self.removals = 0
        self.news = [
            (f"{self.site.id}/n{i}", t.format(region=self.site.region), dt.date(2023, 4 + i, 10 + i))
            for i, t in enumerate(NEWS_TITLES)
        ]
        for item in self.items:
            item.page_url = self.url(self.detail_path(item))
            item.document_url = item.page_url

    # ------------------------------------------------------------------ URLs

    def url(self, path: str) -> str:
        return f"{self.origin}{self.prefix}{path}"

    def link(self, path: str) -> str:
        """A root-relative href, as CMS templates print them."""
        return f"{self.prefix}{path}"

    @property
    def start_url(self) -> str:
        return self.url(self.home_path)

    @property
    def column_url(self) -> str:
        return self.url(self.column_path)

    column_path = "/zwgk/nb/index.html"

    def detail_path(self, item: Item) -> str:
        raise NotImplementedError

    def sibling_path(self, slug: str) -> str:
        return f"/zwgk/{slug}/index.html"

    def news_detail_path(self, index: int) -> str:
        return f"/zwdt/news_{index}.html"

    @property
    def trap_url(self) -> str:
        return self.url(self.trap_prefix + "index.html")

    # ------------------------------------------------------------------ content

    def live_reports(self, column: str = "nb") -> list[Item]:
        def in_column(item: Item) -> bool:
            misfiled = bool(item.planned and item.planned.misfiled)
            return misfiled if column == "news" else not misfiled

        live = [i for i in self.items if not i.removed and in_column(i)]
        return sorted(live, key=lambda i: (i.shown_date, i.article_id), reverse=True)

    @property
    def last_change(self) -> dt.datetime:
        return day_time(max(i.shown_date for i in self.items) + dt.timedelta(days=self.removals))

    def list_modified(self, shown: list[Item]) -> dt.datetime:
        """Last-Modified of a list page: its newest item, but never earlier than the latest removal,
        so a client sending only If-Modified-Since still sees that an item disappeared."""
        newest = max((i.shown_date for i in shown), default=dt.date(2020, 1, 1))
        if self.removals:
            newest = max(newest, self.last_change.date())
        return day_time(newest)

    def encode(self, text: str) -> bytes:
        return text.encode(self.site.charset)

    @property
    def html_type(self) -> str:
        return f"text/html; charset={self.site.charset}" if self.site.charset_header else "text/html"

    def page(self, title: str, body: str, *, column: str = "", article: Item | None = None, head: str = "") -> str:
        meta = [
            f'<meta http-equiv="Content-Type" content="text/html; charset={self.site.charset}">',
            f'<meta name="SiteName" content="{html.escape(self.site.name)}">',
        ]
        if column:
            meta.append(f'<meta name="ColumnName" content="{html.escape(column)}">')
            if column == "政府信息公开年报":
                meta.append('<meta name="ColumnType" content="信息公开年报">')
        if article is not None:
            meta += [
                f'<meta name="ArticleTitle" content="{html.escape(article.title)}">',
                f'<meta name="PubDate" content="{article.shown_date.isoformat()} 09:30">',
                f'<meta name="ContentSource" content="{html.escape(article.agency)}">',
            ]
        nav = (
            '<div class="header"><div class="nav">'
            f'<a href="{self.link(self.home_path)}">首页</a>'
            f'<a href="{self.link(self.news_path)}">政务动态</a>'
            f'<a href="{self.link(self.zhuanlan_path)}">政府信息公开</a>'
            f'<a href="{self.link(self.trap_prefix)}index.html?q=%E5%B9%B4%E6%8A%A5">站内搜索</a>'
            "</div></div>"
        )
        owner = html.escape(self.site.name)
        footer = f'<div class="footer">主办：{owner}办公室　网站标识码：{self.site.region_code}0001</div>'
        return (
            "<!DOCTYPE html>\n<html>\n<head>\n"
            + "\n".join(meta)
            + f"\n<title>{html.escape(title)}_{html.escape(self.site.name)}</title>\n{head}</head>\n<body>\n"
            + nav
            + f'\n<div class="main">\n{body}\n</div>\n{footer}\n</body>\n</html>\n'
        )

    def put(
        self, path: str, text: str, *, modified: dt.datetime | None = None, content_type: str | None = None
    ) -> None:
        self.pages[path] = Resource(
            self.encode(text), content_type or self.html_type, last_modified=modified or self.last_change
        )

    # ------------------------------------------------------------------ pages every site has

    def rebuild(self) -> None:
        self.pages = {}
        self.list_pages = []
        for item in self.items:
            item.listed_in = []
        self.render_home()
        self.render_zhuanlan()
        self.render_news()
        self.render_trap()
        self.render_column()
        for item in self.items:
            if not item.removed:
                self.render_detail(item)

    def render_home(self) -> None:
        body = (
            f'<div class="banner"><h1>{html.escape(self.site.name)}</h1></div>'
            '<div class="block"><h2>政务公开</h2><ul>'
            f'<li><a href="{self.link(self.zhuanlan_path)}">政府信息公开</a></li>'
            f'<li><a href="{self.link(self.news_path)}">政务动态</a></li>'
            "</ul></div>" + self.home_extra()
        )
        self.put(self.home_path, self.page("首页", body))

    def home_extra(self) -> str:
        return ""

    def trap_entries(self) -> list[dict]:
        return [{"site": self.site.id, "url": self.trap_url, "why": "robots.txt Disallow"}]

    def zhuanlan_links(self) -> list[tuple[str, str]]:
        links = [(self.link(self.sibling_path(slug)), label) for slug, label in SIBLINGS[:3]]
        links.append((self.link(self.column_path), "政府信息公开年报"))
        links += [(self.link(self.sibling_path(slug)), label) for slug, label in SIBLINGS[3:]]
        return links

    def render_zhuanlan(self) -> None:
        lis = "".join(f'<li><a href="{href}">{html.escape(label)}</a></li>' for href, label in self.zhuanlan_links())
        body = f'<div class="xxgk-nav"><h2>政府信息公开</h2><ul class="xxgkList">{lis}</ul></div>'
        self.put(self.zhuanlan_path, self.page("政府信息公开", body, column="政府信息公开"))
        for slug, label in SIBLINGS:
            name = html.escape(self.site.name + label)
            text = f"<h2>{html.escape(label)}</h2><p>{name}（本页内容从略）。</p>"
            self.put(self.sibling_path(slug), self.page(label, text, column=label))

    def render_news(self) -> None:
        entries = [(self.link(self.news_detail_path(i)), title, day) for i, (_k, title, day) in enumerate(self.news)]
        for item in self.live_reports("news"):
            entries.append((self.link(self.detail_path(item)), item.title, item.shown_date))
            item.listed_in.append(self.url(self.news_path))
        entries.sort(key=lambda e: e[2], reverse=True)
        lis = "".join(
            f'<li><a href="{href}" title="{html.escape(t)}">{html.escape(t)}</a><span>{d.isoformat()}</span></li>'
            for href, t, d in entries
        )
        self.put(self.news_path, self.page("政务动态", f'<ul class="newsList">{lis}</ul>', column="政务动态"))
        for i, (_key, title, day) in enumerate(self.news):
            escaped = html.escape(title)
            body = f'<h1>{escaped}</h1><div class="content"><p>{day.isoformat()}，{escaped}。</p></div>'
            self.put(self.news_detail_path(i), self.page(title, body, column="政务动态"), modified=day_time(day))

    def render_trap(self) -> None:
        body = "<p>站内搜索结果：请勿抓取（robots.txt 禁止）。</p>"
        self.put(self.trap_prefix + "index.html", self.page("站内搜索", body))

    def render_column(self) -> None:
        raise NotImplementedError

    def render_detail(self, item: Item) -> None:
        text = self.detail_html(item)
        if item.charset:
            text = text.replace(f"charset={self.site.charset}", f"charset={item.charset}", 1)
        self.pages[self.detail_path(item)] = Resource(
            text.encode(item.charset or self.site.charset),
            self.detail_content_type(item),
            last_modified=day_time(item.shown_date),
        )

    def detail_content_type(self, item: Item) -> str:
        # A few real servers label UTF-8 pages as ISO-8859-1; the page's <meta> is right.
        return item.content_type or self.html_type

    def binary(self, item: Item) -> bytes:
        return self.binaries[item.key]

    def detail_html(self, item: Item) -> str:
        raise NotImplementedError

    def column_name(self, item: Item) -> str:
        return "政务动态" if item.planned and item.planned.misfiled else "政府信息公开年报"

    def dynamic(self, method: str, path: str, query: dict[str, list[str]], body: bytes) -> Resource | None:
        return None

    def record_list(
        self, url: str, items: list[Item], *, index: int, dialect: str, method: str = "GET", form=None
    ) -> None:
        for item in items:
            item.listed_in.append(url)
        entry = {
            "site": self.site.id,
            "url": url,
            "method": method,
            "page": index,
            "dialect": dialect,
            "items": [i.page_url or i.document_url for i in items],
        }
        if form is not None:
            entry["form"] = form
        self.list_pages.append(entry)


def _chunks(items: list[Item], size: int) -> list[list[Item]]:
    return [items[i : i + size] for i in range(0, len(items), size)] or [[]]


# ====================================================================== A: TRS classic


class TrsRenderer(SiteRenderer):
    """Static TRS tree; ``createPageHTML(total, current, "index", "html")`` with a 0-based index."""

    zhuanlan_path = "/zwgk/zfxxgkzl/index.html"
    column_dir = "/zwgk/zfxxgkzl/zfxxgknb/"
    column_path = column_dir + "index.html"
    news_path = "/zwgk/zwdt/index.html"

    def sibling_path(self, slug: str) -> str:
        return f"/zwgk/zfxxgkzl/zfxxgk{slug}/index.html"

    def news_detail_path(self, index: int) -> str:
        _key, _title, day = self.news[index]
        return f"/zwgk/zwdt/{day:%Y%m}/t{day:%Y%m%d}_{900000 + index}.html"

    def detail_path(self, item: Item) -> str:
        folder = "/zwgk/zwdt/" if item.planned and item.planned.misfiled else self.column_dir
        return f"{folder}{item.published:%Y%m}/t{item.published:%Y%m%d}_{item.article_id}.html"

    def render_column(self) -> None:
        pages = _chunks(self.live_reports(), self.site.per_page)
        for index, chunk in enumerate(pages):
            name = "index.html" if index == 0 else f"index_{index}.html"
            lis = "".join(
                f'<li><a href="./{i.published:%Y%m}/t{i.published:%Y%m%d}_{i.article_id}.html" '
                f'title="{html.escape(i.title)}">{html.escape(_truncate(i.title, 22))}</a>'
                f"<span>{i.shown_date.isoformat()}</span></li>"
                for i in chunk
            )
            body = (
                '<div class="list"><ul class="newsList">'
                + lis
                + '</ul></div>\n<div class="page"><script type="text/javascript">\n'
                f'createPageHTML({len(pages)}, {index}, "index", "html");\n</script></div>'
            )
            modified = self.list_modified(chunk)
            self.put(
                self.column_dir + name,
                self.page("政府信息公开年报", body, column="政府信息公开年报"),
                modified=modified,
            )
            self.record_list(self.url(self.column_dir + name), chunk, index=index, dialect="trs-createPageHTML-0based")

    def detail_html(self, item: Item) -> str:
        body = (
            f'<div class="article"><h1 class="title">{html.escape(item.title)}</h1>'
            f'<div class="info"><span>发布时间：{item.shown_date.isoformat()}</span>'
            f"<span>来源：{html.escape(item.agency)}</span></div>"
            f'<div class="TRS_Editor">{item.body_html(word=item.article_id % 2 == 0)}</div></div>'
        )
        return self.page(item.title, body, column=self.column_name(item), article=item)


def _truncate(title: str, width: int) -> str:
    return title if len(title) <= width else title[: width - 1] + "…"


# ====================================================================== A: channel-id family


class ChannelRenderer(SiteRenderer):
    """Channel-id family: ``c{channel}/zfxxgknb.shtml``; 1-based ``createPageHTML('page_div', …)``."""

    home_path = "/index.shtml"
    zhuanlan_path = "/c108460/zfxxgk.shtml"
    column_path = "/c108463/zfxxgknb.shtml"
    news_path = "/c108470/zwdt.shtml"
    trap_prefix = "/so/"

    def sibling_path(self, slug: str) -> str:
        return f"/c10846{len(slug) % 10}/{slug}.shtml"

    def news_detail_path(self, index: int) -> str:
        _key, _title, day = self.news[index]
        return f"/c108470/{day:%Y%m}/{hashlib.md5(f'news{index}'.encode()).hexdigest()}.shtml"

    def detail_path(self, item: Item) -> str:
        digest = hashlib.md5(f"{item.seed}:{item.key}".encode()).hexdigest()
        return f"/c108463/{item.published:%Y%m}/{digest}.shtml"

    def render_column(self) -> None:
        live = self.live_reports()
        pages = _chunks(live, self.site.per_page)
        for index, chunk in enumerate(pages, start=1):
            name = "zfxxgknb.shtml" if index == 1 else f"zfxxgknb_{index}.shtml"
            lis = "".join(
                f'<li><a href="{self.link(self.detail_path(i))}" target="_blank" title="{html.escape(i.title)}">'
                f"{html.escape(i.title)}</a><span>{i.shown_date.isoformat()}</span></li>"
                for i in chunk
            )
            body = (
                f'<div class="zfxxgk_zdgkc"><ul>{lis}</ul></div>\n<div id="page_div"></div>\n'
                '<script type="text/javascript">\n'
                f"createPageHTML('page_div', {len(pages)}, {index}, 'zfxxgknb', 'shtml', {len(live)});\n</script>"
            )
            modified = self.list_modified(chunk)
            self.put(
                "/c108463/" + name, self.page("政府信息公开年报", body, column="政府信息公开年报"), modified=modified
            )
            self.record_list(
                self.url("/c108463/" + name), chunk, index=index, dialect="page_div-createPageHTML-1based"
            )

    def detail_html(self, item: Item) -> str:
        meta = (
            '<div class="xxgk_top"><ul>'
            f"<li><span>索  引  号：</span>{item.article_id % 100000:05d}/"
            f"{item.shown_date.year}-{item.article_id % 1000:05d}</li>"
            f"<li><span>发布机构：</span>{html.escape(item.agency)}</li>"
            f"<li><span>成文日期：</span>{item.published.isoformat()}</li>"
            f"<li><span>标\u3000\u3000题：</span>{html.escape(item.title)}</li>"
            f"<li><span>发布日期：</span>{item.shown_date.isoformat()}</li>"
            "</ul></div>"
        )
        body = (
            meta
            + f'<h3 class="title">{html.escape(item.title)}</h3>'
            + f'<div class="view TRS_UEDITOR trs_paper_default trs_web">{item.body_html()}</div>'
        )
        return self.page(item.title, body, column=self.column_name(item), article=item)


# ====================================================================== B: Hanweb


HANWEB_COLUMN = 1229214366
HANWEB_UNIT = 7406187
HANWEB_WEBID = 77


class HanwebRenderer(SiteRenderer):
    """Hanweb JCMS: the 年报 column's records live in a ``<script type="text/xml">`` CDATA block;
    the first ``3 × perpage`` records are in the page, the rest come from ``dataproxy.jsp``."""

    zhuanlan_path = "/col/col1229000001/index.html"
    column_path = f"/col/col{HANWEB_COLUMN}/index.html"
    news_path = "/col/col1229000009/index.html"
    proxy_path = "/module/web/jpage/dataproxy.jsp"
    trap_prefix = "/jsearchfront/"

    def sibling_path(self, slug: str) -> str:
        return f"/col/col12290000{10 + len(slug)}{len(slug) % 7}/index.html"

    def news_detail_path(self, index: int) -> str:
        _key, _title, day = self.news[index]
        return f"/art/{day.year}/{day.month}/{day.day}/art_1229000009_{5000 + index}.html"

    def detail_path(self, item: Item) -> str:
        p = item.published
        return f"/art/{p.year}/{p.month}/{p.day}/art_{HANWEB_COLUMN}_{item.article_id}.html"

    def record(self, item: Item) -> str:
        return (
            f'<li><a href="{self.link(self.detail_path(item))}" title="{html.escape(item.title)}" target="_blank">'
            f"{html.escape(_truncate(item.title, 26))}</a><span>{item.shown_date.isoformat()}</span></li>"
        )

    @property
    def form(self) -> dict[str, str]:
        return {
            "col": "1",
            "appid": "1",
            "webid": str(HANWEB_WEBID),
            "path": "/",
            "columnid": str(HANWEB_COLUMN),
            "sourceContentType": "1",
            "unitid": str(HANWEB_UNIT),
            "webname": self.site.name,
            "permissiontype": "0",
        }

    def render_column(self) -> None:
        live = self.live_reports()
        per = self.site.per_page
        first = live[: 3 * per]
        nextgroup = (
            self.link(self.proxy_path)
            + "?page=1&"
            + urllib.parse.urlencode({k: v for k, v in self.form.items() if k not in ("col", "sourceContentType")})
        )
        records = "\n".join(f"<record><![CDATA[\n{self.record(i)}\n]]></record>" for i in first)
        body = (
            '<div class="bt-position">当前位置：首页 &gt; 政府信息公开 &gt; 政府信息公开年报</div>\n'
            f'<div id="{HANWEB_UNIT}">'
            '<script type="text/xml">\n<datastore>\n'
            f'<nextgroup><![CDATA[<a href="{nextgroup}"></a>]]></nextgroup>\n'
            f"<recordset>\n{records}\n</recordset>\n</datastore>\n</script>\n"
            f'<script language="javascript" src="{self.link("/module/web/jpage/jpage.js")}"></script>\n'
            "<script>\nvar jpage_params = "
            + json.dumps(
                {**self.form, "proxyUrl": self.link(self.proxy_path), "perpage": per, "totalRecord": len(live)},
                ensure_ascii=False,
            )
            + ";\n</script></div>"
        )
        modified = self.list_modified(live)
        self.put(self.column_path, self.page("政府信息公开年报", body, column="政府信息公开年报"), modified=modified)
        self.record_list(self.column_url, first, index=0, dialect="hanweb-script-xml")
        start = len(first) + 1
        index = 1
        while start <= len(live):
            end = start + 3 * per - 1
            url = self.url(self.proxy_path) + f"?startrecord={start}&endrecord={end}&perpage={per}"
            self.record_list(
                url, live[start - 1 : end], index=index, dialect="hanweb-dataproxy", method="POST", form=self.form
            )
            start, index = end + 1, index + 1

    def dynamic(self, method: str, path: str, query: dict[str, list[str]], body: bytes) -> Resource | None:
        if path != self.proxy_path:
            return None
        params = {k: v[-1] for k, v in query.items()}
        if method == "POST":
            params.update({k: v[-1] for k, v in urllib.parse.parse_qs(body.decode("utf-8", "replace")).items()})
        if params.get("columnid") != str(HANWEB_COLUMN) or params.get("unitid") != str(HANWEB_UNIT):
            # What Hanweb sends for a wrong or missing column: an almost empty datastore.
            return Resource(b"<datastore></datastore>", "text/xml; charset=utf-8")
        live = self.live_reports()
        per = int(params.get("perpage") or self.site.per_page)
        if "startrecord" in params:
            start = max(1, int(params["startrecord"]))
            end = int(params.get("endrecord") or start + 3 * per - 1)
        else:  # the GET form ?page=N of the nextgroup link: page N holds records N*3*per+1 …
            page = int(params.get("page") or 1)
            start = page * 3 * per + 1
            end = start + 3 * per - 1
        chunk = live[start - 1 : end]
        records = "\n".join(f"<record><![CDATA[\n{self.record(i)}\n]]></record>" for i in chunk)
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<datastore>\n'
            f"<totalrecord>{len(live)}</totalrecord>\n<totalpage>{-(-len(live) // per)}</totalpage>\n"
            f"<recordset>\n{records}\n</recordset>\n</datastore>\n"
        )
        return Resource(xml.encode("utf-8"), "text/xml; charset=utf-8", last_modified=self.last_change)

    def detail_html(self, item: Item) -> str:
        rows = (
            (
                "信息索引号",
                f"11330205{item.article_id % 10000:04d}D/{item.shown_date.year}-{item.article_id % 100000:05d}",
            ),
            ("文件名称", item.title),
            ("发布机构", item.agency),
            ("成文日期", item.published.isoformat()),
            ("公开方式", "主动公开"),
            ("组配分类", "政府信息公开年报"),
            ("有效性", "有效"),
        )
        table = "".join(f"<tr><th>{html.escape(a)}</th><td>{html.escape(b)}</td></tr>" for a, b in rows)
        body = (
            '<div class="xxgk-meta"><div class="meta-title">信息公开元数据</div>'
            f'<table class="xxgk_table">{table}</table></div>'
            f'<div class="bt-article-02"><div class="sp_title">{html.escape(item.title)}</div>'
            f'<div class="sp_time">发布日期：{item.shown_date.isoformat()}　来源：{html.escape(item.agency)}</div>'
            f'<div id="zoom">{item.body_html(word=True)}</div></div>'
        )
        return self.page(item.title, body, column=self.column_name(item), article=item)


# ====================================================================== C: gkmlpt


GKMLPT_SID = "755034"
GKMLPT_CLASSIFY = 2991


class GkmlptRenderer(SiteRenderer):
    """Guangdong gkmlpt: a Vue shell with ``window._CONFIG`` and a JSON list API."""

    zhuanlan_path = "/gkmlpt/index"
    column_path = "/gkmlpt/annualreport"
    news_path = "/zwgk/zwdt/index.html"
    api_path = f"/gkmlpt/api/all/{GKMLPT_CLASSIFY}"
    trap_prefix = "/gkmlpt/search/"

    def detail_path(self, item: Item) -> str:
        post = item.article_id
        return f"/gkmlpt/content/{post // 1000000}/{post // 1000}/post_{post}.html"

    def attachment_path(self, item: Item) -> str:
        post = item.article_id
        return f"/attachment/0/{post // 1000000}/{post // 1000}/{post + 7}.pdf"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for item in self.items:
            if item.fmt == "pdf":
                item.document_url = self.url(self.attachment_path(item))

    def zhuanlan_links(self) -> list[tuple[str, str]]:
        return []

    def render_zhuanlan(self) -> None:
        tree = [
            {"id": 2980, "name": "政府信息公开指南", "parent": 0},
            {"id": 2981, "name": "政府信息公开制度", "parent": 0},
            {"id": 2985, "name": "法定主动公开内容", "parent": 0},
            {
                "id": GKMLPT_CLASSIFY,
                "name": "政府信息公开年报",
                "parent": 0,
                "jump_url": self.link(self.column_path) + f"#{GKMLPT_CLASSIFY}",
            },
            {"id": 2995, "name": "依申请公开", "parent": 0},
        ]
        config = {"SID": GKMLPT_SID, "TREE": tree, "API": self.link("/gkmlpt/api/all/"), "SITE_NAME": self.site.name}
        shell = (
            '<div id="app"></div>\n<script>window._CONFIG = '
            + json.dumps(config, ensure_ascii=False)
            + ';</script>\n<script src="'
            + self.link("/gkmlpt/static/js/chunk-common.js")
            + '"></script>'
        )
        self.put(self.zhuanlan_path, self.page("政府信息公开", shell, column="政府信息公开"))
        self.put(self.column_path, self.page("政府信息公开年报", shell, column="政府信息公开年报"))
        js = (
            "(function(){var c=window._CONFIG;"
            "function list(classify,page){return c.API+classify+'?page='+page+'&sid='+c.SID}"
            "window.__gkmlpt={list:list};})();"
        )
        self.put("/gkmlpt/static/js/chunk-common.js", js, content_type="application/javascript; charset=utf-8")

    def article(self, item: Item) -> dict:
        created = dt.datetime(item.published.year, item.published.month, item.published.day, 9, 30)
        attachments = []
        if item.fmt == "pdf":
            attachments.append(
                {"name": f"{item.title}.pdf", "type": "pdf", "url": self.url(self.attachment_path(item))}
            )
        return {
            "id": item.article_id,
            "title": item.title,
            "url": self.url(self.detail_path(item)),
            "created_at": created.strftime("%Y-%m-%d %H:%M:%S"),
            "create_time": int(created.replace(tzinfo=dt.timezone(dt.timedelta(hours=8))).timestamp()),
            "updated_at": item.shown_date.isoformat() + " 09:30:00",
            "identifier": f"007226{item.article_id % 1000:03d}/{item.shown_date.year}-{item.article_id % 100000:05d}",
            "document_number": "",
            "publisher": item.agency,
            "attachment": attachments,
        }

    def render_column(self) -> None:
        pages = _chunks(self.live_reports(), self.site.per_page)
        for index, chunk in enumerate(pages, start=1):
            url = self.url(self.api_path) + f"?page={index}&sid={GKMLPT_SID}"
            self.record_list(url, chunk, index=index, dialect="gkmlpt-api")

    def dynamic(self, method: str, path: str, query: dict[str, list[str]], body: bytes) -> Resource | None:
        if not path.startswith("/gkmlpt/api/all/"):
            return None
        if query.get("sid", [""])[-1] != GKMLPT_SID:
            return Resource(b'{"code":400,"msg":"sid error"}', "application/json; charset=utf-8", status=400)
        if path != self.api_path:
            payload = {"classify": {"id": path.rsplit("/", 1)[-1], "post_count": 0}, "articles": [], "total": 0}
        else:
            live = self.live_reports()
            pages = _chunks(live, self.site.per_page)
            # Real gkmlpt answers page=0 with the same data as page=1; pages past the end are empty.
            page = max(1, int(query.get("page", ["1"])[-1] or 1))
            chunk = pages[page - 1] if page <= len(pages) else []
            payload = {
                "classify": {"id": GKMLPT_CLASSIFY, "name": "政府信息公开年报", "post_count": len(live)},
                "articles": [self.article(i) for i in chunk],
                "total": len(live),
                "page": page,
                "per_page": self.site.per_page,
            }
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        return Resource(data, "application/json; charset=utf-8", last_modified=self.last_change)

    def rebuild(self) -> None:
        super().rebuild()
        for item in self.items:
            if not item.removed and item.fmt == "pdf":
                self.pages[self.attachment_path(item)] = Resource(
                    self.binary(item), "application/pdf", last_modified=day_time(item.shown_date)
                )

    def detail_html(self, item: Item) -> str:
        rows = (
            ("索引号", self.article(item)["identifier"]),
            ("分类", "政府信息公开年报"),
            ("发布机构", item.agency),
            ("成文日期", item.published.isoformat()),
            ("名称", item.title),
            ("文号", ""),
            ("发布日期", item.shown_date.isoformat()),
            ("主题词", ""),
        )
        cells = "".join(
            f'<tr><td class="first">{html.escape(a)}：</td><td>{html.escape(b)}</td></tr>' for a, b in rows
        )
        detail = {k: v for k, v in self.article(item).items() if k != "attachment"}
        if item.fmt == "pdf":
            content = (
                f'<p>附件：<a class="nfw-cms-attachment" href="{self.link(self.attachment_path(item))}">'
                f"{html.escape(item.title)}.pdf</a></p>"
            )
        else:
            content = item.body_html()
        body = (
            f'<div class="classify"><table class="table-meta">{cells}</table></div>'
            f'<div class="content"><h1 class="title">{html.escape(item.title)}</h1>'
            f'<div class="article-content">{content}</div></div>'
            "<script>window._CONFIG = window._CONFIG || {}; "
            f"window._CONFIG.DETAIL = {json.dumps(detail, ensure_ascii=False)};</script>"
        )
        return self.page(item.title, body, column=self.column_name(item), article=item)


# ====================================================================== E: VSB


VSB_TREE = 1021


class VsbRenderer(SiteRenderer):
    """VSB/博达: ``list.jsp?urltype=tree.TreeTempUrl&wbtreeid=N&PAGENUM=k`` and ``info/<col>/<id>.htm``."""

    home_path = "/index.htm"
    zhuanlan_path = "/xxgk.htm"
    column_path = f"/list.jsp?urltype=tree.TreeTempUrl&wbtreeid={VSB_TREE}"
    news_path = "/zwdt.htm"
    trap_prefix = "/system/"

    def sibling_path(self, slug: str) -> str:
        return f"/xxgk/{slug}.htm"

    def news_detail_path(self, index: int) -> str:
        return f"/info/1011/{3000 + index}.htm"

    def detail_path(self, item: Item) -> str:
        return f"/info/{VSB_TREE}/{item.article_id % 10000}.htm"

    def page_path(self, number: int) -> str:
        return self.column_path if number == 1 else f"{self.column_path}&PAGENUM={number}"

    def render_column(self) -> None:
        pages = _chunks(self.live_reports(), self.site.per_page)
        for index, chunk in enumerate(pages, start=1):
            self.record_list(self.url(self.page_path(index)), chunk, index=index, dialect="vsb-PAGENUM-1based")

    def list_page(self, number: int) -> Resource:
        pages = _chunks(self.live_reports(), self.site.per_page)
        chunk = pages[number - 1] if 1 <= number <= len(pages) else []
        rows = "".join(
            f'<tr><td><a href="info/{VSB_TREE}/{i.article_id % 10000}.htm" title="{html.escape(i.title)}">'
            f'{html.escape(i.title)}</a></td><td class="time">{i.shown_date.isoformat()}</td></tr>'
            for i in chunk
        )
        nav = [f"共{len(pages)}页&nbsp;{number}/{len(pages)}"]
        if number > 1:
            nav.append(f'<a href="{html.escape(self.link(self.page_path(number - 1)))}">上页</a>')
        if number < len(pages):
            nav.append(f'<a href="{html.escape(self.link(self.page_path(number + 1)))}">下页</a>')
            nav.append(f'<a href="{html.escape(self.link(self.page_path(len(pages))))}">尾页</a>')
        body = (
            f'<table class="winstyle{VSB_TREE}" width="100%">{rows}</table>'
            f'<div class="pb_sys_common">{"&nbsp;".join(nav)}</div>'
        )
        modified = self.list_modified(chunk)
        return Resource(
            self.encode(self.page("政府信息公开年报", body, column="政府信息公开年报")),
            self.html_type,
            last_modified=modified,
        )

    def dynamic(self, method: str, path: str, query: dict[str, list[str]], body: bytes) -> Resource | None:
        if path != "/list.jsp" or query.get("wbtreeid", [""])[-1] != str(VSB_TREE):
            return None
        raw = query.get("PAGENUM", ["1"])[-1]
        number = int(raw) if raw.isdigit() else 1
        return self.list_page(number)

    def detail_html(self, item: Item) -> str:
        rows = (
            (
                "索引号",
                f"113713020044{item.article_id % 1000:03d}/{item.shown_date.year}-{item.article_id % 10000:05d}",
            ),
            ("公开目录", "政府信息公开年报"),
            ("发布机构", item.agency),
            ("发布日期", item.shown_date.isoformat()),
            ("公开方式", "主动公开"),
            ("文号", ""),
            ("标题", item.title),
        )
        meta = "".join(f"<tr><td><b>{html.escape(a)}：</b></td><td>{html.escape(b)}</td></tr>" for a, b in rows)
        body = (
            f'<table class="xxgk-meta">{meta}</table><h1 class="titlestyle{VSB_TREE}">{html.escape(item.title)}</h1>'
            f'<div id="vsb_content"><div class="v_news_content">{item.body_html(word=True)}</div></div>'
        )
        return self.page(item.title, body, column=self.column_name(item), article=item)


# ====================================================================== F: hand-built


class HandmadeRenderer(SiteRenderer):
    """A hand-built page per year; most reports are PDF/DOCX behind opaque URLs."""

    zhuanlan_path = "/zwgk/index.html"
    column_path = "/zwgk/gknb/index.html"
    news_path = "/zwgk/zwdt/index.html"
    trap_prefix = "/cgi-bin/"

    def sibling_path(self, slug: str) -> str:
        return f"/zwgk/{slug}.html"

    def file_token(self, item: Item) -> str:
        return hashlib.sha256(f"{item.seed}:{item.key}:file".encode()).hexdigest()[:24]

    def delivery(self, item: Item) -> str:
        """How the report reaches a reader: ``page`` (HTML), ``pdf-direct``, ``pdf-download``,
        ``docx-download`` or ``pdf-page`` (an HTML page holding only an attachment link)."""
        planned = item.planned
        if item.kind != "report" or planned is None or planned.fmt == "html":
            return "page"
        if planned.fmt == "pdf-page":
            return "pdf-page"
        if planned.fmt == "docx":
            return "docx-download"
        return "pdf-download" if item.article_id % 3 == 0 else "pdf-direct"

    def attachment_path(self, item: Item) -> str:
        delivery = self.delivery(item)
        if delivery in ("pdf-download", "docx-download"):
            return f"/download?fileName={self.file_token(item)}"
        number = item.article_id % 100000
        return f"/attachment/0/{number // 1000}/{number}.pdf"

    def detail_path(self, item: Item) -> str:
        delivery = self.delivery(item)
        if delivery in ("pdf-direct", "pdf-download", "docx-download"):
            return self.attachment_path(item)
        stamp = f"{item.published:%Y%m%d}{item.article_id}"
        return f"/zwgk/gknb/{stamp}/index.html"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for item in self.items:
            delivery = self.delivery(item)
            if delivery == "pdf-page":
                item.document_url = self.url(self.attachment_path(item))
            elif delivery != "page":
                item.page_url = None
                item.document_url = self.url(self.attachment_path(item))

    def render_column(self) -> None:
        live = self.live_reports()
        years = sorted({i.year for i in live}, reverse=True)
        blocks = []
        for year in years:
            lines = []
            for item in [i for i in live if i.year == year]:
                delivery = self.delivery(item)
                href = self.link(self.detail_path(item))
                if delivery == "docx-download":
                    label = f"{item.title}（Word版）"
                elif delivery == "pdf-download":
                    label = f"{item.title}（PDF）"
                else:
                    label = item.title
                lines.append(f'<p><a href="{html.escape(href)}" target="_blank">{html.escape(label)}</a></p>')
            blocks.append(f"<h3>{year}年度</h3>" + "".join(lines))
        body = '<div class="content"><h2>政府信息公开工作年度报告</h2>' + "".join(blocks) + "</div>"
        modified = self.list_modified(live)
        self.put(self.column_path, self.page("政府信息公开年报", body, column="政府信息公开年报"), modified=modified)
        self.record_list(self.column_url, live, index=0, dialect="single-page")

    def render_detail(self, item: Item) -> None:
        delivery = self.delivery(item)
        if delivery in ("page", "pdf-page"):
            super().render_detail(item)
        modified = day_time(item.shown_date)
        if delivery == "docx-download":
            quoted = urllib.parse.quote(f"{item.title}.docx")
            self.pages[self.attachment_path(item)] = Resource(
                self.binary(item),
                "application/octet-stream",
                headers={"Content-Disposition": f"attachment; filename=\"report.docx\"; filename*=UTF-8''{quoted}"},
                last_modified=modified,
            )
        elif delivery == "pdf-download":
            quoted = urllib.parse.quote(f"{item.title}.pdf")
            self.pages[self.attachment_path(item)] = Resource(
                self.binary(item),
                "application/octet-stream",
                headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quoted}"},
                last_modified=modified,
            )
        elif delivery in ("pdf-direct", "pdf-page"):
            self.pages[self.attachment_path(item)] = Resource(
                self.binary(item), "application/pdf", last_modified=modified
            )

    def detail_html(self, item: Item) -> str:
        if self.delivery(item) == "pdf-page":
            content = (
                f'<p>{html.escape(item.title)}</p><p>附件：<a href="{self.link(self.attachment_path(item))}">'
                f"{html.escape(item.title)}.pdf</a></p>"
            )
        else:
            content = item.body_html()
        body = f'<h2 class="title">{html.escape(item.title)}</h2><div class="content">{content}</div>'
        return self.page(item.title, body, column=self.column_name(item), article=item)


RENDERERS: dict[str, type[SiteRenderer]] = {
    "trs": TrsRenderer,
    "trs-channel": ChannelRenderer,
    "hanweb": HanwebRenderer,
    "gkmlpt": GkmlptRenderer,
    "vsb": VsbRenderer,
    "handmade": HandmadeRenderer,
}
