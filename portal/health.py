"""Checks behind /healthz: does each service the portal needs answer?"""

import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from kombu import Connection


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    milliseconds: float
    error: str = ""


def _timed(check) -> CheckResult:
    started = time.perf_counter()
    try:
        check()
    except Exception as exc:
        return CheckResult(False, _since(started), type(exc).__name__)
    return CheckResult(True, _since(started))


def _since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def _query_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _connect_broker() -> None:
    timeout = settings.HEALTH_CHECK_TIMEOUT
    with Connection(
        settings.CELERY_BROKER_URL,
        transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
        connect_timeout=timeout,
    ) as broker:
        broker.ensure_connection(max_retries=1, interval_start=0, timeout=timeout)
        # A Redis broker answers a connect even when it refuses commands; ask it something.
        client = getattr(broker.default_channel, "client", None)
        if client is not None:
            client.ping()


def run_checks() -> dict[str, CheckResult]:
    return {"database": _timed(_query_database), "broker": _timed(_connect_broker)}
