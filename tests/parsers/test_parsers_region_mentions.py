"""Division names found in a text: the longest name at each position, left to right."""

from __future__ import annotations

import functools
import random
import re

from parsers import regions


@functools.cache
def _every_name_longest_first() -> re.Pattern[str]:
    names = sorted((name for name in regions._divisions().codes_by_name if len(name) >= 2), key=len, reverse=True)
    return re.compile("|".join(map(re.escape, names)))


def _longest_first_at_each_position(text: str) -> list[list[str]]:
    """The definition, by a regular expression: leftmost match, longest alternative first."""
    codes_by_name = regions._divisions().codes_by_name
    return [codes_by_name[match.group()] for match in _every_name_longest_first().finditer(text)]


def test_mentions_are_the_longest_names_at_each_position():
    divisions = regions._divisions()
    names = sorted(divisions.codes_by_name)
    rng = random.Random(7)
    filler = "人民政府办公室年度报告信息公开工作的和在区县市省镇乡街道局委"
    for _ in range(2000):
        pieces = [rng.choice(names) if rng.random() < 0.4 else "".join(rng.choices(filler, k=rng.randint(0, 6)))
                  for _ in range(rng.randint(1, 12))]
        text = "".join(pieces)
        text = text[rng.randint(0, len(text)):] if rng.random() < 0.3 else text
        assert divisions.mentions(text) == _longest_first_at_each_position(text), text


def test_nested_and_overlapping_names():
    divisions = regions._divisions()
    # 北京市东城区: the city, then the district, never 京市 or 城区 inside them.
    found = [divisions.name_of[codes[0]] for codes in divisions.mentions("北京市东城区人民政府")]
    assert found == ["北京市", "东城区"]
    assert divisions.mentions("") == divisions.mentions("北") == []
