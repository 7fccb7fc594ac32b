"""Import throughput: reports per second from files on disk into a fresh SQLite corpus.

Copies the five seed reports and the HTML report fixtures (TRS, #zoom, gkmlpt, GBK pages)
N times each into a temporary directory (each copy made unique by an appended newline run, so
that no copy is stored as a duplicate of another), then runs the same code path as
``xxgknb import`` — walk, hash, parse in worker processes, write in batches — and prints:

* the first import (parse + write) in reports/s, and the CPU time it took per report,
* a second import of the same files (nothing to parse: hash and compare only) in files/s.

Usage::

    .venv/bin/python benchmarks/bench_import.py [--copies 100] [--jobs N]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from archive import corpus, importer
from archive.parallel import default_workers

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"


def sources() -> list[Path]:
    """The seeds plus every HTML report fixture of the parser tests (those with expected rows)."""
    found = sorted((FIXTURES / "seeds").glob("*.txt"))
    reports = FIXTURES / "reports"
    found += sorted(p for p in reports.glob("*.html") if (reports / "expected" / f"{p.stem}.json").exists())
    return found


def make_corpus_folder(folder: Path, copies: int) -> int:
    count = 0
    for source in sources():
        data = source.read_bytes()
        for n in range(copies):
            target = folder / f"copy{n:04d}" / source.name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data + b"\n" * (n + 1))
            count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=100, help="copies of each source file")
    parser.add_argument("--jobs", type=int, default=default_workers(), help="worker processes")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp, "reports")
        total = make_corpus_folder(folder, args.copies)
        kinds = sources()
        print(f"{total} files ({len(kinds)} sources x {args.copies} copies), {args.jobs} worker(s)")

        db = corpus.open_corpus(Path(tmp, "corpus.db"))
        files = importer.find_files([folder])
        cpu_before = _cpu_seconds()
        started = time.perf_counter()
        summary = importer.import_files(db, files, workers=args.jobs)
        first = time.perf_counter() - started
        cpu = _cpu_seconds() - cpu_before
        reports = sum(1 for o in summary.outcomes if o.stored_as == "report")
        parsed = summary.count_parsed()
        print(
            f"first import:  {reports} reports ({parsed['fully']} fully, {parsed['partly']} partly, "
            f"{parsed['not at all']} not parsed) in {first:.2f} s = {reports / first:.1f} reports/s"
        )
        # CPU time of the importer and its workers: what the figure above would be on an idle
        # machine with one core, whatever else is running now.
        print(
            f"               {1000 * cpu / reports:.1f} ms CPU per report (importer + workers) "
            f"= {reports / cpu:.1f} reports/s per core"
        )

        started = time.perf_counter()
        again = importer.import_files(db, files, workers=args.jobs)
        second = time.perf_counter() - started
        unchanged = again.count_actions()["unchanged"]
        rate = len(files) / second
        print(f"second import: {unchanged}/{len(files)} unchanged in {second:.2f} s = {rate:.1f} files/s")
        db.close()


def _cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # workers, counted once reaped
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


if __name__ == "__main__":
    main()
