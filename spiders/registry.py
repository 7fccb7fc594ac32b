"""THE registry of portals: ``spiders/portals/*.toml``, one ``[[portal]]`` table per portal.

A portal is data, not code::

    [[portal]]
    id = "110000_beijing"            # <6-digit region code>_<pinyin>; unique; key in WARC and corpus
    name = "北京市人民政府"
    start_url = "https://www.beijing.gov.cn/gongkai/zfxxgk/gknb/"
    level = "province"               # national | province | prefecture | county | township (+ " department")
    region_code = "110000"
    cms = "trs"                      # optional hint: trs | hanweb | gkmlpt | vsb | generic; detected if absent
    column = true                    # optional: start_url is the 年报 column itself (no discovery)
    scope = "https://www.beijing.gov.cn/"  # optional URL prefix the crawl stays under (default: the host)
    notes = "…"                      # optional: why this portal is odd

Files are named ``<2-digit province code>-<pinyin>.toml`` (``00-national.toml`` for central bodies).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from parsers.cms import ADAPTERS

PORTALS_DIR = Path(__file__).parent / "portals"
ID_PATTERN = re.compile(r"^\d{6}_[a-z0-9_]+$")
LEVELS = ("national", "province", "prefecture", "county", "township")
_KEYS = {"id", "name", "start_url", "level", "region_code", "cms", "column", "scope", "notes"}


@dataclass(frozen=True)
class Portal:
    id: str
    name: str
    start_url: str
    level: str | None = None
    region_code: str | None = None
    cms: str | None = None
    column: bool = False
    scope: str | None = None
    notes: str = ""
    source: str = field(default="", compare=False)

    @property
    def crawl_scope(self) -> str:
        """URL prefix every followed link must start with."""
        if self.scope:
            return self.scope
        parts = urlsplit(self.start_url)
        return f"{parts.scheme}://{parts.netloc}/"

    def in_scope(self, url: str) -> bool:
        scope = self.crawl_scope
        if url.startswith(scope):
            return True
        # The same host over the other scheme is the same portal (HTTPS broken, HTTP works and vice versa).
        other = (
            scope.replace("https://", "http://", 1)
            if scope.startswith("https://")
            else scope.replace("http://", "https://", 1)
        )
        return url.startswith(other)

    def row(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "start_url": self.start_url,
            "level": self.level,
            "region_code": self.region_code,
            "cms": self.cms,
        }


class RegistryError(ValueError):
    pass


def validate(entry: dict, source: str) -> list[str]:
    """Problems of one registry entry, as one line each (empty list = valid)."""
    where = f"{source}: portal {entry.get('id', '?')!r}"
    problems = []
    unknown = set(entry) - _KEYS
    if unknown:
        problems.append(f"{where}: unknown keys {sorted(unknown)}")
    for key in ("id", "name", "start_url"):
        if not entry.get(key):
            problems.append(f"{where}: missing {key}")
    if entry.get("id") and not ID_PATTERN.match(entry["id"]):
        problems.append(f"{where}: id must look like 110000_beijing (6-digit region code, underscore, pinyin)")
    url = entry.get("start_url", "")
    if url and urlsplit(url).scheme not in ("http", "https"):
        problems.append(f"{where}: start_url must be http(s)")
    if entry.get("cms") and entry["cms"] not in ADAPTERS:
        problems.append(f"{where}: cms {entry['cms']!r} is not one of {sorted(ADAPTERS)}")
    level = (entry.get("level") or "").removesuffix(" department")
    if level and level not in LEVELS:
        problems.append(f"{where}: level {entry['level']!r} is not one of {LEVELS} (+ ' department')")
    code = entry.get("region_code")
    if code and not re.fullmatch(r"\d{6}", code):
        problems.append(f"{where}: region_code must be 6 digits")
    if code and entry.get("id") and not entry["id"].startswith(code):
        problems.append(f"{where}: id must start with its region_code")
    return problems


def load(directory: Path = PORTALS_DIR) -> dict[str, Portal]:
    """Every portal of the registry; raises :class:`RegistryError` listing every problem found."""
    portals: dict[str, Portal] = {}
    problems: list[str] = []
    for path in sorted(Path(directory).glob("*.toml")):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            problems.append(f"{path.name}: not valid TOML: {exc}")
            continue
        for entry in data.get("portal", []):
            entry_problems = validate(entry, path.name)
            if entry.get("id") in portals:
                entry_problems.append(f"{path.name}: duplicate id {entry['id']!r}")
            province = path.name[:2]
            if entry.get("id") and province != "00" and not entry["id"].startswith(province):
                entry_problems.append(f"{path.name}: id {entry['id']!r} does not belong in province file {province}")
            problems.extend(entry_problems)
            if not entry_problems:
                portals[entry["id"]] = Portal(**entry, source=path.name)
    if problems:
        raise RegistryError("\n".join(problems))
    return portals


def adhoc_portal(
    start_url: str,
    *,
    cms: str | None = None,
    name: str | None = None,
    scope: str | None = None,
    region_code: str | None = None,
) -> Portal:
    """A portal that is not in the registry (``xxgknb crawl --url``): id from the host and path."""
    parts = urlsplit(start_url)
    slug = re.sub(r"[^a-z0-9]+", "_", (parts.netloc + parts.path.rsplit("/", 1)[0]).lower()).strip("_")
    return Portal(
        id=f"000000_{slug}"[:80],
        name=name or parts.netloc,
        start_url=start_url,
        region_code=region_code,
        cms=cms,
        scope=scope,
        source="--url",
    )
