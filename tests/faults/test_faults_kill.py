"""Crash safety of ``xxgknb build`` and ``xxgknb snapshot``: SIGKILL in the middle, run again, and the
result equals an uninterrupted run.  (The crawl's kill test is ``tests/crawl/test_crawl_kill.py``.)

Compared: the canonical tables and ``rejected_documents`` row by row, leaving out only columns
that record *when* this machine did the work (``reports.parsed_at``-like columns are not
selected; ``fetched_at``/``seen_at`` come from the WARC records and are compared).  Also checked:
``PRAGMA integrity_check`` of every database, and that every index row points at a readable
WARC record of its URL and every complete response record is indexed.
"""

from __future__ import annotations

import filecmp
import hashlib
import os
import shutil
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from faults_test_helpers import CLI, archive_problems, query

from xxgknb.sample_portal import SamplePortal

CANONICAL = {
    "reports": "id, url, final_url, title, year, agency, agency_id, province, region_code, level, template, "
    "published, status, status_detail, format, sha256, version, fetched_at, portal_id, gone, duplicate_of, "
    "issue_count",
    "agencies": "id, name, region_code, level, body_kind",
    "active_disclosure": "report_id, item, category, metric, value, raw",
    "applications": "report_id, row_index, row_key, natural_person, commercial_enterprise, research_institution, "
    "social_welfare_org, legal_service_org, other_org, total",
    "review_litigation": "report_id, proceeding, upheld, corrected, other, pending, total",
    "validation_issues": "report_id, rule, location, expected, actual",
    "rejected_documents": "url, sha256, format, title, status, reason, seen_at, portal_id",
}


def canonical(db_path: Path) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return {table: sorted(conn.execute(f"SELECT {columns} FROM {table}").fetchall(), key=repr)
                for table, columns in CANONICAL.items()}  # fmt: skip
    finally:
        conn.close()


def integrity(db_path: Path) -> list[tuple]:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute("PRAGMA integrity_check").fetchall()
    finally:
        conn.close()


def run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    result = subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"xxgknb {' '.join(args)}:\n{result.stdout}\n{result.stderr[-3000:]}"
    return result


def kill_when(args: list[str], ready, *, timeout: float = 120) -> bool:
    """Start ``xxgknb *args``, SIGKILL it as soon as ``ready(pid)`` is true; False if it finished first."""
    process = subprocess.Popen([*CLI, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        if ready(process.pid):
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
            return True
        time.sleep(0.002)
    process.wait()
    return False


@pytest.fixture(scope="module")
def crawled_archive(tmp_path_factory) -> Path:
    """The whole sample portal crawled (no build): WARC files plus the crawler's index."""
    data = tmp_path_factory.mktemp("kill") / "archive"
    with SamplePortal(port=0, seed=0) as portal:
        args = ["crawl", "--no-politeness", "--no-build", "--quiet", "--data", str(data)]
        for site in portal.sites:
            args += ["--url", site["start_url"]]
        run(*args)
    return data


@pytest.fixture(scope="module")
def reference(crawled_archive, tmp_path_factory) -> Path:
    """An uninterrupted build of the archive."""
    data = tmp_path_factory.mktemp("kill") / "reference"
    shutil.copytree(crawled_archive, data)
    run("build", "--data", str(data), "--quiet", "--jobs", "2")
    return data


def _children(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []


@pytest.mark.slow
def test_killed_build_reruns_to_the_same_corpus(crawled_archive, reference, tmp_path):
    expected = canonical(reference / "corpus.db")
    assert len(expected["reports"]) > 20
    data = tmp_path / "killed"
    shutil.copytree(crawled_archive, data)
    # Kill while documents are being parsed: the build has forked its parse workers (their
    # ``parse`` processes stay alive until the last batch is written; the archive is indexed
    # already, so no pool reads WARC files first).  The sample portal's 52 reports take a fraction
    # of a second to parse, so the kill comes soon after the workers appear.
    parsing_since: list[float] = []

    def parsing(pid: int) -> bool:
        if _children(pid):
            parsing_since.append(time.monotonic())
        return bool(parsing_since) and time.monotonic() - parsing_since[0] > 0.02

    killed = kill_when(["build", "--data", str(data), "--quiet", "--jobs", "2"], parsing)
    assert killed, "the build finished before it could be killed"
    partial = canonical(data / "corpus.db")["reports"]
    assert len(partial) < len(expected["reports"]), "the kill did not land mid-build"
    assert integrity(data / "corpus.db") == [("ok",)]

    run("build", "--data", str(data), "--quiet", "--jobs", "2")

    got = canonical(data / "corpus.db")
    for table, rows in expected.items():
        missing = [row for row in rows if row not in got[table]]
        extra = [row for row in got[table] if row not in rows]
        assert not missing and not extra, (table, missing[:2], extra[:2])
    assert integrity(data / "corpus.db") == [("ok",)]
    assert archive_problems(data) == []
    # No report was stored twice: one version per distinct document of a URL, as in the reference.
    versions = "SELECT count(*) FROM report_versions"
    assert query(data, versions) == query(reference, versions)


def _snapshot_files(directory: Path) -> list[str]:
    return sorted(p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file())


@pytest.mark.slow
def test_killed_snapshot_reruns_to_the_same_snapshot(reference, tmp_path):
    source = tmp_path / "corpus.db"
    shutil.copy(reference / "corpus.db", source)
    # The snapshot command brings the source's search index up to date (a write); do it once in
    # the reference too, so both snapshots start from the same source.
    reference_out = tmp_path / "reference-snapshots"
    reference_source = tmp_path / "reference-corpus.db"
    shutil.copy(reference / "corpus.db", reference_source)
    run("snapshot", "--db", str(reference_source), "--out", str(reference_out))
    (expected_dir,) = [p for p in reference_out.iterdir() if not p.name.startswith(".")]

    out = tmp_path / "snapshots"
    kills = 0
    # Kill at successive stages: while the full database is copied, while CSV is exported …
    for stage_file in ("corpus-", "-numbers.db", "csv"):

        def partial_has(_pid: int, stage_file=stage_file) -> bool:
            try:
                return any(stage_file in p.name for w in out.glob(".*.partial") for p in w.rglob("*"))
            except FileNotFoundError:  # renamed to its final name while we looked: that stage is over
                return False

        if kill_when(["snapshot", "--db", str(source), "--out", str(out)], partial_has):
            kills += 1
            complete = [p for p in out.iterdir() if not p.name.startswith(".")] if out.exists() else []
            assert all((p / "SHA256SUMS").is_file() for p in complete), "a half snapshot is visible"
            assert integrity(source) == [("ok",)]
        for leftover in [p for p in out.iterdir() if not p.name.startswith(".")] if out.exists() else []:
            shutil.rmtree(leftover)  # a kill that landed after the rename: start clean for the next stage
    assert kills >= 1, "no snapshot run could be killed in the middle"

    run("snapshot", "--db", str(source), "--out", str(out))
    (got_dir,) = [p for p in out.iterdir()]
    assert not list(out.glob(".*.partial"))
    assert _snapshot_files(got_dir) == _snapshot_files(expected_dir)
    name = got_dir.name
    full, numbers = got_dir / f"corpus-{name}.db", got_dir / f"corpus-{name}-numbers.db"
    for database in (full, numbers):
        assert integrity(database) == [("ok",)]
    assert canonical(full) == canonical(expected_dir / f"corpus-{name}.db")
    for csv_file in (got_dir / "csv").iterdir():
        assert filecmp.cmp(csv_file, expected_dir / "csv" / csv_file.name, shallow=False), csv_file.name
    for line in (got_dir / "SHA256SUMS").read_text().splitlines():
        digest, file_name = line.split("  ", 1)
        assert hashlib.sha256((got_dir / file_name).read_bytes()).hexdigest() == digest, file_name
