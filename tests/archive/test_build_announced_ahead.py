"""The build asks the disk for a record well before a worker reads it (``announced_ahead``)."""

from __future__ import annotations

import pytest

from archive.build import announced_ahead


@pytest.mark.parametrize("length", [0, 1, 5, 8, 9, 30])
def test_each_item_is_announced_count_items_before_it_is_yielded_and_all_come_in_order(length):
    count = 8
    events: list[tuple[str, int]] = []
    for item in announced_ahead(range(length), count, lambda item: events.append(("announced", item))):
        events.append(("yielded", item))

    assert [item for kind, item in events if kind == "yielded"] == list(range(length))
    assert sorted(item for kind, item in events if kind == "announced") == list(range(length))
    for item in range(length):
        yielded_at = events.index(("yielded", item))
        announced_by_then = {i for kind, i in events[:yielded_at] if kind == "announced"}
        # everything up to `count` items past this one was announced, and nothing further
        assert announced_by_then == set(range(min(length, item + count + 1)))


def test_items_are_drawn_lazily_so_a_huge_source_is_never_held_in_memory():
    drawn: list[int] = []

    def source():
        for item in range(10**9):
            drawn.append(item)
            yield item

    ahead = announced_ahead(source(), 4, lambda item: None)
    assert [next(ahead) for _ in range(3)] == [0, 1, 2]
    assert drawn == list(range(7))
