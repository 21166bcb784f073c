"""What the API promises across transactions, on PostgreSQL: the changes feed serves every
event of the cases a caller sees, page after page, none missed (even one committed after a
later one) and none repeated; and one create sent twice at once makes one case."""

import threading

import pytest
from django.db import connection, transaction

from agencies.models import Role
from referrals import services
from referrals.models import Case, CaseEvent, CaseStatus
from tests.api.helpers import NEW_CASE, api_key, key_client
from tests.referrals.factories import at_once, case_in, staff

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def read_all(client, after="0.0", limit=3):
    """Every page from ``after`` until the feed has nothing more: (events, last cursor)."""
    seen = []
    while True:
        page = client.get(f"/api/v1/events/?after={after}&limit={limit}").json()
        seen.extend(page["results"])
        if not page["results"]:
            return seen, page["next"]
        after = page["next"]


def test_pages_of_the_feed_hold_every_event_once_and_then_only_the_new(reference_data):
    _key, raw = api_key("MOL")
    client = key_client(raw)
    cases = [case_in(CaseStatus.IN_PROGRESS) for _ in range(3)]
    expected = list(CaseEvent.objects.filter(case__in=cases).values_list("id", flat=True))

    events, cursor = read_all(client)

    ids = [event["id"] for event in events]
    assert sorted(ids) == sorted(expected)
    assert len(ids) == len(set(ids))
    assert {event["case"] for event in events} == {case.reference for case in cases}

    officer = staff("MOL", Role.SUPERVISOR)
    note = services.add_note(cases[0], officer, "โทรหานายจ้างแล้ว")
    newer, _cursor = read_all(client, cursor)
    assert [event["kind"] for event in newer] == ["note"]
    assert newer[0]["case"] == note.reference


def test_an_agency_reads_only_the_events_of_its_own_cases(reference_data):
    case_in(CaseStatus.IN_PROGRESS)  # led by MOL
    _key, raw = api_key("MOPH")

    events, _cursor = read_all(key_client(raw))

    assert events == []


def test_an_event_committed_after_a_later_one_is_not_skipped(reference_data):
    first_case = case_in(CaseStatus.IN_PROGRESS)
    second_case = case_in(CaseStatus.IN_PROGRESS)
    officer = staff("MOL", Role.SUPERVISOR)
    _key, raw = api_key("MOL")
    client = key_client(raw)
    _events, cursor = read_all(client)
    written, release = threading.Event(), threading.Event()

    def slow_writer():
        try:
            with transaction.atomic():
                services.add_note(first_case, officer, "เขียนก่อน บันทึกทีหลัง")
                written.set()
                release.wait(timeout=10)
        finally:
            connection.close()

    writer = threading.Thread(target=slow_writer)
    writer.start()
    assert written.wait(timeout=10)
    services.add_note(second_case, officer, "เขียนทีหลัง บันทึกก่อน")  # committed at once

    meanwhile, cursor_meanwhile = read_all(client, cursor)
    release.set()
    writer.join(timeout=10)
    after_commit, _cursor = read_all(client, cursor_meanwhile)

    # Nothing is served past the transaction still open, so nothing is passed over.
    assert meanwhile == []
    assert [event["message"] for event in after_commit] == [
        "เขียนก่อน บันทึกทีหลัง",
        "เขียนทีหลัง บันทึกก่อน",
    ]


def test_a_cursor_that_is_not_the_feeds_is_refused(reference_data):
    _key, raw = api_key("MOL")

    answer = key_client(raw).get("/api/v1/events/?after=yesterday")

    assert answer.status_code == 400
    assert "after" in answer.json()["fields"]


def test_the_same_create_sent_twice_at_once_makes_one_case(reference_data):
    _key, raw = api_key("MOL")

    def send():
        return key_client(raw).post(
            "/api/v1/cases/", NEW_CASE, format="json", HTTP_IDEMPOTENCY_KEY="retry-1"
        )

    first, second = at_once(send, send)

    assert first.status_code == second.status_code == 201
    assert first.json()["reference"] == second.json()["reference"]
    assert Case.objects.count() == 1
