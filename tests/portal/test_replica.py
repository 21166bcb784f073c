"""Reads that can be a moment old come from a PostgreSQL streaming replica when
DATABASE_REPLICA_URL names one; the rest stays on the primary (agencies/replica.py).

The proof is a real replica: the test makes a PostgreSQL primary of its own on a free port
(the schema and reference data copied from the test database), a streaming replica of it
with ``pg_basebackup``, and runs a portal process on the two (tests/portal/replica_reader.py).
It stops only those two servers, by their own data directories, and removes them."""

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from django.db import connection, connections

from agencies.replica import REPLICA, ReplicaRouter, replica_reads
from referrals.models import Case
from tests.portal.test_settings import run_python
from tests.postgres_clusters import (
    free_port,
    initdb,
    owned_directory,
    run,
    server,
    standby_of,
    tool,
)
from tests.referrals.factories import submit

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def primary_and_replica(django_db_setup):
    """(primary URL, replica URL): a primary holding the test database's schema and
    reference data, and its hot standby streaming from it."""
    base = owned_directory(Path(tempfile.mkdtemp(prefix="portal-replica-")))
    primary, replica = base / "primary", base / "replica"
    primary_port, replica_port = free_port(), free_port()
    source = connection.settings_dict
    try:
        initdb(primary)
        with server(primary, primary_port, base / "primary.log") as primary_url:
            run(*tool("createdb", primary_port, "portal"))
            dump = subprocess.run(
                tool("pg_dump", source["PORT"] or 5432, "--no-owner", source["NAME"]),
                check=True,
                capture_output=True,
                timeout=120,
            ).stdout
            subprocess.run(
                tool("psql", primary_port, "-q", "-v", "ON_ERROR_STOP=1", "-d", "portal"),
                input=dump,
                check=True,
                capture_output=True,
                timeout=120,
            )
            standby_of(primary_port, replica)
            with server(replica, replica_port, base / "replica.log") as replica_url:
                yield primary_url, replica_url
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.postgres
@pytest.mark.django_db
def test_while_the_replica_lags_lists_and_dashboards_show_it_and_the_case_page_does_not(
    primary_and_replica, tmp_path
):
    primary_url, replica_url = primary_and_replica
    result = run_python(
        (ROOT / "tests" / "portal" / "replica_reader.py").read_text(),
        tmp_path,
        DATABASE_URL=primary_url,
        DATABASE_REPLICA_URL=replica_url,
        DEBUG="1",
        SECRET_KEY="tests-only-not-a-secret",
        DASHBOARD_SNAPSHOT_MINUTES="0",
        DASHBOARD_REFRESH_CONNECTIONS="2",
        PYTHONPATH=str(ROOT),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    lagging, caught_up = seen["lagging"], seen["caught_up"]

    # The second case is on the primary only: the API's list (from the replica) lacks it,
    # the staff's page of the case (from the primary) shows it.
    assert lagging["second_on_replica"] is False
    assert lagging["api_list"] == [seen["first"]]
    assert lagging["case_page"] == 200
    # The dashboards count on the replica; on the primary they read no case.
    assert lagging["dashboard"] == 200
    assert lagging["dashboard_queries_on_replica"] > 0
    assert lagging["dashboard_case_reads_on_primary"] == 0
    # So does beat's refresh, each of its threads: every standard view counted, from the
    # replica's one case (the primary has two), and kept.
    assert lagging["refreshed"][0] == lagging["refreshed"][1] > 0
    assert lagging["refreshed_received"] == 1
    # Once the replica has replayed it, the list has it.
    assert caught_up["api_list"] == sorted([seen["first"], seen["second"]])


# --- Without a replica, and the rules of the router -------------------------------------------


def test_without_a_replica_every_read_is_on_the_primary():
    assert REPLICA not in connections.settings
    with replica_reads():
        assert ReplicaRouter().db_for_read(Case) == "default"


@pytest.mark.django_db
def test_in_a_replica_block_a_read_inside_a_transaction_and_every_write_stay_on_the_primary(
    monkeypatch,
):
    router = ReplicaRouter()
    monkeypatch.setattr("agencies.replica.has_replica", lambda: True)
    with replica_reads():
        assert router.db_for_write(Case) == "default"
        assert router.db_for_read(Case) == "default"  # this test runs in a transaction
    assert not router.allow_migrate(REPLICA, "referrals")
    assert router.allow_migrate("default", "referrals")


def test_the_settings_add_the_replica_and_its_router_only_when_it_is_named(tmp_path):
    show = (
        "import json, django\nfrom django.conf import settings\ndjango.setup()\n"
        "print(json.dumps([sorted(settings.DATABASES), settings.DATABASE_ROUTERS]))"
    )
    base = {"DEBUG": "1", "DATABASE_URL": "postgres://portal@db.internal:5432/portal"}
    without = run_python(show, tmp_path, **base)
    with_replica = run_python(
        show, tmp_path, **base, DATABASE_REPLICA_URL="postgres://portal@replica.internal/portal"
    )
    assert json.loads(without.stdout.splitlines()[-1]) == [["default"], []]
    assert json.loads(with_replica.stdout.splitlines()[-1]) == [
        ["default", "replica"],
        ["agencies.replica.ReplicaRouter"],
    ]


@pytest.mark.django_db
def test_a_case_read_in_a_replica_block_without_a_replica_is_the_primarys(monkeypatch):
    case, _secret = submit()
    with replica_reads():
        assert Case.objects.get(pk=case.pk)._state.db == "default"
