"""A synthetic corpus at any size, archived in WARC files exactly as the crawler archives a portal.

Reports are drawn across every province, prefecture and county of ``parsers/data/adcodes.csv``
(plus townships and departments), years 2010–2024, both templates (2019, 2021) and prose-only
reports before 2019, in the formats and layouts real portals publish:

* **HTML** (the sample portal's renderer, :mod:`xxgknb.sample_portal.generate`) in four table
  dialects: plain rowspan/colspan, Word-pasted (``MsoNormal`` spans), ``<th>`` headers with labels
  split by ``<br>``, and upper-case markup with ``&nbsp;`` padding; some in GBK with only a
  ``<meta>`` charset;
* **text** with the three table renderings of saved copies (tab rows, ``|`` cells, one cell
  per line), from the same grids as the sample portal's DOCX;
* **PDF** and **DOCX**: LibreOffice is far too slow for 10⁵ documents, so a pool of distinct
  reports (``--pdf-pool``, default 200) is rendered once (cached by
  :func:`~xxgknb.sample_portal.generate.docx_to_pdf`) and reused, each copy re-stamped with its
  own title and dates (a PDF incremental update; a DOCX ``core.xml``), so no two copies share bytes.
  The pool's PDFs embed the CJK fonts of :data:`PDF_FONTS`: mostly TrueType, as Word and WPS
  documents set in 宋体/仿宋/黑体 do, some OpenType/CFF.

Every number is drawn fresh for HTML and text reports; a PDF/DOCX copy carries the numbers of a pool
entry of its year.  Each prefecture-level unit is one *portal*: one WARC file (``archive.warc``
writer, same ``WARC-Xxgknb-*`` headers and roles as ``spiders.portal``) holding a start page,
list pages, every report as an ``item`` exchange, and the end-of-crawl ``metadata`` record.
``xxgknb build --data DIR`` turns the result into a corpus.

Usage::

    .venv/bin/python benchmarks/synth.py --size 100000 --out /tmp/synth-100k [--jobs N]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import html
import io
import json
import multiprocessing
import os
import random
import re
import shutil
import subprocess
import sys
import time
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from archive.warc import WarcWriter  # noqa: E402
from xxgknb.sample_portal import generate  # noqa: E402

ADCODES = ROOT / "parsers" / "data" / "adcodes.csv"
CRAWL_ID = "20250301T000000000000Z"
#: (format, layout) -> share of the corpus; roughly what the real registry shows, with every
#: layout present at any size above a few hundred.
LAYOUTS = {
    ("html", "plain"): 24,
    ("html", "word"): 16,
    ("html", "th-br"): 8,
    ("html", "upper-nbsp"): 7,
    ("text", "tab"): 4,
    ("text", "pipe"): 3,
    ("text", "cell-per-line"): 3,
    ("pdf", "libreoffice"): 20,
    ("docx", "python-docx"): 10,
    ("html", "prose-pre2019"): 5,
}
#: (body font, heading font) the pool's PDFs are set in -> share of the pool.  Reports are written
#: in Word or WPS on Windows, whose Chinese fonts (宋体, 仿宋_GB2312, 黑体, 楷体) are all TrueType:
#: their PDFs embed TrueType subsets.  A quarter are set in an OpenType/CFF CJK font (Noto/Source
#: Han, LibreOffice's choice on Linux), whose glyph outlines cost PDFium ~1.7× as much per document:
#: the mix is part of what the build benchmark measures.  Family -> Debian package, for the error.
PDF_FONTS = {
    ("AR PL UMing CN", "WenQuanYi Zen Hei"): 3,  # TrueType: a Ming (宋体-like) body, Hei (黑体-like) headings
    ("Noto Sans CJK SC", "Noto Sans CJK SC"): 1,  # OpenType/CFF
}
FONT_PACKAGES = {
    "AR PL UMing CN": "fonts-arphic-uming",
    "WenQuanYi Zen Hei": "fonts-wqy-zenhei",
    "Noto Sans CJK SC": "fonts-noto-cjk",
}
LEVEL_WEIGHTS = {"province": 3, "prefecture": 22, "county": 58, "township": 17}
DEPARTMENTS = (
    "人民政府",
    "人民政府办公室",
    "发展和改革委员会",
    "教育局",
    "公安局",
    "民政局",
    "司法局",
    "财政局",
    "人力资源和社会保障局",
    "自然资源局",
    "生态环境局",
    "住房和城乡建设局",
    "交通运输局",
    "水利局",
    "农业农村局",
    "商务局",
    "文化和旅游局",
    "卫生健康委员会",
    "应急管理局",
    "审计局",
    "市场监督管理局",
    "统计局",
    "医疗保障局",
    "城市管理局",
    "退役军人事务局",
)
TOWN_SUFFIXES = ("镇人民政府", "乡人民政府", "街道办事处")
TOWN_NAMES = "东西南北中新兴和平安宁永丰长青石桥城关河口白沙龙泉金山柳林高峰红旗"
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


# --------------------------------------------------------------------------- regions


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    province: str
    city: str | None
    county: str | None
    level: str

    @property
    def place(self) -> str:
        return self.county or self.city or self.province


def load_regions() -> tuple[dict[str, Region], dict[str, list[Region]]]:
    """Portals (province and prefecture units, keyed by their code) and the counties under each."""
    names = {}
    with open(ADCODES, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            names[row["code"]] = row["name"]
    portals: dict[str, Region] = {}
    counties: dict[str, list[Region]] = {}
    for code, name in names.items():
        province = names.get(code[:2] + "0000", name)
        if code.endswith("0000"):
            portals[code] = Region(code, name, province, None, None, "province")
        elif code.endswith("00"):
            if name in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"):
                continue
            portals[code] = Region(code, name, province, name, None, "prefecture")
    for code, name in names.items():
        if code.endswith("00") or name == "市辖区":
            continue
        parent = portals.get(code[:4] + "00") or portals.get(code[:2] + "0000")
        if parent is None:
            continue
        city = parent.city if parent.level == "prefecture" else None
        counties.setdefault(parent.code, []).append(Region(code, name, parent.province, city, name, "county"))
    return portals, counties


# --------------------------------------------------------------------------- plan


@dataclass(frozen=True)
class Planned:
    index: int
    portal: str
    region: Region
    level: str
    agency: str
    year: int
    template: str
    fmt: str
    layout: str
    published: dt.date
    busy: bool

    @property
    def title(self) -> str:
        patterns = (
            f"{self.agency}{self.year}年政府信息公开工作年度报告",
            f"{self.agency}{self.year}年度政府信息公开工作年度报告",
            f"{self.year}年{self.agency.removesuffix('人民政府')}政府信息公开工作年度报告",
            f"{self.agency}{self.year}年政府信息公开年度报告",
        )
        return patterns[self.index % len(patterns)]

    @property
    def host(self) -> str:
        return f"www.gov{self.portal}.gov.cn"

    @property
    def url(self) -> str:
        suffix = {"html": "html", "text": "txt", "pdf": "pdf", "docx": "docx"}[self.fmt]
        stamp = self.published.strftime("%Y%m%d")
        if self.fmt in ("pdf", "docx") and self.index % 7 == 0:
            # opaque download URLs: the type comes from Content-Disposition
            return f"http://{self.host}/module/download/downfile.jsp?classid=0&filename=t{self.index}.{suffix}"
        return f"http://{self.host}/zfxxgk/zfxxgknb/{self.year}/t{stamp}_{self.index}.{suffix}"


def _weighted(rng: random.Random, table: dict):
    keys = list(table)
    return rng.choices(keys, weights=[table[k] for k in keys])[0]


def plan_report(
    index: int, seed: int, portal_codes: list[str], portals: dict[str, Region], counties: dict[str, list[Region]]
) -> Planned:
    rng = random.Random(f"{seed}:{index}")
    portal_code = portal_codes[index % len(portal_codes)]
    portal = portals[portal_code]
    level = _weighted(rng, LEVEL_WEIGHTS)
    below = counties.get(portal_code) or []
    if level in ("province", "prefecture") or not below:
        # a province portal publishes the province's own reports, a prefecture portal the city's
        region, level = portal, portal.level
    else:
        region = rng.choice(below)
    if level == "township":
        town = "".join(rng.choice(TOWN_NAMES) for _ in range(2)) + rng.choice(TOWN_SUFFIXES)
        agency = region.place + town
    else:
        agency = region.place + rng.choice(DEPARTMENTS[: 3 + rng.randint(0, len(DEPARTMENTS) - 3)])
    fmt, layout = _weighted(rng, LAYOUTS)
    if layout == "prose-pre2019":
        year, template = rng.randint(2010, 2018), "unstructured"
    else:
        year = rng.choice((2019, 2020, 2021, 2021, 2022, 2022, 2023, 2023, 2024))
        template = "2019" if year <= 2020 or rng.random() < 0.05 else "2021"
    published = dt.date(year + 1, rng.randint(1, 3), rng.randint(1, 28))
    return Planned(
        index,
        portal_code,
        region,
        level,
        agency,
        year,
        template,
        fmt,
        layout,
        published,
        busy=level in ("province", "prefecture") and rng.random() < 0.5,
    )


# --------------------------------------------------------------------------- rendering


def report_text(planned: Planned, rng: random.Random) -> generate.ReportText:
    template = planned.template if planned.template != "unstructured" else "2021"
    numbers = generate.generate_numbers(rng, template, busy=planned.busy)
    return generate.build_text(
        rng,
        title=planned.title,
        agency=planned.agency,
        year=planned.year,
        published=planned.published.isoformat(),
        numbers=numbers,
    )


def _cms_page(planned: Planned, body: str, charset: str) -> str:
    return (
        "<!DOCTYPE html>\n<html>\n<head>\n"
        f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">\n'
        f'<meta name="SiteName" content="{html.escape(planned.region.place)}人民政府门户网站">\n'
        '<meta name="ColumnName" content="政府信息公开年报">\n'
        f'<meta name="ArticleTitle" content="{html.escape(planned.title)}">\n'
        f'<meta name="PubDate" content="{planned.published.isoformat()} 09:30">\n'
        f'<meta name="ContentSource" content="{html.escape(planned.agency)}">\n'
        f"<title>{html.escape(planned.title)}</title>\n</head>\n<body>\n"
        '<div class="header"><div class="nav"><a href="/">首页</a><a href="/zfxxgk/">政府信息公开</a></div></div>\n'
        f'<div class="main"><div class="article"><h1 class="title">{html.escape(planned.title)}</h1>'
        f'<div class="info"><span>发布时间：{planned.published.isoformat()}</span>'
        f"<span>来源：{html.escape(planned.agency)}</span></div>\n"
        f'<div class="TRS_Editor">\n{body}\n</div></div></div>\n'
        '<div class="footer">主办：人民政府办公室　网站标识码：0000000000</div>\n</body>\n</html>\n'
    )


_HEADER_CELL = re.compile(
    r"<td([^>]*)>((?:信息内容|申请人情况|自然人|法人或其他组织|总计|行政复议|行政诉讼|"
    r"结果维持|结果纠正|其他结果|尚未审结|未经复议直接起诉|复议后起诉|本年[^<]{2,12}|"
    r"上一年项目数量|处理决定数量|对外公开总数量|采购[^<]{2,6}))</td>"
)
_SPLITTABLE = re.compile(r"<td([^>]*)>([^<]{9,})</td>")


def html_dialect(fragment: str, layout: str) -> str:
    """Re-dress the sample portal's plain table markup the way other CMS editors emit it."""
    if layout == "th-br":
        fragment = _HEADER_CELL.sub(r"<th\1>\2</th>", fragment)
        return _SPLITTABLE.sub(
            lambda m: f"<td{m[1]}>{m[2][: len(m[2]) // 2]}<br/>{m[2][len(m[2]) // 2 :]}</td>", fragment
        )
    if layout == "upper-nbsp":
        fragment = re.sub(r"<(/?)(table|tbody|tr|td|p)\b", lambda m: f"<{m[1]}{m[2].upper()}", fragment)
        return re.sub(r"(<TD[^>]*>)([^<]*)(</TD>)", r"\1&nbsp;\2&nbsp;\3", fragment)
    return fragment


def render_html(planned: Planned, rng: random.Random) -> tuple[bytes, str]:
    text = report_text(planned, rng)
    if planned.layout == "prose-pre2019":
        # before the 2019 format: prose under the headings of the 2008 regulation's reports
        headed = [
            ("一、概述", text.overview),
            ("二、主动公开政府信息情况", text.overview[2:3]),
            ("三、依申请公开政府信息情况", text.overview[3:4]),
            ("四、政府信息公开的收费及减免情况", [text.other]),
            (
                "五、因政府信息公开申请行政复议、提起行政诉讼的情况",
                ["本年度未发生因政府信息公开申请行政复议、提起行政诉讼的情况。"],
            ),
            ("六、政府信息公开工作存在的主要问题及改进情况", text.problems),
        ]
        body = "\n".join(
            f"<p><strong>{h}</strong></p>"
            + "".join(f'<p style="text-indent:2em">{html.escape(p)}</p>' for p in paragraphs)
            for h, paragraphs in headed
        )
    else:
        body = html_dialect(generate.report_body_html(text, word=planned.layout == "word"), planned.layout)
    gbk = planned.index % 10 == 3
    page = _cms_page(planned, body, "gb2312" if gbk else "utf-8")
    if gbk:
        return page.encode("gb18030"), "text/html"
    return page.encode("utf-8"), "text/html; charset=utf-8"


def _grid_text(grid: generate.GridSpec, layout: str) -> str:
    if layout == "tab":
        return "\n".join("\t".join(cell[0] if cell else "" for cell in row) for row in grid)
    if layout == "pipe":
        # "| first cell", then every cell closed by a "|" line; a run of pipes pads merged positions
        lines = []
        for row in grid:
            own = [cell[0] for cell in row if cell]
            if not own:
                continue
            lines += [f"| {own[0]}", "|"]
            for text in own[1:]:
                lines += [text or "—", "|"]  # an empty line would end the table
            hidden = sum(1 for cell in row if cell is None)
            if hidden:
                lines.append("|" * hidden)
        return "\n".join(lines)
    # one cell per line, rows separated by blank lines; merged positions are not printed
    return "\n\n".join("\n".join("\t" + cell[0] for cell in row if cell) for row in grid)


def render_text(planned: Planned, rng: random.Random) -> tuple[bytes, str]:
    text = report_text(planned, rng)
    numbers = text.numbers
    parts = [text.title, "", "一、总体情况", *text.overview, "", "二、主动公开政府信息情况", ""]
    parts.append(_grid_text(generate._active_grid(numbers), planned.layout))
    parts += ["", "三、收到和处理政府信息公开申请情况", ""]
    parts.append(_grid_text(generate._applications_grid(numbers, text.misspell), planned.layout))
    parts += ["", "四、政府信息公开行政复议、行政诉讼情况", ""]
    parts.append(_grid_text(generate._review_grid(numbers), planned.layout))
    parts += [
        "",
        "五、存在的主要问题及改进情况",
        *text.problems,
        "",
        "六、其他需要报告的事项",
        text.other,
        text.contact,
        text.agency,
        generate._cn_date(text.signature_date),
        "",
    ]
    if planned.index % 4 == 1:
        return "\r\n".join(parts).encode("gb18030"), "text/plain"
    return "\n".join(parts).encode("utf-8"), "text/plain; charset=utf-8"


# --------------------------------------------------------------------------- PDF / DOCX pool


def _pool_plans(size: int, seed: int, portal_codes, portals, counties) -> list[Planned]:
    plans, index = [], 0
    while len(plans) < size:
        planned = plan_report(10_000_000 + index, seed, portal_codes, portals, counties)
        index += 1
        if planned.template != "unstructured":
            plans.append(planned)
    return plans


def build_pool(size: int, seed: int, portal_codes, portals, counties, *, log=print) -> list[tuple[int, bytes, bytes]]:
    """``size`` distinct (year, docx, pdf) reports; PDFs come from LibreOffice once and are cached."""
    check_fonts()
    docxs, typeset, years = [], [], []
    for planned in _pool_plans(size, seed, portal_codes, portals, counties):
        years.append(planned.year)
        rng = random.Random(f"{seed}:pool:{planned.index}")
        docx = generate.report_docx(report_text(planned, rng))
        docxs.append(docx)
        fonts = _weighted(random.Random(f"{seed}:font:{planned.index}"), PDF_FONTS)
        typeset.append(with_east_asian_fonts(docx, *fonts))
    pdfs: list[bytes] = []
    started = time.monotonic()
    batch = 40  # one soffice run per batch keeps each run well inside docx_to_pdf's timeout
    for first in range(0, len(typeset), batch):
        chunk = {str(i): d for i, d in enumerate(typeset[first : first + batch], start=first)}
        converted = generate.docx_to_pdf(chunk)
        pdfs += [converted[str(i)] for i in range(first, first + len(chunk))]
        if time.monotonic() - started > 5:
            log(f"  PDF pool: {len(pdfs)}/{len(docxs)} rendered or cached")
    return list(zip(years, docxs, pdfs, strict=True))


def check_fonts() -> None:
    """Fail before rendering if a font of :data:`PDF_FONTS` is missing: LibreOffice would silently
    set the text in another font, and the corpus would measure something else."""
    if shutil.which("fc-list") is None:
        raise SystemExit("synth: fc-list (fontconfig) is needed to check the PDF pool's fonts")
    installed = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True, check=True).stdout
    families = {name.strip() for line in installed.splitlines() for name in line.split(",")}
    missing = sorted({font for pair in PDF_FONTS for font in pair} - families)
    if missing:
        packages = " ".join(sorted({FONT_PACKAGES[font] for font in missing}))
        raise SystemExit(f"synth: the PDF pool needs the fonts {', '.join(missing)} (Debian: apt install {packages})")


_THEME_FONT = re.compile(rb'w:eastAsiaTheme="(minor|major)EastAsia"')


def with_east_asian_fonts(docx: bytes, body: str, heading: str) -> bytes:
    """The DOCX with its styles' Chinese text set in ``body`` and ``heading`` instead of the theme's fonts."""
    fonts = {b"minor": html.escape(body).encode(), b"major": html.escape(heading).encode()}
    source = zipfile.ZipFile(io.BytesIO(docx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "word/styles.xml":
                data = _THEME_FONT.sub(lambda m: b'w:eastAsia="' + fonts[m[1]] + b'"', data)
            target.writestr(info, data)
    return out.getvalue()


def _pdf_string(text: str) -> str:
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"


_TRAILER = re.compile(rb"trailer\s*<<(.*?)>>\s*startxref\s*(\d+)\s*%%EOF\s*$", re.S)


def restamp_pdf(pdf: bytes, planned: Planned) -> bytes:
    """A PDF incremental update giving the copy its own Info dictionary (title, author, dates)."""
    match = _TRAILER.search(pdf[-4096:])
    if match is None:
        return pdf + f"\n%xxgknb-synth {planned.index}\n".encode()
    trailer, prev = match[1], int(match[2])
    size = int(re.search(rb"/Size\s+(\d+)", trailer)[1])
    root = re.search(rb"/Root\s+(\d+\s+\d+\s+R)", trailer)[1].decode()
    stamp = planned.published.strftime("D:%Y%m%d093000+08'00'")
    body = bytearray(pdf if pdf.endswith(b"\n") else pdf + b"\n")
    offset = len(body)
    body += (
        f"{size} 0 obj\n<</Title {_pdf_string(planned.title)} /Author {_pdf_string(planned.agency)} "
        f"/CreationDate ({stamp}) /ModDate ({stamp}) /Producer (LibreOffice)>>\nendobj\n"
    ).encode()
    xref = len(body)
    body += f"xref\n0 1\n0000000000 65535 f \n{size} 1\n{offset:010d} 00000 n \n".encode()
    trailer = f"<</Size {size + 1} /Root {root} /Info {size} 0 R /Prev {prev}>>"
    body += f"trailer\n{trailer}\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(body)


_CORE = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    "<dc:title>{title}</dc:title><dc:creator>{agency}</dc:creator>"
    '<dcterms:created xsi:type="dcterms:W3CDTF">{when}</dcterms:created>'
    '<dcterms:modified xsi:type="dcterms:W3CDTF">{when}</dcterms:modified></cp:coreProperties>'
)


def restamp_docx(docx: bytes, planned: Planned) -> bytes:
    """The DOCX with its own ``docProps/core.xml`` (the other parts are copied compressed as they are)."""
    source = zipfile.ZipFile(io.BytesIO(docx))
    out = io.BytesIO()
    core = _CORE.format(
        title=html.escape(planned.title),
        agency=html.escape(planned.agency),
        when=f"{planned.published.isoformat()}T09:30:00Z",
    )
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename == "docProps/core.xml":
                target.writestr(info, core.encode("utf-8"))
            else:
                # pass the compressed bytes through: re-deflating every part would dominate the run
                target.writestr(info, source.read(info.filename))
    return out.getvalue()


# --------------------------------------------------------------------------- WARC


def _list_page(portal: Region, host: str, page: int, items: list[Planned], pages: int) -> bytes:
    links = "\n".join(
        f'<li><a href="{p.url}">{html.escape(p.title)}</a><span>{p.published}</span></li>' for p in items
    )
    pager = f'<script>createPageHTML({pages}, {page}, "index", "html");</script>'
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="ColumnName" content="政府信息公开年报">'
        f"<title>政府信息公开年报_{html.escape(portal.name)}</title></head><body>"
        f'<ul class="list">{links}</ul>{pager}</body></html>'
    ).encode()


def _request_headers(host: str) -> list[tuple[str, str]]:
    return [
        ("Host", host),
        ("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
        ("Accept-Language", "zh-CN,zh;q=0.9"),
        (
            "User-Agent",
            "xxgknb/0.1 (open corpus of 政府信息公开工作年度报告; +https://github.com/xxgknb/xxgknb#crawler)",
        ),
        ("Accept-Encoding", "gzip, deflate"),
    ]


def _fetched_at(seconds: int) -> str:
    return (dt.datetime(2025, 3, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class PortalJob:
    portal: str
    indexes: range
    seed: int
    out: str


_POOL: list[tuple[int, bytes, bytes]] = []
#: year -> the pool's entries of that year: a copy's statistics must be of the year its title says,
#: or every copy would break consistency rule 5 and the corpus would measure noise.
_POOL_BY_YEAR: dict[int, list[tuple[int, bytes, bytes]]] = {}
_REGIONS: tuple = ()


def _init_worker(pool, regions) -> None:
    global _POOL, _POOL_BY_YEAR, _REGIONS
    _POOL, _REGIONS = pool, regions
    _POOL_BY_YEAR = {}
    for entry in pool:
        _POOL_BY_YEAR.setdefault(entry[0], []).append(entry)


def _pool_copy(planned: Planned) -> tuple[bytes, bytes]:
    """(docx, pdf) of a pool entry of the copy's year (any entry if the pool has none of it)."""
    entries = _POOL_BY_YEAR.get(planned.year) or _POOL
    _, docx, pdf = entries[planned.index % len(entries)]
    return docx, pdf


def write_portal(job: PortalJob) -> Counter:
    """One portal's WARC file: start page, list pages, every report, the end-of-crawl metadata."""
    portals, counties, portal_codes = _REGIONS
    portal = portals[job.portal]
    plans = [plan_report(i, job.seed, portal_codes, portals, counties) for i in job.indexes]
    host = f"www.gov{job.portal}.gov.cn"
    path = Path(job.out) / "warc" / f"synth-{job.portal}" / f"{CRAWL_ID}-{os.getpid()}-{job.portal}.warc.gz"
    writer = WarcWriter(
        path,
        info={
            "software": "xxgknb benchmarks/synth.py (records as spiders.portal writes them)",
            "format": "WARC File Format 1.1",
            "xxgknb-crawl": CRAWL_ID,
            "xxgknb-portal": {
                "id": f"synth-{job.portal}",
                "name": f"{portal.name}人民政府门户网站",
                "start_url": f"http://{host}/",
                "level": portal.level,
                "region_code": portal.code,
            },
        },
    )
    counts: Counter = Counter()
    clock = 0
    headers = _request_headers(host)

    def exchange(url, body, content_type, *, role, parent=None, link_text=None, extra_headers=()):
        nonlocal clock
        clock += 1
        at = _fetched_at(clock)
        response_headers = [
            ("Content-Type", content_type),
            ("Content-Length", str(len(body))),
            ("Last-Modified", "Sat, 01 Mar 2025 00:00:00 GMT"),
            *extra_headers,
        ]
        writer.write_exchange(
            url=url,
            status=200,
            reason="OK",
            response_headers=response_headers,
            body=body,
            method="GET",
            request_headers=headers,
            request_body=b"",
            fetched_at=at,
            extra={
                "Portal": f"synth-{job.portal}",
                "Crawl": CRAWL_ID,
                "Role": role,
                "Parent": parent,
                "Link-Text": link_text,
                "Method": "GET",
            },
        )

    start_url = f"http://{host}/"
    column_url = f"http://{host}/zfxxgk/zfxxgknb/index.html"
    exchange(
        start_url,
        f'<html><head><meta charset="utf-8"><title>{portal.name}人民政府</title></head><body>'
        f'<a href="{column_url}">政府信息公开年报</a></body></html>'.encode(),
        "text/html; charset=utf-8",
        role="start",
    )
    per_page = 20
    pages = max(1, -(-len(plans) // per_page))
    for page in range(pages):
        chunk = plans[page * per_page : (page + 1) * per_page]
        list_url = column_url if page == 0 else f"http://{host}/zfxxgk/zfxxgknb/index_{page}.html"
        exchange(
            list_url,
            _list_page(portal, host, page, chunk, pages),
            "text/html; charset=utf-8",
            role="list",
            parent=start_url if page == 0 else column_url,
            link_text="政府信息公开年报" if page == 0 else None,
        )
        for planned in chunk:
            rng = random.Random(f"{job.seed}:{planned.index}:body")
            extra: tuple = ()
            if planned.fmt == "html":
                body, content_type = render_html(planned, rng)
            elif planned.fmt == "text":
                body, content_type = render_text(planned, rng)
            else:
                docx, pdf = _pool_copy(planned)
                body = restamp_pdf(pdf, planned) if planned.fmt == "pdf" else restamp_docx(docx, planned)
                content_type = CONTENT_TYPES[planned.fmt]
                if "downfile.jsp" in planned.url:
                    content_type = "application/octet-stream"
                    name = f"{planned.title}.{planned.fmt}"
                    extra = (("Content-Disposition", f"attachment; filename*=UTF-8''{_quote(name)}"),)
            exchange(
                planned.url,
                body,
                content_type,
                role="item",
                parent=list_url,
                link_text=planned.title,
                extra_headers=extra,
            )
            counts[f"{planned.fmt}/{planned.layout}"] += 1
            counts["bytes"] += len(body)
    writer.write_metadata(
        f"urn:xxgknb:crawl:{CRAWL_ID}:synth-{job.portal}",
        {
            "crawl_id": CRAWL_ID,
            "portal": {"id": f"synth-{job.portal}"},
            "finish_reason": "finished",
            "complete": True,
            "listed": sorted(p.url for p in plans),
            "gone": [],
            "counts": {"reports_found": len(plans)},
            "blocked_hosts": {},
        },
        fetched_at=_fetched_at(clock + 1),
    )
    writer.close()
    return counts


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


def generate_corpus(
    out: Path, size: int, *, seed: int = 1, pdf_pool: int = 200, jobs: int | None = None, log=print
) -> dict:
    """Write ``size`` synthetic reports into ``out/warc``; returns a summary (also ``out/synth.json``)."""
    started = time.monotonic()
    portals, counties = load_regions()
    portal_codes = sorted(portals)
    pool_size = max(4, min(pdf_pool, size // 20))
    log(f"synth: {size} reports over {min(size, len(portal_codes))} portals; PDF/DOCX pool of {pool_size}")
    pool = build_pool(pool_size, seed, portal_codes, portals, counties, log=log)
    pool_seconds = time.monotonic() - started
    used = portal_codes[: min(size, len(portal_codes))]
    n = len(portal_codes)
    job_list = [PortalJob(code, range(i, size, n), seed, str(out)) for i, code in enumerate(used)]
    totals: Counter = Counter()
    workers = jobs or len(os.sched_getaffinity(0))
    context = multiprocessing.get_context("fork")
    with context.Pool(workers, initializer=_init_worker, initargs=(pool, (portals, counties, portal_codes))) as procs:
        for done, counts in enumerate(procs.imap_unordered(write_portal, job_list, chunksize=1), start=1):
            totals.update(counts)
            if done % 50 == 0:
                log(f"  {done}/{len(job_list)} portals written")
    summary = {
        "size": size,
        "seed": seed,
        "portals": len(job_list),
        "pdf_pool": pool_size,
        "layouts": {k: v for k, v in sorted(totals.items()) if k != "bytes"},
        "payload_bytes": totals["bytes"],
        "warc_bytes": sum(p.stat().st_size for p in (out / "warc").rglob("*.warc.gz")),
        "seconds": round(time.monotonic() - started, 1),
        "pool_seconds": round(pool_seconds, 1),
    }
    (out / "synth.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    return summary


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=2000, help="number of reports")
    parser.add_argument("--out", type=Path, required=True, help="data directory to create (warc/ goes inside)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pdf-pool", type=int, default=200, help="distinct PDF/DOCX reports rendered by LibreOffice")
    parser.add_argument("--jobs", "-j", type=int, default=None)
    args = parser.parse_args(argv)
    if (args.out / "warc").exists() and any((args.out / "warc").iterdir()):
        parser.error(f"{args.out}/warc already holds WARC files; choose an empty --out")
    args.out.mkdir(parents=True, exist_ok=True)
    summary = generate_corpus(args.out, args.size, seed=args.seed, pdf_pool=args.pdf_pool, jobs=args.jobs)
    print(json.dumps(summary, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
