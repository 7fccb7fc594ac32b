"""Ctrl-C or kill -9 in the middle of ``xxgknb import`` leaves a consistent corpus; a rerun completes it."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from archive_test_helpers import SEEDS, dump, rows

from archive.corpus import REPORT_TABLES

XXGKNB = Path(sys.executable).with_name("xxgknb")
COPIES = 80  # x 5 seeds: a few seconds of work, two or more batches


def make_folder(folder: Path) -> int:
    seeds = sorted(SEEDS.glob("*.txt"))
    for n in range(COPIES):
        target = folder / f"batch{n // 40}" / f"copy{n:03d}"
        target.mkdir(parents=True)
        for seed in seeds:
            # trailing newlines make every copy's bytes unique without changing what is parsed
            (target / seed.name).write_bytes(seed.read_bytes() + b"\n" * (n + 1))
    return COPIES * len(seeds)


def run_import(folder: Path, db: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [XXGKNB, "import", folder, "--db", db, "--jobs", "2"], capture_output=True, text=True, timeout=300
    )


def report_count(db: Path) -> int:
    try:
        return rows(db, "SELECT count(*) FROM reports")[0][0]
    except sqlite3.OperationalError:  # not created yet, or locked by the migration
        return 0


def table_rows(db: Path, table: str) -> set[tuple]:
    return set(rows(db, f"SELECT * FROM {table}"))


@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> tuple[Path, Path, int]:
    """A folder of reports and the corpus an uninterrupted import makes of it."""
    base = tmp_path_factory.mktemp("interrupt")
    folder = base / "reports"
    total = make_folder(folder)
    clean = base / "clean.db"
    assert run_import(folder, clean).returncode == 0
    assert report_count(clean) == total
    return folder, clean, total


@pytest.mark.slow
@pytest.mark.parametrize("stop", ["ctrl-c", "kill -9"])
def test_an_interrupted_import_is_consistent_and_a_rerun_completes_it(tmp_path, imported, stop):
    folder, clean, total = imported

    interrupted = tmp_path / "interrupted.db"
    process = subprocess.Popen(
        [XXGKNB, "import", folder, "--db", interrupted, "--jobs", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while report_count(interrupted) == 0 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    if stop == "ctrl-c":
        os.killpg(process.pid, signal.SIGINT)  # what a terminal does: the whole process group
    else:
        os.kill(process.pid, signal.SIGKILL)  # the importer only; its workers are orphaned
    _, stderr = process.communicate(timeout=60)
    if stop == "ctrl-c":
        assert process.returncode == 130, stderr
        assert "Interrupted:" in stderr and "run the same command again to finish" in stderr
    else:
        assert process.returncode == -signal.SIGKILL
    # no worker outlives the importer
    for _ in range(100):
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        pytest.fail("parser workers still running after the importer stopped")

    versions = rows(clean, "SELECT DISTINCT parser_version FROM reports")
    assert rows(interrupted, "SELECT DISTINCT parser_version FROM reports") == versions, (
        "the parser sources changed between the two imports (someone editing parsers/ meanwhile?)"
    )
    stored = report_count(interrupted)
    assert 0 < stored < total, "the import was not stopped half-way; make COPIES larger"
    # every stored report is complete: its rows are exactly those of an uninterrupted import
    ids = [rid for (rid,) in rows(interrupted, "SELECT id FROM reports")]
    marks = ", ".join("?" for _ in ids)
    for table in REPORT_TABLES:
        key = "id" if table == "reports" else "report_id"
        expected = set(rows(clean, f"SELECT * FROM {table} WHERE {key} IN ({marks})", tuple(ids)))
        assert table_rows(interrupted, table) == expected, table
    assert table_rows(interrupted, "report_versions") == set(
        rows(clean, f"SELECT * FROM report_versions WHERE report_id IN ({marks})", tuple(ids))
    )

    rerun = run_import(folder, interrupted)
    assert rerun.returncode == 0, rerun.stderr
    assert rows(interrupted, "SELECT DISTINCT parser_version FROM reports") == versions, (
        "the parser sources changed between the two imports (someone editing parsers/ meanwhile?)"
    )
    assert f"unchanged: {stored}" in rerun.stdout

    # two databases: identical but for when each applied its migrations
    def content(db: Path) -> list[str]:
        return [line for line in dump(db) if not line.startswith("_sqlite_migrations: ")]

    assert content(interrupted) == content(clean)
