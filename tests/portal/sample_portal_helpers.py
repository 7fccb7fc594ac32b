"""HTTP and table-reading helpers for the sample-portal tests: deliberately independent of the
portal's own code, so the tests check what is served rather than how it was generated."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from dataclasses import dataclass

import lxml.html

from parsers.model import APPLICANT_COLUMNS, OUTCOME_COLUMNS


@dataclass
class Fetched:
    status: int
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None

    def text(self) -> str:
        """Decode like the crawler must: BOM, then <meta>, then header, then gb18030."""
        match = re.search(rb'charset=["\']?([\w-]+)', self.body[:2048])
        charset = match.group(1).decode() if match else "gb18030"
        return self.body.decode(charset)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def fetch(url: str, *, method: str = "GET", headers: dict | None = None, data: bytes | None = None) -> Fetched:
    request = urllib.request.Request(url, method=method, headers=headers or {}, data=data)
    try:
        with _OPENER.open(request, timeout=15) as response:
            return Fetched(response.status, dict(response.headers.items()), response.read())
    except urllib.error.HTTPError as error:
        return Fetched(error.code, dict(error.headers.items()), error.read())


def expand(table) -> list[list[str]]:
    """Expand an lxml <table> into a rectangular grid of cell texts (rowspan/colspan copied)."""
    grid: dict[tuple[int, int], str] = {}
    for r, tr in enumerate(table.xpath("./tr|./tbody/tr|./thead/tr")):
        c = 0
        for td in tr.xpath("./td|./th"):
            while (r, c) in grid:
                c += 1
            text = re.sub(r"\s+", "", td.text_content())
            rowspan, colspan = int(td.get("rowspan", 1)), int(td.get("colspan", 1))
            for dr in range(rowspan):
                for dc in range(colspan):
                    grid[(r + dr, c + dc)] = text
            c += colspan
    rows = max(r for r, _ in grid) + 1
    cols = max(c for _, c in grid) + 1
    return [[grid.get((r, c), "") for c in range(cols)] for r in range(rows)]


def number(cell: str) -> float | None:
    cell = cell.strip()
    if cell in ("", "—", "/", "无"):
        return None
    return float(cell)


# --------------------------------------------------------------- reading report tables by their labels

PROCEEDINGS = ("administrative_review", "litigation_direct", "litigation_after_review")
ITEMS = {"（一）": "20.1", "（五）": "20.5", "（六）": "20.6", "（八）": "20.8", "（九）": "20.9"}
CATEGORIES = {
    "规章": "regulations",
    "行政规范性文件": "normative_documents",
    "规范性文件": "normative_documents",
    "行政许可": "licensing",
    "其他对外管理服务事项": "other_admin_services",
    "行政处罚": "penalty",
    "行政强制": "coercion",
    "行政事业性收费": "admin_fees",
    "政府集中采购": "centralized_procurement",
}
METRICS = {
    "本年制发件数": "issued",
    "本年废止件数": "repealed",
    "现行有效件数": "in_force",
    "本年处理决定数量": "decisions",
    "本年新制作数量": "newly_made",
    "本年新公开数量": "newly_published",
    "对外公开总数量": "total_published",
    "上一年项目数量": "previous_year_items",
    "本年增/减": "change",
    "处理决定数量": "decisions",
    "采购项目数量": "items",
    "采购总金额": "amount",
}
#: (fragment of the printed label, row_key), most specific first; tolerant of the usual misspellings.
ROW_LABELS = (
    ("本年新收", "new_received"),
    ("上年结转", "carried_over"),
    ("予以公开", "granted"),
    ("部分公开", "partially_granted"),
    ("国家秘密", "denied_state_secret"),
    ("禁止公开", "denied_prohibited_by_law"),
    ("三安全一稳定", "denied_security_stability"),
    ("第三方", "denied_third_party_rights"),
    ("内部事务", "denied_internal_affairs"),
    ("过程性", "denied_process_information"),
    ("案卷", "denied_enforcement_files"),
    ("行政查询", "denied_administrative_query"),
    ("不掌握", "unavailable_not_held"),
    ("另行制作", "unavailable_needs_creation"),
    ("补正后", "unavailable_unclear"),
    ("信访", "rejected_petition_complaint"),
    ("重复申请", "rejected_duplicate"),
    ("出版物", "rejected_publication"),
    ("大量反复", "rejected_excessive"),
    ("确认或重新出具", "rejected_confirmation"),
    ("逾期不补正", "other_no_correction"),
    ("缴纳费用", "other_unpaid_fee"),
    ("3.其他", "other_other"),
    ("其他处理", "other"),
    ("（七）总计", "total_processed"),
    ("结转下年度", "carried_forward"),
)


def metric_key(header: str) -> str:
    return "amount" if header.startswith("本年收费金额") else METRICS[header]


def read_active(rows: list[list[str]]) -> list[dict]:
    """rows: one list of distinct cell texts per table row (merged cells once)."""
    cells, item, metrics = [], None, []
    for row in rows:
        if row[0].startswith("第二十条"):
            item = next(v for k, v in ITEMS.items() if k in row[0])
        elif row[0] == "信息内容":
            metrics = [metric_key(h) for h in row[1:]]
        else:
            category = CATEGORIES[row[0]]
            for metric, raw in zip(metrics, row[1:], strict=True):
                cells.append({"item": item, "category": category, "metric": metric, "value": number(raw), "raw": raw})
    return cells


def read_applications(grid: list[list[str]]) -> dict:
    out = {}
    for row in grid[3:]:
        label = "".join(dict.fromkeys(row[:-7]))
        key = next(k for fragment, k in ROW_LABELS if fragment in label)
        assert key not in out, f"two rows read as {key}: {label}"
        out[key] = {c: number(v) for c, v in zip(APPLICANT_COLUMNS, row[-7:], strict=True)}
    return out


def read_review(grid: list[list[str]]) -> dict:
    values = [number(v) for v in grid[-1]]
    return {p: dict(zip(OUTCOME_COLUMNS, values[i * 5 : i * 5 + 5], strict=True)) for i, p in enumerate(PROCEEDINGS)}


def find(grids, word):
    matches = [g for g in grids if any(word in cell for row in g for cell in row)]
    assert len(matches) == 1, f"{len(matches)} tables mention {word}"
    return matches[0]


def check(expected: dict, active_rows, grids) -> None:
    assert read_active(active_rows) == expected["active_disclosure"]
    assert read_applications(find(grids, "本年新收")) == expected["applications"]
    assert read_review(find(grids, "复议后起诉")) == expected["review_litigation"]


def check_html_report(report: dict, body: bytes) -> None:
    """Assert that a served HTML report prints the manifest's expected numbers."""
    page = Fetched(200, {}, body)
    tree = lxml.html.fromstring(page.text())
    tables = tree.xpath("//table")
    grids = [expand(t) for t in tables]
    active = next(t for t, g in zip(tables, grids, strict=True) if any("第二十条" in c for row in g for c in row))
    rows = [[re.sub(r"\s+", "", td.text_content()) for td in tr.xpath("./td|./th")] for tr in active.xpath(".//tr")]
    try:
        check(report["expected"], rows, grids)
    except AssertionError as error:
        raise AssertionError(f"{report['key']} {report['url']}: {error}") from error
