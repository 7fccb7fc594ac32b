"""Label normalisation, numbering, similarity and cell values.

Reports print the same labels in many ways: full-width or half-width brackets and digits,
stray spaces, different numbering styles (（一）/(一)/一、/1./1、) and small typos (危机 for
危及, 本机 for 本机关).  Everything that matches labels goes through :func:`compact` and
:func:`similarity` so that the matching rules are written once.
"""

from __future__ import annotations

import dataclasses
import re
from difflib import SequenceMatcher
from functools import lru_cache

from parsers.model import GridCell, Value

#: Characters kept by :func:`compact`: CJK ideographs, letters and digits.
_NOT_WORD = re.compile(r"[^0-9a-z\u3400-\u9fff]+")
_SPACES = re.compile(r"[\s\u3000\xa0\u2002\u2003\u2009\u200b\ufeff]+")

#: A numbering marker at the start of a label segment.  Level 1: 一、  level 2: (一)  level 3: 1. / 1、 / 1)
NUMBERING = re.compile(
    r"(?P<l1>[一二三四五六七八九十]{1,3}\s*[、.．])"
    r"|(?P<l2>[(（]\s*[一二三四五六七八九十]{1,3}\s*[)）])"
    r"|(?P<l3>(?<![\d.])\d{1,2}\s*(?:[.．、](?!\d)|[)）]))"
)


#: Full-width ASCII forms (！ … ～) and the ideographic space folded to ASCII, like NFKC does for them.
_HALFWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20, 0xA0: 0x20}
_WIDE_RUN = re.compile("[\uff01-\uff5e\u3000\xa0]+")


def _fold(match: re.Match) -> str:
    return match.group().translate(_HALFWIDTH)


def halfwidth(text: str) -> str:
    """Full-width digits, letters, brackets, colons … and ideographic spaces to their ASCII forms.

    (What NFKC does to these characters, at a fraction of its cost on long Chinese texts.)
    """
    return _halfwidth_cached(text) if len(text) < 300 else _WIDE_RUN.sub(_fold, text)


@lru_cache(maxsize=65536)
def _halfwidth_cached(text: str) -> str:
    return _WIDE_RUN.sub(_fold, text)


def collapse(text: str) -> str:
    """Whitespace runs (incl. ideographic and no-break spaces) to one space, trimmed."""
    if "\u200b" in text or "\ufeff" in text:
        if not _SPACES.search(text):
            return text
        return _SPACES.sub(" ", text).strip()
    # Without those two, _SPACES is exactly str.isspace(), which str.split() scans for several
    # times faster than the regex engine does on long Chinese paragraphs.
    return " ".join(text.split())


def join_lines(parts) -> str:
    """Join pieces of one cell or paragraph: no space between CJK characters, one space otherwise."""
    if parts.__class__ is list and len(parts) == 1:
        return collapse(parts[0])  # what the loop below makes of a single piece
    out = ""
    for part in parts:
        part = collapse(part)
        if not part:
            continue
        if out and not (_is_cjk(out[-1]) or _is_cjk(part[0])):
            out += " "
        out += part
    return out


def _is_cjk(char: str) -> bool:
    return "\u2e80" <= char <= "\u9fff" or "\uff00" <= char <= "\uffef" or "\u3000" <= char <= "\u303f"


@lru_cache(maxsize=65536)
def compact(text: str) -> str:
    """Matching form of a label: half-width, lower case, only CJK/letters/digits kept."""
    return _NOT_WORD.sub("", halfwidth(text).lower())


@lru_cache(maxsize=65536)
def split_numbered(text: str) -> tuple[tuple[int, str], ...]:
    """Split a label into ``(level, text)`` segments at numbering markers.

    ``三、本年度办理结果（三）不予公开1.属于国家秘密`` → ``[(1, 本年度办理结果), (2, 不予公开), (3, 属于国家秘密)]``;
    text before the first marker has level 0.
    """
    text = halfwidth(text)
    segments: list[tuple[int, str]] = []
    level, start = 0, 0
    for match in NUMBERING.finditer(text):
        if match.start() > start or level:
            segments.append((level, text[start : match.start()]))
        level = {"l1": 1, "l2": 2, "l3": 3}[match.lastgroup]
        start = match.end()
    segments.append((level, text[start:]))
    return tuple((lvl, seg.strip()) for lvl, seg in segments if seg.strip() or lvl)


@lru_cache(maxsize=65536)
def similarity(a: str, b: str) -> float:
    """Similarity of two compacted labels in [0, 1] (1 = equal; containment scores high)."""
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    if a in b or b in a:
        shorter, longer = sorted((len(a), len(b)))
        return max(0.75 + 0.25 * shorter / longer, SequenceMatcher(None, a, b).ratio())
    # quick_ratio() counts the characters the two share, at most the characters of a found in b:
    # when even those cannot reach 0.5 the matcher (costly to set up) need not be built
    if 2.0 * sum(map(_characters(b).__contains__, a)) / (len(a) + len(b)) < 0.5:
        return 0.0
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    if matcher.real_quick_ratio() < 0.5 or matcher.quick_ratio() < 0.5:
        return 0.0
    return matcher.ratio()


def similarity_reaching(a: str, b: str, threshold: float) -> float:
    """:func:`similarity` of ``a`` and ``b`` when it can reach ``threshold``; else 0.0 (it is below).

    For a line compared once with every heading: the characters the two share bound the score
    (like quick_ratio) and settle most pairs without building a matcher.
    """
    if (
        a
        and b
        and a not in b
        and b not in a
        and 2.0 * sum(map(_characters(b).__contains__, a)) / (len(a) + len(b)) < threshold
    ):
        return 0.0
    return similarity(a, b)


@lru_cache(maxsize=4096)
def _characters(text: str) -> frozenset[str]:
    return frozenset(text)


# ---------------------------------------------------------------------------------------------
# Cell values

#: Printed forms of "nothing here" (blank is not zero).
BLANK_MARKS = frozenset(
    {"", "-", "--", "---", "—", "——", "–", "－", "/", "／", "\\", "无", "空", "null", "n/a", "×", "…"}
)
_NUMBER = re.compile(r"^([+-]?)(\d+(?:\.\d+)?)(?:万元|元|件|条|个|项|次|人次|份|家|%)?$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")


@lru_cache(maxsize=65536)
def parse_number(raw: str) -> float | None:
    """The number a cell prints, or ``None`` for blank/dash/无/text.  ``１２`` → 12, ``1,234`` → 1234."""
    text = halfwidth(raw).strip().replace(" ", "").replace("\u2212", "-")
    if text.lower() in BLANK_MARKS:
        return None
    thousands = _THOUSANDS.match(text)
    if thousands:
        text = thousands.group(0).replace(",", "") + text[thousands.end() :]
    match = _NUMBER.match(text)
    if not match:
        return None
    return float(match.group(1) + match.group(2))


@lru_cache(maxsize=65536)
def is_blank_mark(raw: str) -> bool:
    return halfwidth(raw).strip().replace(" ", "").lower() in BLANK_MARKS


@lru_cache(maxsize=65536)
def is_value_like(raw: str) -> bool:
    """A cell that holds a value: a number, or a printed blank mark (— / 无).  Empty cells are neither."""
    text = raw.strip()
    if not text:
        return False
    return parse_number(text) is not None or is_blank_mark(text)


# A frozen dataclass's __init__ sets every field through object.__setattr__: three times the cost of
# an ordinary instance, and a parse builds hundreds of grid cells and values.  These build the same
# frozen, equal, hashable instances without the __init__ call.
_new = object.__new__
_set = object.__setattr__
_CELL_DEFAULTS = {f.name: f.default for f in dataclasses.fields(GridCell)}


def grid_cell(text: str, source: str = "", origin: tuple[int, int] | None = None) -> GridCell:
    """``GridCell(text, source, origin)``, built faster."""
    cell = _new(GridCell)
    fields = cell.__dict__
    fields.update(_CELL_DEFAULTS)
    fields["text"] = text
    fields["source"] = source
    fields["origin"] = origin
    return cell


#: The values made so far, by ``(raw, source, ocr)``: one frozen instance per key, shared by every report a
#: process reads (the same cells print the same few numbers (0, 1, 2 …) in report after report, and a
#: lookup costs less than a new Value).  A plain dict rather than lru_cache: a hit is a tuple and a dict
#: lookup, without lru_cache's call protocol and list upkeep; emptied when full, which bounds the memory
#: like lru_cache's eviction does (an emptied cache only costs the values made again).
_VALUES: dict[tuple[str, str, bool], Value] = {}
_VALUES_KEPT = 16384


def make_value(raw: str, source: str = "", ocr: bool = False) -> Value:
    """``Value(parse_number(raw), raw, source, ocr)``, built faster (see :data:`_VALUES`)."""
    value = _VALUES.get((raw, source, ocr))
    return value if value is not None else _new_value(raw, source, ocr)


def _new_value(raw: str, source: str, ocr: bool) -> Value:
    # Set through object.__setattr__, not through the instance dict: filling ``__dict__`` makes it a split
    # dict, whose attributes CPython 3.11 reads by the slow generic lookup (twice the cost of each
    # ``value.value`` the rules read afterwards).
    value = _new(Value)
    _set(value, "value", parse_number(raw))
    _set(value, "raw", raw)
    _set(value, "source", source)
    _set(value, "ocr", ocr)
    if len(_VALUES) >= _VALUES_KEPT:
        _VALUES.clear()
    _VALUES[(raw, source, ocr)] = value
    return value


def values_of(keys, cells) -> dict[str, Value]:
    """``{key: make_value(cell.text, cell.source, cell.ocr)}`` for each key whose cell is not ``None``.

    (One call per row instead of one per value, and make_value's lookup written out: the calls cost about
    as much as the values.)
    """
    # zip(strict=True) checked this at a cost: a keyword argument makes zip() take the slow call path
    if len(keys) != len(cells):
        raise ValueError(f"values_of: {len(keys)} keys for {len(cells)} cells")
    values = {}
    known = _VALUES.get
    for key, cell in zip(keys, cells):  # noqa: B905 (the lengths are checked above)
        if cell is not None:
            raw, source, ocr = cell.text, cell.source, cell.ocr
            value = known((raw, source, ocr))
            values[key] = value if value is not None else _new_value(raw, source, ocr)
    return values
