"""The fault-injection sites serve each fault as the manifest says, and the good reports beside them."""

from __future__ import annotations

import http.client
import io
import ipaddress
import json
import re
import resource
import socket
import urllib.parse
import zipfile

import pypdfium2
import pytest
from sample_portal_helpers import check_html_report, fetch

from xxgknb.sample_portal import SamplePortal

HUGE = 200 * 2**20


@pytest.fixture(scope="module")
def faulty():
    with SamplePortal(port=0, faults=True, stall_seconds=5, huge_bytes=HUGE) as running:
        yield running


@pytest.fixture(scope="module")
def faults(faulty):
    return {f["fault"]: f for f in faulty.manifest["faults"]}


def _split(url: str) -> tuple[str, int, str]:
    parts = urllib.parse.urlsplit(url)
    return parts.hostname, parts.port, parts.path + ("?" + parts.query if parts.query else "")


def _raw_get(url: str, timeout: float) -> socket.socket:
    host, port, path = _split(url)
    sock = socket.create_connection((host, port), timeout=timeout)
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
    return sock


def test_manifest_lists_every_fault_once_and_links_them(faulty, faults):
    entries = faulty.manifest["faults"]
    assert len(entries) == len(faults) >= 35
    required = {
        "key",
        "site",
        "fault",
        "url",
        "expected_outcome",
        "reason",
        "retry",
        "description",
        "listed_in",
        "urls",
    }
    for entry in entries:
        assert required <= set(entry), entry["fault"]
        if entry["site"] == "faults":
            assert entry["listed_in"], f"{entry['fault']} must be reachable from a list page"
    outcomes = {e["expected_outcome"] for e in entries}
    assert outcomes == {
        "retry-then-fail",
        "fail",
        "not-followed",
        "rejected",
        "bounded",
        "blocked",
        "retry-then-ok",
        "ok",
        "deduplicated",
    }
    good = [r for r in faulty.manifest["reports"] if r["site"] == "faults"]
    assert len(good) == 8
    assert {r["fault"] for r in good} - {None} == {
        "transient_503",
        "transient_429",
        "wrong_charset_header",
        "missing_charset_header",
        "duplicate_urls",
    }


@pytest.mark.parametrize(
    ("name", "status", "retry_after"),
    [("http_404", 404, None), ("http_410", 410, None), ("http_500", 500, None), ("http_502", 502, None),
     ("http_503_retry_after", 503, "1"), ("http_503", 503, None), ("http_429", 429, "2")],
)  # fmt: skip
def test_status_faults(faults, name, status, retry_after):
    for _attempt in range(2):
        reply = fetch(faults[name]["url"])
        assert reply.status == status
        assert reply.header("Retry-After") == retry_after


def test_soft_404_and_zero_byte_and_malformed(faults):
    soft = fetch(faults["soft_404"]["url"])
    assert soft.status == 200 and "页面不存在" in soft.body.decode()
    empty = fetch(faults["zero_byte"]["url"])
    assert empty.status == 200 and empty.body == b"" and empty.header("Content-Length") == "0"
    broken = fetch(faults["malformed_html"]["url"])
    assert broken.status == 200 and b"\x00" in broken.body and b"</table></table>" in broken.body


def test_redirects_point_where_the_manifest_says(faulty, faults):
    portal_host = urllib.parse.urlsplit(faulty.base_url).hostname
    for name in ("redirect_private_10", "redirect_private_192", "redirect_link_local", "redirect_other_loopback"):
        reply = fetch(faults[name]["url"])
        assert reply.status == 302
        host = urllib.parse.urlsplit(reply.header("Location")).hostname
        address = ipaddress.ip_address(host)
        assert address.is_private and host != portal_host
    assert fetch(faults["redirect_file"]["url"]).header("Location").startswith("file:///")
    offsite = urllib.parse.urlsplit(fetch(faults["redirect_offsite"]["url"]).header("Location")).hostname
    assert offsite.endswith(".invalid")
    first = fetch(faults["redirect_loop"]["url"])
    second = fetch(urllib.parse.urljoin(faults["redirect_loop"]["url"], first.header("Location")))
    assert (
        urllib.parse.urljoin(faults["redirect_loop"]["url"], second.header("Location"))
        == faults["redirect_loop"]["url"]
    )


def test_stalls_time_out(faults):
    with _raw_get(faults["stall_before_headers"]["url"], timeout=1) as sock, pytest.raises(TimeoutError):
        sock.recv(1)
    with _raw_get(faults["stall_mid_body"]["url"], timeout=1) as sock:
        received = b""
        with pytest.raises(TimeoutError):
            while True:
                chunk = sock.recv(65536)
                assert chunk, "the server must stall, not close"
                received += chunk
        head, _, body = received.partition(b"\r\n\r\n")
        assert b"Content-Length: 60000" in head and 0 < len(body) < 60000


def test_connection_reset(faults):
    with _raw_get(faults["connection_reset"]["url"], timeout=5) as sock, pytest.raises(ConnectionResetError):
        sock.recv(1)


def test_truncated_body(faults):
    host, port, path = _split(faults["truncated_body"]["url"])
    connection = http.client.HTTPConnection(host, port, timeout=5)
    connection.request("GET", path)
    response = connection.getresponse()
    assert response.getheader("Content-Length") == "40000"
    with pytest.raises(http.client.IncompleteRead) as caught:
        response.read()
    assert len(caught.value.partial) == 10000


@pytest.mark.parametrize("name", ["huge_html", "huge_pdf"])
def test_huge_responses_are_streamed(faulty, faults, name):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    host, port, path = _split(faults[name]["url"])
    connection = http.client.HTTPConnection(host, port, timeout=10)
    connection.request("GET", path)
    response = connection.getresponse()
    assert int(response.getheader("Content-Length")) == HUGE
    assert len(response.read(8 * 2**20)) == 8 * 2**20
    connection.close()
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kib < 64 * 1024, "the server must not build the 200 MB body in memory"
    assert fetch(faulty.sites[0]["start_url"]).status == 200


def test_infinite_pagination_always_has_a_next_page(faults):
    url = faults["infinite_pagination"]["url"]
    for index in (0, 1, 7, 250):
        page = url if index == 0 else url.replace("index.html", f"index_{index}.html")
        text = fetch(page).body.decode()
        total, current = map(int, re.search(r'createPageHTML\((\d+), (\d+), "index", "html"\)', text).groups())
        assert (total, current) == (index + 2, index)


def test_calendar_trap_links_forever(faults):
    url = faults["calendar_trap"]["url"]
    month = "2024-03"
    for _ in range(30):
        text = fetch(f"{url}?month={month}").body.decode()
        month = re.search(r'month=(\d{4}-\d{2})">下一月', text).group(1)
    assert month == "2026-09"


def test_hostile_files(faults):
    encrypted = fetch(faults["encrypted_pdf"]["url"])
    assert encrypted.body.startswith(b"%PDF") and b"/Encrypt" in encrypted.body
    with pytest.raises(pypdfium2.PdfiumError, match="password"):
        pypdfium2.PdfDocument(encrypted.body)
    corrupt = fetch(faults["corrupt_pdf"]["url"])
    assert corrupt.body.startswith(b"%PDF") and b"garbled xref" in corrupt.body
    bomb = fetch(faults["docx_zip_bomb"]["url"])
    assert "docx" in bomb.header("Content-Disposition")
    member = zipfile.ZipFile(io.BytesIO(bomb.body)).getinfo("word/document.xml")
    assert member.file_size >= 2**30 and member.file_size / len(bomb.body) > 500
    entity = fetch(faults["xml_entity_bomb"]["url"])
    document = zipfile.ZipFile(io.BytesIO(entity.body)).read("word/document.xml").decode()
    assert "<!ENTITY lol9" in document and "&lol9;" in document


def test_waf_sites_challenge_every_request(faulty, faults):
    markers = {"waf_412": "$_ts", "waf_418": "访问被拦截", "waf_521": "__jsl", "waf_200": "__jsl"}
    for name, marker in markers.items():
        entry = faults[name]
        status = int(name.removeprefix("waf_"))
        for url in (entry["url"], entry["url"].replace("index.html", "zwgk/nb/index.html")):
            reply = fetch(url)
            assert reply.status == status and marker in reply.body.decode()


def test_good_reports_on_the_fault_site_print_their_numbers():
    with SamplePortal(port=0, faults=True, stall_seconds=1, huge_bytes=2**20) as portal:
        manifest = portal.manifest
        good = [r for r in manifest["reports"] if r["site"] == "faults"]
        by_fault = {r["fault"]: r for r in good}
        first = [fetch(by_fault["transient_503"]["url"]) for _ in range(3)]
        assert [f.status for f in first] == [503, 503, 200]
        assert first[0].header("Retry-After") == "1"
        assert [fetch(by_fault["transient_429"]["url"]).status for _ in range(2)] == [429, 200]
        for report in good:
            fetched = fetch(report["url"])
            assert fetched.status == 200
            assert fetched.header("Content-Type") == report["content_type"]
            if report["format"] == "html":
                check_html_report(report, fetched.body)
        wrong = fetch(by_fault["wrong_charset_header"]["url"])
        assert "charset=gbk" in wrong.header("Content-Type") and b"charset=utf-8" in wrong.body[:300]
        missing = fetch(by_fault["missing_charset_header"]["url"])
        assert missing.header("Content-Type") == "text/html" and b"charset=gb2312" in missing.body[:300]
        duplicates = next(f for f in manifest["faults"] if f["fault"] == "duplicate_urls")
        bodies = {fetch(u).body for u in duplicates["urls"]}
        assert len(duplicates["urls"]) == 5 and len(bodies) == 1
        listed = {u for e in manifest["list_pages"] if e["site"] == "faults" for u in e["items"]}
        assert set(duplicates["urls"]) <= listed
        json.dumps(manifest)  # the manifest stays serialisable with faults


def test_faults_with_multi_host_put_every_challenge_on_its_own_address():
    with SamplePortal(port=0, faults=True, multi_host=True, first_multi_host_address=71, huge_bytes=2**20) as portal:
        origins = {s["id"]: s["origin"] for s in portal.sites}
        assert len(set(origins.values())) == len(origins)
        challenged = [f for f in portal.manifest["faults"] if f["expected_outcome"] == "blocked"]
        assert {urllib.parse.urlsplit(f["url"]).hostname for f in challenged}.isdisjoint(
            {urllib.parse.urlsplit(origins[s]).hostname for s in origins if not s.startswith("waf-")}
        )
        other_loopback = next(f for f in portal.manifest["faults"] if f["fault"] == "redirect_other_loopback")
        target = urllib.parse.urlsplit(fetch(other_loopback["url"]).header("Location")).hostname
        assert target not in {urllib.parse.urlsplit(o).hostname for o in origins.values()}
