"""Reading the three tables of a report from grids of any origin (text, HTML, PDF, DOCX …).

Rows and columns are matched by their labels, never by position alone:

* header rows (no values) give each column label a grid position;
* a data row's label cells are matched to a row key (with the group it belongs to, e.g.
  ``（三）不予公开`` → ``2.`` means ``denied_prohibited_by_law``);
* values are taken under the column positions.  Text renderings often shift a row's values by
  one cell against the header; :func:`align` tries small shifts and keeps the one that puts the
  most values under a labelled column.  Where the header positions are unusable (merged header
  rows rendered as text), values are read in the template's column order.

A value the header does not justify (a totals row with one value too many) is reported in the
notes, never silently used.
"""

from __future__ import annotations

import itertools
import operator
import re
from dataclasses import dataclass, field
from functools import lru_cache

from parsers.model import (
    APPLICANT_COLUMNS,
    OUTCOME_COLUMNS,
    PROCEEDINGS,
    ApplicationRow,
    DisclosureCell,
    Grid,
    GridCell,
    Paragraph,
    ReviewRow,
    Value,
)
from parsers.report.labels import (
    compact,
    halfwidth,
    is_value_like,
    join_lines,
    make_value,
    similarity,
    split_numbered,
    values_of,
)

DISCLOSURE, APPLICATIONS, REVIEW = "active_disclosure", "applications", "review_litigation"


@dataclass
class Tables:
    active_disclosure: list[DisclosureCell] = field(default_factory=list)
    applications: list[ApplicationRow] = field(default_factory=list)
    review_litigation: list[ReviewRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    found: set[str] = field(default_factory=set)
    """Which of the three tables were located (even if a table had no readable value)."""
    template_votes: dict[str, int] = field(default_factory=lambda: {"2019": 0, "2021": 0})


# ---------------------------------------------------------------------------------------------
# Row geometry


_BLANK, _LABEL, _VALUE = 0, 1, 2


@lru_cache(maxsize=65536)
def _text_kind(text: str) -> int:
    """What a cell's text is to a row: blank, label or value (one cached call per cell instead of two)."""
    if is_value_like(text):
        return _VALUE
    return _LABEL if text.strip() else _BLANK


def label_end(cells: list[GridCell]) -> int:
    """Index after the row's label cells: after the last non-empty text cell before the first value."""
    return row_shape(cells)[0]


def has_values(cells: list[GridCell]) -> bool:
    # map() rather than a generator: this runs for every row of every table
    return any(map(is_value_like, [cell.text for cell in cells]))


def row_shape(cells: list[GridCell]) -> tuple[int, bool]:
    """``(label_end(cells), has_values(cells))`` in one pass: both stop at the row's first value."""
    end = 0
    index = 0  # counted by hand: enumerate()'s tuples cost more than the loop body
    for cell in cells:
        index += 1  # noqa: SIM113
        kind = _text_kind(cell.text)
        if kind:
            if kind == _VALUE:
                return end, True
            end = index
    return end, False


@lru_cache(maxsize=4096)
def _columns_at(positions: tuple[int, ...]) -> frozenset[int] | None:
    """The set of a header's grid columns, or ``None`` when they are not strictly increasing."""
    return frozenset(positions) if all(map(operator.lt, positions, positions[1:])) else None


@lru_cache(maxsize=4096)
def _usual_row(
    positions: tuple[int, ...], width: int, start: int, size: int
) -> tuple[tuple[int, ...], operator.itemgetter | None] | None:
    """For a header's ``width`` columns at ``positions`` and a row of ``size`` cells whose labels end
    at ``start``: the row's indices from ``start`` on that lie under no column, and what picks the
    columns' cells (``None`` when a column lies past the row's end).  A row without any value at
    those indices is the usual row.  ``None`` when the header gives no usable geometry for the row.
    """
    if len(positions) != width or _columns_at(positions) is None or positions[0] < start:
        return None
    outside = tuple([i for i in range(start, size) if i not in positions])
    return outside, operator.itemgetter(*positions) if len(positions) > 1 and positions[-1] < size else None


def align(
    cells: list[GridCell], start: int, positions: tuple[int, ...] | None, width: int
) -> tuple[list[GridCell | None], list[GridCell]]:
    """Pick the value cell for each of ``width`` columns.  Returns (cells per column, unused non-blank cells).

    ``positions`` are the header's grid columns (or ``None`` when the header gives no usable
    geometry).  A column with no cell in the row gets ``None`` (not printed).
    """
    if positions:
        usual = _usual_row(positions, width, start, len(cells))
        if usual is not None:
            outside, pick = usual
            if not outside or not any([cells[i].origin is None and cells[i].text.strip() for i in outside]):
                # every value already sits under a labelled column (what shift 0 below finds)
                if pick is not None:
                    return list(pick(cells)), []
                return [cells[p] if p < len(cells) else None for p in positions], []
    wanted = _columns_at(positions) if positions and len(positions) == width else None
    if wanted is not None:
        # copies of a merged value cell are the same value, not more values
        value_cells = [i for i, cell in enumerate(cells[start:], start) if cell.origin is None and cell.text.strip()]
        best_shift, best_score = None, -1
        for shift in (0, 1, -1, 2, -2):
            if positions[0] + shift < start:
                continue
            score = sum(1 for i in value_cells if i - shift in wanted)
            if score > best_score:
                best_shift, best_score = shift, score
            if best_score == len(value_cells):
                break  # every value already sits under a labelled column
        if best_shift is not None and (best_score > 0 or not value_cells):
            chosen = [cells[p + best_shift] if p + best_shift < len(cells) else None for p in positions]
            unused = [cells[i] for i in value_cells if i - best_shift not in wanted]
            return chosen, unused
    run = [c for c in cells[start:] if c.origin is None or not c.text.strip()]
    while run and not run[-1].text.strip():
        run.pop()
    while len(run) > width and not run[0].text.strip():
        run.pop(0)
    chosen: list[GridCell | None] = run[:width]
    chosen += [None] * (width - len(chosen))
    return chosen, [c for c in run[width:] if c.text.strip()]


def _value(cell: GridCell | None) -> Value | None:
    return None if cell is None else make_value(cell.text, cell.source, cell.ocr)


def _row_label(label_cells: list[GridCell]) -> str:
    """The row's label as printed: its own label cells joined by a space (merged-cell copies left out)."""
    own = [c.text for c in label_cells if c.text and c.origin is None]
    return " ".join(own or [c.text for c in label_cells if c.text])


def _unused_note(table: str, label: str, unused: list[GridCell]) -> str:
    printed = ", ".join(repr(c.text) + (f" ({c.source})" if c.source else "") for c in unused)
    return f"{table}: row {label!r} has more values than labelled columns; not used: {printed}"


# ---------------------------------------------------------------------------------------------
# Locating the tables


_SECTION_KIND = (
    (re.compile(r"主动公开"), DISCLOSURE),
    (re.compile(r"收到和处理|依申请"), APPLICATIONS),
    (re.compile(r"行政复议|行政诉讼"), REVIEW),
)
_HEADING = re.compile(r"^\s*[一二三四五六七]\s*[、.．]")


#: Any of the words that mark a table (below): most rows hold none, and one search rules them all out.
_TABLE_WORDS = re.compile(
    "申请人情况|自然人|勾稽关系|本年新收|商业企业|行政复议|行政诉讼|复议后起诉|直接起诉"
    "|第二十条|信息内容|本年制发件数|本年新制作数量|处理决定数量"
)


def _row_kind(text: str) -> str | None:
    """The table a row's text (its cells joined without a separator) marks, if any."""
    # The words that mark each table, as plain substring tests once the row holds one of them.
    # They hold no character that halfwidth() folds, so the printed text is searched as it is.
    if _TABLE_WORDS.search(text) is None:
        return None
    if "申请人情况" in text or "自然人" in text or "勾稽关系" in text or "本年新收" in text or "商业企业" in text:
        return APPLICATIONS  # a row with the words of both 三 and 四 belongs to 三
    if "行政复议" in text or "行政诉讼" in text or "复议后起诉" in text or "直接起诉" in text:
        return REVIEW
    return DISCLOSURE


def _marked_rows(grid: Grid, lines: list[str] | None) -> tuple[list[str], list[int]]:
    """Each row's cell texts joined without a separator, and the indices of the rows holding a table word.

    ``lines``: the grid's rows as tab-separated lines, when the caller has them.  When no cell
    holds a tab or a line break, the texts are those lines without their tabs.
    """
    rows = grid.rows
    texts = None
    if lines is not None:
        whole = "\n".join(lines)
        if whole.count("\t") == sum(map(len, rows)) - len(rows) and whole.count("\n") == len(rows) - 1:
            texts = whole.replace("\t", "").split("\n")
    if texts is None:
        texts = ["".join([cell.text for cell in row]) for row in rows]
    search = _TABLE_WORDS.search
    return texts, [i for i, text in enumerate(texts) if search(text)]


def locate(blocks, row_lines: dict[int, list[str]] | None = None) -> dict[str, list[tuple[list[GridCell], str]]]:
    """Rows of each of the three tables, in document order, across however many grids they span,
    each with its text (see :func:`_marked_rows`).

    ``row_lines``: each grid's rows as tab-separated lines, by ``id(grid)``, when the caller made them.
    """
    found: dict[str, list[tuple[list[GridCell], str]]] = {DISCLOSURE: [], APPLICATIONS: [], REVIEW: []}
    current: str | None = None
    for block in blocks:
        if isinstance(block, Paragraph):
            text = block.text.strip()
            if len(text) <= 40 and _HEADING.match(text):
                # a section heading decides where the next grid belongs (一、五、六: no table)
                current = next((kind for pattern, kind in _SECTION_KIND if pattern.search(text)), None)
            continue
        if not isinstance(block, Grid):
            continue
        texts, marked = _marked_rows(block, row_lines.get(id(block)) if row_lines is not None else None)
        rows = block.rows
        start = 0  # rows from here on belong to the current table
        for index in marked:
            kind = _row_kind(texts[index])
            if kind is None:
                continue
            if current is not None:
                found[current].extend(zip(rows[start:index], texts[start:index], strict=True))
            current, start = kind, index  # a table's own header words beat the heading above it
        if current is not None:
            found[current].extend(zip(rows[start:], texts[start:], strict=True))
    return found


# ---------------------------------------------------------------------------------------------
# Section 二: active disclosure

_ITEM = re.compile(r"第二十条第?\(?([一二三四五六七八九十]+)\)?项")
_CN_DIGIT = {c: i + 1 for i, c in enumerate("一二三四五六七八九十")}


def cn_number(numeral: str) -> int:
    """一 → 1, 十 → 10, 十二 → 12, 二十 → 20 (enough for clause and section numbers)."""
    if "十" not in numeral:
        return _CN_DIGIT.get(numeral, 0)
    tens, _, units = numeral.partition("十")
    return (_CN_DIGIT.get(tens, 1) if tens else 1) * 10 + _CN_DIGIT.get(units, 0)


#: (metric, keywords any of which identifies the column, template it implies)
_METRICS = (
    ("issued", ("制发",), "2021"),
    ("repealed", ("废止",), "2021"),
    ("in_force", ("现行有效",), "2021"),
    ("newly_made", ("新制作", "制作数量"), "2019"),
    ("newly_published", ("新公开", "公开数量"), "2019"),
    ("total_published", ("对外公开总", "公开总数"), "2019"),
    ("previous_year_items", ("上一年项目", "上年项目"), "2019"),
    ("change", ("增减", "增/减", "本年增"), "2019"),
    ("items", ("采购项目",), "2019"),
    ("amount", ("金额",), ""),
    ("decisions", ("处理决定", "决定数量"), ""),
)

#: (category, item, keywords)
_CATEGORIES = (
    ("normative_documents", "20.1", ("规范性文件",)),
    ("regulations", "20.1", ("规章",)),
    ("other_admin_services", "20.5", ("其他对外管理服务", "对外管理服务")),
    ("licensing", "20.5", ("行政许可",)),
    ("penalty", "20.6", ("行政处罚",)),
    ("coercion", "20.6", ("行政强制",)),
    ("admin_fees", "20.8", ("行政事业性收费", "事业性收费")),
    ("centralized_procurement", "20.9", ("政府集中采购", "集中采购")),
)


@lru_cache(maxsize=65536)
def _metric_of(text: str) -> tuple[str, str] | None:
    norm = halfwidth(text).replace(" ", "")
    if not norm or is_value_like(norm):
        return None
    for metric, keywords, template in _METRICS:
        if any(k in norm for k in keywords):
            return metric, template
    return None


@lru_cache(maxsize=65536)
def _category_of(text: str) -> tuple[str, str] | None:
    norm = compact(text)
    for category, item, keywords in _CATEGORIES:
        if any(k in norm for k in keywords):
            return category, item
    return None


@lru_cache(maxsize=65536)
def _item_of(text: str) -> str | None:
    """The clause a row of table 二 names (``第二十条第（一）项`` → ``20.1``), or ``None``."""
    item_match = _ITEM.search(halfwidth(text).replace(" ", ""))
    return None if item_match is None else f"20.{cn_number(item_match.group(1))}"


def read_disclosure(rows: list[tuple[list[GridCell], str]], tables: Tables) -> None:
    """``rows``: each row with its cells' text joined (as :func:`locate` gives them)."""
    item: str | None = None
    metrics: list[tuple[int, str, str]] = []  # (position, metric, label)
    metric_positions: tuple[int, ...] = ()
    for cells, text in rows:
        row_item = _item_of(text)
        if row_item is not None:
            item = row_item
            metrics = []
            continue
        start, valued = row_shape(cells)
        blank_row = not valued
        if blank_row:
            found = [(i, *m) for i, c in enumerate(cells) if c.origin is None and (m := _metric_of(c.text))]
            if found:
                metrics = [(i, metric, cells[i].text) for i, metric, _template in found]
                metric_positions = tuple([m[0] for m in metrics])
                for _i, _metric, template in found:
                    if template:
                        tables.template_votes[template] += 1
                continue
        label = _row_label(cells[:start])
        category = _category_of(label)
        if category is None or not metrics:
            continue
        category_key, category_item = category
        chosen, unused = align(cells, start, metric_positions, len(metrics))
        if unused:
            tables.notes.append(_unused_note("active_disclosure", label, unused))
        cell_item = item or category_item
        for (_pos, metric, metric_label), cell in zip(metrics, chosen, strict=True):
            if cell is None and not blank_row:
                continue
            # a row printed without any value cell: every metric is blank
            value = make_value("") if cell is None else _value(cell)
            # (item, category, metric, value, category_label, metric_label)
            tables.active_disclosure.append(
                DisclosureCell(cell_item, category_key, metric, value, label, metric_label)
            )
        if category_key == "centralized_procurement":
            tables.template_votes["2019"] += 1


# ---------------------------------------------------------------------------------------------
# Section 三: applications

_APPLICANT_LABELS = (
    ("natural_person", ("自然人",)),
    ("commercial_enterprise", ("商业企业",)),
    ("research_institution", ("科研机构",)),
    ("social_welfare_org", ("社会公益组织", "公益组织")),
    ("legal_service_org", ("法律服务机构",)),
    ("other_org", ("其他",)),
    ("total", ("总计", "合计")),
)

#: Groups of result rows and how they are labelled.
GROUPS = {
    "results": "本年度办理结果",
    "denied": "不予公开",
    "unavailable": "无法提供",
    "rejected": "不予处理",
    "other": "其他处理",
}

#: (row key, group it sits in, canonical label)
APPLICATION_ROWS = (
    ("new_received", None, "本年新收政府信息公开申请数量"),
    ("carried_over", None, "上年结转政府信息公开申请数量"),
    ("granted", "results", "予以公开"),
    ("partially_granted", "results", "部分公开区分处理的只计这一情形不计其他情形"),
    ("denied_state_secret", "denied", "属于国家秘密"),
    ("denied_prohibited_by_law", "denied", "其他法律行政法规禁止公开"),
    ("denied_security_stability", "denied", "危及三安全一稳定"),
    ("denied_third_party_rights", "denied", "保护第三方合法权益"),
    ("denied_internal_affairs", "denied", "属于三类内部事务信息"),
    ("denied_process_information", "denied", "属于四类过程性信息"),
    ("denied_enforcement_files", "denied", "属于行政执法案卷"),
    ("denied_administrative_query", "denied", "属于行政查询事项"),
    ("unavailable_not_held", "unavailable", "本机关不掌握相关政府信息"),
    ("unavailable_needs_creation", "unavailable", "没有现成信息需要另行制作"),
    ("unavailable_unclear", "unavailable", "补正后申请内容仍不明确"),
    ("rejected_petition_complaint", "rejected", "信访举报投诉类申请"),
    ("rejected_duplicate", "rejected", "重复申请"),
    ("rejected_publication", "rejected", "要求提供公开出版物"),
    ("rejected_excessive", "rejected", "无正当理由大量反复申请"),
    ("rejected_confirmation", "rejected", "要求行政机关确认或重新出具已获取信息"),
    ("other_no_correction", "other", "申请人无正当理由逾期不补正行政机关不再处理其政府信息公开申请"),
    ("other_unpaid_fee", "other", "申请人逾期未按收费通知要求缴纳费用行政机关不再处理其政府信息公开申请"),
    ("other_other", "other", "其他"),
    ("total_processed", "results", "总计"),
    ("carried_forward", None, "结转下年度继续办理"),
)
_ROW_MATCH_THRESHOLD = 0.6
#: Result rows summed by rule 3.
RESULT_ROW_KEYS = (
    "granted",
    "partially_granted",
    "other",
    *(key for key, group, _ in APPLICATION_ROWS if group and group != "results"),
)


@lru_cache(maxsize=65536)
def _group_of(segment: str, level: int = 0) -> str | None:
    norm = compact(segment)
    if not norm or level == 3:
        return None
    best, best_score = None, 0.0
    for group, label in GROUPS.items():
        score = similarity(norm, label)
        if score > best_score:
            best, best_score = group, score
    # a group heading is short: "（三）不予公开", never "2.其他法律行政法规禁止公开"
    if best is None or best_score < 0.8 or not len(GROUPS[best]) - 1 <= len(norm) <= len(GROUPS[best]) + 3:
        return None
    return best


@lru_cache(maxsize=65536)
def _match_row(segment: str, group: str | None) -> tuple[str | None, float]:
    norm = compact(segment)
    if not norm:
        return None, 0.0
    best, best_score = None, 0.0
    for key, row_group, label in APPLICATION_ROWS:
        score = similarity(norm, label)
        if group in ("denied", "unavailable", "rejected", "other"):
            if row_group != group:
                score -= 0.25  # prefer a row of the group the label sits in
        elif row_group in ("denied", "unavailable", "rejected", "other") and len(norm) <= 3:
            score -= 0.25  # a bare "其他" outside （六） is not other_other
        if score > best_score:
            best, best_score = key, score
    return best, best_score


@lru_cache(maxsize=65536)
def _classify(label_texts: tuple[str, ...], group: str | None) -> tuple[str, str | None]:
    """(row key, group after the row) for a data row's label texts read in ``group``."""
    segments: list[tuple[int, str]] = []
    for label in label_texts:
        if label.strip():
            segments.extend(split_numbered(label))
    leaf: tuple[int, str] | None = None
    for level, text in segments:
        heading = _group_of(text, level)
        if heading is not None:
            group = heading
            leaf = None
            continue
        if level == 1:
            group = None
        elif level == 2:
            group = "results"
        leaf = (level, text)
    if leaf is None:
        # The row's own label is a group heading: （六）其他处理 as a single row (template 2019).
        return ("other" if group == "other" else "unrecognized"), group
    key, score = _match_row(leaf[1], group)
    return (key if key is not None and score >= _ROW_MATCH_THRESHOLD else "unrecognized"), group


@lru_cache(maxsize=65536)
def _read_label(marks: tuple[str | tuple[str], ...], group: str | None) -> tuple[str, str | None, str]:
    """(row key, group after the row, :func:`_row_label`) for a data row's label cells read in ``group``.

    ``marks``: each label cell's text, or its text in a 1-tuple when the cell is a merged cell's copy.
    """
    texts = tuple([mark if mark.__class__ is str else mark[0] for mark in marks])
    key, group = _classify(texts, group)
    own = [mark for mark in marks if mark.__class__ is str and mark]
    return key, group, " ".join(own or [text for text in texts if text])


class RowState:
    def __init__(self):
        self.group: str | None = None

    def read_label(self, cells: list[GridCell], start: int) -> tuple[str, str]:
        """(row key, label as printed) for a data row whose label cells are ``cells[:start]``; updates the group."""
        # the same labels come back in every report: the answer is cached on the label cells' texts
        marks = tuple([cell.text if cell.origin is None else (cell.text,) for cell in cells[:start]])
        key, self.group, label = _read_label(marks, self.group)
        return key, label

    def observe_label_row(self, cells: list[GridCell]) -> None:
        for cell in cells:
            for level, text in split_numbered(cell.text):
                group = _group_of(text, level)
                if group is not None:
                    self.group = group
                elif level == 1:
                    self.group = None


@lru_cache(maxsize=65536)
def _applicant_key(text: str) -> str | None:
    norm = compact(text)
    if not norm or len(norm) > 12:
        return None
    for key, labels in _APPLICANT_LABELS:
        if any(norm == label or (len(label) > 2 and label in norm) for label in labels):
            return key
    return None


def _applicant_columns(positions: dict[str, int], first_row: list[GridCell], start: int):
    """Columns in the order to read values, and their grid positions (``None``: no usable geometry).

    Normally the template's order.  A header that prints the columns in another order is
    believed only when the first data row's values sit exactly under its labels.
    """
    values = {i for i, cell in enumerate(first_row) if i >= start and cell.text.strip() and cell.origin is None}
    if len(positions) < len(APPLICANT_COLUMNS) and (len(positions) < 2 or len(values) == len(APPLICANT_COLUMNS)):
        # header labels not (all) recognised, but the row holds the template's seven values
        return list(APPLICANT_COLUMNS), None
    columns = [k for k in APPLICANT_COLUMNS if k in positions]
    geometry = tuple([positions[k] for k in columns])
    if all(b > a for a, b in itertools.pairwise(geometry)) or len(set(geometry)) < len(geometry):
        return columns, geometry
    printed = sorted(columns, key=positions.__getitem__)
    if values == set(geometry):
        return printed, tuple([positions[k] for k in printed])
    return columns, geometry


def _add_wrapped_labels(header_rows: list[list[GridCell]], positions: dict[str, int]) -> None:
    """Labels wrapped over header rows as separate cells ("自然" above "人", as PDF grids give them)."""
    width = max((len(row) for row in header_rows), default=0)
    for i in range(width):
        if i in positions.values():
            continue
        pieces = [row[i].text for row in header_rows if i < len(row) and row[i].origin is None and row[i].text]
        key = _applicant_key("".join(pieces)) if len(pieces) > 1 else None
        if key and key not in positions:
            positions[key] = i


def _blank_data_row(cells: list[GridCell]) -> bool:
    """A row with a label and blank cells after it (not a repeated header: no applicant label in it)."""
    start = label_end(cells)
    return 0 < start < len(cells) and not any(_applicant_key(c.text) for c in cells)


def read_applications(rows: list[list[GridCell]], tables: Tables) -> None:
    positions: dict[str, int] = {}
    state = RowState()
    data_started = False
    columns: list[str] = list(APPLICANT_COLUMNS)
    geometry: tuple[int, ...] | None = None
    header_rows: list[list[GridCell]] = []
    for cells in rows:
        start, valued = row_shape(cells)
        if not valued:
            if data_started and _blank_data_row(cells):
                # a result row printed with every cell blank: its columns are NULL, not absent
                key, label = state.read_label(cells, start)
                if key not in ("unrecognized", "other"):
                    chosen, _unused = align(cells, start, geometry, len(columns))
                    values = {col: _value(cell or GridCell("")) for col, cell in zip(columns, chosen, strict=True)}
                    tables.applications.append(ApplicationRow(row_key=key, row_label=label, cells=values))
                continue
            if not data_started:
                header_rows.append(cells)
                for i, cell in enumerate(cells):
                    key = _applicant_key(cell.text)
                    if key and cell.origin is None and key not in positions:
                        positions[key] = i
            state.observe_label_row(cells)
            continue
        if start == 0:
            continue  # values without any label cannot be placed
        if not data_started:
            _add_wrapped_labels(header_rows, positions)
            columns, geometry = _applicant_columns(positions, cells, start)
        data_started = True
        key, label = state.read_label(cells, start)
        chosen, unused = align(cells, start, geometry, len(columns))
        if unused:
            tables.notes.append(_unused_note("applications", label, unused))
        values = values_of(columns, chosen)
        tables.applications.append(ApplicationRow(key, label, values))
        if key in ("other_no_correction", "other_unpaid_fee", "other_other"):
            tables.template_votes["2021"] += 1
        elif key == "other":
            tables.template_votes["2019"] += 1


# ---------------------------------------------------------------------------------------------
# Section 四: review and litigation

_OUTCOME_LABELS = (
    ("upheld", ("结果维持", "维持")),
    ("corrected", ("结果纠正", "纠正")),
    ("other", ("其他结果",)),
    ("pending", ("尚未审结", "未审结")),
    ("total", ("总计", "合计")),
)
_PROCEEDING_LABELS = (
    ("litigation_direct", ("未经复议直接起诉", "直接起诉")),
    ("litigation_after_review", ("复议后起诉",)),
    ("administrative_review", ("行政复议",)),
)


@lru_cache(maxsize=65536)
def _outcome_candidates(text: str) -> tuple[str, ...]:
    """Outcome keys a (possibly truncated) header label can stand for: ``结果`` → upheld or corrected."""
    norm = compact(text)
    if not norm or len(norm) > 8:
        return ()
    exact = tuple(key for key, labels in _OUTCOME_LABELS if any(label in norm for label in labels))
    if exact:
        return exact
    return tuple(key for key, labels in _OUTCOME_LABELS if any(label.startswith(norm) for label in labels))


@lru_cache(maxsize=65536)
def _proceeding_of(text: str) -> str | None:
    norm = compact(text)
    for key, labels in _PROCEEDING_LABELS:
        if any(label in norm for label in labels):
            return key
    return None


@lru_cache(maxsize=65536)
def _review_label(text: str) -> tuple[str | None, tuple[str, ...]]:
    """(proceeding, outcome candidates) a header cell of section 四 names; neither for a blank cell."""
    if not text.strip():
        return None, ()
    proceeding = _proceeding_of(text)
    return proceeding, () if proceeding is not None else _outcome_candidates(text)


def _resolve_group(candidates: list[tuple[str, ...]]) -> list[str]:
    """Outcome keys for consecutive header labels, resolving truncated ones by the printed order."""
    keys: list[str] = []
    for offset, options in enumerate(candidates):
        expected = OUTCOME_COLUMNS[offset % len(OUTCOME_COLUMNS)]
        keys.append(expected if expected in options or len(options) != 1 else options[0])
    return keys


def _blank_proceeding_row(cells: list[GridCell]) -> bool:
    """A proceeding's row printed with every outcome cell blank (one row per proceeding layout)."""
    start = label_end(cells)
    if not 0 < start < len(cells) or any(_outcome_candidates(c.text) for c in cells):
        return False
    return _proceeding_of(join_lines(c.text for c in cells[:start])) is not None


def read_review(rows: list[list[GridCell]], tables: Tables) -> None:
    outcome_cells: list[tuple[int, tuple[str, ...]]] = []
    proceedings: list[str] = []
    data_rows: list[list[GridCell]] = []
    for cells in rows:
        if has_values(cells) or (outcome_cells and _blank_proceeding_row(cells)):
            data_rows.append(cells)
            continue
        if data_rows:
            continue
        for i, cell in enumerate(cells):
            if cell.origin is not None:
                continue
            proceeding, options = _review_label(cell.text)
            if proceeding is not None:
                if proceeding not in proceedings:
                    proceedings.append(proceeding)
            elif options:
                outcome_cells.append((i, options))
    if not data_rows:
        return
    ordered_proceedings = [p for p in proceedings if p != "administrative_review"]
    if "administrative_review" in proceedings or not proceedings:
        ordered_proceedings.insert(0, "administrative_review")
    for p in PROCEEDINGS:
        if p not in ordered_proceedings:
            ordered_proceedings.append(p)

    # Transposed layout: one row per proceeding, outcome columns across.
    transposed = [(r, _proceeding_of(join_lines(c.text for c in r[: label_end(r)]))) for r in data_rows]
    if all(label_end(r) > 0 and p for r, p in transposed):
        group = outcome_cells[: len(OUTCOME_COLUMNS)]
        keys = _resolve_group([o for _, o in group]) if group else list(OUTCOME_COLUMNS)
        for cells, proceeding in transposed:
            start = label_end(cells)
            chosen, unused = align(cells, start, tuple([p for p, _ in group]) if group else None, len(keys))
            if unused:
                tables.notes.append(_unused_note("review_litigation", proceeding, unused))
            values = values_of(keys, chosen)
            tables.review_litigation.append(ReviewRow(proceeding=proceeding, cells=values))
        return

    cells = data_rows[0]
    start = label_end(cells)
    value_count = sum(1 for c in cells[start:] if c.text.strip())
    full = len(PROCEEDINGS) * len(OUTCOME_COLUMNS)
    if len(outcome_cells) == full:
        keys = _resolve_group([o for _, o in outcome_cells])
        geometry = tuple([p for p, _ in outcome_cells])
    else:
        if outcome_cells and value_count == full:
            tables.notes.append(
                f"review_litigation: header shows {len(outcome_cells)} outcome labels for {value_count} values; "
                "read in the template's column order"
            )
        keys = list(OUTCOME_COLUMNS) * len(PROCEEDINGS)
        geometry = None
    chosen, unused = align(cells, start, geometry, len(keys))
    if unused:
        tables.notes.append(_unused_note("review_litigation", "data", unused))
    per_proceeding: dict[str, dict[str, Value]] = {}
    last = len(ordered_proceedings) - 1
    for index, (key, cell) in enumerate(zip(keys, chosen, strict=True)):
        if cell is not None:
            proceeding = ordered_proceedings[min(index // len(OUTCOME_COLUMNS), last)]
            per_proceeding.setdefault(proceeding, {})[key] = _value(cell)
    for proceeding in ordered_proceedings:
        if proceeding in per_proceeding:
            tables.review_litigation.append(ReviewRow(proceeding=proceeding, cells=per_proceeding[proceeding]))


def read_tables(blocks, row_lines: dict[int, list[str]] | None = None) -> Tables:
    """``row_lines``: each grid's rows as tab-separated lines, by ``id(grid)``, when the caller made them."""
    tables = Tables()
    located = locate(blocks, row_lines)
    if located[DISCLOSURE]:
        read_disclosure(located[DISCLOSURE], tables)
        if tables.active_disclosure:
            tables.found.add(DISCLOSURE)
    if located[APPLICATIONS]:
        read_applications([row for row, _text in located[APPLICATIONS]], tables)
        if tables.applications:
            tables.found.add(APPLICATIONS)
    if located[REVIEW]:
        read_review([row for row, _text in located[REVIEW]], tables)
        if tables.review_litigation:
            tables.found.add(REVIEW)
    return tables
