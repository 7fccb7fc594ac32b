"""Where a reporting body sits: province / prefecture / county names and the 6-digit code.

The division list is ``parsers/data/adcodes.csv`` (from the MIT-licensed *cpca* package, see
``parsers/data/README.md``).  The hierarchy comes from the code: ``PP0000`` province,
``PPCC00`` prefecture, ``PPCCDD`` county.  County names repeat across China (朝阳区, 南山区 …),
so a county is accepted only when it is unique or agrees with a province, prefecture or portal
host found beside it.
"""

from __future__ import annotations

import csv
import io
import re
from functools import lru_cache
from importlib import resources
from urllib.parse import urlsplit

from parsers.model import Region

#: Names in the list that are placeholders, not places.
_PLACEHOLDERS = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划", "直辖县级行政区划"}
_PROVINCE_SUFFIX = re.compile(r"(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)$")
_CITY_SUFFIX = re.compile(r"(市|地区|盟|自治州)$")
#: Places whose government is a 人民政府 (a 地区 or 盟 has a 行政公署 instead).
_GOVERNED_PLACE = re.compile(r"(省|自治区|市|区|县|旗|州)$")


class _Divisions:
    def __init__(self, rows: list[tuple[str, str]]):
        self.name_of: dict[str, str] = {}
        self.codes_by_name: dict[str, list[str]] = {}
        for code, name in rows:
            if name in _PLACEHOLDERS:
                continue
            self.name_of[code] = name
            self._index(name, code)
            short = self._short(code, name)
            if short and short != name:
                self._index(short, code)
        self.longest = max(map(len, self.codes_by_name))
        self.full_names = frozenset(self.name_of.values())
        # A name can start at a position only if it starts with that character: trying just the
        # lengths of the names that do is ~10x fewer slices than every length up to the longest.
        lengths: dict[str, set[int]] = {}
        for name in self.codes_by_name:
            if len(name) >= 2:
                lengths.setdefault(name[0], set()).add(len(name))
        self.lengths_by_first = {first: sorted(sizes, reverse=True) for first, sizes in lengths.items()}

    def is_full_names(self, text: str) -> bool:
        """``text`` is nothing but full division names, the last one a government's place (北京市东城区, 湛河区)."""
        full = self.full_names
        i = 0
        last = ""
        while i < len(text):
            sizes = range(min(self.longest, len(text) - i), 1, -1)
            last = next((text[i : i + size] for size in sizes if text[i : i + size] in full), "")
            if not last:
                return False
            i += len(last)
        return bool(_GOVERNED_PLACE.search(last))

    def mentions(self, text: str) -> list[list[str]]:
        """Codes of each division name in ``text``, longest name first at each position, left to right."""
        found: list[list[str]] = []
        codes_by_name, lengths_by_first = self.codes_by_name, self.lengths_by_first
        i, end = 0, len(text)
        while i < end - 1:
            for size in lengths_by_first.get(text[i], ()):
                codes = codes_by_name.get(text[i : i + size]) if size <= end - i else None
                if codes:
                    found.append(codes)
                    i += size
                    break
            else:
                i += 1
        return found

    def _index(self, name: str, code: str) -> None:
        self.codes_by_name.setdefault(name, [])
        if code not in self.codes_by_name[name]:
            self.codes_by_name[name].append(code)

    @staticmethod
    def _short(code: str, name: str) -> str | None:
        """Short forms people write: 广东 for 广东省, 韶关 for 韶关市 (provinces and prefectures only)."""
        if code.endswith("0000"):
            short = _PROVINCE_SUFFIX.sub("", name)
        elif code.endswith("00"):
            short = _CITY_SUFFIX.sub("", name)
        else:
            return None
        return short if len(short) >= 2 else None


@lru_cache(maxsize=1)
def _divisions() -> _Divisions:
    text = resources.files("parsers.data").joinpath("adcodes.csv").read_text(encoding="utf-8")
    reader = csv.reader(io.StringIO(text))
    next(reader)
    return _Divisions([(code, name) for code, name in reader])


@lru_cache(maxsize=1)
def _host_codes() -> dict[str, str]:
    text = resources.files("parsers.data").joinpath("hosts.csv").read_text(encoding="utf-8")
    reader = csv.reader(io.StringIO(text))
    next(reader)
    codes: dict[str, str] = {}
    for host, code in reader:
        if code:
            codes.setdefault(host, code)
    return codes


def region_of_host(url: str | None) -> str | None:
    """Division code of a known portal host (``www.sg.gov.cn`` → 440200), or ``None``.

    The longest known host that is the host or one of its dot-separated tails decides: the host's
    tails are looked up, longest first.
    """
    if not url:
        return None
    host = (urlsplit(url).hostname or "").lower()
    codes = _host_codes()
    while True:
        code = codes.get(host)
        if code is not None:
            return code
        dot = host.find(".")
        if dot < 0:
            return None
        host = host[dot + 1 :]


def _level_of(code: str) -> int:
    return 0 if code.endswith("0000") else 1 if code.endswith("00") else 2


def _consistent(code: str, anchor: str) -> bool:
    """``code`` lies within (or contains) the division ``anchor``."""
    level = _level_of(anchor)
    prefix = anchor[: 2 + 2 * level]
    return code.startswith(prefix) or anchor.startswith(code[: 2 + 2 * _level_of(code)])


def is_region_name(text: str | None) -> bool:
    """``text`` names a place with a 人民政府 and nothing else (``湛河区``, ``北京市东城区``, not ``湛河区教育局``)."""
    return bool(text) and _divisions().is_full_names(text)


def find_region(text: str | None, url: str | None = None, hint: str | None = None) -> Region:
    """Region named in ``text`` (an agency name or title), disambiguated by ``url``'s host.

    ``hint`` is the 6-digit code of the portal the document came from (the crawler's registry
    knows it when the host does not).  It settles ambiguous names (江北区: Ningbo or Chongqing)
    and stands in when the text names no region, but never overrides a region the text names
    outside it.
    """
    host_code = region_of_host(url)
    region = _find_region(text, [host_code] if host_code else [])
    if hint and hint in _divisions().name_of and (region.code is None or _consistent(region.code, hint)):
        region = _find_region(text, [c for c in (host_code, hint) if c])
    return region


def _find_region(text: str | None, anchors: list[str]) -> Region:
    divisions = _divisions()
    mentions = divisions.mentions(text or "")
    # Resolve the least specific mentions first; each accepted one anchors the next.
    chosen: list[str] = []
    for codes in sorted(mentions, key=lambda cs: min(_level_of(c) for c in cs)):
        fitting = [c for c in codes if all(_consistent(c, a) for a in anchors + chosen)]
        if len(fitting) == 1:
            chosen.append(fitting[0])
        elif len(fitting) > 1 and anchors + chosen:
            # several divisions of this name inside the anchor: take the most specific unique one
            deepest = max(_level_of(c) for c in fitting)
            narrowed = [c for c in fitting if _level_of(c) == deepest]
            if len(narrowed) == 1:
                chosen.append(narrowed[0])
    candidates = chosen + anchors
    if not candidates:
        return Region()
    best = max(candidates, key=_level_of)
    province = divisions.name_of.get(best[:2] + "0000")
    city = divisions.name_of.get(best[:4] + "00") if _level_of(best) >= 1 else None
    county = divisions.name_of.get(best) if _level_of(best) == 2 else None
    return Region(province=province, city=city, county=county, code=best)
