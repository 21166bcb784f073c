"""Helpers the tests of several apps share (fixtures live in ``tests/conftest.py``)."""

from django.conf import settings


def signed_in(client, user, language: str = "th"):
    """``client`` signed in as ``user``, reading the pages in ``language``."""
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client
