"""Helpers the tests of several apps share (fixtures live in ``tests/conftest.py``)."""

from django.conf import settings
from django.db import connection


def signed_in(client, user, language: str = "th"):
    """``client`` signed in as ``user``, reading the pages in ``language``."""
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def other_connections() -> set[int]:
    """The server processes of the other client connections to the test's database (a
    worker's, a live server's of earlier tests; not autovacuum's): compare the set before
    and after to see that the connections something opened are closed."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
        )
        return {pid for (pid,) in cursor.fetchall()}
