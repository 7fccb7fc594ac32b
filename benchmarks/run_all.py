"""Every benchmark in one run, one table: parse, build, database size, Datasette, crawl, memory.

    .venv/bin/python benchmarks/run_all.py                  # quick: 2,000 synthetic reports
    .venv/bin/python benchmarks/run_all.py --size 100000    # the reference run (about an hour on 2 cores)

Steps (each in its own process, so its peak memory is its own ``ru_maxrss``, read with ``wait4``;
for steps with worker processes it is the largest single process of the step):

1. ``synth``   — :mod:`benchmarks.synth` writes ``--size`` reports into WARC files.
2. ``parse-*`` — ``parsers.parse`` on one core over documents taken from those WARC files, per
   format; beside it the obvious alternative on the *same* documents: ``pandas.read_html``
   (tables only, no report) for HTML, ``pdfplumber`` ``extract_tables`` for PDF.
3. ``build``   — ``xxgknb build`` from the WARC files on all cores (index, classify, parse, write);
   then ``build-floor`` (:mod:`benchmarks.bench_build_worker` on ~500 of its reports): the workers'
   CPU per report and how much of it the libraries alone take (lxml, pdfium, reading the WARC
   record), beside the CPU per report that would build 1.5 million reports in an hour on 2 cores.
4. ``publish`` — search index and ``xxgknb snapshot``: database size with full texts and search
   index, and of the numbers-only edition (without either).
5. ``datasette`` — the published corpus served read-only; median and p95 latency of a facet page,
   a search, a canned query and a report page (HTML, as a browser asks for them).
6. ``crawl``   — ``xxgknb crawl --no-politeness`` against the bundled sample portal: pages/min.

The figures also go to ``<work>/results.json``.  Nothing here is a test: it prints what it measures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PYTHON = sys.executable
XXGKNB = (
    [PYTHON, "-m", "xxgknb.cli"]
    if not (Path(PYTHON).parent / "xxgknb").exists()
    else [str(Path(PYTHON).parent / "xxgknb")]
)
RESULT_PREFIX = "RESULT "
#: The step times in the summary line of ``xxgknb build``: ``(297.7s: index 4.9s, parse 292.2s, finish 0.6s;``.
BUILD_STEPS = re.compile(r"^Built corpus: .*\([\d.]+s: ((?:\w+ [\d.]+s(?:, )?)+);")
STEP_TIME = re.compile(r"(\w+) ([\d.]+)s")
PROGRESS_SECONDS = 20
#: documents per format the single-core parse step times (the same ones for the alternatives)
PARSE_SAMPLE = {"html": 400, "text": 200, "pdf": 120, "docx": 120}
#: Reports sampled to split the build's worker CPU into the libraries' share and ours.
FLOOR_SAMPLE = 500
#: CPU per report (parent and workers) that builds 1.5 million reports in an hour on 2 cores.
TARGET_MS_PER_REPORT = 2 * 3600 * 1000 / 1_500_000
SEARCHES = ("疫情", "复议", "依申请", "行政许可", "政府信息公开", "不予公开", "诉讼", "营商环境", "保密审查", "信访")


# --------------------------------------------------------------------------- running steps


def run_step(name: str, command: list[str], log_dir: Path, progress: Path | None = None) -> dict:
    """Run one step as a child process (stderr to ``log_dir/<name>.log``); its result, wall time and peak RSS.

    ``progress``: a corpus whose report count is sampled every :data:`PROGRESS_SECONDS` while the
    step runs, to show whether the rate holds as the corpus grows."""
    print(f"[{time.strftime('%H:%M:%S')}] {name} …", file=sys.stderr, flush=True)
    machine_before = machine_times()
    started = time.monotonic()
    samples: list[tuple[float, int]] = []
    stop = threading.Event()
    sampler = threading.Thread(target=_sample_reports, args=(progress, started, samples, stop), daemon=True)
    if progress is not None:
        sampler.start()
    with open(log_dir / f"{name.replace(' ', '-')}.log", "w") as log:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, text=True, cwd=ROOT)
        output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    stop.set()
    process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.monotonic() - started
    result: dict = {}
    for line in output.splitlines():
        if line.startswith(RESULT_PREFIX):
            result = json.loads(line[len(RESULT_PREFIX) :])
        elif steps := BUILD_STEPS.search(line):
            result["steps"] = {name: float(seconds) for name, seconds in STEP_TIME.findall(steps.group(1))}
    if process.returncode != 0:
        result["error"] = f"exit status {process.returncode}"
        print(f"{name} failed: see {log_dir / (name.replace(' ', '-') + '.log')}", file=sys.stderr)
    result.setdefault("seconds", round(seconds, 1))
    result["peak_rss_mb"] = round(usage.ru_maxrss / 1024, 1)
    # CPU time of the step and of every worker it waited for: on a shared machine the honest
    # measure of work, where wall time also counts other people's processes.
    result["cpu_seconds"] = round(usage.ru_utime + usage.ru_stime, 1)
    if machine_before is not None and (machine_after := machine_times()) is not None:
        result["machine"] = {kind: round(machine_after[kind] - machine_before[kind], 1) for kind in machine_after}
    if samples:
        result["progress"] = samples
    print(
        f"[{time.strftime('%H:%M:%S')}] {name}: {json.dumps(result, ensure_ascii=False)}", file=sys.stderr, flush=True
    )
    return result


def machine_times() -> dict[str, float] | None:
    """Core-seconds the whole machine has spent idle, waiting for the disk, and stolen by its
    hypervisor (``/proc/stat``), or ``None`` where there is no such file.

    On a virtual machine the host may run other guests on our cores: that time (*steal*) is neither
    the build's CPU nor idle, and it comes with the hours in which the same build takes 10–40 % longer.
    """
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()
    except OSError:
        return None
    tick = os.sysconf("SC_CLK_TCK")
    # cpu  user nice system idle iowait irq softirq steal ...
    return {"idle": int(fields[4]) / tick, "iowait": int(fields[5]) / tick, "steal": int(fields[8]) / tick}


def host_speed_canary(rounds: int = 3) -> float:
    """CPU seconds (best of ``rounds``) of a fixed piece of interpreter work like the build's: JSON, dicts, sorting.

    The same code on the same virtual machine ran 10–40 % slower in some hours than in others (other
    guests on the host).  Timed beside a step it marks the very slow hours (0.2 s became 0.4 s); a 10 %
    drift of the build's CPU can leave it unchanged.
    """
    text = "政府信息公开工作年度报告，本年新收政府信息公开申请数量 " * 20
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        for i in range(8000):
            row = {f"column_{j}": text[j : j + 12 + i % 7] for j in range(30)}
            json.loads(json.dumps(row, ensure_ascii=False))
            sorted(row.values())
        best = min(best, time.process_time() - started)
    return round(best, 3)


def _sample_reports(db_path: Path, started: float, samples: list, stop: threading.Event) -> None:
    import sqlite3

    while not stop.wait(PROGRESS_SECONDS):
        try:
            conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)
            try:
                count = conn.execute("select count(*) from reports").fetchone()[0]
            finally:
                conn.close()
        except sqlite3.Error:
            continue  # not created yet, or busy
        samples.append((round(time.monotonic() - started, 1), count))


def rate_halves(samples: list, total: int) -> tuple[float, float] | None:
    """Reports/s over the first and the second half of the reports, from the progress samples."""
    half = next((s for s in samples if s[1] >= total / 2), None)
    last = samples[-1] if samples else None
    first = next((s for s in samples if s[1] > 0), None)
    if not half or not last or not first or half == first or last == half:
        return None
    return (half[1] - first[1]) / (half[0] - first[0]), (last[1] - half[1]) / (last[0] - half[0])


def emit(result: dict) -> None:
    print(RESULT_PREFIX + json.dumps(result, ensure_ascii=False), flush=True)


def self_step(step: str, *args: str) -> list[str]:
    return [PYTHON, str(Path(__file__).resolve()), "--step", step, *args]


# --------------------------------------------------------------------------- step: build-floor


def step_build_floor(data: Path) -> None:
    """The build's worker CPU per report and what the libraries alone take of it (bench_build_worker)."""
    import sqlite3

    from benchmarks.bench_build_worker import measure, per_report

    connection = sqlite3.connect(data / "corpus.db")
    records = connection.execute("SELECT count(*) FROM warc_records").fetchone()[0]
    connection.close()
    costs = measure(data, sample=FLOOR_SAMPLE, every=max(1, records // FLOOR_SAMPLE), rounds=1)
    worker_ms, floor_ms = per_report(costs)
    formats = {
        c.fmt: {"share": c.share, "cpu_ms": round(c.cpu_ms, 2), "floor_ms": c.floor_ms and round(c.floor_ms, 2)}
        for c in costs
    }
    emit(
        {
            "documents": sum(c.documents for c in costs),
            "worker_ms": round(worker_ms, 2),
            "floor_ms": round(floor_ms, 2),
            "formats": formats,
        }
    )


# --------------------------------------------------------------------------- step: parse


def _sample_documents(data: Path, fmt: str, count: int) -> list[tuple[bytes, str, str, str]]:
    """(payload, filename, content type, url) of ``count`` reports of ``fmt`` spread over the WARC files."""
    from archive.warc import iter_records

    files = sorted((data / "warc").rglob("*.warc.gz"))
    random.Random(7).shuffle(files)
    suffix = {"html": ".html", "text": ".txt", "pdf": ".pdf", "docx": ".docx"}[fmt]
    found = []
    for path in files:
        for record in iter_records(path):
            if record.type != "response" or record.xheader("Role") != "item" or not record.url.endswith(suffix):
                continue
            found.append(
                (record.payload, record.url.rsplit("/", 1)[-1], record.http_header("Content-Type") or "", record.url)
            )
            if len(found) >= count:
                return found
            break  # one per file: spread over portals, layouts and templates
    if len(found) < count:  # small corpora: take more per file
        for path in files:
            for record in iter_records(path):
                if record.type == "response" and record.xheader("Role") == "item" and record.url.endswith(suffix):
                    item = (
                        record.payload,
                        record.url.rsplit("/", 1)[-1],
                        record.http_header("Content-Type") or "",
                        record.url,
                    )
                    if item not in found:
                        found.append(item)
                if len(found) >= count:
                    return found
    return found


def _rate(count: int, seconds: float) -> float:
    return round(count / seconds, 1) if seconds > 0 else 0.0


def step_parse(data: Path, fmt: str) -> None:
    from parsers import parse

    documents = _sample_documents(data, fmt, PARSE_SAMPLE[fmt])
    parse(documents[0][0], filename=documents[0][1], content_type=documents[0][2])  # imports, caches
    statuses: dict[str, int] = {}
    started, cpu_started = time.perf_counter(), time.process_time()
    for payload, filename, content_type, url in documents:
        report = parse(payload, filename=filename, content_type=content_type, url=url)
        statuses[report.status] = statuses.get(report.status, 0) + 1
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    # reports per CPU-second of this one process: what one core does, whatever else the machine runs
    result = {
        "format": fmt,
        "documents": len(documents),
        "reports_per_s": _rate(len(documents), cpu),
        "reports_per_wall_s": _rate(len(documents), wall),
        "statuses": statuses,
    }
    if fmt == "html":
        result["alternative"] = "pandas.read_html"
        result["alternative_per_s"] = _rate(len(documents), _cpu_time(_time_pandas, documents))
    elif fmt == "pdf":
        result["alternative"] = "pdfplumber extract_tables"
        result["alternative_per_s"] = _rate(len(documents), _cpu_time(_time_pdfplumber, documents))
    emit(result)


def _cpu_time(function, documents) -> float:
    started = time.process_time()
    function(documents)
    return time.process_time() - started


def _time_pandas(documents) -> float:
    import contextlib
    import io

    import pandas

    started = time.perf_counter()
    for payload, *_ in documents:
        with contextlib.suppress(ValueError):  # "No tables found": a prose report
            pandas.read_html(io.BytesIO(payload), flavor="lxml")
    return time.perf_counter() - started


def _time_pdfplumber(documents) -> float:
    import io

    import pdfplumber

    started = time.perf_counter()
    for payload, *_ in documents:
        with pdfplumber.open(io.BytesIO(payload)) as pdf:
            for page in pdf.pages:
                page.extract_tables()
                page.extract_text()
    return time.perf_counter() - started


# --------------------------------------------------------------------------- step: publish (index, sizes, snapshot)


def step_publish(data: Path) -> None:
    from archive.snapshot import make_snapshot
    from publish.serve import prepare_corpus

    db_path = data / "corpus.db"
    started = time.perf_counter()
    refresh = prepare_corpus(db_path)
    index_seconds = time.perf_counter() - started
    started = time.perf_counter()
    snapshot = make_snapshot(db_path, data / "snapshots")
    snapshot_seconds = time.perf_counter() - started
    emit(
        {
            "search_index_seconds": round(index_seconds, 1),
            "search_indexed": refresh.indexed,
            "snapshot_seconds": round(snapshot_seconds, 1),
            "corpus_mb": round(db_path.stat().st_size / 2**20, 1),
            "full_mb": round(snapshot.full.stat().st_size / 2**20, 1),
            "numbers_only_mb": round(snapshot.numbers.stat().st_size / 2**20, 1),
            "reports": snapshot.reports,
            "full_path": str(snapshot.full),
        }
    )


# --------------------------------------------------------------------------- step: datasette


def _get(url: str, failures: list | None = None) -> float:
    """Milliseconds to fetch ``url``; a query Datasette interrupts (its SQL time limit) counts as a
    failure in ``failures``, with its time, instead of stopping the benchmark."""
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            response.read()
    except urllib.error.HTTPError as error:
        if failures is None:
            raise
        failures.append(f"HTTP {error.code} {url}")
    return (time.perf_counter() - started) * 1000


def _percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return {"median_ms": round(statistics.median(ordered), 1), "p95_ms": round(p95, 1), "requests": len(ordered)}


def step_datasette(db_path: Path, requests_per_kind: int) -> None:
    import sqlite3

    from publish.serve import free_port

    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    provinces = [r[0] for r in conn.execute("select distinct province from reports where province is not null")]
    years = [r[0] for r in conn.execute("select distinct year from reports where year is not null")]
    report_ids = [r[0] for r in conn.execute("select id from reports order by random() limit ?", [requests_per_kind])]
    conn.close()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [PYTHON, "-m", "publish.serve", "--db", str(db_path), "--port", str(port), "--no-prepare"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                _get(base + "/-/versions.json")
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("datasette did not start") from None
                time.sleep(0.2)
        rng = random.Random(3)
        quote = urllib.parse.quote
        kinds = {
            "facet page": lambda i: (
                f"/corpus/reports?province={quote(rng.choice(provinces))}"
                if i % 2
                else f"/corpus/reports?year={rng.choice(years)}&_facet=province"
            ),
            "search": lambda i: f"/corpus/reports?_search={quote(SEARCHES[i % len(SEARCHES)])}",
            "canned query": lambda i: (
                (f"/corpus/headline_numbers?province={quote(rng.choice(provinces))}&year={rng.choice(years)}")
                if i % 2
                else "/corpus/applications_by_province_and_year"
            ),
            "report page": lambda i: f"/-/report/{report_ids[i % len(report_ids)]}",
        }
        result = {}
        for kind, make in kinds.items():
            failures: list[str] = []
            _get(base + make(0), [])  # warm the page cache for this kind of page
            result[kind] = _percentiles([_get(base + make(i), failures) for i in range(requests_per_kind)])
            result[kind]["failed"] = len(failures)
            result[kind]["failures"] = sorted(set(failures))[:5]
        server.send_signal(signal.SIGINT)
        server.wait(timeout=20)
        emit(result)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


# --------------------------------------------------------------------------- step: crawl


def step_crawl(work: Path) -> None:
    import sqlite3

    from xxgknb.sample_portal import SamplePortal

    data = work / "crawl"
    shutil.rmtree(data, ignore_errors=True)
    with SamplePortal(crawl_delay=0) as portal:
        urls = [arg for site in portal.sites for arg in ("--url", site["start_url"])]
        started = time.monotonic()
        completed = subprocess.run(
            [*XXGKNB, "crawl", *urls, "--id", "sample", "--data", str(data), "--no-politeness", "--no-build", "-q"],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        seconds = time.monotonic() - started
        reports = len(portal.manifest["reports"])
    if completed.returncode != 0:
        raise RuntimeError(completed.stderr[-2000:])
    conn = sqlite3.connect(data / "corpus.db")
    pages = conn.execute("select count(*) from warc_records where role != 'robots'").fetchone()[0]
    conn.close()
    emit(
        {
            "pages": pages,
            "seconds": round(seconds, 1),
            "pages_per_min": round(pages / seconds * 60),
            "sites": len(urls) // 2,
            "reports_in_manifest": reports,
        }
    )


# --------------------------------------------------------------------------- table


def _fmt(value, unit: str = "") -> str:
    if value is None or value == "":
        return "—"
    return f"{value:,}{unit}" if isinstance(value, int) else f"{value:,.1f}{unit}"


def interpreter() -> str:
    """Which Python ran the figures: the same code on another build of CPython takes other times
    (a from-source build with default options needed about 8 % more CPU than Debian's; docs/scale.md)."""
    try:
        shared = "libpython" in Path("/proc/self/maps").read_text()
    except OSError:
        shared = None
    linking = {True: ", libpython a shared library", False: ", libpython linked in", None: ""}[shared]
    return f"Python {platform.python_version()} at {os.path.realpath(sys._base_executable)}{linking}"


def table(size: int, results: dict, cores: int) -> str:
    rows: list[tuple[str, str, str]] = [("interpreter", interpreter(), "")]
    synth = results.get("synth", {})
    rows.append(
        (
            "synthetic corpus (WARC)",
            f"{_fmt(synth.get('size'))} reports, {_fmt(synth.get('warc_mb'))} MB in {_fmt(synth.get('seconds'))} s",
            _fmt(synth.get("peak_rss_mb"), " MB"),
        )
    )
    for fmt in ("html", "text", "pdf", "docx"):
        parse = results.get(f"parse-{fmt}", {})
        figure = f"{_fmt(parse.get('reports_per_s'))} reports/s/core ({_fmt(parse.get('documents'))} docs)"
        if parse.get("alternative"):
            ratio = (parse["reports_per_s"] / parse["alternative_per_s"]) if parse.get("alternative_per_s") else None
            figure += f"; {parse['alternative']} {_fmt(parse.get('alternative_per_s'))}/s → ratio {_fmt(ratio)}×"
        rows.append((f"parse {fmt.upper()}", figure, _fmt(parse.get("peak_rss_mb"), " MB")))
    build = results.get("build", {})
    rate = build.get("reports", 0) / build["seconds"] if build.get("seconds") else None
    rows.append(
        (
            f"build from WARC ({cores} cores)",
            f"{_fmt(build.get('seconds'))} s = {_fmt(rate)} reports/s ({_fmt(build.get('reports'))} reports)",
            _fmt(build.get("peak_rss_mb"), " MB"),
        )
    )
    if build.get("steps"):
        steps = " / ".join(f"{seconds:.1f}" for seconds in build["steps"].values())
        rows.append((f"  steps: {' / '.join(build['steps'])}", f"{steps} s", ""))
    halves = rate_halves(build.get("progress") or [], build.get("reports") or 0)
    if halves:
        rows.append(("  rate, 1st / 2nd half of the reports", f"{halves[0]:.1f} / {halves[1]:.1f} reports/s", ""))
    if rate:
        hours = 1_500_000 / (halves[1] if halves else rate) / 3600
        rows.append(("  → 1.5M reports, this machine as loaded", f"{hours:.1f} h (linear, 2nd-half rate)", ""))
    if build.get("cpu_seconds") and build.get("reports"):
        per_report = build["cpu_seconds"] / build["reports"]
        rows.append(
            (
                "  CPU per report (parent + workers)",
                f"{per_report * 1000:.0f} ms → 1.5M reports, 2 idle cores: {per_report * 1_500_000 / 2 / 3600:.1f} h",
                "",
            )
        )
    floor = results.get("build-floor", {})
    if floor.get("worker_ms"):
        rows.append(
            (
                "  worker CPU per report",
                f"{floor['worker_ms']:.1f} ms, {floor['floor_ms']:.1f} ms of it in lxml/pdfium and reading WARC"
                f" ({floor['documents']} docs)",
                "",
            )
        )
        rows.append(("  1.5M in 1 h on 2 cores allows", f"{TARGET_MS_PER_REPORT:.1f} ms CPU per report in all", ""))
    if build.get("cpu_seconds") and build.get("seconds"):
        # Below the number of cores either when the build waits on itself or when others use the machine.
        busy = build["cpu_seconds"] / build["seconds"]
        rows.append(("  cores kept busy (CPU / wall)", f"{busy:.2f} of {cores}", ""))
    if build.get("canary_seconds"):
        before, after = build["canary_seconds"]
        rows.append(
            ("  host-speed canary before / after", f"{before:.3f} / {after:.3f} s CPU (lower is a faster hour)", "")
        )
    if build.get("machine"):
        rows.append(
            (
                "  machine's other core-seconds meanwhile",
                "idle {idle:.1f}, waiting for the disk {iowait:.1f}, stolen by the hypervisor {steal:.1f}".format(
                    **build["machine"]
                ),
                "",
            )
        )
    pub = results.get("publish", {})
    rows.append(
        (
            "search index + snapshot",
            f"index {_fmt(pub.get('search_index_seconds'))} s, snapshot {_fmt(pub.get('snapshot_seconds'))} s",
            _fmt(pub.get("peak_rss_mb"), " MB"),
        )
    )
    rows.append(("database size, full text + search index", _fmt(pub.get("full_mb"), " MB"), ""))
    rows.append(("database size, numbers only", _fmt(pub.get("numbers_only_mb"), " MB"), ""))
    datasette = results.get("datasette", {})
    for kind in ("facet page", "search", "canned query", "report page"):
        figures = datasette.get(kind, {})
        rows.append(
            (
                f"Datasette {kind}",
                f"median {_fmt(figures.get('median_ms'))} ms, p95 {_fmt(figures.get('p95_ms'))} ms"
                + (f", {figures['failed']} of {figures['requests']} interrupted" if figures.get("failed") else ""),
                _fmt(datasette.get("peak_rss_mb"), " MB"),
            )
        )
    crawl = results.get("crawl", {})
    rows.append(
        (
            "crawl sample portal, politeness off",
            f"{_fmt(crawl.get('pages_per_min'))} pages/min "
            f"({_fmt(crawl.get('pages'))} pages in {_fmt(crawl.get('seconds'))} s)",
            _fmt(crawl.get("peak_rss_mb"), " MB"),
        )
    )
    errors = [f"{step}: {r['error']}" for step, r in results.items() if isinstance(r, dict) and r.get("error")]
    width = max(len(r[0]) for r in rows)
    lines = [
        f"xxgknb benchmarks — {size:,} synthetic reports, {cores} cores",
        "",
        f"{'step':<{width}}  {'figure':<70}  peak RSS",
        f"{'-' * width}  {'-' * 70}  --------",
    ]
    lines += [f"{a:<{width}}  {b:<70}  {c}" for a, b, c in rows]
    lines += [f"ERROR {e}" for e in errors]
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description="Run every xxgknb benchmark and print one table.")
    parser.add_argument("--size", type=int, default=2000, help="synthetic reports (default 2000; reference 100000)")
    parser.add_argument("--work", type=Path, default=None, help="working directory (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the working directory")
    parser.add_argument("--jobs", "-j", type=int, default=None, help="cores for synth and build (default: all)")
    parser.add_argument("--requests", type=int, default=40, help="Datasette requests per kind of page")
    parser.add_argument("--pdf-pool", type=int, default=200, help="distinct LibreOffice PDF/DOCX reports (cached)")
    parser.add_argument("--skip", action="append", default=[], help="skip a step (crawl, datasette, …)")
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("--format", help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.step:
        work = args.work
        if args.step == "parse":
            step_parse(work / "data", args.format)
        elif args.step == "publish":
            step_publish(work / "data")
        elif args.step == "datasette":
            step_datasette(args.db, args.requests)
        elif args.step == "crawl":
            step_crawl(work)
        elif args.step == "build-floor":
            from xxgknb.allocator import use_mimalloc

            use_mimalloc()  # the allocator the build's workers run on
            step_build_floor(work / "data")
        return

    from archive.parallel import default_workers

    cores = args.jobs or default_workers()
    work = args.work or Path(tempfile.mkdtemp(prefix=f"xxgknb-bench-{args.size}-"))
    work.mkdir(parents=True, exist_ok=True)
    data = work / "data"
    results: dict = {}
    try:
        if "synth" not in args.skip or not (data / "warc").exists():
            shutil.rmtree(data, ignore_errors=True)
            synth = run_step(
                "synth",
                [
                    PYTHON,
                    str(ROOT / "benchmarks" / "synth.py"),
                    "--size",
                    str(args.size),
                    "--out",
                    str(data),
                    "--jobs",
                    str(cores),
                ],
                work,
            )
            summary = json.loads((data / "synth.json").read_text(encoding="utf-8"))
            synth.update(
                size=summary["size"], warc_mb=round(summary["warc_bytes"] / 2**20, 1), seconds=summary["seconds"]
            )
            results["synth"] = synth
        for fmt in ("html", "text", "pdf", "docx"):
            if "parse" not in args.skip:
                results[f"parse-{fmt}"] = run_step(
                    f"parse {fmt}", self_step("parse", "--work", str(work), "--format", fmt), work
                )
        if "build" not in args.skip:
            (data / "corpus.db").unlink(missing_ok=True)
            canary_before = host_speed_canary()
            build = run_step(
                "build",
                [*XXGKNB, "build", "--data", str(data), "--jobs", str(cores), "-q"],
                work,
                progress=data / "corpus.db",
            )
            import sqlite3

            conn = sqlite3.connect(data / "corpus.db")
            build["reports"] = conn.execute("select count(*) from reports").fetchone()[0]
            build["statuses"] = dict(conn.execute("select status, count(*) from reports group by status").fetchall())
            build["rejected"] = conn.execute("select count(*) from rejected_documents").fetchone()[0]
            conn.close()
            build["canary_seconds"] = [canary_before, host_speed_canary()]
            results["build"] = build
            results["build-floor"] = run_step("build floor", self_step("build-floor", "--work", str(work)), work)
        if "publish" not in args.skip:
            results["publish"] = run_step("publish", self_step("publish", "--work", str(work)), work)
        if "datasette" not in args.skip and results.get("publish", {}).get("full_path"):
            results["datasette"] = run_step(
                "datasette",
                self_step(
                    "datasette",
                    "--work",
                    str(work),
                    "--db",
                    results["publish"]["full_path"],
                    "--requests",
                    str(args.requests),
                ),
                work,
            )
        if "crawl" not in args.skip:
            results["crawl"] = run_step("crawl", self_step("crawl", "--work", str(work)), work)
    finally:
        (work / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
        print(table(args.size, results, cores))
        print(f"\nfigures: {work / 'results.json'}")
        if not args.keep and args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
