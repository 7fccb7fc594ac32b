"""CMS adapters, discovery and the report classifier on small byte-exact fixture pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from parsers.cms import detect, gkmlpt, hanweb, trs, vsb
from parsers.cms.article import document_type, read_article
from parsers.cms.charset import decode_html
from parsers.cms.classify import ATTACHMENT_HOLDER, LOOKALIKE, NOT_A_REPORT, REPORT, classify_link, classify_page
from parsers.cms.discover import find_report_columns, is_report_column

FIXTURES = Path(__file__).parent / "fixtures"


def page(name: str, content_type: str | None = None) -> str:
    return decode_html((FIXTURES / name).read_bytes(), content_type)


def test_trs_classic_paging_is_zero_based_and_items_keep_full_titles():
    url = "https://csglw.beijing.gov.cn/zwxx/zfxxgk/zfxxgknb/index.html"
    listing = trs.read_list(url, page("trs_classic_list.html"))
    folder = "https://csglw.beijing.gov.cn/zwxx/zfxxgk/zfxxgknb/"
    assert [f.url for f in listing.lists if "index" in f.url] == [
        folder + "index.html",
        folder + "index_1.html",
        folder + "index_2.html",
    ]
    assert folder + "2022n/" in [f.url for f in listing.lists]  # a year sub-column
    assert listing.items[0].url == folder + "202401/t20240122_1129303.html"
    assert listing.items[0].text == "北京市城市管理委员会2023年政府信息公开工作年度报告"
    assert listing.items[0].date == "2024-01-22"
    assert listing.column_name == "政府信息公开年报"
    assert detect("https://x/", page("trs_classic_list.html")) == "trs"


def test_page_div_dialect_is_one_based():
    url = "https://www.hlj.gov.cn/hlj/c108463/zfxxgknb.shtml"
    listing = trs.read_list(url, page("channel_page_div.html"))
    assert [f.url for f in listing.lists] == [
        "https://www.hlj.gov.cn/hlj/c108463/zfxxgknb.shtml",
        "https://www.hlj.gov.cn/hlj/c108463/zfxxgknb_2.shtml",
        "https://www.hlj.gov.cn/hlj/c108463/zfxxgknb_3.shtml",
        "https://www.hlj.gov.cn/hlj/c108463/zfxxgknb_4.shtml",
    ]
    assert listing.items[0].url.endswith("/202401/3336b987e2a8fc2c7cc842b831ec3fda.shtml")


def test_hanweb_records_come_from_cdata_and_paging_from_dataproxy_post():
    url = "https://www.nbjb.gov.cn/col/col1229214366/index.html"
    listing = hanweb.read_list(url, page("hanweb_column.html"))
    assert [item.url for item in listing.items] == [
        "https://www.nbjb.gov.cn/art/2024/1/16/art_1229214366_86714.html",
        "https://www.nbjb.gov.cn/art/2023/1/20/art_1229214366_70001.html",
    ]
    assert listing.items[0].text == "江北区人民政府办公室2023年政府信息公开工作年度报告"
    # 2 records shown of 7; groups of 3 × perpage (perpage 1) from record 3 on.
    assert [(f.method, f.url.split("?")[1]) for f in listing.lists] == [
        ("POST", "startrecord=3&endrecord=5&perpage=1"),
        ("POST", "startrecord=6&endrecord=8&perpage=1"),
    ]
    form = dict(listing.lists[0].form)
    assert form["columnid"] == "1229214366" and form["unitid"] == "7406187" and form["webid"] == "77"
    assert listing.lists[0].url.startswith("https://www.nbjb.gov.cn/module/web/jpage/dataproxy.jsp?")
    assert detect(url, page("hanweb_column.html")) == "hanweb"


def test_hanweb_dataproxy_reply_without_total_asks_for_the_next_full_group():
    url = "https://www.nbjb.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=3&endrecord=5&perpage=1"
    listing = hanweb.read_list(url, page("hanweb_dataproxy.xml"))
    assert len(listing.items) == 3
    assert [f.url.split("?")[1] for f in listing.lists] == ["startrecord=6&endrecord=8&perpage=1"]


def test_gkmlpt_config_leads_to_the_api_and_the_api_pages_until_the_count():
    index = "http://www.zhenjiang.gov.cn/gkmlpt/index"
    listing = gkmlpt.read_list(index, page("gkmlpt_index.html"))
    assert listing.lists[0].url == "http://www.zhenjiang.gov.cn/gkmlpt/api/all/2991?page=1&sid=755034"
    api = listing.lists[0].url
    reply = gkmlpt.read_list(api, page("gkmlpt_api.json"))
    assert [item.date for item in reply.items] == ["2024-01-20", "2024-02-01"]
    assert [f.url for f in reply.lists] == ["http://www.zhenjiang.gov.cn/gkmlpt/api/all/2991?page=2&sid=755034"]
    last = gkmlpt.read_list(api.replace("page=1", "page=3"), page("gkmlpt_api.json"))
    assert last.lists == []  # 3 pages × 2 ≥ 5 posts
    # A department sub-path keeps its prefix.
    assert gkmlpt.api_fetch("http://a.gov.cn/yjzjj/gkmlpt/annualreport#7", "7", "1", 1).url == (
        "http://a.gov.cn/yjzjj/gkmlpt/api/all/7?page=1&sid=1"
    )


def test_vsb_gbk_list_without_charset_header():
    text = page("vsb_list_gbk.html", "text/html")
    assert "兰山区人民政府办公室" in text
    url = "http://www.lanshan.gov.cn/list.jsp?urltype=tree.TreeTempUrl&wbtreeid=1021"
    listing = vsb.read_list(url, text)
    assert [item.url for item in listing.items] == [
        "http://www.lanshan.gov.cn/info/1021/3873.htm",
        "http://www.lanshan.gov.cn/info/1021/6587.htm",
    ]
    assert classify_link(listing.items[1].text).kind == LOOKALIKE
    assert "http://www.lanshan.gov.cn/list.jsp?urltype=tree.TreeTempUrl&wbtreeid=1021&PAGENUM=2" in [
        f.url for f in listing.lists
    ]
    assert detect(url, text) == "vsb"


def test_discovery_goes_through_the_gateway_to_the_nianbao_column():
    home = find_report_columns("http://x.gov.cn/index.html", page("home_page.html"))
    assert [(c.link.url, c.score) for c in home] == [("http://x.gov.cn/zwgk/index.html", 1)]
    columns = find_report_columns("http://x.gov.cn/zwgk/index.html", page("zhuanlan_page.html"))
    assert [(c.link.url, c.score) for c in columns] == [("http://x.gov.cn/zwgk/zfxxgknb/index.html", 3)]
    assert not is_report_column("http://x.gov.cn/zwgk/index.html", page("zhuanlan_page.html"))
    assert is_report_column("http://x.gov.cn/a/index.html", page("trs_classic_list.html"))  # ColumnName
    assert is_report_column("https://www.tj.gov.cn/zwgk/zfxxgkzl/gknb/", "<html></html>")  # path token


def test_attachment_holder_page_and_document_types():
    article = read_article("http://x.gov.cn/zwgk/gknb/1/index.html", page("attachment_holder.html"))
    assert article.verdict.kind == ATTACHMENT_HOLDER
    assert [a.url for a in article.attachments] == [
        "http://x.gov.cn/attachment/0/43/43399.pdf",
        "http://x.gov.cn/download?fileName=abc123",
    ]
    assert document_type("http://x/attachment/0/1/2.pdf") == "pdf"
    assert (
        document_type(
            "http://x/download?fileName=abc", disposition="attachment; filename*=UTF-8''%E6%8A%A5%E5%91%8A.docx"
        )
        == "docx"
    )
    assert document_type("http://x/download?fileName=abc", "年度报告.wps") == "wps"
    assert document_type("http://x/getfile?id=1", content_type="application/pdf") == "pdf"
    assert document_type("http://x/page.html", "新闻") is None


def test_attachments_found_among_hundreds_of_navigation_links():
    navigation = "".join(f'<li><a href="/col/col{i}/index.html">栏目{i}</a></li>' for i in range(300))
    body = (
        '<a href="files/report.PDF">年度报告</a>'  # extension in the URL
        '<a href="/getfile?id=7">2023年报告.docx</a>'  # extension only in the link text
        '<a href="/download/8">附件：统计表</a>'  # download path and 附件
        '<a href="/x?name=%E6%8A%A5%E5%91%8A%2Ewps">报告</a>'  # extension percent-encoded in the query
        '<a href="?page=2" title="报告">报告</a>'  # query only: keeps the base path, which is a PDF
        '<a href="/col/col9/index.html">上一篇</a>'
    )
    html = f"<html><head><title>报告</title></head><body><ul>{navigation}</ul><div id=zoom>{body}</div></body></html>"
    article = read_article("http://x.gov.cn/art/2024/1/a.pdf", html)
    assert [a.url for a in article.attachments] == [
        "http://x.gov.cn/art/2024/1/files/report.PDF",
        "http://x.gov.cn/getfile?id=7",
        "http://x.gov.cn/download/8",
        "http://x.gov.cn/x?name=%E6%8A%A5%E5%91%8A%2Ewps",
        "http://x.gov.cn/art/2024/1/a.pdf?page=2",
    ]


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("关于印发《中华人民共和国政府信息公开工作年度报告格式》的通知", LOOKALIKE),
        ("湛河区2022年政府信息公开工作年度报告解读", LOOKALIKE),
        ("绥化市人民政府门户网站2023年政府网站工作年度报表", LOOKALIKE),
        ("兰山区财政局2022年度部门决算", LOOKALIKE),
        ("转发：水利部2022年政府信息公开工作年度报告", LOOKALIKE),
        ("某某镇2023年度信息公开工作年度报告制度", LOOKALIKE),
        ("XX大学2023年信息公开年度报告", LOOKALIKE),
    ],
)
def test_lookalike_titles(title, kind):
    assert classify_page(title, "一、总体情况 二、主动公开政府信息情况", has_document_links=False).kind == kind


def test_report_needs_body_signals():
    title = "湛河区住房和城乡建设局2023年政府信息公开工作年度报告"
    assert classify_page(title, "一、总体情况 …… 本列数据的勾稽关系为", has_document_links=False).kind == REPORT
    assert classify_page(title, "页面正在建设中", has_document_links=False).kind == NOT_A_REPORT
    assert classify_page(title, "附件：报告.pdf", has_document_links=True).kind == ATTACHMENT_HOLDER
    assert classify_link(title) is None
