"""Many rows in one statement (agencies.bulk.insert): the same rows ``Model(**row)`` and a
save would write, defaults and all, whether PostgreSQL's arrays or ``bulk_create`` (the
way on SQLite) write them; a key already there is returned, not written twice."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agencies import bulk
from agencies.models import Role
from referrals.models import CaseEvent, EventKind, Notification
from tests.referrals.factories import agency, staff, submit

pytestmark = pytest.mark.django_db

WAYS = ["one statement", "bulk_create"]


@pytest.fixture(params=WAYS)
def way(request, monkeypatch):
    if request.param == "bulk_create":
        monkeypatch.setattr(connection, "vendor", "sqlite")
    elif connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's arrays need PostgreSQL")
    return request.param


def fields_of(row) -> dict:
    left_out = {"id", "idempotency_key", "created_at", "transaction_id"}
    return {
        f.attname: getattr(row, f.attname)
        for f in row._meta.concrete_fields
        if f.attname not in left_out
    }


def test_rows_are_written_as_the_model_would_write_them(way):
    case, _secret = submit()
    supervisor = staff("MOL", Role.SUPERVISOR)
    moments = timezone.now()
    rows = [
        {
            "kind": "sla_reminder",
            "case": case,
            "user": supervisor,
            "agency": agency("MOL") if n else None,
            "channel": Notification.Channel.EMAIL,
            "recipient": f"person{n}@example.go.th",
            "language": "th",
            "context": {"due": moments.isoformat(), "หมายเหตุ": "ภาษาไทย", "n": n},
            "idempotency_key": f"bulk-test:{n}",
        }
        for n in range(3)
    ]

    with CaptureQueriesContext(connection) as written:
        ids = bulk.insert(Notification, rows, returning=("id", "status"))

    assert len(written) == 1
    assert [status for _pk, status in ids] == [Notification.Status.PENDING] * 3
    saved = Notification.objects.filter(pk__in=[pk for pk, _status in ids]).order_by("pk")
    expected = [
        Notification.objects.create(**{**row, "idempotency_key": f"by-save:{n}"})
        for n, row in enumerate(rows)
    ]
    assert [fields_of(row) for row in saved] == [fields_of(row) for row in expected]
    assert all(abs(row.created_at - moments).total_seconds() < 60 for row in saved)


def test_a_key_already_there_is_returned_in_place_of_a_second_copy(way):
    case, _secret = submit()

    def row(key):
        return {
            "kind": "citizen_update",
            "case": case,
            "channel": Notification.Channel.SMS,
            "recipient": "0812345678",
            "language": "th",
            "idempotency_key": key,
        }

    [(first,)] = bulk.insert(
        Notification, [row("k:1")], unique="idempotency_key", returning=("id",)
    )
    again = bulk.insert(
        Notification, [row("k:1"), row("k:2")], unique="idempotency_key", returning=("id",)
    )

    assert first in {pk for (pk,) in again}
    assert len(again) == 2
    assert Notification.objects.filter(idempotency_key__startswith="k:").count() == 2


def test_timeline_lines_get_their_database_defaults(way):
    case, _secret = submit()
    before = CaseEvent.objects.filter(case=case).count()

    bulk.insert(
        CaseEvent,
        [
            {
                "case_id": case.pk,
                "kind": EventKind.DEADLINE_REMINDER,
                "actor_agency_id": case.lead_agency_id,
                "payload": {"level": 1},
            }
        ],
    )

    line = CaseEvent.objects.filter(case=case).order_by("-pk").first()
    assert CaseEvent.objects.filter(case=case).count() == before + 1
    assert (line.kind, line.message, line.is_public, line.by_citizen) == (
        EventKind.DEADLINE_REMINDER,
        "",
        False,
        False,
    )
    assert line.payload == {"level": 1}
    if connection.vendor == "postgresql":
        # The changes feed's order: the writing transaction, given by the database.
        assert line.transaction_id is not None


def test_nothing_to_write_costs_no_statement(way):
    with CaptureQueriesContext(connection) as written:
        assert bulk.insert(Notification, [], returning=("id",)) == []
    assert len(written) == 0
