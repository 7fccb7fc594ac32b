"""Label normalisation and matching, tried on systematic variants of every canonical label."""

from __future__ import annotations

import dataclasses
import itertools

import pytest

from parsers.model import GridCell, Value
from parsers.report.labels import compact, grid_cell, make_value, parse_number, split_numbered, values_of
from parsers.report.tables import APPLICATION_ROWS, GROUPS, RowState

GROUP_PRINTED = {
    "denied": "（三）不予公开",
    "unavailable": "（四）无法提供",
    "rejected": "（五）不予处理",
    "other": "（六）其他处理",
}
NUMBERING = {
    1: ("{n}、", "{n}、 "),
    2: ("（{n}）", "({n})", "（{n}) ", " ( {n} ) "),
    3: ("{n}.", "{n}．", "{n}、", "{n} . "),
}
CN = "一二三四五六七八九"


def _spaced(text: str) -> str:
    return "\u3000".join(text[:2]) + " " + text[2:]


def _full_width(text: str) -> str:
    return text.replace("(", "（").replace(")", "）").replace(",", "，")


def _variants(label: str):
    """The same label as different reports print it."""
    yield label
    yield _spaced(label)
    yield _full_width(label)
    yield label + " "
    yield "\xa0" + label


def _row_cases():
    index_in_group: dict[str | None, int] = {}
    for key, group, label in APPLICATION_ROWS:
        index_in_group[group] = index_in_group.get(group, 0) + 1
        n = index_in_group[group]
        for variant, style in itertools.product(_variants(label), range(4)):
            if group in GROUP_PRINTED:
                number = NUMBERING[3][style % len(NUMBERING[3])].format(n=n)
                yield key, [GROUP_PRINTED[group], number + variant]
            elif key in ("granted", "partially_granted"):
                number = NUMBERING[2][style % len(NUMBERING[2])].format(n=CN[n - 1])
                yield key, ["三、本年度办理结果", number + variant]
            elif key == "total_processed":
                number = NUMBERING[2][style % len(NUMBERING[2])].format(n="七")
                yield key, ["", number + variant]
            else:
                order = {"new_received": 0, "carried_over": 1, "carried_forward": 3}[key]
                number = NUMBERING[1][style % len(NUMBERING[1])].format(n=CN[order])
                yield key, [number + variant]


ROW_CASES = list(_row_cases())


@pytest.mark.parametrize(("key", "label_cells"), ROW_CASES)
def test_every_row_label_variant_finds_its_key(key, label_cells):
    state = RowState()
    if key == "total_processed":
        state.group = "other"  # the row after （六）其他处理 3.其他
    cells = [GridCell(text) for text in label_cells] + [GridCell("0")]
    assert state.read_label(cells, len(label_cells))[0] == key


@pytest.mark.parametrize(
    ("group_label", "item", "key"),
    [
        ("（三）不予公开", "3.危机“三安全一稳定”", "denied_security_stability"),
        ("（三）不予公开", "2.其他法律法规禁止公开", "denied_prohibited_by_law"),
        ("（三）不予公开", "7.属于行政法案卷", "denied_enforcement_files"),
        ("（四）无法提供", "1.本机不掌握相关政府信息", "unavailable_not_held"),
        ("（四）无法提供", "2.没有现成信息需另行制作", "unavailable_needs_creation"),
        ("", "二、上年结转政府信息公开数量", "carried_over"),
        ("", "一、本年新收到政府信息公开申请数量", "new_received"),
        ("（六）其他处理", "3.其他", "other_other"),
        ("", "（六）其他处理", "other"),
        ("", "（八）与本表无关的一行", "unrecognized"),
    ],
)
def test_typos_and_variants(group_label, item, key):
    state = RowState()
    cells = [GridCell(group_label), GridCell(item), GridCell("1")]
    assert state.read_label(cells, 2)[0] == key


def test_group_is_remembered_across_rows():
    state = RowState()
    assert (
        state.read_label([GridCell("（五）不予处理"), GridCell("2.重复申请"), GridCell("0")], 2)[0]
        == "rejected_duplicate"
    )
    assert (
        state.read_label([GridCell(""), GridCell("3.要求提供公开出版物"), GridCell("0")], 2)[0]
        == "rejected_publication"
    )


@pytest.mark.parametrize("label", [label for _, _, label in APPLICATION_ROWS] + list(GROUPS.values()))
def test_compact_ignores_width_spacing_and_punctuation(label):
    forms = {compact(v) for v in _variants(label)} | {compact(_full_width(_spaced(label)))}
    assert forms == {compact(label)}


@pytest.mark.parametrize(
    ("text", "segments"),
    [
        (
            "三、本年度办理结果（三）不予公开1.属于国家秘密",
            [(1, "本年度办理结果"), (2, "不予公开"), (3, "属于国家秘密")],
        ),
        ("(七) 总计", [(2, "总计")]),
        ("2．重复申请", [(3, "重复申请")]),
        ("部分公开（区分处理的）", [(0, "部分公开（区分处理的）")]),
    ],
)
def test_split_numbered(text, segments):
    assert [(level, compact(t)) for level, t in split_numbered(text)] == [(level, compact(t)) for level, t in segments]


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        ("0", 0.0),
        ("12", 12.0),
        ("１２", 12.0),
        ("-2", -2.0),
        ("－2", -2.0),
        ("1,234", 1234.0),
        ("0.0000", 0.0),
        ("251000元", 251000.0),
        ("25.1 万元", 25.1),
        (" 7 ", 7.0),
        ("", None),
        ("—", None),
        ("——", None),
        ("-", None),
        ("－", None),
        ("/", None),
        ("／", None),
        ("无", None),
        ("1.", None),
        ("约3件", None),
        ("三", None),
    ],
)
def test_numbers_as_printed(raw, number):
    value = make_value(raw)
    assert value.value == number
    assert value.raw == raw  # the printed text is kept exactly
    assert parse_number(raw) == number


def test_fast_constructors_build_the_same_frozen_objects():
    """grid_cell/make_value/values_of fill the instance dict directly: every field must be there."""
    cell = grid_cell("12", "html table 1 row 2 col 3", (1, 2))
    assert cell == GridCell("12", "html table 1 row 2 col 3", (1, 2))
    assert vars(cell) == dataclasses.asdict(GridCell("12", "html table 1 row 2 col 3", (1, 2)))
    assert make_value("1,234", "p. 3", True) == Value(1234.0, "1,234", "p. 3", True)
    assert vars(make_value("—")) == dataclasses.asdict(Value(None, "—"))
    ocr_cell = GridCell("７", "page 1", ocr=True)
    values = values_of(("upheld", "corrected", "other"), [cell, None, ocr_cell])
    assert values == {"upheld": Value(12.0, "12", cell.source), "other": Value(7.0, "７", "page 1", True)}
    assert all(vars(value) == dataclasses.asdict(value) for value in values.values())
    assert hash(values["upheld"]) == hash(Value(12.0, "12", cell.source))
