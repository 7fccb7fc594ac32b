"""Fixtures: the known corpus (see ``publish_corpus``) and a real ``xxgknb serve`` process on it."""

from __future__ import annotations

from pathlib import Path

import pytest
from publish_corpus import build_corpus

from publish.serve import BackgroundServer, prepare_corpus


@pytest.fixture(scope="session")
def known_corpus(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    path = tmp_path_factory.mktemp("publish") / "corpus.db"
    ids = build_corpus(path)
    prepare_corpus(path)
    return path, ids


@pytest.fixture(scope="session")
def server(known_corpus):
    path, _ = known_corpus
    # The known corpus is small (~250 reports): with the break-even made for real corpora, every
    # search would collect its matches and the report-by-report walk would go untested.  At 5, a
    # query in more than ~14 % of the reports (行政: ~20 %) takes the walk.
    with pytest.MonkeyPatch.context() as environment:
        environment.setenv("XXGKNB_DENSE_SEARCH_BREAK_EVEN", "5")
        running = BackgroundServer(path, prepare=False).start()
    try:
        yield running
    finally:
        running.stop()
