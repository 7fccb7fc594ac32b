"""Division names found in a text: the longest name at each position, left to right."""

from __future__ import annotations

import random

from parsers import regions


def _longest_first_at_each_position(text: str) -> list[list[str]]:
    """The definition, tried naively: every length from the longest name down to two characters."""
    divisions = regions._divisions()
    found, i = [], 0
    while i < len(text) - 1:
        for size in range(min(divisions.longest, len(text) - i), 1, -1):
            codes = divisions.codes_by_name.get(text[i : i + size])
            if codes:
                found.append(codes)
                i += size
                break
        else:
            i += 1
    return found


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
