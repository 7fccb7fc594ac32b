"""Fixtures of the crawler tests (helpers: ``crawl_test_helpers.py``)."""

from __future__ import annotations

import pytest
from crawl_test_helpers import crawl

from xxgknb.sample_portal import SamplePortal


@pytest.fixture(scope="session")
def portal():
    with SamplePortal(port=0, seed=0) as running:
        yield running


@pytest.fixture(scope="session")
def crawled(portal, tmp_path_factory):
    """The whole sample portal crawled and built once: (portal, data directory, crawl output)."""
    data = tmp_path_factory.mktemp("crawled")
    result = crawl(portal, data)
    return portal, data, result
