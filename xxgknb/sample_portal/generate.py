"""Deterministic annual reports for the sample portal: numbers, HTML, DOCX and PDF.

Every report is drawn from ``random.Random(f"{seed}:{key}")`` so the same seed gives the
same numbers and the same bytes.  The numbers are the *expected* canonical values of
``shared/spec/report-schema.md``; the renderers print them the way real reports do (rowspan /
colspan tables of the 2019 and 2021 formats, blank cells, misspelt labels, Word-pasted markup),
so a parser that reads them back must arrive at exactly these values.
"""

from __future__ import annotations

import dataclasses
import hashlib
import html
import io
import json
import os
import random
import shutil
import subprocess
import tempfile
import threading
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from parsers.model import APPLICANT_COLUMNS, OUTCOME_COLUMNS, PROCEEDINGS

#: (item, category, label, metrics) of section 二; metrics are (key, printed header).
ACTIVE_2021 = (
    (
        "20.1",
        "regulations",
        "规章",
        (("issued", "本年制发件数"), ("repealed", "本年废止件数"), ("in_force", "现行有效件数")),
    ),
    (
        "20.1",
        "normative_documents",
        "行政规范性文件",
        (("issued", "本年制发件数"), ("repealed", "本年废止件数"), ("in_force", "现行有效件数")),
    ),
    ("20.5", "licensing", "行政许可", (("decisions", "本年处理决定数量"),)),
    ("20.6", "penalty", "行政处罚", (("decisions", "本年处理决定数量"),)),
    ("20.6", "coercion", "行政强制", (("decisions", "本年处理决定数量"),)),
    ("20.8", "admin_fees", "行政事业性收费", (("amount", "本年收费金额（单位：万元）"),)),
)
_PREV3 = (("previous_year_items", "上一年项目数量"), ("change", "本年增/减"), ("decisions", "处理决定数量"))
ACTIVE_2019 = (
    (
        "20.1",
        "regulations",
        "规章",
        (
            ("newly_made", "本年新制作数量"),
            ("newly_published", "本年新公开数量"),
            ("total_published", "对外公开总数量"),
        ),
    ),
    (
        "20.1",
        "normative_documents",
        "规范性文件",
        (
            ("newly_made", "本年新制作数量"),
            ("newly_published", "本年新公开数量"),
            ("total_published", "对外公开总数量"),
        ),
    ),
    ("20.5", "licensing", "行政许可", _PREV3),
    ("20.5", "other_admin_services", "其他对外管理服务事项", _PREV3),
    ("20.6", "penalty", "行政处罚", _PREV3),
    ("20.6", "coercion", "行政强制", _PREV3),
    ("20.8", "admin_fees", "行政事业性收费", (("previous_year_items", "上一年项目数量"), ("change", "本年增/减"))),
    ("20.9", "centralized_procurement", "政府集中采购", (("items", "采购项目数量"), ("amount", "采购总金额"))),
)
ITEM_HEADINGS = {
    "20.1": "第二十条第（一）项",
    "20.5": "第二十条第（五）项",
    "20.6": "第二十条第（六）项",
    "20.8": "第二十条第（八）项",
    "20.9": "第二十条第（九）项",
}

#: Result rows of section 三: (row_key, group label or None, label).  Misspelt variants real
#: reports print are listed in LABEL_VARIANTS and picked per report.
RESULT_ROWS_COMMON = (
    ("granted", None, "（一）予以公开"),
    ("partially_granted", None, "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
    ("denied_state_secret", "（三）不予公开", "1.属于国家秘密"),
    ("denied_prohibited_by_law", "（三）不予公开", "2.其他法律行政法规禁止公开"),
    ("denied_security_stability", "（三）不予公开", "3.危及“三安全一稳定”"),
    ("denied_third_party_rights", "（三）不予公开", "4.保护第三方合法权益"),
    ("denied_internal_affairs", "（三）不予公开", "5.属于三类内部事务信息"),
    ("denied_process_information", "（三）不予公开", "6.属于四类过程性信息"),
    ("denied_enforcement_files", "（三）不予公开", "7.属于行政执法案卷"),
    ("denied_administrative_query", "（三）不予公开", "8.属于行政查询事项"),
    ("unavailable_not_held", "（四）无法提供", "1.本机关不掌握相关政府信息"),
    ("unavailable_needs_creation", "（四）无法提供", "2.没有现成信息需要另行制作"),
    ("unavailable_unclear", "（四）无法提供", "3.补正后申请内容仍不明确"),
    ("rejected_petition_complaint", "（五）不予处理", "1.信访举报投诉类申请"),
    ("rejected_duplicate", "（五）不予处理", "2.重复申请"),
    ("rejected_publication", "（五）不予处理", "3.要求提供公开出版物"),
    ("rejected_excessive", "（五）不予处理", "4.无正当理由大量反复申请"),
    ("rejected_confirmation", "（五）不予处理", "5.要求行政机关确认或重新出具已获取信息"),
)
OTHER_ROWS_2021 = (
    (
        "other_no_correction",
        "（六）其他处理",
        "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    ),
    (
        "other_unpaid_fee",
        "（六）其他处理",
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    ),
    ("other_other", "（六）其他处理", "3.其他"),
)
OTHER_ROWS_2019 = (("other", None, "（六）其他处理"),)
LABEL_VARIANTS = {
    "3.危及“三安全一稳定”": "3.危机“三安全一稳定”",
    "1.本机关不掌握相关政府信息": "1.本机不掌握相关政府信息",
    "7.属于行政执法案卷": "7.属于行政法案卷",
    "二、上年结转政府信息公开申请数量": "二、上年结转政府信息公开数量",
}


def result_rows(template: str) -> tuple[tuple[str, str | None, str], ...]:
    return RESULT_ROWS_COMMON + (OTHER_ROWS_2021 if template == "2021" else OTHER_ROWS_2019)


def application_row_keys(template: str) -> list[str]:
    return [
        "new_received",
        "carried_over",
        *(key for key, _, _ in result_rows(template)),
        "total_processed",
        "carried_forward",
    ]


@dataclass
class Numbers:
    """The expected canonical values of one report.

    ``active_disclosure`` is a list of cells; ``applications`` maps row_key -> column -> value;
    ``review_litigation`` maps proceeding -> column -> value.  ``None`` is a blank cell.
    ``raw`` maps ``"applications.<row>.<col>"`` / ``"review_litigation.<p>.<col>"`` to the text
    printed when it is not simply the number (a blank is printed as ``""`` or ``"—"``).
    """

    template: str
    active_disclosure: list[dict]
    applications: dict[str, dict[str, float | None]]
    review_litigation: dict[str, dict[str, float | None]]
    raw: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "active_disclosure": [dict(cell) for cell in self.active_disclosure],
            "applications": {k: dict(v) for k, v in self.applications.items()},
            "review_litigation": {k: dict(v) for k, v in self.review_litigation.items()},
        }


def _fmt_number(value: float | None) -> str:
    if value is None:
        return ""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:g}"


def generate_numbers(rng: random.Random, template: str, *, busy: bool, inconsistency: str | None = None) -> Numbers:
    """Draw a report's numbers.  ``busy`` units get many applications; ``inconsistency`` is one of
    ``rule1``/``rule2``/``rule3``/``rule4`` to break that rule on purpose."""
    raw: dict[str, str] = {}
    active: list[dict] = []
    layout = ACTIVE_2021 if template == "2021" else ACTIVE_2019
    for item, category, _label, metrics in layout:
        for metric, _header in metrics:
            value: float | None
            if metric == "amount" and category == "admin_fees":
                value = round(rng.choice([0, 0, rng.randint(1, 99999) / 10000]), 4)
                text = f"{value:.4f}"
            elif metric == "amount":
                value = float(rng.choice([0, rng.randint(5, 900)]))
                text = _fmt_number(value)
            elif metric == "change":
                value = float(rng.choice([0, 0, rng.randint(-3, 4)]))
                text = _fmt_number(value)
            elif metric in ("in_force", "total_published", "previous_year_items"):
                value = float(rng.randint(0, 60) if busy else rng.randint(0, 9))
                text = _fmt_number(value)
            elif category in ("penalty", "licensing") and busy:
                value = float(rng.randint(0, 400))
                text = _fmt_number(value)
            else:
                value = float(rng.choice([0, 0, 0, rng.randint(1, 12)]))
                text = _fmt_number(value)
            if rng.random() < 0.06:
                value, text = None, rng.choice(["", "—", "/"])
            active.append({"item": item, "category": category, "metric": metric, "value": value, "raw": text})

    keys = application_row_keys(template)
    results = [key for key, _, _ in result_rows(template)]
    six = APPLICANT_COLUMNS[:6]
    apps: dict[str, dict[str, float | None]] = {key: {} for key in keys}
    blank_columns = {c for c in six[1:] if rng.random() < 0.15}
    scale = [40, 8, 1, 2, 2, 3] if busy else [6, 2, 0, 0, 1, 1]
    for col, top in zip(six, scale, strict=True):
        new = rng.randint(0, top) if col not in blank_columns else 0
        carried = rng.randint(0, max(1, top // 6)) if new and col not in blank_columns else 0
        forward = rng.randint(0, min(new + carried, max(1, top // 8))) if new + carried else 0
        remaining = new + carried - forward
        counts = dict.fromkeys(results, 0)
        weights = [30, 6, 1, 1, 1, 2, 1, 1, 1, 1, 12, 3, 2, 3, 1, 1, 1, 1] + [1] * (len(results) - 18)
        for _ in range(remaining):
            counts[rng.choices(results, weights=weights)[0]] += 1
        column = {"new_received": new, "carried_over": carried, **counts}
        column["total_processed"] = remaining
        column["carried_forward"] = forward
        for key in keys:
            apps[key][col] = float(column[key])
    for key in keys:
        apps[key]["total"] = float(sum(apps[key][c] or 0 for c in six))
    # Units with nothing in a column often leave it blank rather than printing 0.
    for col in blank_columns:
        for key in keys:
            apps[key][col] = None
            raw[f"applications.{key}.{col}"] = ""

    review: dict[str, dict[str, float | None]] = {}
    for proceeding in PROCEEDINGS:
        outcome = [rng.choice([0, 0, 0, rng.randint(0, 3 if busy else 1)]) for _ in range(4)]
        review[proceeding] = {c: float(v) for c, v in zip(OUTCOME_COLUMNS[:4], outcome, strict=True)}
        review[proceeding]["total"] = float(sum(outcome))

    if inconsistency == "rule1":
        row = apps["granted"]
        row["total"] = (row["total"] or 0) + 1
    elif inconsistency == "rule2":
        apps["carried_forward"]["natural_person"] = (apps["carried_forward"]["natural_person"] or 0) + 2
        apps["carried_forward"]["total"] = (apps["carried_forward"]["total"] or 0) + 2
    elif inconsistency == "rule3":
        # One more 予以公开 than the (七)总计 row accounts for.
        apps["granted"]["natural_person"] = (apps["granted"]["natural_person"] or 0) + 1
        apps["granted"]["total"] = (apps["granted"]["total"] or 0) + 1
    elif inconsistency == "rule4":
        review["administrative_review"]["total"] = (review["administrative_review"]["total"] or 0) + 1
    return Numbers(template, active, apps, review, raw)


def check_rules(numbers: Numbers) -> list[dict]:
    """The consistency rules 1–4 of the spec, applied to the expected numbers (blank = 0)."""

    def v(x: float | None) -> float:
        return x or 0.0

    issues: list[dict] = []
    apps = numbers.applications
    six = APPLICANT_COLUMNS[:6]
    for key, row in apps.items():
        expected = sum(v(row[c]) for c in six)
        if expected != v(row["total"]):
            issues.append({"rule": 1, "where": f"applications.{key}", "expected": expected, "actual": v(row["total"])})
    results = [key for key, _, _ in result_rows(numbers.template)]
    for col in APPLICANT_COLUMNS:
        left = v(apps["new_received"][col]) + v(apps["carried_over"][col])
        right = v(apps["total_processed"][col]) + v(apps["carried_forward"][col])
        if left != right:
            issues.append({"rule": 2, "where": f"applications.{col}", "expected": left, "actual": right})
        summed = sum(v(apps[key][col]) for key in results)
        if summed != v(apps["total_processed"][col]):
            issues.append(
                {
                    "rule": 3,
                    "where": f"applications.total_processed.{col}",
                    "expected": summed,
                    "actual": v(apps["total_processed"][col]),
                }
            )
    for proceeding, row in numbers.review_litigation.items():
        expected = sum(v(row[c]) for c in OUTCOME_COLUMNS[:4])
        if expected != v(row["total"]):
            issues.append(
                {
                    "rule": 4,
                    "where": f"review_litigation.{proceeding}",
                    "expected": expected,
                    "actual": v(row["total"]),
                }
            )
    return issues


# --------------------------------------------------------------------------- prose

OVERVIEW = (
    "{year}年，{agency}认真贯彻落实《中华人民共和国政府信息公开条例》（以下简称《条例》）和上级有关会议和文件精神，"
    "积极采取措施，以多种形式开展信息公开工作，较好地满足了社会公众了解政府信息的需求。",
    "（一）主动公开。{year}年，{agency}围绕优化营商环境、乡村振兴、民生保障等重点领域，通过政府网站主动公开政府信息{published}条，"
    "其中机构职能{a}条，规范性文件{b}条，工作动态{c}条。",
    "（二）依申请公开。{year}年，共收到政府信息公开申请{received}件，上年结转{carried}件，均在法定期限内答复。",
    "（三）政府信息管理。落实政务公开保密审查制度，严格执行“涉密不上网、上网不涉密”“谁上网谁负责”的原则，"
    "完善上网信息的采编、报送、审核等工作流程，实行分级管理和严格把关。",
    "（四）平台建设。充分利用政府网站信息公开专栏及时发布信息，安排专人负责网站的日常维护、内容更新和信息审核，"
    "在便民服务中心设置政务公开栏，切实做到公开、便民。",
    "（五）监督保障。成立以主要负责同志为组长的政务公开工作领导小组，将政务公开工作纳入年度目标考核，定期研究部署，"
    "积极参加政务公开业务培训，不断提升工作水平。",
)
PROBLEMS = (
    "{year}年，{agency}政务公开工作虽然取得了一定成效，但也存在一些问题：一是政策解读形式较为单一，多以文字为主；"
    "二是部分栏目信息更新不够及时；三是工作人员业务水平有待进一步提高。",
    "下一步，我们将强化意识、规范程序，进一步明确工作责任，加强检查督促；丰富政策解读形式，推动解读提质增效；"
    "加强业务培训，着力提升干部队伍的信息公开工作水平。",
)
OTHER_MATTERS = (
    "本年度未收取信息处理费。",
    "{agency}无其他需要报告的事项。",
    "依据《政府信息公开信息处理费管理办法》，本年度未收取信息处理费，无其他需要报告的事项。",
)


@dataclass
class ReportText:
    """Everything printed in a report, in reading order."""

    title: str
    agency: str
    year: int
    overview: list[str]
    problems: list[str]
    other: str
    signature_date: str
    numbers: Numbers
    misspell: bool
    contact: str


def build_text(
    rng: random.Random, *, title: str, agency: str, year: int, published: str, numbers: Numbers
) -> ReportText:
    apps = numbers.applications
    received = int(apps["new_received"]["total"] or 0)
    carried = int(apps["carried_over"]["total"] or 0)
    fill = {
        "year": year,
        "agency": agency,
        "published": rng.randint(20, 400),
        "a": rng.randint(1, 9),
        "b": rng.randint(0, 12),
        "c": rng.randint(10, 200),
        "received": received,
        "carried": carried,
    }
    overview = [OVERVIEW[0].format(**fill)]
    overview.append(f"本报告中所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。")
    overview += [p.format(**fill) for p in OVERVIEW[1:] if rng.random() < 0.85]
    return ReportText(
        title=title,
        agency=agency,
        year=year,
        overview=overview,
        problems=[p.format(**fill) for p in PROBLEMS],
        other=rng.choice(OTHER_MATTERS).format(**fill),
        signature_date=published,
        numbers=numbers,
        misspell=rng.random() < 0.3,
        contact=f"如对本报告有疑问，请与{agency}办公室联系"
        f"（电话：0{rng.randint(100, 999)}-{rng.randint(2000000, 8999999)}）。",
    )


# --------------------------------------------------------------------------- HTML tables


def _cell(text: str, *, rowspan: int = 1, colspan: int = 1, word: bool = False) -> str:
    attrs = ""
    if rowspan > 1:
        attrs += f' rowspan="{rowspan}"'
    if colspan > 1:
        attrs += f' colspan="{colspan}"'
    body = html.escape(text)
    if word:
        # Word-pasted tables wrap every cell in <p><span> with inline styles.
        body = (
            f'<p class="MsoNormal" style="text-align:center"><span style="font-family:仿宋_GB2312">{body}</span></p>'
        )
    return f"<td{attrs}>{body}</td>"


def _raw(numbers: Numbers, path: str, value: float | None) -> str:
    return numbers.raw.get(path, _fmt_number(value))


def active_table_html(numbers: Numbers, *, word: bool) -> str:
    layout = ACTIVE_2021 if numbers.template == "2021" else ACTIVE_2019
    cells = {(c["category"], c["metric"]): c["raw"] for c in numbers.active_disclosure}
    rows: list[str] = []
    width = 4
    current_item = None
    for item, category, label, metrics in layout:
        if item != current_item:
            current_item = item
            rows.append(_cell(ITEM_HEADINGS[item], colspan=width, word=word))
            header = [_cell("信息内容", word=word)]
            for index, (_metric, title) in enumerate(metrics):
                span = width - len(metrics) if index == len(metrics) - 1 else 1
                header.append(_cell(title, colspan=span, word=word))
            rows.append("".join(header))
        line = [_cell(label, word=word)]
        for index, (metric, _title) in enumerate(metrics):
            span = width - len(metrics) if index == len(metrics) - 1 else 1
            line.append(_cell(cells[(category, metric)], colspan=span, word=word))
        rows.append("".join(line))
    return _table(rows, word)


def _table(rows: list[str], word: bool) -> str:
    cls = ' class="MsoNormalTable"' if word else ""
    body = "\n".join(f"<tr>{row}</tr>" for row in rows)
    return f'<table{cls} border="1" cellspacing="0" cellpadding="0" width="100%">\n<tbody>\n{body}\n</tbody>\n</table>'


def _label(text: str, misspell: bool) -> str:
    return LABEL_VARIANTS.get(text, text) if misspell else text


def applications_table_html(numbers: Numbers, *, word: bool, misspell: bool) -> str:
    apps = numbers.applications

    def values(key: str) -> list[str]:
        return [_cell(_raw(numbers, f"applications.{key}.{c}", apps[key][c]), word=word) for c in APPLICANT_COLUMNS]

    rows = [
        _cell("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", rowspan=3, colspan=3, word=word)
        + _cell("申请人情况", colspan=7, word=word),
        _cell("自然人", rowspan=2, word=word)
        + _cell("法人或其他组织", colspan=5, word=word)
        + _cell("总计", rowspan=2, word=word),
        "".join(_cell(t, word=word) for t in ("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")),
        _cell("一、本年新收政府信息公开申请数量", colspan=3, word=word) + "".join(values("new_received")),
        _cell(_label("二、上年结转政府信息公开申请数量", misspell), colspan=3, word=word)
        + "".join(values("carried_over")),
    ]
    result = result_rows(numbers.template)
    groups: dict[str | None, int] = {}
    for _key, group, _text in result:
        if group:
            groups[group] = groups.get(group, 0) + 1
    seen_groups: set[str] = set()
    for index, (key, group, text) in enumerate(result):
        line = ""
        if index == 0:
            line += _cell("三、本年度办理结果", rowspan=len(result) + 1, word=word)
        if group is None:
            line += _cell(_label(text, misspell), colspan=2, word=word)
        else:
            if group not in seen_groups:
                seen_groups.add(group)
                line += _cell(group, rowspan=groups[group], word=word)
            line += _cell(_label(text, misspell), word=word)
        rows.append(line + "".join(values(key)))
    rows.append(_cell("（七）总计", colspan=2, word=word) + "".join(values("total_processed")))
    rows.append(_cell("四、结转下年度继续办理", colspan=3, word=word) + "".join(values("carried_forward")))
    return _table(rows, word)


def review_table_html(numbers: Numbers, *, word: bool) -> str:
    labels = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")
    rows = [
        _cell("行政复议", colspan=5, word=word) + _cell("行政诉讼", colspan=10, word=word),
        "".join(_cell(t, rowspan=2, word=word) for t in labels)
        + _cell("未经复议直接起诉", colspan=5, word=word)
        + _cell("复议后起诉", colspan=5, word=word),
        "".join(_cell(t, word=word) for t in labels * 2),
    ]
    data = ""
    for proceeding in PROCEEDINGS:
        row = numbers.review_litigation[proceeding]
        data += "".join(
            _cell(_raw(numbers, f"review_litigation.{proceeding}.{c}", row[c]), word=word) for c in OUTCOME_COLUMNS
        )
    rows.append(data)
    return _table(rows, word)


def report_body_html(text: ReportText, *, word: bool) -> str:
    """The report as an HTML fragment (what sits inside the CMS's content container)."""
    p = '<p style="text-indent:2em">{}</p>'.format
    h = "<p><strong>{}</strong></p>".format
    parts = [h("一、总体情况")]
    parts += [p(html.escape(x)) for x in text.overview]
    parts.append(h("二、主动公开政府信息情况"))
    parts.append(active_table_html(text.numbers, word=word))
    parts.append(h("三、收到和处理政府信息公开申请情况"))
    parts.append(applications_table_html(text.numbers, word=word, misspell=text.misspell))
    parts.append(h("四、政府信息公开行政复议、行政诉讼情况"))
    parts.append(review_table_html(text.numbers, word=word))
    parts.append(h("五、存在的主要问题及改进情况"))
    parts += [p(html.escape(x)) for x in text.problems]
    parts.append(h("六、其他需要报告的事项"))
    parts.append(p(html.escape(text.other)))
    parts.append(p(html.escape(text.contact)))
    parts.append(f'<p style="text-align:right">{html.escape(text.agency)}</p>')
    parts.append(f'<p style="text-align:right">{html.escape(_cn_date(text.signature_date))}</p>')
    return "\n".join(parts)


def _cn_date(iso: str) -> str:
    year, month, day = iso.split("-")
    return f"{int(year)}年{int(month)}月{int(day)}日"


# --------------------------------------------------------------------------- DOCX


#: Bump when report_docx changes what it writes, so cached files are not reused.
DOCX_LAYOUT_VERSION = 1


def report_docx(text: ReportText) -> bytes:
    """The report as a Word file with real tables (merged cells where the printed form merges them).

    python-docx stamps the current time into the core properties and the zip entries; both are
    pinned here so the same report always gives the same bytes.  Merging cells with python-docx
    takes about a second per report, so files are cached on disk, keyed by the report's text."""
    key = json.dumps([DOCX_LAYOUT_VERSION, dataclasses.asdict(text)], ensure_ascii=False, sort_keys=True)
    cached = cache_dir() / f"{hashlib.sha256(key.encode()).hexdigest()}.docx"
    if cached.exists():
        return cached.read_bytes()
    data = _build_docx(text)
    tmp = cached.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(data)
    tmp.replace(cached)
    return data


def _build_docx(text: ReportText) -> bytes:
    import datetime as dt

    from docx import Document
    from docx.shared import Pt

    document = Document()
    style = document.styles["Normal"]
    style.font.size = Pt(11)
    document.add_heading(text.title, level=1)
    for para in text.overview[:1]:
        document.add_paragraph(para)
    document.add_paragraph("一、总体情况")
    for para in text.overview[1:]:
        document.add_paragraph(para)
    document.add_paragraph("二、主动公开政府信息情况")
    _docx_grid(document, _active_grid(text.numbers))
    document.add_paragraph("三、收到和处理政府信息公开申请情况")
    _docx_grid(document, _applications_grid(text.numbers, text.misspell))
    document.add_paragraph("四、政府信息公开行政复议、行政诉讼情况")
    _docx_grid(document, _review_grid(text.numbers))
    document.add_paragraph("五、存在的主要问题及改进情况")
    for para in text.problems:
        document.add_paragraph(para)
    document.add_paragraph("六、其他需要报告的事项")
    document.add_paragraph(text.other)
    document.add_paragraph(text.contact)
    document.add_paragraph(text.agency)
    document.add_paragraph(_cn_date(text.signature_date))
    fixed = dt.datetime(text.year + 1, 1, 1, tzinfo=dt.UTC)
    props = document.core_properties
    props.created = props.modified = fixed
    props.last_modified_by = props.author = text.agency
    props.title = text.title
    buffer = io.BytesIO()
    document.save(buffer)
    return _normalise_zip(buffer.getvalue())


def _normalise_zip(data: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            pinned = zipfile.ZipInfo(info.filename, date_time=(2020, 1, 1, 0, 0, 0))
            pinned.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(pinned, source.read(info.filename))
    return out.getvalue()


# A grid is a list of rows; each cell is (text, rowspan, colspan) at its top-left position,
# with None where a merged cell covers the position.
GridSpec = list[list[tuple[str, int, int] | None]]


def _active_grid(numbers: Numbers) -> GridSpec:
    layout = ACTIVE_2021 if numbers.template == "2021" else ACTIVE_2019
    cells = {(c["category"], c["metric"]): c["raw"] for c in numbers.active_disclosure}
    grid: GridSpec = []
    current = None
    for item, category, label, metrics in layout:
        if item != current:
            current = item
            grid.append([(ITEM_HEADINGS[item], 1, 4), None, None, None])
            grid.append(_spread([("信息内容", 1)] + [(t, 1) for _, t in metrics]))
        grid.append(_spread([(label, 1)] + [(cells[(category, m)], 1) for m, _ in metrics]))
    return grid


def _spread(items: list[tuple[str, int]], width: int = 4) -> list[tuple[str, int, int] | None]:
    """Lay out a row of ``width`` columns, stretching the last cell over the remaining ones."""
    row: list[tuple[str, int, int] | None] = []
    for index, (text, _) in enumerate(items):
        span = width - len(items) + 1 if index == len(items) - 1 else 1
        row.append((text, 1, span))
        row += [None] * (span - 1)
    return row


def _applications_grid(numbers: Numbers, misspell: bool) -> GridSpec:
    apps = numbers.applications

    def values(key: str) -> list[tuple[str, int, int] | None]:
        return [(_raw(numbers, f"applications.{key}.{c}", apps[key][c]), 1, 1) for c in APPLICANT_COLUMNS]

    result = result_rows(numbers.template)
    grid: GridSpec = [
        [
            ("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", 3, 3),
            None,
            None,
            ("申请人情况", 1, 7),
        ]
        + [None] * 6,
        [None, None, None, ("自然人", 2, 1), ("法人或其他组织", 1, 5), None, None, None, None, ("总计", 2, 1)],
        [None, None, None, None]
        + [(t, 1, 1) for t in ("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")]
        + [None],
        [("一、本年新收政府信息公开申请数量", 1, 3), None, None, *values("new_received")],
        [(_label("二、上年结转政府信息公开申请数量", misspell), 1, 3), None, None, *values("carried_over")],
    ]
    group_sizes: dict[str, int] = {}
    for _key, group, _text in result:
        if group:
            group_sizes[group] = group_sizes.get(group, 0) + 1
    seen: set[str] = set()
    for index, (key, group, text) in enumerate(result):
        first: tuple[str, int, int] | None = ("三、本年度办理结果", len(result) + 1, 1) if index == 0 else None
        if group is None:
            row = [first, (_label(text, misspell), 1, 2), None]
        else:
            head = None
            if group not in seen:
                seen.add(group)
                head = (group, group_sizes[group], 1)
            row = [first, head, (_label(text, misspell), 1, 1)]
        grid.append(row + values(key))
    grid.append([None, ("（七）总计", 1, 2), None, *values("total_processed")])
    grid.append([("四、结转下年度继续办理", 1, 3), None, None, *values("carried_forward")])
    return grid


def _review_grid(numbers: Numbers) -> GridSpec:
    labels = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")
    grid: GridSpec = [
        [("行政复议", 1, 5), None, None, None, None, ("行政诉讼", 1, 10)] + [None] * 9,
        [(t, 2, 1) for t in labels] + [("未经复议直接起诉", 1, 5)] + [None] * 4 + [("复议后起诉", 1, 5)] + [None] * 4,
        [None] * 5 + [(t, 1, 1) for t in labels * 2],
    ]
    data: list[tuple[str, int, int] | None] = []
    for proceeding in PROCEEDINGS:
        row = numbers.review_litigation[proceeding]
        data += [(_raw(numbers, f"review_litigation.{proceeding}.{c}", row[c]), 1, 1) for c in OUTCOME_COLUMNS]
    grid.append(data)
    return grid


def _docx_grid(document, grid: GridSpec) -> None:
    width = len(grid[0])
    table = document.add_table(rows=len(grid), cols=width)
    table.style = "Table Grid"
    # table.cell() rescans the whole table on every call; take every cell once, before merging.
    cells = [cell for row in table.rows for cell in row.cells]
    for r, row in enumerate(grid):
        for c, spec in enumerate(row):
            if spec is not None:
                cells[r * width + c].text = spec[0]
    for r, row in enumerate(grid):
        for c, spec in enumerate(row):
            if spec is not None and (spec[1] > 1 or spec[2] > 1):
                cells[r * width + c].merge(cells[(r + spec[1] - 1) * width + c + spec[2] - 1])


# --------------------------------------------------------------------------- PDF

_SOFFICE_LOCK = threading.Lock()


def cache_dir() -> Path:
    """Where generated binaries are cached (``XXGKNB_SAMPLE_CACHE`` or the user cache dir)."""
    configured = os.environ.get("XXGKNB_SAMPLE_CACHE")
    base = Path(configured) if configured else Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    path = base / "xxgknb-sample-portal" if not configured else base
    path.mkdir(parents=True, exist_ok=True)
    return path


#: LibreOffice export filter that writes a PDF needing a password to open.
ENCRYPTED_PDF_FILTER = (
    'pdf:writer_pdf_Export:{"EncryptFile":{"type":"boolean","value":"true"},'
    '"DocumentOpenPassword":{"type":"string","value":"xxgknb"}}'
)


def docx_to_pdf(documents: dict[str, bytes], *, export_filter: str = "pdf") -> dict[str, bytes]:
    """Convert DOCX files to PDF with LibreOffice, in one ``soffice`` run for every file not cached.

    Keyed by the DOCX's sha256 (and the filter): LibreOffice stamps a creation time into each
    PDF, so caching is what makes a restarted portal serve the same PDF bytes."""
    cache = cache_dir()

    def cached_path(data: bytes) -> Path:
        return cache / f"{hashlib.sha256(data + export_filter.encode()).hexdigest()}.pdf"

    missing = {cached_path(data).stem: data for data in documents.values() if not cached_path(data).exists()}
    if missing:
        soffice = shutil.which("soffice") or shutil.which("libreoffice")
        if soffice is None:
            raise RuntimeError("sample portal: LibreOffice (soffice) is needed to generate the PDF reports")
        with _SOFFICE_LOCK, tempfile.TemporaryDirectory(prefix="xxgknb-soffice-") as work:
            workdir = Path(work)
            paths = []
            for digest, data in missing.items():
                path = workdir / f"{digest}.docx"
                path.write_bytes(data)
                paths.append(str(path))
            # A private profile: two soffice runs sharing the default profile abort each other.
            profile = (workdir / "profile").as_uri()
            command = [soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", export_filter]
            completed = subprocess.run(
                [*command, "--outdir", work, *paths], capture_output=True, timeout=300, check=False
            )
            for digest in missing:
                produced = workdir / f"{digest}.pdf"
                if not produced.exists():
                    raise RuntimeError(
                        f"sample portal: soffice did not convert {digest}.docx: "
                        + completed.stderr.decode(errors="replace")[:300]
                    )
                target = cache / f"{digest}.pdf"
                tmp = target.with_suffix(f".{os.getpid()}.tmp")
                tmp.write_bytes(produced.read_bytes())
                tmp.replace(target)
    return {name: cached_path(data).read_bytes() for name, data in documents.items()}
