"""A pytest plugin, loaded before Django reads its settings, that finds the real services.

PostgreSQL and Redis are used when they answer on their usual ports (or at the URLs in
DATABASE_URL and REDIS_URL). Tests marked ``postgres``, ``redis``, ``worker`` or ``browser``
are skipped when what they need is missing, and fail instead when REQUIRE_SERVICES=1.

Under pytest-xdist (``make test`` runs one process per core) each process has its own
database (pytest-django names it ``test_<name>_gw<N>``), its own var/ directory and its own
Redis database for the cache and the broker, so that no test sees another's counters,
snapshots or tasks.
"""

import os
import shutil
import socket
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pytest

ROOT = Path(__file__).resolve().parent.parent
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"
CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")


def answers(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port or default_port), 1):
            return True
    except OSError:
        return False


def redis_database_of(url: str, worker: str) -> str:
    """The Redis URL of one xdist process: the database below the one named (15, 14, ...
    for gw0, gw1, ...), so that processes share neither cache keys nor queues."""
    parsed = urlparse(url)
    base = int(parsed.path.strip("/") or 0)
    number = int(worker.removeprefix("gw"))
    return urlunparse(parsed._replace(path=f"/{(base - number) % 16}"))


# pytest-xdist names its processes gw0, gw1, ... before it loads this plugin.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")

# Before Django: tests get their own var/ directory, a key, and the real services if any.
os.environ.setdefault("VAR_DIR", str(ROOT / "var" / "test"))
if WORKER:  # below the controller's own (the processes inherit its environment)
    os.environ["VAR_DIR"] = str(Path(os.environ["VAR_DIR"]) / WORKER)
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("SECRET_KEY", "tests-only-not-a-secret")
if "DATABASE_URL" not in os.environ and answers(DEFAULT_DATABASE_URL, 5432):
    os.environ["DATABASE_URL"] = DEFAULT_DATABASE_URL
if "REDIS_URL" not in os.environ and answers(DEFAULT_REDIS_URL, 6379):
    os.environ["REDIS_URL"] = DEFAULT_REDIS_URL
if WORKER and os.environ.get("REDIS_URL"):
    os.environ["REDIS_URL"] = redis_database_of(os.environ["REDIS_URL"], WORKER)


def postgres_available() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


def redis_available() -> bool:
    url = os.environ.get("REDIS_URL", "")
    return bool(url) and answers(url, 6379)


def chromium_available() -> bool:
    return Path(CHROMIUM).exists()


NEEDS = {
    "postgres": (postgres_available, "PostgreSQL"),
    "redis": (redis_available, "Redis"),
    "browser": (chromium_available, f"Chromium at {CHROMIUM}"),
}


def pytest_report_header(config):
    from django.db import connection

    return (
        f"database: {connection.vendor}; redis: {os.environ.get('REDIS_URL') or 'none'}; "
        f"REQUIRE_SERVICES={int(REQUIRE_SERVICES)}"
    )


def pytest_runtest_setup(item):
    for marker, (available, what) in NEEDS.items():
        if item.get_closest_marker(marker) and not available():
            message = f"{what} is not available"
            if REQUIRE_SERVICES:
                pytest.fail(f"{message} and REQUIRE_SERVICES=1", pytrace=False)
            pytest.skip(message)
