"""``make test`` runs the suite in one pytest process per core: each has its own database,
var/ directory and Redis database, or one process's test would see another's rows,
counters and queued tasks."""

import os

import pytest
from django.conf import settings
from django.db import connection

from tests.services import redis_database_of

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


@pytest.mark.parametrize(
    ("url", "worker", "expected"),
    [
        ("redis://127.0.0.1:6379/15", "gw0", "redis://127.0.0.1:6379/15"),
        ("redis://127.0.0.1:6379/15", "gw1", "redis://127.0.0.1:6379/14"),
        ("redis://127.0.0.1:6379/15", "gw3", "redis://127.0.0.1:6379/12"),
        ("redis://:secret@cache:6380/0", "gw1", "redis://:secret@cache:6380/15"),
        ("redis://127.0.0.1:6379", "gw2", "redis://127.0.0.1:6379/14"),
    ],
)
def test_each_process_has_a_redis_database_of_its_own(url, worker, expected):
    assert redis_database_of(url, worker) == expected


@pytest.mark.skipif(not WORKER, reason="runs under pytest-xdist (make test)")
@pytest.mark.django_db
def test_this_process_has_its_own_database_var_directory_and_redis_database():
    assert connection.settings_dict["NAME"].endswith(f"_{WORKER}")
    assert settings.VAR_DIR.name == WORKER
    if os.environ.get("REDIS_URL"):
        number = int(WORKER.removeprefix("gw"))
        assert settings.CACHES["default"]["LOCATION"].endswith(f"/{(15 - number) % 16}")
