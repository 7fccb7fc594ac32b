import pytest

from xxgknb.sample_portal import SamplePortal


@pytest.fixture(scope="session")
def portal():
    """One read-only portal for the whole session; tests that edit or remove reports start their own."""
    with SamplePortal(port=0, seed=0) as running:
        yield running


@pytest.fixture(scope="session")
def manifest(portal):
    return portal.manifest
