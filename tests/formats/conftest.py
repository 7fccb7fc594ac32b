"""Shared fixtures of the format-reader tests: the committed files of tests/fixtures/formats/."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture(scope="session")
def formats_dir() -> Path:
    return FIXTURES / "formats"


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return FIXTURES / "seeds"
