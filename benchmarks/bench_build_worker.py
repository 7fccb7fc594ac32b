"""Where a build's worker time goes: CPU per document of ``archive.build``'s worker step, per format.

    .venv/bin/python benchmarks/bench_build_worker.py --data /tmp/bench100k/data [--sample 2000] [--rounds 3]
    .venv/bin/python benchmarks/bench_build_worker.py --data … --forget-templates   # DOCX without the memo

``--data`` is a built corpus's data directory (``run_all.py --keep`` leaves one in ``<work>/data``).
Every 50th archived record that became a report is read back exactly as ``xxgknb build`` examines
it in a parse worker — record read from its WARC file, HTML classified as the crawler does, parsed,
turned into rows and pickled for the parent — and the CPU time per document is printed per
format (best of ``--rounds`` passes over the same sample), with each format's share of the sample,
so that format × share says what each costs per report built.

The DOCX reader remembers the list definitions of ``styles.xml``/``numbering.xml`` it has seen;
``--forget-templates`` empties that memo before every document, as for a corpus where no two files
share a Word template (the synthetic corpus uses one template throughout).
"""

from __future__ import annotations

import argparse
import collections
import pickle
import sqlite3
import time
from pathlib import Path

from archive.build import _read_and_parse, _RecordJob, portal_region
from parsers.formats import docx


def sample_jobs(data: Path, size: int) -> dict[str, list[_RecordJob]]:
    connection = sqlite3.connect(f"file:{data / 'corpus.db'}?mode=ro", uri=True)
    try:
        rows = connection.execute(
            "SELECT w.url, w.final_url, w.warc_file, w.offset, w.role, w.content_type, w.link_text, r.format "
            "FROM warc_records w JOIN reports r ON r.url = w.url AND r.sha256 = w.sha256 "
            "WHERE w.role IN ('item', 'attachment') AND w.rowid % 50 = 7 LIMIT ?",
            [size],
        ).fetchall()
    finally:
        connection.close()
    jobs: dict[str, list[_RecordJob]] = collections.defaultdict(list)
    for url, final_url, warc_file, offset, role, content_type, link_text, fmt in rows:
        path = data / warc_file
        jobs[fmt].append(
            _RecordJob(str(path), offset, url, role, final_url, content_type, link_text, portal_region(path))
        )
    return jobs


def cpu_per_document(jobs: list[_RecordJob], rounds: int, forget_templates: bool) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        for job in jobs:
            if forget_templates:
                docx.forget_definitions()
            pickle.dumps(_read_and_parse(job), protocol=pickle.HIGHEST_PROTOCOL)
        best = min(best, (time.process_time() - started) / len(jobs))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="data directory of a built corpus")
    parser.add_argument("--sample", type=int, default=2000, help="documents sampled (every 50th record)")
    parser.add_argument("--rounds", type=int, default=3, help="passes over the sample; the best is printed")
    parser.add_argument("--forget-templates", action="store_true", help="DOCX without remembered list definitions")
    args = parser.parse_args()
    if not (args.data / "corpus.db").is_file():
        raise SystemExit(f"{args.data}: no corpus.db (give the data directory of a built corpus)")
    jobs = sample_jobs(args.data, args.sample)
    total = sum(len(batch) for batch in jobs.values())
    if not total:
        raise SystemExit(f"{args.data}: no built reports to sample (build the corpus first)")
    print(f"{'format':8} {'documents':>9} {'share':>6} {'ms CPU/doc':>11} {'ms per report built':>19}")
    weighted = 0.0
    for fmt, batch in sorted(jobs.items()):
        milliseconds = cpu_per_document(batch, args.rounds, args.forget_templates) * 1000
        share = len(batch) / total
        weighted += share * milliseconds
        print(f"{fmt:8} {len(batch):9d} {share:6.1%} {milliseconds:11.2f} {share * milliseconds:19.2f}")
    print(f"{'all':8} {total:9d} {1:6.0%} {weighted:11.2f} {weighted:19.2f}")


if __name__ == "__main__":
    main()
