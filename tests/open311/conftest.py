import pytest

from tests.referrals.public_helpers import isolate


@pytest.fixture(autouse=True)
def fast_password_hashing(fast_password_hashing):
    """Staff users are made by the dozen here."""
    return fast_password_hashing


@pytest.fixture(autouse=True)
def own_counters(settings, tmp_path, monkeypatch):
    """Each test counts its own limits (reads per address, requests per key), in a cache
    of its own, with the limits' clock standing still."""
    yield from isolate(settings, tmp_path, monkeypatch)
