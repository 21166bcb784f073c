import pytest


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Users are made by the dozen here: Argon2's deliberate slowness is not needed."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
