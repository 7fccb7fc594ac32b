"""Fixtures for the tests of archive/: real SQLite files in tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def corpus_path(tmp_path: Path) -> Path:
    return tmp_path / "corpus.db"
