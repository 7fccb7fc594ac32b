"""Publishing is read-only and safe with untrusted report content (real server over HTTP)."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import time

import httpx
import pytest
from publish_corpus import ARCHIVED_KEY, ESCAPING_KEY, HOSTILE_TEXT

from publish.serve import BackgroundServer, ServeError, check_ready, free_port


def file_digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_hostile_report_content_is_escaped_on_every_page(server, known_corpus):
    _, ids = known_corpus
    report_id = ids[ARCHIVED_KEY]
    for path in (f"/-/report/{report_id}", f"/corpus/reports/{report_id}", "/corpus/reports?_search=script",
                 f"/corpus/sections?report_id={report_id}"):
        page = httpx.get(server.url + path, timeout=30).text
        assert "<script>document.title" not in page, path
        assert 'onerror="alert(1)"' not in page, path
    report_page = httpx.get(f"{server.url}/-/report/{report_id}", timeout=30).text
    assert "&lt;script&gt;document.title=" in report_page


def test_archived_copy_is_served_as_inert_text(server, known_corpus):
    _, ids = known_corpus
    response = httpx.get(f"{server.url}/-/report/{ids[ARCHIVED_KEY]}/archived", timeout=30)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in response.headers["content-security-policy"]
    assert HOSTILE_TEXT.encode() in response.content
    page = httpx.get(f"{server.url}/-/report/{ids[ARCHIVED_KEY]}", timeout=30).text
    assert f"/-/report/{ids[ARCHIVED_KEY]}/archived" in page


def test_archive_index_pointing_outside_the_archive_is_not_followed(server, known_corpus):
    _, ids = known_corpus
    response = httpx.get(f"{server.url}/-/report/{ids[ESCAPING_KEY]}/archived", timeout=30)
    assert response.status_code == 404
    assert b"WARC" in response.content and HOSTILE_TEXT.encode() not in response.content
    page = httpx.get(f"{server.url}/-/report/{ids[ESCAPING_KEY]}", timeout=30).text
    assert "inside the archive directory" in page


def test_report_without_archived_copy_says_so(server, known_corpus):
    _, ids = known_corpus
    page = httpx.get(f"{server.url}/-/report/{ids['generated-3']}", timeout=30).text
    assert "no archived copy" in page
    assert httpx.get(f"{server.url}/-/report/{ids['generated-3']}/archived", timeout=30).status_code == 404


@pytest.mark.parametrize("path", [
    "/-/report/../../../../etc/passwd",
    "/-/report/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/-/static-plugins/xxgknb/..%2f..%2fpyproject.toml",
    "/-/static-plugins/xxgknb/../../pyproject.toml",
    "/-/static/..%2f..%2f..%2fetc/passwd",
    "/-/report/0000000000000000",
])
def test_paths_outside_the_corpus_are_not_served(server, path):
    # Datasette answers some encoded paths with a redirect to its own ~-escaped form first.
    response = httpx.get(server.url + path, timeout=30, follow_redirects=True)
    assert response.status_code == 404
    assert b"root:" not in response.content and b"[project]" not in response.content


def test_nothing_writes_to_the_database(server, known_corpus):
    path, ids = known_corpus
    before = file_digest(path)
    attempts = [
        ("GET", "/corpus.json", {"sql": "update reports set title = 'x'"}),
        ("GET", "/corpus.json", {"sql": "delete from reports"}),
        ("GET", "/corpus.json", {"sql": "attach database '/tmp/evil.db' as evil"}),
        ("GET", "/corpus.json", {"sql": "select writefile('/tmp/evil', 'x')"}),
        ("POST", "/corpus/headline_numbers", {"province": "北京市", "year": "2022"}),
        ("POST", "/corpus/reports", {"title": "x"}),
        ("POST", f"/corpus/reports/{ids['generated-1']}/-/delete", {}),
        ("POST", "/corpus/-/create", {"table": "t", "rows": []}),
    ]
    for method, url, params in attempts:
        if method == "GET":
            response = httpx.get(server.url + url, params=params, timeout=30)
            body = response.json()
            assert response.status_code >= 400 or body.get("ok") is False, url
        else:
            response = httpx.post(server.url + url, data=params, timeout=30)
            assert response.status_code >= 400, (url, response.status_code)
    assert file_digest(path) == before
    # The download link works because the database is immutable.
    download = httpx.get(f"{server.url}/corpus.db", timeout=30)
    assert download.status_code == 200 and download.content[:16] == b"SQLite format 3\x00"


def test_sql_is_time_limited(server):
    slow = ("with recursive n(i) as (select 1 union all select i + 1 from n where i < 100000000) "
            "select count(*) from n")
    response = httpx.get(f"{server.url}/corpus.json", params={"sql": slow}, timeout=60)
    assert response.status_code == 400
    assert "time limit" in response.text.lower() or "interrupted" in response.text.lower()


def test_robots_are_blocked_by_default_and_allowed_on_request(server, known_corpus):
    assert httpx.get(f"{server.url}/robots.txt", timeout=30).text == "User-agent: *\nDisallow: /\n"
    assert httpx.get(f"{server.url}/corpus", timeout=30).headers["x-robots-tag"] == "noindex, nofollow"
    path, _ = known_corpus
    with BackgroundServer(path, allow_robots=True, prepare=False) as open_server:
        robots = httpx.get(f"{open_server.url}/robots.txt", timeout=30).text
        assert "Disallow: /\n" not in robots
        assert "x-robots-tag" not in httpx.get(f"{open_server.url}/corpus", timeout=30).headers


def test_a_stale_corpus_is_refused_without_prepare_and_served_after(tmp_path):
    from publish_corpus import build_corpus

    path = tmp_path / "corpus.db"
    build_corpus(path, generated=2)
    with pytest.raises(ServeError, match="search index is out of date"):
        check_ready(path)
    with pytest.raises(ServeError, match="search index is out of date"):
        BackgroundServer(path, prepare=False).start()
    with BackgroundServer(path) as prepared:
        rows = httpx.get(f"{prepared.url}/corpus/reports.json", params={"_search": "疫情", "_shape": "array"},
                         timeout=30).json()
        assert {row["title"] for row in rows} >= {"湛河区住建局2021年政府信息公开工作年度报告"}
    check_ready(path)


def test_xxgknb_serve_command_serves_the_corpus(known_corpus):
    path, ids = known_corpus
    port = free_port()
    command = [sys.executable, "-c", "from xxgknb.cli import cli; cli()", "serve", "--db", str(path),
               "--port", str(port), "--no-prepare"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/-/report/{ids[ARCHIVED_KEY]}", timeout=5)
                break
            except httpx.TransportError:
                assert process.poll() is None and time.monotonic() < deadline, "xxgknb serve did not start"
                time.sleep(0.2)
        assert response.status_code == 200 and "三、收到和处理政府信息公开申请情况" in response.text
        assert httpx.get(f"http://127.0.0.1:{port}/robots.txt", timeout=5).text.endswith("Disallow: /\n")
    finally:
        process.terminate()
        process.wait(timeout=10)
