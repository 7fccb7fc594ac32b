"""HTTP and table-reading helpers for the sample-portal tests: deliberately independent of the
portal's own code, so the tests check what is served rather than how it was generated."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from dataclasses import dataclass

import lxml.html


@dataclass
class Fetched:
    status: int
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None

    def text(self) -> str:
        """Decode like the crawler must: BOM, then <meta>, then header, then gb18030."""
        match = re.search(rb'charset=["\']?([\w-]+)', self.body[:2048])
        charset = match.group(1).decode() if match else "gb18030"
        return self.body.decode(charset)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def fetch(url: str, *, method: str = "GET", headers: dict | None = None, data: bytes | None = None) -> Fetched:
    request = urllib.request.Request(url, method=method, headers=headers or {}, data=data)
    try:
        with _OPENER.open(request, timeout=15) as response:
            return Fetched(response.status, dict(response.headers.items()), response.read())
    except urllib.error.HTTPError as error:
        return Fetched(error.code, dict(error.headers.items()), error.read())


def expand(table) -> list[list[str]]:
    """Expand an lxml <table> into a rectangular grid of cell texts (rowspan/colspan copied)."""
    grid: dict[tuple[int, int], str] = {}
    for r, tr in enumerate(table.xpath("./tr|./tbody/tr|./thead/tr")):
        c = 0
        for td in tr.xpath("./td|./th"):
            while (r, c) in grid:
                c += 1
            text = re.sub(r"\s+", "", td.text_content())
            rowspan, colspan = int(td.get("rowspan", 1)), int(td.get("colspan", 1))
            for dr in range(rowspan):
                for dc in range(colspan):
                    grid[(r + dr, c + dc)] = text
            c += colspan
    rows = max(r for r, _ in grid) + 1
    cols = max(c for _, c in grid) + 1
    return [[grid.get((r, c), "") for c in range(cols)] for r in range(rows)]


def html_tables(text: str) -> list[list[list[str]]]:
    return [expand(t) for t in lxml.html.fromstring(text).xpath("//table")]


def number(cell: str) -> float | None:
    cell = cell.strip()
    if cell in ("", "—", "/", "无"):
        return None
    return float(cell)
