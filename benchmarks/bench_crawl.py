"""Crawl throughput against the bundled sample portal, politeness off, and peak memory.

Starts several sample portals (different seeds, so every URL is distinct), crawls all their sites
in one ``xxgknb crawl --no-politeness --no-build`` process, and prints pages per minute (every
archived response except robots.txt) over the crawl's own wall time, the end-to-end time including
process start, and the crawler's peak RSS.  Then runs ``scrapy bench`` (Scrapy's own local
benchmark: a spider following links on a local server, no archive, no SQLite) on the same machine
for comparison.

    .venv/bin/python benchmarks/bench_crawl.py [--portals 4] [--no-scrapy-bench]
"""

from __future__ import annotations

import argparse
import re
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-c", "from xxgknb.cli import cli; cli()"]


def crawl_benchmark(portals: int) -> dict:
    from xxgknb.sample_portal import SamplePortal

    work = Path(tempfile.mkdtemp(prefix="bench_crawl_"))
    running = [SamplePortal(port=0, seed=seed, crawl_delay=0) for seed in range(portals)]
    try:
        for portal in running:
            portal.start()
        args = [*CLI, "crawl", "--no-politeness", "--no-build", "--quiet", "--data", str(work)]
        reports = 0
        for index, portal in enumerate(running):
            reports += len(portal.manifest["reports"])
            for site in portal.sites:
                args += ["--url", site["start_url"], "--id", f"bench{index}_{site['id'].replace('-', '_')}"]
        started = time.monotonic()
        completed = subprocess.run(args, capture_output=True, text=True, cwd=ROOT)
        seconds = time.monotonic() - started
        if completed.returncode != 0:
            raise SystemExit(completed.stderr[-3000:])
        peak_rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        db = sqlite3.connect(work / "corpus.db")
        pages = db.execute("SELECT count(*) FROM warc_records WHERE role NOT IN ('robots', 'crawl-end')").fetchone()[0]
        first, last = db.execute("SELECT min(started_at), max(finished_at) FROM crawls").fetchone()
        found = db.execute("SELECT sum(reports_found) FROM crawls").fetchone()[0]
        db.close()
        crawl_seconds = (datetime.fromisoformat(last) - datetime.fromisoformat(first)).total_seconds()
        warc_mb = sum(p.stat().st_size for p in (work / "warc").rglob("*.warc.gz")) / 1e6
        return {
            "sites": sum(len(p.sites) for p in running),
            "pages": pages,
            "reports": f"{found}/{reports}",
            "crawl_seconds": crawl_seconds,
            "total_seconds": seconds,
            "pages_per_min": pages / crawl_seconds * 60,
            "pages_per_min_end_to_end": pages / seconds * 60,
            "peak_rss_mb": peak_rss_mb,
            "warc_mb": warc_mb,
        }
    finally:
        for portal in running:
            portal.stop()
        shutil.rmtree(work, ignore_errors=True)


def scrapy_bench() -> dict:
    """Scrapy's ``scrapy bench`` (run outside the project so project settings do not apply)."""
    scrapy = Path(sys.executable).with_name("scrapy")
    with tempfile.TemporaryDirectory() as outside:
        completed = subprocess.run(
            [str(scrapy), "bench", "-s", "LOG_LEVEL=INFO", "-s", "CLOSESPIDER_TIMEOUT=10"],
            capture_output=True,
            text=True,
            cwd=outside,
            timeout=120,
        )
    rates = [int(m) for m in re.findall(r"\(at (\d+) pages/min\)", completed.stderr)]
    crawled = re.findall(r"Crawled (\d+) pages", completed.stderr)
    return {"peak_pages_per_min": max(rates, default=0), "pages": int(crawled[-1]) if crawled else 0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--portals", type=int, default=4, help="sample portals to crawl at once (6 sites each)")
    parser.add_argument("--no-scrapy-bench", action="store_true")
    args = parser.parse_args()
    result = crawl_benchmark(args.portals)
    print(f"xxgknb crawl, sample portal, politeness off ({result['sites']} sites, reports found {result['reports']})")
    print(f"  pages archived          {result['pages']}")
    print(f"  crawl time              {result['crawl_seconds']:.1f} s   ({result['pages_per_min']:.0f} pages/min)")
    end_to_end = result["pages_per_min_end_to_end"]
    print(f"  end to end (with start) {result['total_seconds']:.1f} s   ({end_to_end:.0f} pages/min)")
    print(f"  peak RSS of the crawler {result['peak_rss_mb']:.0f} MB")
    print(f"  WARC written            {result['warc_mb']:.1f} MB")
    if not args.no_scrapy_bench:
        bench = scrapy_bench()
        print(
            f"scrapy bench (same machine, no archive): {bench['peak_pages_per_min']} pages/min peak, "
            f"{bench['pages']} pages in 10 s"
        )


if __name__ == "__main__":
    main()
