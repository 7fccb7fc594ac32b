"""Each pagination dialect is internally consistent: totals, page names, ends, and the union of pages."""

from __future__ import annotations

import json
import re
import urllib.parse

import lxml.html
from sample_portal_helpers import fetch


def lists(manifest, dialect):
    return [e for e in manifest["list_pages"] if e["dialect"] == dialect]


def column_items(manifest, site):
    """page URLs (or document URLs) of everything the site's 年报 column should list."""
    reports = [r["page_url"] or r["url"] for r in manifest["reports"] if r["site"] == site and r["must_find"]]
    return set(reports) | {x["url"] for x in manifest["lookalikes"] if x["site"] == site}


def union(entries):
    return [u for e in entries for u in e["items"]]


def test_trs_createpagehtml_is_zero_based(manifest):
    pages = lists(manifest, "trs-createPageHTML-0based")
    assert len(pages) >= 3
    for entry in pages:
        body = fetch(entry["url"]).body.decode()
        total, current = map(int, re.search(r'createPageHTML\((\d+), (\d+), "index", "html"\)', body).groups())
        assert (total, current) == (len(pages), entry["page"])
        expected_name = "index.html" if current == 0 else f"index_{current}.html"
        assert entry["url"].endswith("/" + expected_name)
    assert fetch(pages[0]["url"].replace("index.html", f"index_{len(pages)}.html")).status == 404
    assert sorted(union(pages)) == sorted(column_items(manifest, "trs-city"))


def test_page_div_createpagehtml_is_one_based_and_has_no_links(manifest):
    pages = lists(manifest, "page_div-createPageHTML-1based")
    assert len(pages) >= 3
    records = len(union(pages))
    for entry in pages:
        body = fetch(entry["url"]).body.decode()
        call = re.search(r"createPageHTML\('page_div', (\d+), (\d+), 'zfxxgknb', 'shtml', (\d+)\)", body)
        total, current, count = map(int, call.groups())
        assert (total, current, count) == (len(pages), entry["page"], records)
        expected_name = "zfxxgknb.shtml" if current == 1 else f"zfxxgknb_{current}.shtml"
        assert entry["url"].endswith("/" + expected_name)
        assert "zfxxgknb_" not in "".join(lxml.html.fromstring(body).xpath("//a/@href"))
    last = pages[0]["url"].replace("zfxxgknb.shtml", f"zfxxgknb_{len(pages) + 1}.shtml")
    assert fetch(last).status == 404
    assert sorted(union(pages)) == sorted(column_items(manifest, "trs-chan"))


def _cdata_links(text: str) -> list[str]:
    return re.findall(r'<li><a href="([^"]+)"', "".join(re.findall(r"<!\[CDATA\[(.*?)\]\]>", text, re.S)))


def test_hanweb_script_xml_then_dataproxy(portal, manifest):
    first = lists(manifest, "hanweb-script-xml")[0]
    body = fetch(first["url"]).body.decode()
    tree = lxml.html.fromstring(body)
    assert not tree.xpath("//ul/li/a[contains(@href, '/art/')]"), "records must only be inside the script block"
    script = tree.xpath("//script[@type='text/xml']")[0].text
    in_page = _cdata_links(script)
    params = json.loads(re.search(r"var jpage_params = (\{.*?\});", body).group(1))
    assert len(in_page) == 3 * params["perpage"]
    origin = portal.base_url
    assert [origin + href for href in in_page] == first["items"]
    proxies = lists(manifest, "hanweb-dataproxy")
    assert proxies
    seen = list(in_page)
    for entry in proxies:
        reply = fetch(entry["url"], method="POST", data=urllib.parse.urlencode(entry["form"]).encode())
        assert reply.header("Content-Type").startswith("text/xml")
        xml = reply.body.decode()
        assert int(re.search(r"<totalrecord>(\d+)</totalrecord>", xml).group(1)) == params["totalRecord"]
        links = _cdata_links(xml)
        assert [origin + h for h in links] == entry["items"]
        seen += links
    assert len(seen) == params["totalRecord"] == len(set(seen))
    assert {origin + h for h in seen} == column_items(manifest, "hanweb")
    # the GET form of the nextgroup link gives the same second group
    nextgroup = re.search(r'<nextgroup><!\[CDATA\[<a href="([^"]+)"', script).group(1).replace("&amp;", "&")
    assert _cdata_links(fetch(origin + nextgroup).body.decode()) == _cdata_links(
        fetch(proxies[0]["url"], method="POST", data=urllib.parse.urlencode(proxies[0]["form"]).encode()).body.decode()
    )
    # wrong column: an empty datastore, not an error page
    empty = fetch(proxies[0]["url"], method="POST", data=b"columnid=1&unitid=2")
    assert empty.status == 200 and b"<record>" not in empty.body


def test_gkmlpt_api_pages(manifest):
    pages = lists(manifest, "gkmlpt-api")
    assert len(pages) >= 2
    replies = [json.loads(fetch(e["url"]).body) for e in pages]
    for entry, reply in zip(pages, replies, strict=True):
        assert [a["url"] for a in reply["articles"]] == entry["items"]
        assert reply["classify"]["post_count"] == len(union(pages))
    page0 = json.loads(fetch(pages[0]["url"].replace("page=1", "page=0")).body)
    assert page0["articles"] == replies[0]["articles"]
    beyond = json.loads(fetch(pages[0]["url"].replace("page=1", f"page={len(pages) + 1}")).body)
    assert beyond["articles"] == []
    assert fetch(pages[0]["url"].replace("sid=755034", "sid=1")).status == 400
    attachments = [a for r in replies for art in r["articles"] for a in art["attachment"]]
    assert attachments and all(a["type"] == "pdf" for a in attachments)
    assert sorted(union(pages)) == sorted(column_items(manifest, "gkmlpt"))


def test_vsb_pagenum_pages(manifest):
    pages = lists(manifest, "vsb-PAGENUM-1based")
    assert len(pages) >= 2
    for entry in pages:
        text = fetch(entry["url"]).body.decode("gbk")
        assert f"共{len(pages)}页" in text and f"{entry['page']}/{len(pages)}" in text
        hrefs = lxml.html.fromstring(text).xpath("//a[text()='下页']/@href")
        assert bool(hrefs) == (entry["page"] < len(pages))
        if hrefs:
            assert f"PAGENUM={entry['page'] + 1}" in hrefs[0]
    beyond = fetch(pages[0]["url"] + f"&PAGENUM={len(pages) + 1}").body.decode("gbk")
    assert "info/1021/" not in beyond
    assert sorted(union(pages)) == sorted(column_items(manifest, "vsb"))


def test_handmade_single_page_links_attachments_by_link_text_only(manifest):
    (page,) = lists(manifest, "single-page")
    text = fetch(page["url"]).body.decode()
    assert sorted(page["items"]) == sorted(column_items(manifest, "handmade"))
    downloads = [r for r in manifest["reports"] if "download?fileName=" in r["url"]]
    assert {r["format"] for r in downloads} == {"pdf", "docx"}
    for report in downloads:
        reply = fetch(report["url"])
        assert reply.header("Content-Type") == "application/octet-stream"
        assert report["format"] in urllib.parse.unquote(reply.header("Content-Disposition"))
        assert urllib.parse.urlsplit(report["url"]).query in text
