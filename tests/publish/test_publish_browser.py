"""A researcher's path through the site in Debian's headless Chromium, driven over WebDriver.

chromedriver's W3C WebDriver protocol is spoken directly with httpx (selenium is not needed):
open the home page, type 疫情 into the search box, open a report page from the results, and
check that a report carrying ``<script>`` does not run it.  Screenshots go to a temp dir and,
when ``XXGKNB_KEEP_SCREENSHOTS`` is set, are copied to ``screenshots/``.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from publish_corpus import ARCHIVED_KEY

from publish.serve import free_port

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path(shutil.which("chromedriver") or "/usr/bin/chromedriver")
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not (CHROMIUM.exists() and CHROMEDRIVER.exists()), reason="Debian chromium not installed"),
]


class Browser:
    """The few WebDriver commands the test needs."""

    def __init__(self, driver_url: str, profile: Path):
        self.driver_url = driver_url
        capabilities = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": str(CHROMIUM),
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                         "--disable-background-networking", "--disable-component-update", "--disable-sync",
                         f"--user-data-dir={profile}", "--window-size=1280,1600", "--lang=zh-CN"],
            },
        }}}
        session = httpx.post(f"{driver_url}/session", json=capabilities, timeout=60).json()["value"]
        self.session = f"{driver_url}/session/{session['sessionId']}"

    def command(self, method: str, path: str, payload: dict | None = None):
        response = httpx.request(method, self.session + path, json=payload, timeout=60)
        return response.json()["value"]

    def open(self, url: str) -> None:
        self.command("POST", "/url", {"url": url})

    def find(self, css: str) -> str:
        return self.command("POST", "/element", {"using": "css selector", "value": css})[ELEMENT]

    def wait_for(self, css: str, timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        while True:
            found = self.command("POST", "/elements", {"using": "css selector", "value": css})
            if found:
                return found[0][ELEMENT]
            if time.monotonic() > deadline:
                raise AssertionError(f"{css} did not appear")
            time.sleep(0.2)

    def type_into(self, element: str, text: str) -> None:
        self.command("POST", f"/element/{element}/value", {"text": text})

    def click(self, element: str) -> None:
        self.command("POST", f"/element/{element}/click", {})

    def script(self, source: str):
        return self.command("POST", "/execute/sync", {"script": source, "args": []})

    def screenshot(self, path: Path) -> Path:
        path.write_bytes(base64.b64decode(self.command("GET", "/screenshot")))
        return path

    def quit(self) -> None:
        httpx.delete(self.session, timeout=30)


@pytest.fixture
def browser(tmp_path):
    port = free_port()
    driver = subprocess.Popen([str(CHROMEDRIVER), f"--port={port}"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    driver_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(f"{driver_url}/status", timeout=2).json()["value"]["ready"]:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("chromedriver did not start")
            time.sleep(0.1)
        session = Browser(driver_url, tmp_path / "profile")
        try:
            yield session
        finally:
            session.quit()
    finally:
        driver.terminate()
        driver.wait(timeout=10)


def keep(screenshots: list[Path]) -> None:
    if os.environ.get("XXGKNB_KEEP_SCREENSHOTS"):
        target = Path("screenshots")
        target.mkdir(exist_ok=True)
        for shot in screenshots:
            shutil.copy(shot, target / shot.name)


def test_home_search_and_report_page_in_chromium(browser, server, known_corpus, tmp_path):
    _, ids = known_corpus
    shots = []

    browser.open(server.url + "/")
    shots.append(browser.screenshot(tmp_path / "publish-1-home.png"))
    search_box = browser.find("form[action$='/-/search'] input[name='q']")
    browser.type_into(search_box, "疫情\n")
    browser.wait_for("a[href*='_search=']")
    shots.append(browser.screenshot(tmp_path / "publish-2-search-all.png"))

    browser.open(server.url + "/corpus/reports?_search=" + "疫情")
    first_report = browser.wait_for("td.col-title a[href^='/-/report/']")
    shots.append(browser.screenshot(tmp_path / "publish-3-search-results.png"))
    browser.click(first_report)
    browser.wait_for("table.printed.applications, p.missing")
    assert "/-/report/" in browser.script("return location.pathname")
    shots.append(browser.screenshot(tmp_path / "publish-4-report.png"))

    browser.open(f"{server.url}/-/report/{ids[ARCHIVED_KEY]}")
    browser.wait_for("table.printed.applications")
    assert browser.script("return document.title") != "pwned"
    assert browser.script("return document.querySelectorAll('h1 script, h1 img, .section-text script').length") == 0
    assert "<script>document.title" in browser.script("return document.querySelector('h1').textContent")
    shots.append(browser.screenshot(tmp_path / "publish-5-hostile-report.png"))

    browser.open(f"{server.url}/-/dashboards/overview")
    browser.wait_for(".vega-embed canvas, .vega-embed svg")
    shots.append(browser.screenshot(tmp_path / "publish-6-charts.png"))

    for shot in shots:
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
    keep(shots)
