"""Helpers shared by the tests of archive/ (corpus writer, parse pool, import command)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from parsers.model import (
    ApplicationRow,
    DisclosureCell,
    Region,
    Report,
    ReviewRow,
    RuleViolation,
    Section,
    Value,
)

SEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "seeds"


def dump(path: Path) -> list[str]:
    """The whole database as text: every schema object, then every row of every stored table.

    Not ``iterdump()``: it reads virtual tables through their module, and an external-content
    FTS index cannot be read that way; its shadow tables (which hold all it stores) are dumped.
    """
    connection = sqlite3.connect(path)
    try:
        objects = connection.execute("SELECT type, name, sql FROM sqlite_master ORDER BY type, name").fetchall()
        lines = [f"{kind} {name}: {sql}" for kind, name, sql in objects]
        for kind, name, sql in objects:
            if kind != "table" or (sql or "").upper().startswith("CREATE VIRTUAL TABLE"):
                continue
            lines.extend(sorted(f"{name}: {row!r}" for row in connection.execute(f'SELECT * FROM "{name}"')))
        return lines
    finally:
        connection.close()


def rows(path: Path, sql: str, params: tuple = ()) -> list[tuple]:
    connection = sqlite3.connect(path)
    try:
        return connection.execute(sql, params).fetchall()
    finally:
        connection.close()


def sample_report(*, granted: float | None = 5.0) -> Report:
    """A report as the parser would hand it over, with a blank cell, a unit in a raw value and a broken rule."""
    return Report(
        status="full",
        format="html",
        title="某区住房和城乡建设局2022年政府信息公开工作年度报告",
        year=2022,
        agency="某区住房和城乡建设局",
        region=Region(province="河南省", city="平顶山市", county="湛河区", code="410411"),
        level="county",
        body_kind="department",
        template="2021",
        published="2023-01-20",
        sections=[Section(n, f"{'一二三四五六'[n - 1]}、标题", f"第{n}节正文") for n in range(1, 7)],
        active_disclosure=[
            DisclosureCell(
                "20.1", "regulations", "issued", Value(0.0, "0", "table 1 row 3 col 2"), "规章", "本年制发件数"
            ),
            DisclosureCell(
                "20.8",
                "admin_fees",
                "amount",
                Value(25.1, "25.1万元", "table 1 row 12 col 2"),
                "行政事业性收费",
                "本年收费金额（万元）",
            ),
            DisclosureCell(
                "20.6",
                "coercion",
                "decisions",
                Value(None, "—", "table 1 row 9 col 2"),
                "行政强制",
                "本年处理决定数量",
            ),
        ],
        applications=[
            ApplicationRow(
                "new_received",
                "一、本年新收政府信息公开申请数量",
                {
                    "natural_person": Value(7.0, "7", "table 2 row 3 col 3"),
                    "commercial_enterprise": Value(None, "", "table 2 row 3 col 4"),
                    "total": Value(7.0, "7", "table 2 row 3 col 9"),
                },
            ),
            ApplicationRow(
                "granted",
                "三、本年度办理结果 （一）予以公开",
                {
                    "natural_person": Value(granted, "" if granted is None else f"{granted:g}", "table 2 row 5 col 3"),
                    "total": Value(5.0, "5", "table 2 row 5 col 9"),
                },
            ),
            ApplicationRow("unrecognized", "（八）奇怪的行", {"total": Value(-2.0, "-2", "table 2 row 30 col 9")}),
        ],
        review_litigation=[
            ReviewRow(
                "administrative_review",
                {
                    "upheld": Value(1.0, "1", "table 3 row 3 col 1"),
                    "corrected": Value(None, "/", "table 3 row 3 col 2"),
                    "total": Value(1.0, "1", "table 3 row 3 col 5"),
                },
            ),
        ],
        violations=[
            RuleViolation(2, "applications.natural_person", "7", "5", "new + carried over != processed + forward"),
            RuleViolation(3, "applications.total_processed.total", "5", "0"),
        ],
        notes=["a value dropped from an over-long row"],
        text="全文 ……",
        metadata={"发布机构": "某区住房和城乡建设局"},
    )
