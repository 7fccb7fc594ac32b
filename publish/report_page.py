"""Everything the report page shows, read from the corpus and arranged like the printed tables.

The layout follows the two templates of ``shared/spec/report-schema.md``: section 二 as one small
table per clause of Article 20, section 三 with the seven applicant columns under their printed
two-row header, section 四 as the single 15-number row of the original.  Values are shown as
printed (``raw``) where the corpus kept the printed text.
"""

from __future__ import annotations

import sqlite3
from collections import OrderedDict

from archive.schema import has_table
from parsers.model import APPLICANT_COLUMNS, OUTCOME_COLUMNS, PROCEEDINGS

SECTION_NUMERALS = {1: "一", 2: "二", 3: "三", 4: "四", 5: "五", 6: "六"}

ITEM_LABELS = {
    "20.1": "第二十条第（一）项",
    "20.5": "第二十条第（五）项",
    "20.6": "第二十条第（六）项",
    "20.8": "第二十条第（八）项",
    "20.9": "第二十条第（九）项",
}

CATEGORY_LABELS = {
    "regulations": "规章",
    "normative_documents": "行政规范性文件",
    "licensing": "行政许可",
    "other_admin_services": "其他对外管理服务事项",
    "penalty": "行政处罚",
    "coercion": "行政强制",
    "admin_fees": "行政事业性收费",
    "centralized_procurement": "政府集中采购",
}

METRIC_LABELS = {
    "issued": "本年制发件数",
    "repealed": "本年废止件数",
    "in_force": "现行有效件数",
    "newly_made": "本年新制作数量",
    "newly_published": "本年新公开数量",
    "total_published": "对外公开总数量",
    "decisions": "本年处理决定数量",
    "previous_year_items": "上一年项目数量",
    "change": "本年增/减",
    "amount": "金额（万元）",
    "items": "采购项目数量",
}

APPLICANT_LABELS = {
    "natural_person": "自然人",
    "commercial_enterprise": "商业企业",
    "research_institution": "科研机构",
    "social_welfare_org": "社会公益组织",
    "legal_service_org": "法律服务机构",
    "other_org": "其他",
    "total": "总计",
}

OUTCOME_LABELS = {
    "upheld": "结果维持",
    "corrected": "结果纠正",
    "other": "其他结果",
    "pending": "尚未审结",
    "total": "总计",
}

PROCEEDING_LABELS = {
    "administrative_review": "行政复议",
    "litigation_direct": "行政诉讼 · 未经复议直接起诉",
    "litigation_after_review": "行政诉讼 · 复议后起诉",
}

RULE_LABELS = {
    1: "规则1 每行总计 = 各类申请人之和",
    2: "规则2 新收 + 上年结转 = 总计 + 结转下年度",
    3: "规则3 总计 = 各办理结果之和",
    4: "规则4 复议/诉讼 总计 = 维持 + 纠正 + 其他 + 尚未审结",
    5: "规则5 年度与统计期、发布日期一致",
}


def format_number(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def load(conn: sqlite3.Connection, report_id: str) -> dict | None:
    """The template context of the report page, or ``None`` if there is no such report."""
    conn.row_factory = sqlite3.Row
    report = conn.execute("select * from reports where id = ?", [report_id]).fetchone()
    if report is None:
        return None
    agency = None
    if report["agency_id"]:
        agency = conn.execute("select * from agencies where id = ?", [report["agency_id"]]).fetchone()
    issues = conn.execute(
        "select rule, location, expected, actual, message from validation_issues"
        " where report_id = ? order by rule, location",
        [report_id],
    ).fetchall()
    flagged = {issue["location"] for issue in issues}
    return {
        "report": dict(report),
        "agency": dict(agency) if agency else None,
        "disclosure_tables": _disclosure_tables(conn, report_id),
        "applications": _applications(conn, report_id, flagged),
        "applicant_columns": [(key, APPLICANT_LABELS[key]) for key in APPLICANT_COLUMNS],
        "review": _review(conn, report_id, flagged),
        "outcome_columns": [(key, OUTCOME_LABELS[key]) for key in OUTCOME_COLUMNS],
        "proceeding_labels": PROCEEDING_LABELS,
        "issues": [dict(issue) | {"rule_label": RULE_LABELS.get(issue["rule"], f"规则{issue['rule']}")}
                   for issue in issues],
        "notes": [row["note"] for row in conn.execute(
            "select note from parse_notes where report_id = ? order by n", [report_id])],
        "sections": _sections(conn, report_id),
        "versions": [dict(row) for row in conn.execute(
            "select version, sha256, fetched_at, superseded_at, status from report_versions"
            " where report_id = ? order by version desc", [report_id])],
        # A range, not "=": after ANALYZE, SQLite sees an index of mostly-NULL duplicate_of as useless
        # for equality and scans the whole table.
        "duplicates": sorted(row[0] for row in conn.execute(
            "select id from reports where duplicate_of >= ?1 and duplicate_of <= ?1", [report_id])),
    }


def _disclosure_tables(conn: sqlite3.Connection, report_id: str) -> list[dict]:
    rows = conn.execute(
        "select item, category, metric, value, raw, category_label, metric_label from active_disclosure"
        " where report_id = ? order by item, rowid",
        [report_id],
    ).fetchall()
    tables: OrderedDict[str, dict] = OrderedDict()
    for row in rows:
        table = tables.setdefault(row["item"], {
            "item": row["item"],
            "label": ITEM_LABELS.get(row["item"], row["item"]),
            "metrics": OrderedDict(),
            "categories": OrderedDict(),
        })
        metric_label = row["metric_label"] or METRIC_LABELS.get(row["metric"], row["metric"])
        table["metrics"].setdefault(row["metric"], metric_label)
        category = table["categories"].setdefault(row["category"], {
            "label": row["category_label"] or CATEGORY_LABELS.get(row["category"], row["category"]),
            "cells": {},
        })
        shown = row["raw"] if row["raw"] not in (None, "") else format_number(row["value"])
        category["cells"][row["metric"]] = shown
    return [
        {
            "label": table["label"],
            "metrics": list(table["metrics"].items()),
            "rows": [(category["label"], [category["cells"].get(metric, "") for metric in table["metrics"]])
                     for category in table["categories"].values()],
        }
        for table in tables.values()
    ]


def _applications(conn: sqlite3.Connection, report_id: str, flagged: set[str]) -> list[dict]:
    rows = []
    for row in conn.execute(
        f"select row_index, row_key, row_label, {', '.join(APPLICANT_COLUMNS)} from applications"
        " where report_id = ? order by row_index",
        [report_id],
    ):
        cells = []
        for column in APPLICANT_COLUMNS:
            location = f"applications.{row['row_key']}.{column}"
            cells.append({"text": format_number(row[column]), "flagged": location in flagged})
        rows.append({
            "label": row["row_label"] or row["row_key"],
            "row_key": row["row_key"],
            "cells": cells,
            "flagged": f"applications.{row['row_key']}" in flagged,
        })
    return rows


def _review(conn: sqlite3.Connection, report_id: str, flagged: set[str]) -> list[dict]:
    by_proceeding = {
        row["proceeding"]: row
        for row in conn.execute("select * from review_litigation where report_id = ?", [report_id])
    }
    if not by_proceeding:
        return []
    blocks = []
    for proceeding in PROCEEDINGS:
        row = by_proceeding.get(proceeding)
        blocks.append({
            "proceeding": proceeding,
            "flagged": f"review_litigation.{proceeding}" in flagged,
            "cells": [format_number(row[column]) if row is not None else "" for column in OUTCOME_COLUMNS],
        })
    return blocks


def _sections(conn: sqlite3.Connection, report_id: str) -> list[dict]:
    # The numbers-only edition (xxgknb snapshot) has no section texts.
    if not has_table(conn, "sections"):
        return []
    return [
        dict(row) | {"numeral": SECTION_NUMERALS.get(row["number"], str(row["number"]))}
        for row in conn.execute(
            "select number, heading, text from sections where report_id = ? order by number", [report_id])
    ]
