"""Charset (BOM > <meta> > header > gb18030, a wrong header never beats the page) and robots.txt."""

from __future__ import annotations

from crawl_test_helpers import query, xxgknb
from scrapy.http import HtmlResponse, Request

from parsers.cms.charset import decode_html, detect_encoding
from spiders.middlewares import CharsetMiddleware

PAGE = '<html><head><meta charset="{meta}"><title>政府信息公开工作年度报告</title></head><body>总体情况</body></html>'


def test_meta_beats_a_wrong_header():
    body = PAGE.format(meta="utf-8").encode("utf-8")
    assert detect_encoding(body, "text/html; charset=gbk") == "utf-8"
    gbk = PAGE.format(meta="gb2312").encode("gbk")
    assert detect_encoding(gbk, "text/html; charset=utf-8") == "gb18030"
    assert "年度报告" in decode_html(gbk, "text/html; charset=utf-8")


def test_bom_header_and_fallback_order():
    bare = "<html><body>政府信息公开年报</body></html>"
    assert detect_encoding(b"\xef\xbb\xbf" + bare.encode("utf-8"), "text/html; charset=gbk") == "utf-8"
    assert detect_encoding(bare.encode("gbk"), "text/html; charset=GBK") == "gb18030"
    # No meta, no header: valid UTF-8 is UTF-8, anything else is read as gb18030.
    assert detect_encoding(bare.encode("utf-8"), "text/html") == "utf-8"
    assert detect_encoding(bare.encode("gbk"), None) == "gb18030"
    # A Latin-1 label on a Chinese portal is the classic wrong header: ignored.
    assert decode_html(bare.encode("gbk"), "text/html; charset=ISO-8859-1") == bare


def test_scrapy_response_decoded_by_the_page_not_the_wrong_header():
    body = PAGE.format(meta="utf-8").encode("utf-8")
    response = HtmlResponse(
        "http://127.0.0.1/r.html",
        body=body,
        headers={"Content-Type": "text/html; charset=gbk"},
        request=Request("http://127.0.0.1/r.html"),
    )
    assert "年度报告" not in response.text  # what Scrapy alone does: the header wins
    fixed = CharsetMiddleware().process_response(response.request, response)
    assert "政府信息公开工作年度报告" in fixed.text


def test_gbk_site_and_wrong_header_page_read_right_by_the_crawl(crawled):
    portal, data, _ = crawled
    manifest = portal.manifest
    gbk_sites = {site["id"] for site in manifest["sites"] if not site["charset_header"] and site["charset"] != "utf-8"}
    assert gbk_sites
    wrong_header = [r for r in manifest["reports"] if r["content_type"] and "ISO-8859-1" in r["content_type"]]
    assert wrong_header
    for report in [r for r in manifest["reports"] if r["site"] in gbk_sites] + wrong_header:
        # The crawler judged the page a report (it could read it) and the corpus title is the real one.
        assert query(data, "SELECT verdict FROM crawl_urls WHERE url = ?", [report["url"]]) == [("report",)]
        assert query(data, "SELECT title FROM reports WHERE url = ?", [report["url"]]) == [(report["title"],)]


def test_robots_disallow_is_obeyed(crawled, tmp_path):
    portal = crawled[0]
    traps = [trap["url"] for trap in portal.manifest["traps"]]
    portal.clear_request_log()
    xxgknb("crawl", "--no-politeness", "--no-build", "--quiet", "--data", str(tmp_path), "--url", traps[0])
    asked = {entry["path"] for entry in portal.request_log}
    assert "/robots.txt" in asked
    assert all(trap.split("/", 3)[3].split("?")[0] not in " ".join(asked) for trap in traps)
    assert query(tmp_path, "SELECT reason FROM crawl_failures WHERE url = ?", [traps[0]]) == [("robots",)]
    assert query(tmp_path, "SELECT failures_robots FROM crawls") == [(1,)]
