"""The sites of the sample portal: who they are, which CMS they imitate, what they publish.

Sites are data.  Each one imitates one archetype of ``shared/portals/archetypes.md``:

========== ========= ===================================================================
id         archetype what it imitates
========== ========= ===================================================================
trs-city   A         classic TRS tree: ``index_N.html`` + ``createPageHTML(total, cur, "index", "html")``
trs-chan   A         channel-id family: ``c{id}/name_N.shtml`` + 1-based ``createPageHTML('page_div', …)``
hanweb     B         Hanweb JCMS: records in ``<script type="text/xml">`` + ``dataproxy.jsp`` POST paging
gkmlpt     C         Guangdong gkmlpt: Vue shell + ``/gkmlpt/api/all/<classify>?page=N&sid=`` JSON
vsb        E         VSB/博达 ``list.jsp?…&PAGENUM=N``, GBK without a charset header
handmade   F         hand-built page, reports only as PDF/DOCX attachments behind opaque URLs
========== ========= ===================================================================

``faults.py`` adds the fault-injection site ``faults`` and the WAF sites ``waf-*`` (``faults=True``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Planned:
    """One report a site publishes.  ``fmt`` is how the report's tables are delivered."""

    agency: str
    year: int
    template: str = ""
    fmt: str = "html"
    title_pattern: int = 0
    inconsistency: str | None = None
    busy: bool = False
    level: str = ""
    misfiled: bool = False

    @property
    def effective_template(self) -> str:
        return self.template or ("2019" if self.year <= 2020 else "2021")


@dataclass(frozen=True)
class LookAlike:
    """An item that looks like an annual report but must not be taken as one."""

    kind: str
    title: str
    why: str
    year: int


@dataclass(frozen=True)
class SiteDef:
    id: str
    name: str
    archetype: str
    cms: str
    charset: str
    charset_header: bool
    level: str
    region_code: str
    province: str
    city: str | None
    county: str | None
    region: str
    per_page: int
    reports: tuple[Planned, ...]
    lookalikes: tuple[LookAlike, ...]


def _notice(year: int, region: str) -> LookAlike:
    return LookAlike(
        "notice",
        f"关于做好{year}年政府信息公开工作年度报告编制发布工作的通知",
        "policy notice about compiling the reports, not a report",
        year,
    )


def _interpretation(year: int, region: str) -> LookAlike:
    return LookAlike(
        "interpretation",
        f"{region}{year}年政府信息公开工作年度报告解读",
        "年报解读: an interpretation of a report, not the report",
        year,
    )


def _website_report(year: int, region: str) -> LookAlike:
    return LookAlike(
        "website_report",
        f"{region}人民政府门户网站{year}年政府网站工作年度报表",
        "政府网站工作年度报表: an adjacent annual series, not the 信息公开 report",
        year,
    )


def _final_accounts(year: int, region: str) -> LookAlike:
    return LookAlike(
        "final_accounts", f"{region}财政局{year}年度部门决算", "部门决算: a budget report, not a report", year
    )


def _repost(year: int, region: str) -> LookAlike:
    return LookAlike(
        "repost",
        f"转发：水利部{year}年政府信息公开工作年度报告",
        "re-post of a higher organ's report on another body's site (attribute to the issuer, dedupe)",
        year,
    )


SITES: tuple[SiteDef, ...] = (
    SiteDef(
        id="trs-city",
        name="平顶山市湛河区人民政府",
        archetype="A",
        cms="trs",
        charset="utf-8",
        charset_header=True,
        level="county",
        region_code="410411",
        province="河南省",
        city="平顶山市",
        county="湛河区",
        region="湛河区",
        per_page=5,
        reports=(
            Planned("湛河区人民政府办公室", 2023, busy=True),
            Planned("湛河区住房和城乡建设局", 2023, title_pattern=1),
            Planned("湛河区教育局", 2023, inconsistency="rule1"),
            Planned("湛河区北渡街道办事处", 2023, level="township"),
            Planned("湛河区人民政府", 2022, title_pattern=2, busy=True),
            Planned("湛河区住房和城乡建设局", 2022),
            Planned("湛河区发展和改革委员会", 2022, title_pattern=3),
            Planned("湛河区姚孟街道办事处", 2022, level="township"),
            Planned("湛河区人民政府办公室", 2021, busy=True),
            Planned("湛河区曹镇乡人民政府", 2021, level="township"),
            Planned("湛河区教育局", 2020),
            Planned("湛河区人民政府办公室", 2019),
            Planned("湛河区卫生健康委员会", 2023, misfiled=True),
        ),
        lookalikes=(_interpretation(2022, "湛河区"), _notice(2023, "湛河区")),
    ),
    SiteDef(
        id="trs-chan",
        name="绥化市人民政府",
        archetype="A",
        cms="trs-channel",
        charset="utf-8",
        charset_header=True,
        level="prefecture",
        region_code="231200",
        province="黑龙江省",
        city="绥化市",
        county=None,
        region="绥化市",
        per_page=3,
        reports=(
            Planned("绥化市人民政府办公室", 2024, busy=True),
            Planned("绥化市生态环境局", 2024, title_pattern=4),
            Planned("绥化市自然资源局", 2023, template="2019"),
            Planned("绥化市市场监督管理局", 2023, busy=True, inconsistency="rule4"),
            Planned("绥化市人民政府", 2022, title_pattern=2, busy=True),
            Planned("绥化市财政局", 2022),
            Planned("绥化市人民政府办公室", 2020),
            Planned("绥化市教育局", 2019, title_pattern=1),
        ),
        lookalikes=(_website_report(2023, "绥化市"),),
    ),
    SiteDef(
        id="hanweb",
        name="宁波市江北区人民政府",
        archetype="B",
        cms="hanweb",
        charset="utf-8",
        charset_header=True,
        level="county",
        region_code="330205",
        province="浙江省",
        city="宁波市",
        county="江北区",
        region="江北区",
        per_page=3,
        reports=(
            Planned("江北区人民政府办公室", 2023, busy=True),
            Planned("江北区甬江街道办事处", 2023, level="township", title_pattern=1),
            Planned("江北区慈城镇人民政府", 2023, level="township"),
            Planned("江北区发展和改革局", 2023, inconsistency="rule2"),
            Planned("江北区人民政府办公室", 2022, busy=True),
            Planned("江北区庄桥街道办事处", 2022, level="township"),
            Planned("江北区民政局", 2022, title_pattern=3),
            Planned("江北区卫生健康局", 2021),
            Planned("江北区人民政府办公室", 2020),
            Planned("江北区司法局", 2019),
        ),
        lookalikes=(_notice(2023, "江北区"), _repost(2022, "江北区")),
    ),
    SiteDef(
        id="gkmlpt",
        name="韶关市浈江区人民政府",
        archetype="C",
        cms="gkmlpt",
        charset="utf-8",
        charset_header=True,
        level="county",
        region_code="440204",
        province="广东省",
        city="韶关市",
        county="浈江区",
        region="浈江区",
        per_page=4,
        reports=(
            Planned("韶关市浈江区人民政府办公室", 2023, busy=True),
            Planned("韶关市浈江区教育局", 2023, fmt="pdf"),
            Planned("韶关市浈江区东河街道办事处", 2023, level="township"),
            Planned("韶关市浈江区人民政府办公室", 2022, title_pattern=1),
            Planned("韶关市浈江区住房和城乡建设管理局", 2022, inconsistency="rule3"),
            Planned("韶关市浈江区农业农村局", 2021, title_pattern=3),
            Planned("韶关市浈江区人民政府办公室", 2020),
            Planned("韶关市浈江区犁市镇人民政府", 2019, level="township"),
        ),
        lookalikes=(_website_report(2022, "浈江区"),),
    ),
    SiteDef(
        id="vsb",
        name="临沂市兰山区人民政府",
        archetype="E",
        cms="vsb",
        charset="gbk",
        charset_header=False,
        level="county",
        region_code="371302",
        province="山东省",
        city="临沂市",
        county="兰山区",
        region="兰山区",
        per_page=4,
        reports=(
            Planned("兰山区人民政府办公室", 2023, busy=True),
            Planned("兰山区交通运输局", 2023, title_pattern=1),
            Planned("兰山区金雀山街道办事处", 2022, level="township"),
            Planned("兰山区人力资源和社会保障局", 2022),
            Planned("兰山区人民政府办公室", 2021),
            Planned("兰山区城市管理局", 2020),
        ),
        lookalikes=(_final_accounts(2022, "兰山区"),),
    ),
    SiteDef(
        id="handmade",
        name="北京市东城区人民政府",
        archetype="F",
        cms="handmade",
        charset="utf-8",
        charset_header=True,
        level="county",
        region_code="110101",
        province="北京市",
        city=None,
        county="东城区",
        region="东城区",
        per_page=0,
        reports=(
            Planned("北京市东城区人民政府", 2023, fmt="pdf", title_pattern=2, busy=True),
            Planned("北京市东城区发展和改革委员会", 2023, fmt="docx"),
            Planned("北京市东城区东华门街道办事处", 2023, fmt="pdf", level="township"),
            Planned("北京市东城区教育委员会", 2022, fmt="docx", title_pattern=1),
            Planned("北京市东城区人民政府", 2022, fmt="pdf", title_pattern=2),
            Planned("北京市东城区商务局", 2022, fmt="pdf-page"),
            Planned("北京市东城区民政局", 2021),
        ),
        lookalikes=(_interpretation(2023, "东城区"),),
    ),
)


def title_for(planned: Planned, region: str) -> str:
    """The title as printed, following the variants of archetypes.md §3.1."""
    agency, year = planned.agency, planned.year
    return (
        f"{agency}{year}年政府信息公开工作年度报告",
        f"{agency}{year}年度政府信息公开工作年度报告",
        f"{year}年{agency.removesuffix('人民政府')}政府信息公开工作年度报告",
        f"{agency}{year}年政府信息公开年度报告",
        f"{agency}{year}年政府信息公开工作报告",
    )[planned.title_pattern]
