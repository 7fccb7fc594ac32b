"""Blank cells are printed cells: every metric / column under a label becomes a row with value NULL and raw ""."""

from __future__ import annotations

from parsers.formats.html import read as read_html
from parsers.formats.text import text_to_blocks
from parsers.model import APPLICANT_COLUMNS
from parsers.report.tables import read_tables

_APPLICANT_HEADER = (
    "<tr><td colspan=2 rowspan=2>申请人情况</td><td rowspan=2>自然人</td><td colspan=5>法人或其他组织</td>"
    "<td rowspan=2>总计</td></tr>"
    "<tr><td>商业企业</td><td>科研机构</td><td>社会公益组织</td><td>法律服务机构</td><td>其他</td></tr>"
)


_APPLICATIONS_START = (
    "<p>三、收到和处理政府信息公开申请情况</p><table>"
    + _APPLICANT_HEADER
    + "<tr><td colspan=2>一、本年新收政府信息公开申请数量</td>"
    "<td>3</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>3</td></tr>"
)


def _html_tables(body: str):
    page = f"<html><head><meta charset='utf-8'></head><body><div class='TRS_Editor'>{body}</div></body></html>"
    return read_tables(read_html(page.encode("utf-8")).blocks)


def _disclosure(tables):
    return {(c.item, c.category, c.metric): (c.value.value, c.value.raw) for c in tables.active_disclosure}


def test_html_colspan_blank_under_two_metrics_gives_two_blank_cells():
    tables = _html_tables(
        "<p>二、主动公开政府信息情况</p><table>"
        "<tr><td colspan=4>第二十条第（一）项</td></tr>"
        "<tr><td>信息内容</td><td>本年制发件数</td><td>本年废止件数</td><td>现行有效件数</td></tr>"
        "<tr><td>规章</td><td>2</td><td colspan=2></td></tr>"
        "<tr><td>行政规范性文件</td><td colspan=3></td></tr>"
        "</table>"
    )
    assert _disclosure(tables) == {
        ("20.1", "regulations", "issued"): (2.0, "2"),
        ("20.1", "regulations", "repealed"): (None, ""),
        ("20.1", "regulations", "in_force"): (None, ""),
        ("20.1", "normative_documents", "issued"): (None, ""),
        ("20.1", "normative_documents", "repealed"): (None, ""),
        ("20.1", "normative_documents", "in_force"): (None, ""),
    }


def test_2021_single_metric_row_left_blank_is_a_null_cell():
    tables = _html_tables(
        "<p>二、主动公开政府信息情况</p><table>"
        "<tr><td colspan=4>第二十条第（五）项</td></tr>"
        "<tr><td>信息内容</td><td colspan=3>本年处理决定数量</td></tr>"
        "<tr><td>行政许可</td><td colspan=3></td></tr>"
        "<tr><td colspan=4>第二十条第（六）项</td></tr>"
        "<tr><td>信息内容</td><td colspan=3>本年处理决定数量</td></tr>"
        "<tr><td>行政处罚</td><td colspan=3>5</td></tr>"
        "<tr><td>行政强制</td><td colspan=3>&nbsp;</td></tr>"
        "</table>"
    )
    assert _disclosure(tables) == {
        ("20.5", "licensing", "decisions"): (None, ""),
        ("20.6", "penalty", "decisions"): (5.0, "5"),
        ("20.6", "coercion", "decisions"): (None, ""),
    }


def test_text_row_with_a_category_and_no_cells_is_blank_not_absent():
    text = "二、主动公开政府信息情况\n第二十条第（六）项\n信息内容\t本年处理决定数量\n行政处罚\t\n行政强制\t3\n"
    assert _disclosure(read_tables(text_to_blocks(text))) == {
        ("20.6", "penalty", "decisions"): (None, ""),
        ("20.6", "coercion", "decisions"): (3.0, "3"),
    }


def test_application_row_printed_all_blank_is_kept_with_null_cells():
    blank = "<td></td>" * 7
    tables = _html_tables(
        _APPLICATIONS_START + f"<tr><td colspan=2>二、上年结转政府信息公开申请数量</td>{blank}</tr>"
        f"<tr><td rowspan=2>三、本年度办理结果</td><td>（一）予以公开</td>{blank}</tr>"
        "<tr><td>（二）部分公开</td><td>1</td><td></td><td></td><td></td><td></td><td></td><td>1</td></tr>"
        "</table>"
    )
    rows = {r.row_key: {k: (v.value, v.raw) for k, v in r.cells.items()} for r in tables.applications}
    assert list(rows) == ["new_received", "carried_over", "granted", "partially_granted"]
    nothing = dict.fromkeys(APPLICANT_COLUMNS, (None, ""))
    assert rows["carried_over"] == nothing
    assert rows["granted"] == nothing
    assert rows["partially_granted"]["natural_person"] == (1.0, "1")
    assert rows["partially_granted"]["commercial_enterprise"] == (None, "")


def test_a_repeated_applicant_header_is_not_a_blank_row():
    tables = _html_tables(_APPLICATIONS_START + _APPLICANT_HEADER + "</table>")
    assert [r.row_key for r in tables.applications] == ["new_received"]


def test_review_row_per_proceeding_printed_blank_is_kept():
    text = (
        "四、政府信息公开行政复议、行政诉讼情况\n"
        "类别\t结果维持\t结果纠正\t其他结果\t尚未审结\t总计\n"
        "行政复议\t1\t0\t0\t0\t1\n"
        "未经复议直接起诉\t\t\t\t\t\n"
        "复议后起诉\t0\t1\t0\t0\t1\n"
    )
    rows = {r.proceeding: r.cells for r in read_tables(text_to_blocks(text)).review_litigation}
    assert list(rows) == ["administrative_review", "litigation_direct", "litigation_after_review"]
    assert {k: (v.value, v.raw) for k, v in rows["litigation_direct"].items()} == dict.fromkeys(
        ("upheld", "corrected", "other", "pending", "total"), (None, "")
    )


def test_applicant_label_wrapped_over_two_header_rows_keeps_its_column():
    # how a PDF grid gives a rowspan=2 header cell whose text wraps: "自然" above "人", two cells
    text = (
        "三、收到和处理政府信息公开申请情况\n"
        "申请人情况\t自然\t法人或其他组织\t\t\t\t\t总计\n"
        "\t人\t商业企业\t科研机构\t社会公益组织\t法律服务机构\t其他\t\n"
        "一、本年新收政府信息公开申请数量\t21\t\t0\t\t2\t2\t25\n"
    )
    row = read_tables(text_to_blocks(text)).applications[0]
    assert {k: v.raw for k, v in row.cells.items()} == {
        "natural_person": "21",
        "commercial_enterprise": "",
        "research_institution": "0",
        "social_welfare_org": "",
        "legal_service_org": "2",
        "other_org": "2",
        "total": "25",
    }
