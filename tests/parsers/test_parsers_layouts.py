"""Text renderings of tables, HTML grids and region lookup, on small inputs written for each case."""

from __future__ import annotations

from pathlib import Path

import pytest

from parsers.formats.html import read as read_html
from parsers.formats.text import text_to_blocks
from parsers.model import Grid, Paragraph
from parsers.regions import find_region, region_of_host

ROOT = Path(__file__).resolve().parents[2]


def _grids(blocks):
    return [[[c.text for c in row] for row in b.rows] for b in blocks if isinstance(b, Grid)]


def test_tab_separated_rows_survive_a_blank_line_inside_the_table():
    text = "三、收到\n\n标签\t\t自然人\t总计\n一、本年新收\t\t1\t1\n\n\t\t2.重复申请\t0\t0\n四、下一节\n"
    blocks = text_to_blocks(text)
    assert [type(b).__name__ for b in blocks] == ["Paragraph", "Grid", "Paragraph"]
    assert _grids(blocks) == [
        [["标签", "", "自然人", "总计", ""], ["一、本年新收", "", "1", "1", ""], ["", "", "2.重复申请", "0", "0"]]
    ]


def test_pipe_cells_span_lines_and_pipe_runs_are_padding():
    text = (
        "二、主动公开\n"
        "| 信息内容\n|\n本年\n制发件数\n|\n||\n"
        "| 规章 |\n0 |\n|||\n"
        "三、收到和处理\n"
        "| 行政复议\n|\n0\n|\n1\n五、存在的主要问题\n"
    )
    blocks = text_to_blocks(text)
    kinds = [type(b).__name__ for b in blocks]
    assert kinds == ["Paragraph", "Grid", "Paragraph", "Grid", "Paragraph"]
    first, second = _grids(blocks)
    assert first == [["信息内容", "本年制发件数"], ["规章", "0"]]
    assert second == [["行政复议", "0", "1"]]  # the last cell is not closed by a pipe
    assert blocks[-1].text == "五、存在的主要问题"


def test_one_cell_per_line_with_continuations():
    text = "二、主动公开\n\n\t信息内容\n\t本年新\n制作数量\n\t对外公开\n总数量\n\n\t规章\n\t0\n\t\n\n\n三、收到\n"
    blocks = text_to_blocks(text)
    assert _grids(blocks) == [[["信息内容", "本年新制作数量", "对外公开总数量"], ["规章", "0", ""]]]
    assert isinstance(blocks[-1], Paragraph) and blocks[-1].text == "三、收到"


def test_html_rowspan_colspan_expand_with_origins():
    page = (
        "<html><body><div id='zoom'><p>x</p><table>"
        "<tr><td rowspan='2' colspan='2'>A</td><td>B</td></tr>"
        "<tr><td><p>商业</p><p>企业</p></td></tr>"
        "<tr><td>&nbsp;</td><td>1</td><td><span>2</span><span>3</span></td></tr>"
        "</table></div></body></html>"
    ).encode()
    grid = next(b for b in read_html(page).blocks if isinstance(b, Grid))
    assert [[c.text for c in row] for row in grid.rows] == [["A", "A", "B"], ["A", "A", "商业企业"], ["", "1", "23"]]
    assert [[c.origin for c in row] for row in grid.rows][:2] == [[None, (0, 0), None], [(0, 0), (0, 0), None]]
    assert grid.rows[2][1].source == "html table 1 row 3 col 2"


def test_html_layout_table_is_read_through_and_metadata_block_found():
    page = (
        "<html><head><meta name='PubDate' content='2023-02-01'></head><body>"
        "<table class='meta'><tr><td>索\u3000引\u3000号：</td><td>ABC/2023-1</td>"
        "<td>发布机构：</td><td><span>某某局</span></td></tr></table>"
        "<div class='article-content'><table><tr><td><p>正文第一段，本机关全年主动公开政府信息。</p>"
        "<table><tr><td>规章</td><td>0</td></tr></table></td></tr></table></div>"
        "<ul><li><span>发布日期：</span>2023-01-31</li></ul></body></html>"
    ).encode()
    document = read_html(page)
    assert document.metadata["索引号"] == "ABC/2023-1"
    assert document.metadata["发布机构"] == "某某局"
    assert document.metadata["发布日期"] == "2023-01-31"
    assert document.metadata["PubDate"] == "2023-02-01"
    first = document.blocks[0]
    assert isinstance(first, Paragraph)
    assert first.text == "正文第一段，本机关全年主动公开政府信息。"
    assert _grids(document.blocks) == [[["规章", "0"]]]


def test_html_body_falls_back_to_the_largest_text_block():
    paragraphs = "".join(f"<p>第{i}段正文内容，足够长的一段话。</p>" for i in range(5))
    page = f"<html><body><div><a href='/'>首页</a><a href='/a'>导航</a></div><div>{paragraphs}</div></body></html>"
    document = read_html(page.encode())
    assert [b.text for b in document.blocks] == [f"第{i}段正文内容，足够长的一段话。" for i in range(5)]


@pytest.mark.parametrize(
    ("text", "url", "expected"),
    [
        ("湛河区住建局", None, ("河南省", "平顶山市", "湛河区", "410411")),
        ("韶关市浈江区人民政府办公室", None, ("广东省", "韶关市", "浈江区", "440204")),
        ("朝阳区教育局", None, (None, None, None, None)),  # 北京 and 长春 both have one
        ("朝阳区教育局", "https://jw.beijing.gov.cn/x.html", ("北京市", None, "朝阳区", "110105")),
        ("长春市朝阳区教育局", None, ("吉林省", "长春市", "朝阳区", "220104")),
        ("区教育局", "http://www.sg.gov.cn/a.html", ("广东省", "韶关市", None, "440200")),
        ("广东省教育考试院", None, ("广东省", None, None, "440000")),
        ("教育部", None, (None, None, None, None)),
    ],
)
def test_region_lookup(text, url, expected):
    region = find_region(text, url)
    assert (region.province, region.city, region.county, region.code) == expected


def test_host_table_prefers_the_longest_suffix():
    assert region_of_host("http://www.gd.gov.cn/x") == "440000"
    assert region_of_host("https://www.gz.gov.cn/y") == "440100"
    assert region_of_host("https://example.org/") is None


def test_space_aligned_rows_become_a_grid_only_when_they_hold_numbers():
    text = (
        "二、主动公开政府信息情况\n"
        "信息内容    本年制发件数    本年废止件数    现行有效件数\n"
        "规章    0    0    0\n"
        "行政规范性文件    3    1    12\n"
        "这是一段  普通的  文字\n"
    )
    blocks = text_to_blocks(text)
    assert _grids(blocks) == [
        [
            ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
            ["规章", "0", "0", "0"],
            ["行政规范性文件", "3", "1", "12"],
        ]
    ]
    assert blocks[-1].text == "这是一段  普通的  文字"


def test_transposed_review_table_one_row_per_proceeding():
    from parsers.report.tables import read_tables

    text = (
        "四、政府信息公开行政复议、行政诉讼情况\n"
        "类别\t结果维持\t结果纠正\t其他结果\t尚未审结\t总计\n"
        "行政复议\t1\t0\t0\t0\t1\n"
        "未经复议直接起诉\t0\t0\t0\t2\t2\n"
        "复议后起诉\t0\t1\t0\t—\t1\n"
    )
    tables = read_tables(text_to_blocks(text))
    assert {
        r.proceeding: [r.cells[k].raw for k in ("upheld", "corrected", "other", "pending", "total")]
        for r in tables.review_litigation
    } == {
        "administrative_review": ["1", "0", "0", "0", "1"],
        "litigation_direct": ["0", "0", "0", "2", "2"],
        "litigation_after_review": ["0", "1", "0", "—", "1"],
    }


@pytest.mark.parametrize(
    ("agency", "kind", "level"),
    [
        ("教育部", "department", "national"),
        ("海关总署", "department", "national"),
        ("北京市城市管理委员会", "department", "province"),
        ("苏州工业园区管理委员会", "development_zone", "prefecture"),
        ("重庆市九龙坡区二郎街道办事处", "street_office", "township"),
        ("肖家庄镇人民政府", "township", "township"),
        ("三都水族自治县人民政府", "government", "county"),
        ("韶关市浈江区人民政府办公室", "government_office", "county"),
    ],
)
def test_body_kind_and_level(agency, kind, level):
    from parsers.report.metadata import body_kind, level_of

    assert body_kind(agency) == kind
    assert level_of(agency, kind, find_region(agency)) == level


def test_gov_cn_metadata_table_with_wrapped_labels():
    page = (
        "<html><body><table>"
        "<tr><td><b>索 引 号：</b></td><td>000014349/2023-00001</td><td><b>主题分类：</b></td><td>综合政务</td></tr>"
        "<tr><td><b>发文机关：</b></td><td>国务院办公厅</td><td><b>成文日期：</b></td><td>2023年01月20日</td></tr>"
        "<tr><td><b>标\u3000\u3000题：</b></td><td colspan=3>国务院办公厅2022年政府信息公开工作年度报告</td></tr>"
        "</table><div id='UCAP-CONTENT'><p>一、总体情况</p><p>2022年，国务院办公厅坚持以公开为常态。</p></div>"
        "</body></html>"
    ).encode()
    document = read_html(page)
    assert document.metadata == {
        "索引号": "000014349/2023-00001",
        "主题分类": "综合政务",
        "发文机关": "国务院办公厅",
        "成文日期": "2023年01月20日",
        "标题": "国务院办公厅2022年政府信息公开工作年度报告",
    }
    assert [b.text for b in document.blocks] == ["一、总体情况", "2022年，国务院办公厅坚持以公开为常态。"]


def test_applicant_columns_printed_in_another_order_are_matched_by_label():
    from parsers.report.tables import read_tables

    text = (
        "三、收到和处理政府信息公开申请情况\n"
        "项目\t总计\t其他\t自然人\t商业企业\t科研机构\t社会公益组织\t法律服务机构\n"
        "一、本年新收政府信息公开申请数量\t9\t1\t5\t2\t0\t0\t1\n"
        "二、上年结转政府信息公开申请数量\t1\t0\t1\t0\t0\t0\t0\n"
    )
    rows = {r.row_key: {k: v.raw for k, v in r.cells.items()} for r in read_tables(text_to_blocks(text)).applications}
    assert rows["new_received"] == {
        "natural_person": "5",
        "commercial_enterprise": "2",
        "research_institution": "0",
        "social_welfare_org": "0",
        "legal_service_org": "1",
        "other_org": "1",
        "total": "9",
    }
    assert rows["carried_over"]["natural_person"] == "1" and rows["carried_over"]["total"] == "1"


def test_simplified_applicant_header_reads_only_the_labelled_columns():
    from parsers.report.tables import read_tables

    text = (
        "三、收到和处理政府信息公开申请情况\n"
        "项目\t自然人\t法人或其他组织\t总计\n"
        "一、本年新收政府信息公开申请数量\t5\t2\t7\n"
    )
    tables = read_tables(text_to_blocks(text))
    row = tables.applications[0]
    assert {k: v.raw for k, v in row.cells.items()} == {"natural_person": "5", "total": "7"}
    assert "not used: '2'" in tables.notes[0]  # 法人或其他组织 has no column of its own in the schema
