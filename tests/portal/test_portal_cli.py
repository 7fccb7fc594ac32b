"""``xxgknb sample-portal`` serves until interrupted, printing the base URL and the start URLs."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys

from sample_portal_helpers import fetch


def test_cli_serves_prints_urls_writes_manifest_and_stops_on_ctrl_c(tmp_path):
    manifest_path = tmp_path / "manifest.json"
    process = subprocess.Popen(
        [sys.executable, "-c", "from xxgknb.cli import cli; cli()", "sample-portal", "--port", "0",
         "--crawl-delay", "1.5", "--manifest", str(manifest_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        lines = []
        for line in process.stdout:
            lines.append(line)
            if line.startswith("Press Ctrl-C"):
                break
        output = "".join(lines)
        base = re.search(r"Sample portal at (http://127\.0\.0\.1:\d+)", output).group(1)
        starts = re.findall(r"^\s+\S+\s+[A-F]\s+(http://\S+)", output, re.M)
        assert len(starts) == 6
        for url in starts:
            assert url.startswith(base) and fetch(url).status == 200
        assert "Crawl-delay: 1.5" in fetch(base + "/robots.txt").body.decode()
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        assert manifest["base_url"] == base and len(manifest["reports"]) >= 40
        process.send_signal(signal.SIGINT)
        remaining, errors = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, errors
    assert "Stopped." in remaining
