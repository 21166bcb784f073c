"""A case of an outside system becomes one case here, once; what the agencies do on it goes
back to the systems it is linked to, never to the one a change came from; a case forwarded
back and forth stops; the supervisors see each link's failures and send them again."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.models import Role
from integrations import services
from integrations.models import Exchange, ExternalCase, System
from referrals.models import Case, Channel, EventKind, Notification
from referrals.notifications import deliver
from referrals.services.cases import add_note
from tests.factories import InspectorFactory, UserFactory
from tests.helpers import signed_in
from tests.referrals.factories import fresh, new_case_data, staff

pytestmark = pytest.mark.django_db


def receive(connection, number, **fields):
    channel = Channel.HOTLINE_1111 if connection.system == System.GCC_1111 else Channel.TRAFFY
    data = new_case_data(channel=channel, **fields)
    return services.receive_case(connection, number, data, state="received")


def exchange_rows(case):
    return list(
        Notification.objects.filter(case=case, channel=Notification.Channel.EXCHANGE).order_by("pk")
    )


def test_an_outside_case_becomes_one_case_in_the_name_of_its_link(connect):
    link_1111 = connect(System.GCC_1111)
    first = receive(link_1111, "6712-000123")
    again = receive(link_1111, "6712-000123")

    assert first.created and not again.created
    assert again.link.pk == first.link.pk
    case = first.link.case
    assert Case.objects.count() == 1
    assert case.channel == Channel.HOTLINE_1111
    created = case.events.get(kind=EventKind.CREATED)
    assert created.actor is None and created.actor_key.name == "1111 (MOL)"
    assert Exchange.objects.filter(connection=link_1111, ok=True).count() == 1


def test_the_same_request_reported_on_both_systems_is_linked_not_duplicated(connect):
    from_1111 = receive(connect(System.GCC_1111), "6712-000124", national_id="1101700203450")
    on_traffy = receive(
        connect(System.TRAFFY), "2024-ABCD12", citizen_phone=from_1111.link.case.citizen_phone
    )

    assert on_traffy.linked and not on_traffy.created
    assert on_traffy.link.case == from_1111.link.case
    assert Case.objects.count() == 1
    event = from_1111.link.case.events.get(kind=EventKind.OUTSIDE_LINKED)
    assert event.payload == {"system": "Traffy Fondue", "number": "2024-ABCD12"}
    assert not event.is_public


def test_a_different_kind_of_help_from_the_same_person_is_a_case_of_its_own(connect):
    first = receive(connect(System.GCC_1111), "6712-000125")
    other = receive(
        connect(System.TRAFFY), "2024-ABCD13", category=_other_category(first.link.case)
    )
    assert other.created and other.link.case != first.link.case


def _other_category(case):
    from referrals.models import Category

    return (
        Category.objects.filter(is_active=True, lead_agency=case.lead_agency)
        .exclude(pk=case.category_id)
        .exclude(is_restricted=True)
        .first()
        or Category.objects.exclude(pk=case.category_id).filter(is_restricted=False).first()
    ).code


def test_a_change_goes_to_every_linked_system_but_the_one_it_came_from(connect, recorders):
    traffy = connect(System.TRAFFY)
    case = receive(connect(System.GCC_1111), "6712-000126").link.case
    receive(traffy, "2024-ABCD14", citizen_phone=case.citizen_phone)
    officer = staff("MOL", Role.SUPERVISOR)

    add_note(case, officer, "โทรหาผู้ร้องแล้ว", public=True)
    add_note(case, services.caller(fresh(traffy)), "ผู้ร้องแจ้งเพิ่มใน Traffy", public=True)

    rows = exchange_rows(case)
    by_officer = [r for r in rows if r.origin == ""]
    by_traffy = [r for r in rows if r.origin == System.TRAFFY]
    assert sorted(r.recipient.split(":")[0] for r in by_officer) == ["gcc1111", "traffy"]
    assert [r.recipient.split(":")[0] for r in by_traffy] == ["gcc1111"]
    for row in rows:
        assert deliver(row.pk)
    assert [m for _n, _k, m in recorders[System.TRAFFY].received] == ["โทรหาผู้ร้องแล้ว"]
    assert [m for _n, _k, m in recorders[System.GCC_1111].received] == [
        "โทรหาผู้ร้องแล้ว",
        "ผู้ร้องแจ้งเพิ่มใน Traffy",
    ]
    assert ExternalCase.objects.get(system=System.TRAFFY).state_out == "note"


def test_a_row_that_would_go_back_where_its_change_came_from_is_refused(connect, recorders):
    case = receive(connect(System.TRAFFY), "2024-ABCD15").link.case
    add_note(case, staff("MOL", Role.SUPERVISOR), "ส่งต่อแล้ว", public=True)
    (row,) = exchange_rows(case)
    Notification.objects.filter(pk=row.pk).update(origin=System.TRAFFY)

    assert not deliver(row.pk)
    assert recorders[System.TRAFFY].received == []
    failure = Exchange.objects.get(ok=False)
    assert "LoopRefused" in failure.detail


def test_a_line_the_system_does_not_take_is_retried_and_logged(connect, recorders):
    case = receive(connect(System.TRAFFY), "2024-ABCD16").link.case
    recorders[System.TRAFFY].down = TimeoutError("no answer in 20 s")
    add_note(case, staff("MOL", Role.SUPERVISOR), "รับเรื่องแล้ว", public=True)
    (row,) = exchange_rows(case)

    assert not deliver(row.pk)
    row.refresh_from_db()
    assert row.status == Notification.Status.PENDING and row.attempts == 1
    failure = Exchange.objects.get(ok=False)
    assert failure.detail == "TimeoutError: no answer in 20 s"
    assert "no answer" in failure.connection.last_error


def test_a_case_forwarded_back_and_forth_is_stopped_and_the_coordinator_told(
    connect, settings, recorders
):
    settings.EXCHANGE_MAX_HOPS = 2
    moj_supervisor = staff("MOJ", Role.SUPERVISOR)
    link = receive(connect(System.TRAFFY), "2024-ABCD17").link

    assert services.count_hop(link) and services.count_hop(link)
    assert not services.count_hop(link)
    assert not services.count_hop(link)

    link.refresh_from_db()
    assert link.hops == 3 and link.stopped_at is not None
    (stopped,) = link.case.events.filter(kind=EventKind.FORWARDING_STOPPED)
    assert stopped.payload["hops"] == 2
    told = Notification.objects.filter(kind="forwarding_stopped", user=moj_supervisor)
    assert sorted(told.values_list("channel", flat=True)) == ["email", "in_portal"]


def test_the_queue_finds_a_case_by_its_number_at_the_outside_system(client, connect):
    case = receive(connect(System.GCC_1111), "6712-000127").link.case
    officer = staff("MOL", Role.INTAKE_OFFICER)
    signed_in(client, officer)

    found = client.get(reverse("staff:queue"), {"q": "6712-000127", "tab": "all"})
    page = client.get(reverse("staff:case", args=[case.reference]))

    assert case.reference in found.content.decode()
    assert "6712-000127" in page.content.decode()


def test_digits_find_the_phone_and_the_outside_number_without_reading_every_case(client, connect):
    """Six digits may be part of a phone number or a number at 1111: the queue looks for
    both, the numbered cases read first, so that PostgreSQL combines the phone's index
    with a list of ids (a subquery in the OR made it read every case: 3.6 s at a million)."""
    hotline = connect(System.GCC_1111)
    numbered = receive(hotline, "097496").link.case
    by_phone = receive(hotline, "6712-000200", citizen_phone="0810974961")
    signed_in(client, staff("MOL", Role.INTAKE_OFFICER))

    with CaptureQueriesContext(connection) as asked:
        found = client.get(reverse("staff:queue"), {"q": "097496", "tab": "all"})

    page = found.content.decode()
    assert numbered.reference in page
    assert by_phone.link.case.reference in page
    listed = [q["sql"] for q in asked.captured_queries if "citizen_phone" in q["sql"]]
    assert listed, "the queue searched the phone numbers"
    assert not any("integrations_externalcase" in sql for sql in listed)


EXCHANGES = reverse("integrations:exchanges")
WATCHERS = [("MOL", Role.SUPERVISOR), ("MOL", Role.CCEO)]
NOT_WATCHERS = [
    ("MOL", Role.INTAKE_OFFICER),
    ("MOL", Role.CASE_OFFICER),
    ("MOL", Role.AGENCY_ADMIN),
    ("MOE", Role.INTAKE_OFFICER),
    "inspector",
    "superuser",  # keeps the links in the admin, not on this page
]


def person(who):
    if who == "inspector":
        return InspectorFactory().user
    if who == "superuser":
        return UserFactory(is_staff=True, is_superuser=True)
    return staff(*who)


@pytest.fixture
def failed_row(connect, recorders):
    case = receive(connect(System.TRAFFY), "2024-ABCD18").link.case
    recorders[System.TRAFFY].down = ConnectionError("connection refused")
    add_note(case, staff("MOL", Role.SUPERVISOR), "ติดต่อแล้ว", public=True)
    (row,) = exchange_rows(case)
    Notification.objects.filter(pk=row.pk).update(attempts=99)
    deliver(row.pk)
    row.refresh_from_db()
    return row


@pytest.mark.parametrize("who", WATCHERS, ids=str)
def test_the_agencys_supervisors_and_cceos_see_its_links_and_failures(client, failed_row, who):
    signed_in(client, staff(*who))
    page = client.get(EXCHANGES)
    assert page.status_code == 200
    text = page.content.decode()
    assert "ConnectionError: connection refused" in text and "2024-ABCD18" in text


@pytest.mark.parametrize("who", NOT_WATCHERS, ids=str)
def test_nobody_else_reaches_the_page_or_the_retry(client, failed_row, who):
    signed_in(client, person(who))
    failure = Exchange.objects.get(ok=False)
    assert client.get(EXCHANGES).status_code == 404
    assert client.post(reverse("integrations:retry", args=[failure.pk])).status_code == 404
    assert fresh(failed_row).status == Notification.Status.FAILED


def test_another_agencys_supervisor_sees_only_their_own_links(client, failed_row, connect):
    connect(System.GCC_1111, code="MOE")
    signed_in(client, staff("MOE", Role.SUPERVISOR))
    text = client.get(EXCHANGES).content.decode()
    assert "2024-ABCD18" not in text
    failure = Exchange.objects.get(ok=False)
    assert client.post(reverse("integrations:retry", args=[failure.pk])).status_code == 404


def test_a_supervisor_sends_a_failed_message_again(client, failed_row, recorders):
    assert failed_row.status == Notification.Status.FAILED
    signed_in(client, staff("MOL", Role.SUPERVISOR))
    failure = Exchange.objects.get(ok=False)
    recorders[System.TRAFFY].down = None

    answer = client.post(reverse("integrations:retry", args=[failure.pk]), follow=True)

    assert fresh(failed_row).status == Notification.Status.PENDING
    assert deliver(failed_row.pk)
    assert [m for _n, _k, m in recorders[System.TRAFFY].received] == ["ติดต่อแล้ว"]
    again = client.post(reverse("integrations:retry", args=[failure.pk]), follow=True)
    assert "ส่งอีกครั้งแล้ว" in answer.content.decode() or answer.status_code == 200
    assert again.status_code == 200
    assert fresh(failed_row).status == Notification.Status.SENT


def test_anonymous_visitors_are_sent_to_sign_in(client):
    assert client.get(EXCHANGES).status_code == 302


def test_the_api_gives_a_case_s_numbers_at_the_outside_systems(client, connect):
    case = receive(connect(System.GCC_1111), "6712-000128").link.case
    signed_in(client, staff("MOL", Role.INTAKE_OFFICER))

    answer = client.get(reverse("api:case-detail", args=[case.reference]))

    assert answer.json()["outside_numbers"] == [{"system": "1111", "number": "6712-000128"}]


def test_a_supervisor_has_a_polled_system_read_at_once(
    client, connect, recorders, django_capture_on_commit_callbacks
):
    link_1111 = connect(System.GCC_1111)
    off = connect(System.TRAFFY, is_enabled=False)
    signed_in(client, staff("MOL", Role.SUPERVISOR))
    assert (
        reverse("integrations:read_now", args=[link_1111.pk])
        in client.get(EXCHANGES).content.decode()
    )

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("integrations:read_now", args=[link_1111.pk]))
        refused = client.post(reverse("integrations:read_now", args=[off.pk]), follow=True)

    assert recorders[System.GCC_1111].reads == [link_1111]
    assert recorders[System.TRAFFY].reads == []
    assert refused.status_code == 200
    signed_in(client, staff("MOE", Role.SUPERVISOR))
    assert client.post(reverse("integrations:read_now", args=[link_1111.pk])).status_code == 404
