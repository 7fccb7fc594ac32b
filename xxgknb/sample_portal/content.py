"""What the sample portal publishes: reports and look-alikes as dated items with stable URLs' keys."""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import random
from dataclasses import dataclass, field

from xxgknb.sample_portal import generate
from xxgknb.sample_portal.sites import LookAlike, Planned, SiteDef, title_for


@dataclass
class Item:
    """A report or look-alike as one site publishes it.

    URLs are assigned by the site's renderer; everything else is fixed by the seed, except
    ``version``/``updated``/``removed`` which :meth:`SamplePortal.edit_report` and
    :meth:`SamplePortal.remove_report` change."""

    key: str
    site: SiteDef
    kind: str  # "report" | "lookalike"
    title: str
    agency: str
    year: int
    published: dt.date
    article_id: int
    seed: int
    fmt: str = "html"
    template: str = ""
    level: str = ""
    planned: Planned | None = None
    lookalike: LookAlike | None = None
    version: int = 1
    updated: dt.date | None = None
    removed: bool = False
    page_url: str | None = None
    document_url: str | None = None
    listed_in: list[str] = field(default_factory=list)
    #: Content-Type header for the item's page when it differs from the site's (a wrong charset, none at all)
    content_type: str | None = None
    #: Encoding of the item's page when it differs from the site's
    charset: str | None = None
    #: Name of the fault (faults.py) this item is served with, if any
    fault: str | None = None
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def shown_date(self) -> dt.date:
        return self.updated or self.published

    def rng(self, purpose: str) -> random.Random:
        return random.Random(f"{self.seed}:{self.key}:v{self.version}:{purpose}")

    @property
    def numbers(self) -> generate.Numbers:
        cache_key = ("numbers", self.version)
        if cache_key not in self._cache:
            assert self.planned is not None
            self._cache[cache_key] = generate.generate_numbers(
                self.rng("numbers"),
                self.template,
                busy=self.planned.busy,
                inconsistency=self.planned.inconsistency,
            )
        return self._cache[cache_key]

    @property
    def text(self) -> generate.ReportText:
        cache_key = ("text", self.version)
        if cache_key not in self._cache:
            text = generate.build_text(
                self.rng("text"),
                title=self.title,
                agency=self.agency,
                year=self.year,
                published=self.published.isoformat(),
                numbers=self.numbers,
            )
            if self.version > 1:
                text.overview.append(
                    f"（本报告于{self.shown_date.year}年{self.shown_date.month}月{self.shown_date.day}日更新，第{self.version}版。）"
                )
            self._cache[cache_key] = text
        return self._cache[cache_key]

    def body_html(self, *, word: bool = False) -> str:
        if self.kind == "report":
            return generate.report_body_html(self.text, word=word)
        return lookalike_body_html(self)

    def docx(self) -> bytes:
        cache_key = ("docx", self.version)
        if cache_key not in self._cache:
            self._cache[cache_key] = generate.report_docx(self.text)
        return self._cache[cache_key]


def _article_id(seed: int, key: str, digits: int = 7) -> int:
    digest = int(hashlib.sha256(f"{seed}:{key}:id".encode()).hexdigest(), 16)
    low = 10 ** (digits - 1)
    return low + digest % (9 * low)


def _published(rng: random.Random, year: int) -> dt.date:
    return dt.date(year + 1, rng.randint(1, 3), rng.randint(1, 28))


def site_items(site: SiteDef, seed: int) -> list[Item]:
    """Every item a site publishes, reports first, in plan order."""
    items: list[Item] = []
    for index, planned in enumerate(site.reports):
        key = f"{site.id}/r{index:02d}"
        rng = random.Random(f"{seed}:{key}:dates")
        items.append(
            Item(
                key=key,
                site=site,
                kind="report",
                title=title_for(planned, site.region),
                agency=planned.agency,
                year=planned.year,
                published=_published(rng, planned.year),
                article_id=_article_id(seed, key),
                seed=seed,
                fmt="pdf" if planned.fmt == "pdf-page" else planned.fmt,
                template=planned.effective_template,
                level=planned.level or site.level,
                planned=planned,
            )
        )
    for index, lookalike in enumerate(site.lookalikes):
        key = f"{site.id}/x{index:02d}"
        rng = random.Random(f"{seed}:{key}:dates")
        items.append(
            Item(
                key=key,
                site=site,
                kind="lookalike",
                title=lookalike.title,
                agency=site.name,
                year=lookalike.year,
                published=_published(rng, lookalike.year)
                if lookalike.kind != "notice"
                else dt.date(lookalike.year, 12, rng.randint(1, 20)),
                article_id=_article_id(seed, key),
                seed=seed,
                lookalike=lookalike,
            )
        )
    return items


def lookalike_body_html(item: Item) -> str:
    """Bodies of look-alikes: they share vocabulary with reports, which is what makes them traps."""
    assert item.lookalike is not None
    kind, year, region = item.lookalike.kind, item.year, item.site.region
    p = '<p style="text-indent:2em">{}</p>'.format
    if kind == "notice":
        return "\n".join(
            [
                p("各街道办事处、乡镇人民政府，区政府各部门："),
                p(
                    f"根据《中华人民共和国政府信息公开条例》和国务院办公厅政府信息与政务公开办公室关于政府信息公开工作年度报告"
                    f"有关事项的通知要求，现就做好{year}年政府信息公开工作年度报告编制发布工作通知如下："
                ),
                p(
                    "一、严格按照《中华人民共和国政府信息公开工作年度报告格式》编制，内容包括：一、总体情况；二、主动公开政府信息情况；"
                    "三、收到和处理政府信息公开申请情况；四、政府信息公开行政复议、行政诉讼情况；五、存在的主要问题及改进情况；"
                    "六、其他需要报告的事项。"
                ),
                p(f"二、请于{year + 1}年1月31日前在本单位政府信息公开专栏“政府信息公开年报”栏目发布。"),
                p(f"{region}人民政府办公室"),
            ]
        )
    if kind == "interpretation":
        return "\n".join(
            [
                p(f"近日，{region}发布了{year}年政府信息公开工作年度报告，现就有关内容解读如下。"),
                p(
                    f"一是主动公开情况。{year}年全区主动公开政府信息"
                    f"{random.Random(item.key).randint(800, 5000)}条，比上年有所增长。"
                ),
                p("二是依申请公开情况。全区各单位依法办理政府信息公开申请，均在法定期限内答复。"),
                p("三是下一步工作。持续深化政务公开，不断提升政务公开质量和实效。"),
            ]
        )
    if kind == "website_report":
        rows = [
            ("网站名称", f"{region}人民政府门户网站"),
            ("首页网址", "http://www.example.gov.cn"),
            ("主办单位", f"{region}人民政府办公室"),
            ("独立用户访问总量（单位：个）", str(random.Random(item.key).randint(100000, 900000))),
            ("网站总访问量（单位：次）", str(random.Random(item.key + "v").randint(1000000, 9000000))),
            ("信息发布（单位：条）", str(random.Random(item.key + "i").randint(1000, 9000))),
        ]
        table = "".join(f"<tr><td>{html.escape(a)}</td><td>{html.escape(b)}</td></tr>" for a, b in rows)
        return p(f"{region}人民政府门户网站{year}年政府网站工作年度报表") + f'<table border="1">{table}</table>'
    if kind == "final_accounts":
        return "\n".join(
            [
                p(f"第一部分 {region}财政局概况"),
                p(f"第二部分 {year}年度部门决算表"),
                p("收入支出决算总表、收入决算表、支出决算表、财政拨款收入支出决算总表……"),
                p(f"第三部分 {year}年度部门决算情况说明"),
            ]
        )
    if kind == "repost":
        rng = random.Random(f"{item.seed}:{item.key}:repost")
        numbers = generate.generate_numbers(rng, "2021", busy=True)
        text = generate.build_text(
            rng,
            title=f"水利部{year}年政府信息公开工作年度报告",
            agency="水利部",
            year=year,
            published=f"{year + 1}-01-20",
            numbers=numbers,
        )
        return p("来源：水利部网站　　转载日期：" + item.published.isoformat()) + generate.report_body_html(
            text, word=False
        )
    raise ValueError(f"unknown look-alike kind {kind}")
