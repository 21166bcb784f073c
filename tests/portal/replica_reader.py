"""Run by tests/portal/test_replica.py in a process of its own, whose DATABASE_URL names a
PostgreSQL primary and DATABASE_REPLICA_URL its streaming replica (both made by the test):
what a reader of the dashboards, the API's list and a case's page sees while the replica
lags, and once it has caught up. Prints one line of JSON."""

import json
import pickle
import time

import django

django.setup()

from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from agencies.models import Role  # noqa: E402
from portal.dashboards.filters import Selection  # noqa: E402
from portal.dashboards.snapshots import NATIONAL, standard_views, view_key  # noqa: E402
from portal.models import DashboardSnapshot  # noqa: E402
from portal.tasks import refresh_dashboards  # noqa: E402
from referrals.models import Case  # noqa: E402
from tests.api.helpers import api_key, key_client  # noqa: E402
from tests.factories import InspectorFactory  # noqa: E402
from tests.referrals.factories import staff, submit  # noqa: E402


def on_replica(case: Case) -> bool:
    return Case.objects.using("replica").filter(pk=case.pk).exists()


def wait_for(condition, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.05)


def replay(paused: bool) -> None:
    with connections["replica"].cursor() as cursor:
        cursor.execute(f"SELECT pg_wal_replay_{'pause' if paused else 'resume'}()")


def listed(client) -> list[str]:
    response = client.get("/api/v1/cases/")
    assert response.status_code == 200, response.content[:500]
    return sorted(row["reference"] for row in response.json()["results"])


def main() -> dict:
    setup_test_environment()  # the test client's host allowed, mail kept in memory
    _key, raw = api_key("MOL")
    system = key_client(raw)
    intake = staff("MOL", Role.INTAKE_OFFICER)
    inspector = InspectorFactory().user
    first, _secret = submit(citizen_phone="0811111111")
    wait_for(lambda: on_replica(first), "the replica to replay the first case")

    replay(paused=False)
    replay(paused=True)  # the replica stops where it is: it lags from now on
    second, _secret = submit(citizen_phone="0822222222")
    lagging = {"second_on_replica": on_replica(second)}
    lagging["api_list"] = listed(system)

    staff_client = Client()
    staff_client.force_login(intake)
    lagging["case_page"] = staff_client.get(f"/staff/cases/{second.reference}/").status_code

    reader = Client()
    reader.force_login(inspector)
    with (
        CaptureQueriesContext(connections["replica"]) as on_the_replica,
        CaptureQueriesContext(connections["default"]) as on_the_primary,
    ):
        dashboard = reader.get("/dashboards/")
    lagging["dashboard"] = dashboard.status_code
    lagging["dashboard_queries_on_replica"] = len(on_the_replica)
    lagging["dashboard_case_reads_on_primary"] = sum(
        '"referrals_case"' in q["sql"] for q in on_the_primary.captured_queries
    )
    # Beat's refresh, its views counted side by side on threads of their own: each reads
    # the replica (the first case alone), and keeps the figures on the primary.
    refreshed = refresh_dashboards()
    every_year = view_key("overview", NATIONAL, Selection())
    kept = pickle.loads(DashboardSnapshot.objects.get(key=every_year).figures)  # noqa: S301
    lagging["refreshed"] = [refreshed["computed"], len(standard_views())]
    lagging["refreshed_received"] = kept.cases["received"]

    replay(paused=False)
    wait_for(lambda: on_replica(second), "the replica to catch up")
    caught_up = {"api_list": listed(system)}
    return {
        "first": first.reference,
        "second": second.reference,
        "lagging": lagging,
        "caught_up": caught_up,
    }


if __name__ == "__main__":
    print(json.dumps(main()))
