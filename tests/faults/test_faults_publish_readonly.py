"""Publishing is read-only and safe with hostile content: a real ``xxgknb serve`` (Datasette over
HTTP) on a corpus holding a report whose title, text and URL carry HTML/JS, and WARC index rows that
point outside the corpus.  Nothing may write the database, read a file outside the corpus, run an
unbounded query, or execute the report's markup in a browser (Debian's headless Chromium)."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from archive import corpus, warc
from parsers.model import Region, Report, Section, Status
from publish.serve import BackgroundServer, prepare_corpus

#: Written by the hostile markup if a browser ever runs it.
MARKER = "xxgknb-xss-ran-5b1e"
HOSTILE_TITLE = (
    f'2023年政府信息公开工作年度报告<script>document.title="{MARKER}"</script>'
    f"<img src=x onerror=\"document.body.insertAdjacentHTML('beforeend','<i id={MARKER}></i>')\">"
)
HOSTILE_TEXT = (
    f"一、总体情况 <script>document.title='{MARKER}'</script>"
    f"<svg onload=\"document.title='{MARKER}'\"></svg><a href=\"javascript:document.title='{MARKER}'\">点我</a>"
)
HOSTILE_URL = f"javascript:document.title='{MARKER}'//https://www.example.gov.cn/a.html"
SECRET = b"SECRET-OUTSIDE-THE-CORPUS-c41d"
ARCHIVED_URL = "https://www.example.gov.cn/xxgk/archived.html"
ARCHIVED_BODY = f"<html><head><title>x</title></head><body>{HOSTILE_TEXT}</body></html>".encode()


def _report(title: str, text: str) -> Report:
    return Report(
        status=Status.UNSTRUCTURED,
        format="html",
        title=title,
        year=2023,
        agency="测试区人民政府",
        region=Region(province="河南省"),
        level="county",
        template="unstructured",
        sections=[Section(1, "一、总体情况", text)],
        text=text,
    )


def _index(db, data_dir: Path, warc_file: str, offset: int, url: str, body: bytes) -> None:
    db.execute(
        "insert into warc_records (warc_file, offset, length, url, final_url, method, status, content_type,"
        " sha256, size, fetched_at) values (?, ?, 1, ?, ?, 'GET', 200, 'text/html', ?, ?, '2024-05-01T00:00:00Z')",
        [warc_file, offset, url, url, warc.sha256(body), len(body)],
    )


@pytest.fixture(scope="module")
def hostile_corpus(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("publish-faults")
    data_dir = root / "data"
    data_dir.mkdir()
    (root / "secret.warc.gz").write_bytes(SECRET)
    (root / "secret.txt").write_bytes(SECRET)
    path = data_dir / "corpus.db"
    db = corpus.open_corpus(path)
    ids = {}
    ids["hostile"] = corpus.write_report(
        db,
        _report(HOSTILE_TITLE, HOSTILE_TEXT),
        url=HOSTILE_URL,
        sha256=warc.sha256(HOSTILE_TITLE.encode()),
        fetched_at="2024-05-01T00:00:00Z",
        format="html",
    ).report_id
    ids["archived"] = corpus.write_report(
        db,
        _report("2023年政府信息公开工作年度报告", HOSTILE_TEXT),
        url=ARCHIVED_URL,
        sha256=warc.sha256(ARCHIVED_BODY),
        fetched_at="2024-05-01T00:00:00Z",
        format="html",
    ).report_id
    writer = warc.WarcWriter(data_dir / "warc" / "crawl.warc.gz", info={"software": "tests/faults"})
    ref = writer.write_exchange(
        url=ARCHIVED_URL,
        status=200,
        reason="OK",
        response_headers=[("Content-Type", "text/html; charset=utf-8")],
        body=ARCHIVED_BODY,
        method="GET",
        request_headers=[],
        request_body=b"",
        fetched_at="2024-05-01T00:00:00Z",
        extra={},
    )
    writer.close()
    _index(db, data_dir, "warc/crawl.warc.gz", ref.offset, ARCHIVED_URL, ARCHIVED_BODY)
    # Index rows crafted to escape the archive directory: each points a report at a file outside it.
    escapes = [
        "../secret.warc.gz",
        str(root / "secret.warc.gz"),
        "../secret.txt",
        "warc/../../secret.warc.gz",
        "/etc/passwd",
    ]
    for number, target in enumerate(escapes):
        url = f"https://www.example.gov.cn/xxgk/escape-{number}.html"
        body = f"escape {number}".encode()
        ids[f"escape-{number}"] = corpus.write_report(
            db,
            _report(f"逃逸{number} 2023年政府信息公开工作年度报告", "一、总体情况"),
            url=url,
            sha256=warc.sha256(body),
            fetched_at="2024-05-01T00:00:00Z",
            format="html",
        ).report_id
        _index(db, data_dir, target, 0, url, body)
    db.conn.commit()
    db.close()
    prepare_corpus(path)
    return {"root": root, "data": data_dir, "path": path, "ids": ids}


def _fingerprint(path: Path) -> tuple[str, int, float]:
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_size, path.stat().st_mtime


@pytest.fixture(scope="module")
def server(hostile_corpus):
    before = _fingerprint(hostile_corpus["path"])
    files_before = sorted(p.name for p in hostile_corpus["root"].rglob("*"))
    with BackgroundServer(hostile_corpus["path"], prepare=False, archive_root=hostile_corpus["data"]) as running:
        yield running
    assert _fingerprint(hostile_corpus["path"]) == before, "the served database file changed"
    created = {p for p in hostile_corpus["root"].rglob("*") if p.name not in files_before}
    # Opening a WAL-mode database read-only (publish.serve.check_ready) leaves SQLite's shared-memory
    # sidecars; they may exist, but no page may have been written to the log.
    assert {p.name for p in created} <= {"corpus.db-shm", "corpus.db-wal"}, created
    assert all(p.stat().st_size == 0 for p in created if p.name.endswith("-wal"))


def _count(server, sql: str) -> int:
    response = httpx.get(f"{server.url}/corpus.json", params={"sql": sql, "_shape": "array"}, timeout=10)
    return response.json()[0]["n"]


# ---------------------------------------------------------------------- nothing writes

WRITE_SQL = [
    "insert into reports (id, url) values ('ffffffffffffffff', 'https://evil.example/')",
    "update reports set title = 'pwned'",
    "delete from reports",
    "drop table reports",
    "create table pwned (x)",
    "attach database '{root}/attached.db' as pwned",
    "pragma writable_schema = 1",
    "pragma journal_mode = delete",
    "vacuum into '{root}/copy.db'",
    "select load_extension('/usr/lib/x86_64-linux-gnu/libsqlite3.so.0')",
    "select writefile('{root}/written.txt', 'x')",
    "with x as (select 1) insert into reports (id, url) select 'eeeeeeeeeeeeeeee', 'https://evil.example/2'",
    "select 1; delete from reports",
]


@pytest.mark.parametrize("sql", WRITE_SQL)
def test_arbitrary_sql_cannot_write(server, hostile_corpus, sql):
    before = _count(server, "select count(*) as n from reports")
    statement = sql.format(root=hostile_corpus["root"])
    for send in (
        lambda: httpx.get(f"{server.url}/corpus.json", params={"sql": statement}, timeout=10),
        lambda: httpx.post(f"{server.url}/corpus", data={"sql": statement}, timeout=10),
        lambda: httpx.post(f"{server.url}/corpus/-/query", data={"sql": statement}, timeout=10),
    ):
        response = send()
        assert response.status_code >= 400 or '"ok": false' in response.text or "error" in response.text.lower()
    assert _count(server, "select count(*) as n from reports") == before
    assert not any((hostile_corpus["root"] / name).exists() for name in ("attached.db", "copy.db", "written.txt"))


def test_canned_queries_and_write_routes_refuse_posts(server, hostile_corpus):
    metadata = httpx.get(f"{server.url}/-/metadata.json", timeout=10).json()
    queries = list(metadata["databases"]["corpus"].get("queries", {}))
    assert queries, "no canned queries to try"
    table = "reports"
    routes = [f"/corpus/{name}" for name in queries] + [
        f"/corpus/{table}/-/insert",
        f"/corpus/{table}/-/upsert",
        f"/corpus/{table}/-/drop",
        f"/corpus/{table}/{hostile_corpus['ids']['hostile']}/-/update",
        f"/corpus/{table}/{hostile_corpus['ids']['hostile']}/-/delete",
        "/corpus/-/create",
        "/-/create-token",
        "/-/permissions",
        "/-/allow-debug",
    ]
    before = _count(server, "select count(*) as n from reports")
    for route in routes:
        for payload in (
            {
                "json": {
                    "row": {"id": "dddddddddddddddd", "url": "https://evil.example/3"},
                    "sql": "delete from reports",
                }
            },
        ):
            response = httpx.post(server.url + route, timeout=10, **payload)
            # Datasette 0.65.5 answers a POST to a read-only canned query with a 500 (a bug, not a write).
            assert response.status_code >= 400, (route, response.status_code, response.text[:200])
    assert _count(server, "select count(*) as n from reports") == before


def test_sql_is_time_limited(server):
    forever = "with recursive n(i) as (select 1 union all select i + 1 from n) select count(*) from n"
    started = time.monotonic()
    response = httpx.get(f"{server.url}/corpus.json", params={"sql": forever}, timeout=30)
    elapsed = time.monotonic() - started
    assert response.status_code >= 400 or "interrupted" in response.text.lower()
    assert "interrupted" in response.text.lower() or "time limit" in response.text.lower()
    assert elapsed < 10, f"an endless query took {elapsed:.1f}s to stop"


# ---------------------------------------------------------------------- nothing outside the corpus


def _traversal_paths(hostile_corpus) -> list[str]:
    ids = hostile_corpus["ids"]
    paths = [
        "/-/report/../../secret.txt",
        "/-/report/..%2f..%2fsecret.txt",
        "/-/report/%2e%2e/%2e%2e/secret.txt",
        "/-/report/..%252f..%252fsecret.txt",
        "/-/static/../../../../etc/passwd",
        "/-/static/..%2f..%2f..%2fetc%2fpasswd",
        "/-/static/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc/passwd",
        "/-/static-plugins/xxgknb/..%2f..%2f..%2f..%2fetc%2fpasswd",
        "/-/static-plugins/publish/../../../secret.txt",
        "/-/static-plugins/xxgknb/%2e%2e/%2e%2e/secret.txt",
        "/corpus/..%2f..%2fsecret.txt",
        "/..%2f..%2fsecret.txt",
        "/corpus.db/../secret.txt",
        "/-/report/" + ids["archived"] + "/archived/../../../secret.txt",
        "/-/report/..%2f" + ids["archived"] + "/archived",
        "/-/report/%00/archived",
        "/-/report/' or 1=1 --/archived",
    ]
    paths += [f"/-/report/{ids[key]}/archived" for key in ids if key.startswith("escape-")]
    paths += [f"/-/report/{ids[key]}" for key in ids if key.startswith("escape-")]
    return paths


def test_no_route_reads_outside_the_corpus(server, hostile_corpus):
    passwd_line = b"root:x:0:0"
    for path in _traversal_paths(hostile_corpus):
        response = httpx.get(server.url + path, timeout=10)
        assert SECRET not in response.content, path
        assert passwd_line not in response.content, path
    for key in (k for k in hostile_corpus["ids"] if k.startswith("escape-")):
        response = httpx.get(f"{server.url}/-/report/{hostile_corpus['ids'][key]}/archived", timeout=10)
        assert response.status_code == 404, (key, response.status_code)


def test_archived_copy_is_inert_text(server, hostile_corpus):
    response = httpx.get(f"{server.url}/-/report/{hostile_corpus['ids']['archived']}/archived", timeout=10)
    assert response.status_code == 200
    assert response.content == ARCHIVED_BODY
    assert response.headers["content-type"].startswith("text/plain")
    assert "sandbox" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"


# ---------------------------------------------------------------------- untrusted content in a browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _dump_dom(url: str, profile: Path) -> str:
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--virtual-time-budget=1000",
        "--dump-dom",
        url,
    ]
    result = subprocess.run(command, capture_output=True, timeout=60, env={**os.environ, "HOME": str(profile)})
    assert result.returncode == 0, result.stderr.decode("utf-8", "replace")[-500:]
    return result.stdout.decode("utf-8", "replace")


@pytest.mark.browser
def test_hostile_report_is_shown_as_text_in_the_browser(server, hostile_corpus, tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is required for the browser test (run.sh installs it)")
    hostile = hostile_corpus["ids"]["hostile"]
    pages = [
        f"/-/report/{hostile}",
        f"/-/report/{hostile_corpus['ids']['archived']}",
        f"/corpus/reports/{hostile}",
        "/corpus/reports",
        "/corpus?sql=select+title,+url+from+reports",
        "/corpus/reports?_search=" + "年度报告",
    ]
    for page in pages:
        dom = _dump_dom(server.url + page, tmp_path / "profile")
        assert "<html" in dom.lower(), page
        assert f"<title>{MARKER}" not in dom, f"{page}: a <script> from the report ran"
        assert f'id="{MARKER}"' not in dom, f"{page}: an onerror handler from the report ran"
        assert not re.search(r"<a\s[^>]*href=\"\s*javascript:", dom, re.IGNORECASE), f"{page}: a javascript: link"
        assert "<script>document.title" not in dom, f"{page}: report markup reached the DOM as markup"
    report_dom = _dump_dom(server.url + f"/-/report/{hostile}", tmp_path / "profile")
    assert "&lt;script&gt;document.title" in report_dom, "the report's text should be shown, escaped"
