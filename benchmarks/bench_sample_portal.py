"""How fast the sample portal starts and serves, so it is never the bottleneck of a crawl benchmark.

    .venv/bin/python benchmarks/bench_sample_portal.py [--seconds 3] [--faults]

Prints: start-up time (cache as found, then warm), requests/second for one keep-alive client
and for four parallel clients fetching every report page and list page in turn, 304 answers
per second, and the peak RSS of the process.
"""

from __future__ import annotations

import argparse
import http.client
import resource
import threading
import time
import urllib.parse

from xxgknb.sample_portal import SamplePortal


def _targets(manifest: dict) -> list[tuple[str, str, bytes | None]]:
    targets = []
    for report in manifest["reports"]:
        targets.append(("GET", report["url"], None))
    for entry in manifest["list_pages"]:
        body = urllib.parse.urlencode(entry["form"]).encode() if entry["method"] == "POST" else None
        targets.append((entry["method"], entry["url"], body))
    return targets


def _client(targets, seconds: float, counts: list[int], index: int, conditional: dict | None = None) -> None:
    first = urllib.parse.urlsplit(targets[0][1])
    connection = http.client.HTTPConnection(first.hostname, first.port, timeout=30)
    deadline = time.perf_counter() + seconds
    done = 0
    while time.perf_counter() < deadline:
        method, url, body = targets[done % len(targets)]
        parts = urllib.parse.urlsplit(url)
        headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
        if conditional is not None and url in conditional:
            headers["If-None-Match"] = conditional[url]
        connection.request(method, parts.path + ("?" + parts.query if parts.query else ""), body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        if conditional is not None and method == "GET" and url not in conditional:
            conditional[url] = response.getheader("ETag")
        done += 1
    connection.close()
    counts[index] = done


def _rate(targets, seconds: float, clients: int, conditional: dict | None = None) -> float:
    counts = [0] * clients
    threads = [
        threading.Thread(target=_client, args=(targets, seconds, counts, i, conditional)) for i in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--faults", action="store_true", help="include the fault sites in the start-up time")
    args = parser.parse_args()

    started = time.perf_counter()
    with SamplePortal(port=0, faults=args.faults):
        first_start = time.perf_counter() - started
    started = time.perf_counter()
    with SamplePortal(port=0, faults=args.faults) as portal:
        warm_start = time.perf_counter() - started
        manifest = portal.manifest
        targets = [t for t in _targets(manifest) if t[1].startswith(portal.base_url)]
        print(f"sample portal: {len(manifest['reports'])} reports, {len(manifest['list_pages'])} list pages")
        print(f"start-up: {first_start:.2f} s (cache as found), {warm_start:.2f} s (warm)")
        print(f"1 keep-alive client:  {_rate(targets, args.seconds, 1):8.0f} requests/s")
        print(f"4 keep-alive clients: {_rate(targets, args.seconds, 4):8.0f} requests/s")
        etags: dict[str, str] = {}
        _rate(targets, 0.5, 1, etags)
        print(f"conditional (304):    {_rate(targets, args.seconds, 1, etags):8.0f} requests/s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
