import pytest


@pytest.fixture(autouse=True)
def fast_password_hashing(fast_password_hashing):
    """Staff users are made by the dozen here."""
    return fast_password_hashing
