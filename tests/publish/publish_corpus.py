"""A corpus with known content, written through ``archive.corpus.write_report``, and a real server on it.

Hand-built reports carry the numbers the facet and canned-query tests check; 240 generated
reports mix text fragments (near misses included: 疫 情, 复 议, 依申, 碳达) so that search recall
is compared with a substring scan on texts where words straddle fragment boundaries.
"""

from __future__ import annotations

import hashlib
import os
import random
import sqlite3
from pathlib import Path

from archive import corpus, search, warc
from parsers.model import (
    ApplicationRow,
    DisclosureCell,
    Region,
    Report,
    ReviewRow,
    RuleViolation,
    Section,
    Status,
    Value,
)

HOSTILE_TEXT = '<script>document.title="pwned"</script><img src=x onerror="alert(1)">'

FRAGMENTS = [
    "疫情", "防控", "疫", " 情", "复议", "复 议", "依申请", "依申", "请公开", "碳达峰", "碳达", "峰值",
    "政府信息公开", "政府信息", "公开工作", "COVID-19", "covid", "12345热线", "热线", "年度报告",
    "行政", "诉讼", "，", "。", "\n", "A", "a", "x", "X", "申请", "信息", "𠀀字", "😀", "ｘ",
]


def _value(number: float | None) -> Value:
    return Value(number, "" if number is None else str(int(number)))


def _applications(new: int, carried_over: int, granted: int, denied_secret: int, carried_forward: int,
                  natural_person_share: int | None = None) -> list[ApplicationRow]:
    """Section 三 rows whose totals obey rules 1-3 unless ``natural_person_share`` breaks rule 1."""
    processed = granted + denied_secret

    def row(key: str, label: str, total: int) -> ApplicationRow:
        person = total if natural_person_share is None else natural_person_share
        cells = {"natural_person": _value(person), "commercial_enterprise": _value(None), "total": _value(total)}
        return ApplicationRow(key, label, cells)

    return [
        row("new_received", "一、本年新收政府信息公开申请数量", new),
        row("carried_over", "二、上年结转政府信息公开申请数量", carried_over),
        row("granted", "（一）予以公开", granted),
        row("denied_state_secret", "（三）不予公开 1.属于国家秘密", denied_secret),
        row("total_processed", "（七）总计", processed),
        row("carried_forward", "四、结转下年度继续办理", carried_forward),
    ]


def _review(reviews: int, lawsuits: int) -> list[ReviewRow]:
    def cells(total: int) -> dict[str, Value]:
        return {"upheld": _value(total), "corrected": _value(0), "other": _value(0), "pending": _value(0),
                "total": _value(total)}

    return [
        ReviewRow("administrative_review", cells(reviews)),
        ReviewRow("litigation_direct", cells(lawsuits)),
        ReviewRow("litigation_after_review", cells(0)),
    ]


#: (key, province, agency, year, published, applications args, reviews, lawsuits, extra text)
KNOWN_REPORTS = [
    ("henan-a-2021", "河南省", "湛河区住建局", 2021, "2022-01-20", (10, 2, 8, 1, 3), 2, 1, "疫情防控信息"),
    ("henan-a-2022", "河南省", "湛河区住建局", 2022, "2023-01-18", (20, 3, 15, 2, 6), 1, 0, "碳达峰行动"),
    ("henan-b-2021", "河南省", "新华区人民政府", 2021, "2022-01-25", (5, 0, 4, 0, 5), 0, 0, "依申请公开"),
    ("henan-b-2022", "河南省", "新华区人民政府", 2022, "2023-03-02", (7, 2, 6, 1, 2), 3, 2, "复议案件"),
    ("beijing-c-2020", "北京市", "西城区人民政府", 2020, "2021-01-30", (40, 1, 30, 5, 6), 4, 1, "疫情"),
    ("beijing-c-2022", "北京市", "西城区人民政府", 2022, "2023-01-31", (50, 6, 40, 6, 10), 2, 2, "COVID-19"),
    ("guangdong-d-2022", "广东省", "深圳市人民政府办公厅", 2022, "2023-02-15", (100, 0, 90, 4, 6), 5, 3, "12345热线"),
]


def _known_report(key: str, province: str, agency: str, year: int, published: str, numbers: tuple,
                  reviews: int, lawsuits: int, extra: str) -> Report:
    title = f"{agency}{year}年政府信息公开工作年度报告"
    sections = [
        Section(1, "一、总体情况", f"{year}年，{agency}认真贯彻落实《条例》。{extra}。"),
        Section(5, "五、存在的主要问题及改进情况", "公开内容还不够全面。"),
    ]
    violations: list[RuleViolation] = []
    natural_person_share = None
    if key == "henan-b-2022":
        sections.append(Section(6, "六、其他需要报告的事项", HOSTILE_TEXT))
        title = f"{agency}{year}年政府信息公开工作年度报告{HOSTILE_TEXT}"
        natural_person_share = 1
        violations = [
            RuleViolation(1, "applications.new_received.total", "1", "7"),
            RuleViolation(2, "applications.carried_forward.natural_person", "2", "1"),
        ]
    text = "\n".join(f"{section.heading}\n{section.text}" for section in sections)
    return Report(
        status=Status.FULL,
        format="html",
        title=title,
        year=year,
        agency=agency,
        region=Region(province=province),
        level="county",
        body_kind="department" if "局" in agency or "办公厅" in agency else "government",
        template="2021",
        published=published,
        sections=sections,
        active_disclosure=[
            DisclosureCell("20.1", "regulations", "issued", _value(1), "规章", "本年制发件数"),
            DisclosureCell("20.8", "admin_fees", "amount", Value(0.0, "0.0000"),
                           "行政事业性收费", "本年收费金额（万元）"),
        ],
        applications=_applications(*numbers, natural_person_share=natural_person_share),
        review_litigation=_review(reviews, lawsuits),
        violations=violations,
        text=text,
    )


def _generated_report(index: int, rng: random.Random) -> Report:
    body = "".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(3, 14)))
    province = rng.choice(["山东省", "四川省", "浙江省"])
    return Report(
        status=Status.UNSTRUCTURED,
        format="text",
        title=f"第{index}号报告" + "".join(rng.choice(FRAGMENTS) for _ in range(2)),
        year=rng.choice([2018, 2019]),
        agency=f"生成机构{index}",
        region=Region(province=province),
        level="township",
        template="unstructured",
        sections=[Section(1, "一、总体情况", body)],
        text=body,
    )


def url_of(key: str) -> str:
    return f"https://www.example.gov.cn/xxgk/{key}.html"


#: Report archived in a WARC below the corpus directory (served as text) and one whose index row
#: points outside it (must never be read).
ARCHIVED_KEY = "henan-b-2022"
ESCAPING_KEY = "henan-a-2021"


def archived_html(report: Report) -> bytes:
    return f"<html><head><title>{report.title}</title></head><body>{HOSTILE_TEXT}</body></html>".encode()


def _archive(db, path: Path, warc_path: Path, url: str, body: bytes) -> None:
    writer = warc.WarcWriter(warc_path, info={"software": "tests/publish"})
    try:
        ref = writer.write_exchange(
            url=url, status=200, reason="OK", response_headers=[("Content-Type", "text/html; charset=utf-8")],
            body=body, method="GET", request_headers=[], request_body=b"", fetched_at="2024-05-01T00:00:00Z",
            extra={},
        )
    finally:
        writer.close()
    relative = Path(os.path.relpath(warc_path, path.parent)).as_posix()
    db.execute(
        "insert into warc_records (warc_file, offset, length, url, final_url, method, status, content_type,"
        " sha256, size, fetched_at) values (?, ?, ?, ?, ?, 'GET', 200, 'text/html; charset=utf-8', ?, ?, ?)",
        [relative, ref.offset, ref.length, url, url, warc.sha256(body), len(body), "2024-05-01T00:00:00Z"],
    )


def build_corpus(path: Path, generated: int = 240) -> dict[str, str]:
    """Write the known corpus to ``path``; returns report key -> report id."""
    db = corpus.open_corpus(path)
    ids = {}
    for entry in KNOWN_REPORTS:
        key = entry[0]
        report = _known_report(*entry)
        body = archived_html(report)
        outcome = corpus.write_report(db, report, url=url_of(key), sha256=warc.sha256(body),
                                      fetched_at="2024-05-01T00:00:00Z", format="html")
        ids[key] = outcome.report_id
        if key == ARCHIVED_KEY:
            _archive(db, path, path.parent / "warc" / "crawl.warc.gz", url_of(key), body)
        elif key == ESCAPING_KEY:
            _archive(db, path, path.parent.parent / f"outside-{path.parent.name}" / "evil.warc.gz", url_of(key), body)
    db.conn.commit()
    rng = random.Random(20240501)
    for index in range(generated):
        key = f"generated-{index}"
        outcome = corpus.write_report(db, _generated_report(index, rng), url=url_of(key),
                                      sha256=hashlib.sha256(key.encode()).hexdigest(),
                                      fetched_at="2024-05-01T00:00:00Z", format="text")
        ids[key] = outcome.report_id
    db.close()
    return ids


def substring_matches(path: Path, query: str) -> set[str]:
    """Reference answer: ids of reports whose title or text contains every whitespace-separated term."""
    conn = sqlite3.connect(path)
    try:
        clauses = " and ".join("(instr(title, ?) > 0 or instr(body, ?) > 0)" for _ in query.split())
        params = [term for term in query.split() for _ in (0, 1)]
        return {row[0] for row in conn.execute(f"select report_id from report_search_source where {clauses}", params)}
    finally:
        conn.close()


def bigram_index_is_current(path: Path) -> bool:
    conn = sqlite3.connect(path)
    try:
        return search.is_current(conn)
    finally:
        conn.close()
