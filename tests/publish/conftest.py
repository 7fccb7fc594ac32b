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
    with BackgroundServer(path, prepare=False) as running:
        yield running
