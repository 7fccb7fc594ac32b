"""Every URL in the manifest serves what the manifest says; robots, 304s, discovery, start/stop."""

from __future__ import annotations

import email.utils
import re
import socket
import urllib.parse

import lxml.html
from sample_portal_helpers import fetch

from xxgknb.sample_portal import SamplePortal


def test_starts_on_a_free_port_and_stops():
    with SamplePortal(port=0) as portal:
        port = portal.port
        assert port > 0
        assert portal.base_url == f"http://127.0.0.1:{port}"
        assert fetch(portal.sites[0]["start_url"]).status == 200
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0, "the port must be closed after stop()"


def test_sites_cover_the_archetypes(portal):
    sites = portal.sites
    assert {s["archetype"] for s in sites} >= {"A", "B", "C", "E", "F"}
    assert len({s["cms"] for s in sites}) == len(sites)
    gbk = [s for s in sites if s["charset"] == "gbk"]
    assert gbk and not any(s["charset_header"] for s in gbk)
    for site in sites:
        assert re.fullmatch(r"\d{6}", site["region_code"])
        assert fetch(site["start_url"]).status == 200


def test_every_report_url_serves_its_manifest_type(portal, manifest):
    for report in manifest["reports"]:
        fetched = fetch(report["url"])
        assert fetched.status == 200, report["url"]
        assert fetched.header("Content-Type") == report["content_type"], report["url"]
        if report["format"] == "html":
            declared = re.search(rb"charset=([\w-]+)", fetched.body[:600]).group(1).decode().lower()
            assert declared == report["charset"]
            assert report["title"] in fetched.body.decode(report["charset"])
        elif report["format"] == "pdf":
            assert fetched.body.startswith(b"%PDF-")
        else:
            assert fetched.body.startswith(b"PK\x03\x04")
        if report["page_url"] and report["page_url"] != report["url"]:
            page = fetch(report["page_url"])
            assert page.status == 200
            href = urllib.parse.urlsplit(report["url"])
            assert (href.path + ("?" + href.query if href.query else "")).encode() in page.body


def test_gbk_site_sends_no_charset_and_wrong_header_page_has_right_meta(portal, manifest):
    vsb = [r for r in manifest["reports"] if r["site"] == "vsb"]
    page = fetch(vsb[0]["url"])
    assert page.header("Content-Type") == "text/html"
    assert b"charset=gbk" in page.body[:300]
    assert vsb[0]["title"] in page.body.decode("gbk")
    try:
        page.body.decode("utf-8")
        raise AssertionError("a GBK page must not be valid UTF-8")
    except UnicodeDecodeError:
        pass
    wrong = [r for r in manifest["reports"] if "ISO-8859-1" in (r["content_type"] or "")]
    assert len(wrong) == 1
    body = fetch(wrong[0]["url"]).body
    assert b"charset=utf-8" in body[:300]
    assert wrong[0]["title"] in body.decode("utf-8")


def test_lookalikes_are_served_and_listed(portal, manifest):
    kinds = {x["kind"] for x in manifest["lookalikes"]}
    assert kinds == {"notice", "interpretation", "website_report", "final_accounts", "repost"}
    for lookalike in manifest["lookalikes"]:
        fetched = fetch(lookalike["url"])
        assert fetched.status == 200
        assert lookalike["listed_in"], lookalike["key"]
        assert lookalike["why"]


def test_list_pages_show_their_items(portal, manifest):
    for entry in manifest["list_pages"]:
        data = urllib.parse.urlencode(entry["form"]).encode() if entry["method"] == "POST" else None
        fetched = fetch(entry["url"], method=entry["method"], data=data)
        assert fetched.status == 200, entry["url"]
        body = fetched.body.decode("gbk" if "/vsb/" in entry["url"] else "utf-8")
        for url in entry["items"]:
            path = urllib.parse.urlsplit(url).path
            assert path in body or path.rsplit("/", 2)[-2] + "/" + path.rsplit("/", 1)[-1] in body, (entry["url"], url)
    listed = {u for e in manifest["list_pages"] for u in e["items"]}
    for report in manifest["reports"]:
        shown = report["page_url"] or report["url"]
        assert (shown in listed) == report["must_find"], report["key"]


def test_robots_disallows_the_traps_with_a_crawl_delay(portal, manifest):
    robots = fetch(portal.base_url + "/robots.txt")
    assert robots.status == 200
    text = robots.body.decode()
    assert re.search(r"^Crawl-delay: [\d.]+$", text, re.M)
    for trap in manifest["traps"]:
        path = urllib.parse.urlsplit(trap["url"]).path
        assert any(path.startswith(p) for p in re.findall(r"^Disallow: (\S+)$", text, re.M)), path
        assert fetch(trap["url"]).status == 200
        home = next(s for s in manifest["sites"] if s["id"] == trap["site"])["start_url"]
        assert path.encode() in fetch(home).body, "the trap must be linked, or it is not a trap"


def test_conditional_requests_answer_304(portal, manifest):
    urls = [manifest["list_pages"][0]["url"], manifest["reports"][0]["url"], manifest["reports"][-1]["url"]]
    for url in urls:
        first = fetch(url)
        etag, modified = first.header("ETag"), first.header("Last-Modified")
        assert etag and modified
        assert fetch(url, headers={"If-None-Match": etag}).status == 304
        assert fetch(url, headers={"If-Modified-Since": modified}).status == 304
        assert fetch(url, headers={"If-None-Match": '"stale"'}).status == 200
        earlier = email.utils.format_datetime(
            email.utils.parsedate_to_datetime(modified).replace(year=2000), usegmt=True
        )
        assert fetch(url, headers={"If-Modified-Since": earlier}).status == 200


def test_request_log_records_conditional_headers(portal, manifest):
    url = manifest["reports"][1]["url"]
    etag = fetch(url).header("ETag")
    fetch(url, headers={"If-None-Match": etag, "User-Agent": "xxgknb-test"})
    path = urllib.parse.urlsplit(url).path
    entries = [e for e in portal.request_log if e["path"] == path]
    assert entries[-1]["status"] == 304
    assert entries[-1]["headers"]["If-None-Match"] == etag
    assert entries[-1]["headers"]["User-Agent"] == "xxgknb-test"


def _anchor(page_url: str, text: str) -> str:
    fetched = fetch(page_url)
    tree = lxml.html.fromstring(fetched.text())
    hrefs = {a.get("href") for a in tree.xpath("//a") if a.text_content().strip() == text}
    assert len(hrefs) == 1, (page_url, text, hrefs)
    return urllib.parse.urljoin(page_url, hrefs.pop())


def test_annual_report_column_is_reached_by_anchor_text(portal):
    for site in portal.sites:
        zhuanlan = _anchor(site["start_url"], "政府信息公开")
        if site["cms"] == "gkmlpt":
            config = re.search(r"window\._CONFIG = (\{.*?\});", fetch(zhuanlan).text()).group(1)
            assert "政府信息公开年报" in config and '"SID": "755034"' in config
            continue
        column = _anchor(zhuanlan, "政府信息公开年报")
        assert column == site["column_url"]
        assert '<meta name="ColumnName" content="政府信息公开年报">' in fetch(column).text()


def test_directory_urls_and_the_root_index(portal):
    column = next(s for s in portal.sites if s["id"] == "trs-city")["column_url"]
    assert fetch(column.removesuffix("index.html")).body == fetch(column).body
    root = fetch(portal.base_url + "/").body.decode()
    assert all(site["start_url"] in root for site in portal.sites)


def test_unknown_paths_are_404(portal):
    assert fetch(portal.base_url + "/trs-city/no/such/page.html").status == 404
    assert fetch(portal.base_url + "/nowhere/").status == 404


def test_multi_host_gives_each_site_its_own_address_and_robots():
    with SamplePortal(port=0, multi_host=True, first_multi_host_address=41) as portal:
        origins = [s["origin"] for s in portal.sites]
        assert len(set(origins)) == len(origins)
        assert {urllib.parse.urlsplit(o).port for o in origins} == {portal.port}
        first, second = portal.sites[0], portal.sites[1]
        assert fetch(first["start_url"]).status == 200
        # A site's paths are not served on another site's address.
        wrong = second["origin"] + urllib.parse.urlsplit(first["start_url"]).path
        assert fetch(wrong).status == 404
        robots = fetch(first["robots_url"]).body.decode()
        assert f"Disallow: {first['prefix']}" in robots and second["prefix"] not in robots


def test_same_seed_gives_the_same_bytes_and_another_seed_other_numbers(portal, manifest):
    def strip(body: bytes, base: str) -> bytes:
        return body.replace(base.encode(), b"BASE")

    with SamplePortal(port=0, seed=0) as again:
        other = again.manifest
        assert [r["key"] for r in other["reports"]] == [r["key"] for r in manifest["reports"]]
        for mine, theirs in zip(manifest["reports"], other["reports"], strict=True):
            assert mine["expected"] == theirs["expected"]
            if mine["format"] == "pdf":
                continue  # LibreOffice stamps times into PDFs; the cache keyed by DOCX makes them stable
            assert strip(fetch(mine["url"]).body, portal.base_url) == strip(fetch(theirs["url"]).body, again.base_url)
        for mine, theirs in zip(manifest["list_pages"], other["list_pages"], strict=True):
            a = fetch(
                mine["url"], method=mine["method"], data=urllib.parse.urlencode(mine.get("form", {})).encode() or None
            )
            b = fetch(
                theirs["url"],
                method=theirs["method"],
                data=urllib.parse.urlencode(theirs.get("form", {})).encode() or None,
            )
            assert strip(a.body, portal.base_url) == strip(b.body, again.base_url)
    with SamplePortal(port=0, seed=1) as different:
        changed = [
            a["key"]
            for a, b in zip(manifest["reports"], different.manifest["reports"], strict=True)
            if a["expected"] != b["expected"]
        ]
        assert len(changed) == len(manifest["reports"])
