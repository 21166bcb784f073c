"""No case left hanging: the deadlines of the citizen's answer, of the citizen's
confirmation (then closed automatically), of an accepted referral's completion and of an
erasure decision, all run by the one sweep.

2026-03-09 is a Monday in a week without holidays; working days are 08:30-16:30. Every
expected time is counted by hand. ``sweep(now)`` takes the time; the ``clock`` fixture sets
the time the workflow services read.
"""

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from agencies.models import Role
from agencies.permissions import CitizenAccess
from referrals import services
from referrals.models import (
    Case,
    CaseEvent,
    CaseStatus,
    Deadline,
    DeadlineKind,
    EventKind,
    Notification,
)
from referrals.notifications import render_subject
from referrals.services import escalation
from tests.referrals.clock import MONDAY, at, team
from tests.referrals.factories import agency, fresh, staff, submit

pytestmark = pytest.mark.django_db

WAIT = DeadlineKind.CITIZEN_ANSWER
CONFIRM = DeadlineKind.CONFIRMATION
COMPLETE = DeadlineKind.COMPLETE_REFERRAL
ERASURE = DeadlineKind.DECIDE_ERASURE
EMAIL = Notification.Channel.EMAIL
CITIZEN = "somchai@example.org"


@pytest.fixture
def mol(clock):
    return team("MOL")


def running(case, kind) -> Deadline:
    return Deadline.objects.get(case=case, kind=kind, met_at__isnull=True)


def accepted(clock, mol, moment=MONDAY, **fields) -> Case:
    clock.now = moment
    case, _secret = submit(**fields)
    Case.objects.filter(pk=case.pk).update(citizen_email=CITIZEN, citizen_email_confirmed_at=moment)
    services.accept_case(case, mol.supervisor)
    return fresh(case)


def waiting(clock, mol, moment=MONDAY) -> Case:
    """Accepted at ``moment``, the citizen asked two hours later."""
    case = accepted(clock, mol, moment)
    clock.now = moment + timedelta(hours=2)
    services.request_information(case, mol.supervisor, "ขอสำเนาสัญญาจ้าง")
    return fresh(case)


def resolved(clock, mol, moment=MONDAY) -> Case:
    """Accepted at ``moment``, resolved five hours later."""
    case = accepted(clock, mol, moment)
    clock.now = moment + timedelta(hours=5)
    services.resolve_case(case, mol.supervisor, "นายจ้างจ่ายค่าจ้างครบแล้ว")
    return fresh(case)


def erasure_asked(clock, mol, moment=MONDAY, **fields):
    """A closed case whose citizen asks, at ``moment``, for their data to be erased."""
    case = resolved(clock, mol, moment - timedelta(days=3))
    Case.objects.filter(pk=case.pk).update(**fields)
    services.confirm_close(case, CitizenAccess(case.pk))
    clock.now = moment
    return services.request_erasure(fresh(case), CitizenAccess(case.pk), "ไม่ต้องการให้เก็บข้อมูล")


def events(case, *kinds) -> list[tuple[str, str, int]]:
    found = CaseEvent.objects.filter(case=case, kind__in=kinds or list(EventKind)).order_by("id")
    return [(e.kind, e.payload.get("deadline_kind"), e.payload.get("level")) for e in found]


def told(kind, step=None) -> list:
    """Who got ``kind`` in the portal (about deadlines of ``step`` only, if given)."""
    rows = Notification.objects.filter(kind=kind, channel=Notification.Channel.IN_PORTAL)
    if step is not None:
        rows = rows.filter(context__deadline_kind=step)
    return sorted(rows.values_list("user_id", flat=True))


# --- Waiting for the citizen ----------------------------------------------------------------------


def test_asking_the_citizen_starts_their_time_to_answer(clock, mol):
    case = waiting(clock, mol)

    deadline = running(case, WAIT)
    assert deadline.started_at == at(2026, 3, 9, 11)
    assert deadline.reminder_at == at(2026, 3, 16, 11)  # 5 working days
    assert deadline.due_at == deadline.supervisor_at == at(2026, 3, 30, 11)  # 15 working days
    assert deadline.cceo_at is None
    # What the lead agency waits for now: it shows in the queue's due column.
    assert (case.due_at, case.due_warning_at) == (at(2026, 3, 30, 11), at(2026, 3, 16, 11))


def test_after_five_working_days_the_citizen_is_reminded_once_in_their_language(clock, mol):
    case = waiting(clock, mol)
    Case.objects.filter(pk=case.pk).update(language="en")  # they wrote in English

    assert escalation.sweep(now=at(2026, 3, 16, 11) - timedelta(minutes=1)) == 0
    assert escalation.sweep(now=at(2026, 3, 16, 11)) == 1
    assert escalation.sweep(now=at(2026, 3, 16, 11)) == 0

    [reminder] = Notification.objects.filter(kind="citizen_waiting")
    assert (reminder.channel, reminder.recipient, reminder.language) == (EMAIL, CITIZEN, "en")
    assert render_subject(reminder) == f"We are waiting for your answer: request {case.reference}"
    assert events(case, EventKind.DEADLINE_REMINDER) == [(EventKind.DEADLINE_REMINDER, WAIT, 1)]
    # Staff are not reminded of the citizen's silence yet, and the case still waits.
    assert not Notification.objects.filter(user__isnull=False).exclude(kind="new_case").exists()
    assert fresh(case).status == CaseStatus.WAITING_CITIZEN


def test_the_reminder_is_in_thai_for_a_request_made_in_thai(clock, mol):
    case = waiting(clock, mol)

    escalation.sweep(now=at(2026, 3, 16, 11))

    [reminder] = Notification.objects.filter(kind="citizen_waiting")
    assert reminder.language == "th"
    with translation.override("th"):
        expected = f"เรากำลังรอคำตอบจากคุณ: คำขอ {case.reference}"
    assert render_subject(reminder) == expected


def test_after_fifteen_working_days_the_lead_agency_is_asked_and_the_case_stays_open(clock, mol):
    case = waiting(clock, mol)
    escalation.sweep(now=at(2026, 3, 16, 11))

    assert escalation.sweep(now=at(2026, 3, 30, 11)) == 1
    assert escalation.sweep(now=at(2026, 6, 1, 9)) == 0

    assert told("citizen_silent") == sorted([mol.intake.pk, mol.supervisor.pk, mol.cceo.pk])
    assert events(case, EventKind.DEADLINE_REMINDER, EventKind.DEADLINE_ESCALATED) == [
        (EventKind.DEADLINE_REMINDER, WAIT, 1),
        (EventKind.DEADLINE_ESCALATED, WAIT, 2),
    ]
    case = fresh(case)
    assert case.status == CaseStatus.WAITING_CITIZEN  # never closed silently
    assert case.closed_at is None
    with translation.override("en"):
        assert running(case, WAIT).level_label == "The lead agency asked to resolve or close"


def test_the_lead_agency_may_resolve_a_case_whose_citizen_stays_silent(clock, mol):
    case = waiting(clock, mol)
    clock.now = at(2026, 3, 31, 9)

    services.resolve_case(case, mol.supervisor, "ไม่ได้รับข้อมูลเพิ่ม จึงให้คำแนะนำตามที่มี")

    assert fresh(case).status == CaseStatus.RESOLVED
    assert Deadline.objects.get(case=case, kind=WAIT).met_at == at(2026, 3, 31, 9)


def test_the_citizen_s_answer_meets_their_deadline_and_nobody_is_reminded(clock, mol):
    case = waiting(clock, mol)
    clock.now = at(2026, 3, 10, 9)

    services.add_information(case, CitizenAccess(case.pk), "แนบสัญญาจ้างแล้ว")

    assert Deadline.objects.get(case=case, kind=WAIT).met_at == at(2026, 3, 10, 9)
    escalation.sweep(now=at(2026, 3, 30, 11))
    assert not Notification.objects.filter(kind__in=["citizen_waiting", "citizen_silent"]).exists()


# --- The confirmation and the automatic closing ---------------------------------------------------


def test_resolving_starts_the_confirmation_period(clock, mol):
    case = resolved(clock, mol)  # Monday 14:00

    deadline = running(case, CONFIRM)
    assert deadline.due_at == deadline.reminder_at == at(2026, 3, 18, 14)  # 7 working days
    # The citizen's confirmation is not the agency's work: no due time in the queue.
    assert case.due_at is None


def test_a_resolved_case_closes_by_itself_after_the_period_and_not_before(clock, mol):
    case = resolved(clock, mol)

    escalation.sweep(now=at(2026, 3, 18, 14) - timedelta(minutes=1))
    assert fresh(case).status == CaseStatus.RESOLVED

    assert escalation.sweep(now=at(2026, 3, 18, 14)) == 1

    case = fresh(case)
    assert case.status == CaseStatus.CLOSED
    assert case.closed_at == at(2026, 3, 18, 14)
    [event] = CaseEvent.objects.filter(case=case, kind=EventKind.CLOSED_AUTOMATICALLY)
    assert (event.actor, event.is_public, event.payload) == (None, True, {"working_days": 7})
    assert event.actor_agency == agency("MOL")
    assert running_or_none(case, CONFIRM) is None
    with translation.override("th"):
        assert Deadline.objects.get(case=case, kind=CONFIRM).level_label == "ปิดเรื่องอัตโนมัติ"
    version = case.version

    assert escalation.sweep(now=at(2026, 6, 1, 9)) == 0
    assert CaseEvent.objects.filter(case=case, kind=EventKind.CLOSED_AUTOMATICALLY).count() == 1
    assert fresh(case).version == version


def running_or_none(case, kind):
    return Deadline.objects.filter(case=case, kind=kind, met_at__isnull=True).first()


def confirm(case):
    services.confirm_close(case, CitizenAccess(case.pk))


def ask_reopen(case):
    services.ask_reopen(case, CitizenAccess(case.pk), "นายจ้างยังจ่ายไม่ครบ")


@pytest.mark.parametrize(
    ("answer", "status"),
    [(confirm, CaseStatus.CLOSED), (ask_reopen, CaseStatus.IN_PROGRESS)],
    ids=["confirmed", "reopen asked"],
)
def test_the_citizen_s_answer_stops_the_automatic_closing(clock, mol, answer, status):
    case = resolved(clock, mol)
    clock.now = at(2026, 3, 11, 10)

    answer(case)

    assert Deadline.objects.get(case=case, kind=CONFIRM).met_at == at(2026, 3, 11, 10)
    escalation.sweep(now=at(2026, 3, 18, 14))
    assert fresh(case).status == status
    assert not CaseEvent.objects.filter(kind=EventKind.CLOSED_AUTOMATICALLY).exists()


def test_a_case_reopened_after_the_sweep_before_the_workers_came_is_not_closed(clock, mol):
    case = resolved(clock, mol)
    escalation.sweep(now=at(2026, 3, 18, 14), tell_later=True)
    clock.now = at(2026, 3, 18, 14, 1)
    ask_reopen(case)
    [confirmation] = Deadline.objects.filter(case=case, kind=CONFIRM)

    escalation.tell([confirmation.pk])

    assert fresh(case).status == CaseStatus.IN_PROGRESS
    assert not CaseEvent.objects.filter(kind=EventKind.CLOSED_AUTOMATICALLY).exists()


def test_a_case_closed_by_the_agency_meanwhile_is_not_closed_again(clock, mol):
    case = resolved(clock, mol)
    clock.now = at(2026, 3, 11, 10)
    services.close_case(case, mol.supervisor)

    escalation.sweep(now=at(2026, 3, 18, 14))

    assert fresh(case).closed_at == at(2026, 3, 11, 10)
    assert not CaseEvent.objects.filter(kind=EventKind.CLOSED_AUTOMATICALLY).exists()


def test_closing_twice_at_once_closes_once(clock, mol):
    case = resolved(clock, mol)

    assert services.close_unconfirmed([case.pk], at(2026, 3, 18, 14)) == 1
    assert services.close_unconfirmed([case.pk], at(2026, 3, 18, 15)) == 0

    assert fresh(case).closed_at == at(2026, 3, 18, 14)


# --- An accepted referral's completion ------------------------------------------------------------


def accepted_referral(clock, mol, moph):
    case = accepted(clock, mol)
    clock.now = at(2026, 3, 9, 10)
    [referral] = services.refer_case(case, mol.supervisor, {agency("MOPH"): "ขอให้ตรวจสุขภาพ"})
    clock.now = at(2026, 3, 10, 10)
    services.accept_referral(referral, moph.supervisor)
    return fresh(referral)


@pytest.fixture
def moph(clock):
    return team("MOPH")


def test_accepting_a_referral_starts_its_time_to_complete(clock, mol, moph):
    referral = accepted_referral(clock, mol, moph)

    deadline = Deadline.objects.get(referral=referral, kind=COMPLETE, met_at__isnull=True)
    assert deadline.budget == timedelta(hours=120)  # 15 working days, the default policy
    assert deadline.started_at == at(2026, 3, 10, 10)
    assert deadline.due_at == at(2026, 3, 31, 10)
    assert deadline.reminder_at == at(2026, 3, 25, 12)  # 75 %: 90 business hours
    assert (referral.due_at, referral.due_warning_at) == (deadline.due_at, deadline.reminder_at)


def test_an_urgent_case_s_referral_gets_a_quarter_of_the_time(clock, mol, moph):
    case = accepted(clock, mol, priority="urgent")
    clock.now = at(2026, 3, 9, 10)
    [referral] = services.refer_case(case, mol.supervisor, {agency("MOPH"): "ขอให้ตรวจสุขภาพ"})
    services.accept_referral(referral, moph.supervisor)

    deadline = Deadline.objects.get(referral=referral, kind=COMPLETE)
    assert deadline.budget == timedelta(hours=30)


def complete(referral, mol, moph):
    services.complete_referral(referral, moph.supervisor, "ตรวจสุขภาพแล้ว")


def cancel(referral, mol, moph):
    services.cancel_referral(referral, mol.supervisor, "ไม่ต้องการแล้ว")


@pytest.mark.parametrize("end", [complete, cancel])
def test_completing_or_cancelling_meets_the_time_to_complete(clock, mol, moph, end):
    referral = accepted_referral(clock, mol, moph)
    clock.now = at(2026, 3, 20, 10)

    end(referral, mol, moph)

    deadline = Deadline.objects.get(referral=referral, kind=COMPLETE)
    assert (deadline.met_at, deadline.next_check_at) == (at(2026, 3, 20, 10), None)
    assert fresh(referral).due_at is None
    escalation.sweep(now=at(2026, 6, 1, 9))
    assert not Notification.objects.filter(context__deadline_kind=COMPLETE).exists()


def test_the_helping_agency_is_reminded_then_escalated_once_each(clock, mol, moph):
    referral = accepted_referral(clock, mol, moph)

    for moment in (at(2026, 3, 25, 12), at(2026, 3, 31, 10), at(2026, 6, 1, 9)):
        escalation.sweep(now=moment)
        escalation.sweep(now=moment)

    assert told("sla_reminder", COMPLETE) == sorted([moph.intake.pk, moph.supervisor.pk])
    assert told("sla_supervisor", COMPLETE) == [moph.supervisor.pk]
    assert told("sla_cceo", COMPLETE) == [moph.cceo.pk]
    mine = [e for e in events(referral.case) if e[1] == COMPLETE]
    assert mine == [
        (EventKind.DEADLINE_REMINDER, COMPLETE, 1),
        (EventKind.DEADLINE_ESCALATED, COMPLETE, 2),
        (EventKind.DEADLINE_ESCALATED, COMPLETE, 3),
    ]


# --- An erasure request ---------------------------------------------------------------------------


@pytest.fixture
def admins(clock):
    return staff("MOL", Role.AGENCY_ADMIN), staff("MOPH", Role.AGENCY_ADMIN)


def test_an_erasure_request_must_be_decided_within_thirty_calendar_days(clock, mol):
    erasure = erasure_asked(clock, mol)

    deadline = running(erasure.case, ERASURE)
    assert deadline.reminder_at == at(2026, 3, 29, 9)  # a Sunday: calendar days
    assert deadline.supervisor_at == at(2026, 4, 5, 9)
    assert deadline.due_at == deadline.cceo_at == at(2026, 4, 8, 9)


def test_those_who_decide_an_erasure_are_reminded_and_no_one_else(clock, mol, admins):
    ours, _theirs = admins
    erasure = erasure_asked(clock, mol)

    for moment in (at(2026, 3, 29, 9), at(2026, 4, 5, 9), at(2026, 4, 8, 9)):
        assert escalation.sweep(now=moment - timedelta(minutes=1)) == 0
        assert escalation.sweep(now=moment) == 1
        assert escalation.sweep(now=moment) == 0

    rows = Notification.objects.filter(kind="erasure_due", channel=Notification.Channel.IN_PORTAL)
    assert sorted(rows.values_list("user_id", flat=True)) == [ours.pk] * 3
    assert events(erasure.case, EventKind.DEADLINE_REMINDER, EventKind.DEADLINE_ESCALATED) == [
        (EventKind.DEADLINE_REMINDER, ERASURE, 1),
        (EventKind.DEADLINE_ESCALATED, ERASURE, 2),
        (EventKind.DEADLINE_ESCALATED, ERASURE, 3),
    ]


def test_a_restricted_case_s_erasure_is_reminded_to_its_managers(clock, mol, admins):
    erasure_asked(clock, mol, is_restricted=True)

    escalation.sweep(now=at(2026, 3, 29, 9))

    assert told("erasure_due") == sorted([mol.supervisor.pk, mol.cceo.pk])


def test_deciding_meets_the_erasure_deadline(clock, mol, admins):
    ours, _theirs = admins
    erasure = erasure_asked(clock, mol)
    clock.now = at(2026, 3, 20, 9)

    services.decide_erasure(erasure, ours, approve=False, note="ต้องเก็บไว้ตามกฎหมาย")

    deadline = Deadline.objects.get(case=erasure.case, kind=ERASURE)
    assert deadline.met_at == at(2026, 3, 20, 9)
    assert deadline.used == timedelta(days=11)
    escalation.sweep(now=at(2026, 6, 1, 9))
    assert not Notification.objects.filter(kind="erasure_due").exists()


@pytest.mark.parametrize(
    ("language", "label", "due"),
    [
        ("th", "ตัดสินภายใน (พ.ร.บ. คุ้มครองข้อมูลส่วนบุคคล มาตรา 30)", "8 เม.ย. 2569 09:00"),
        ("en", "Decide by (PDPA section 30)", "8 Apr 2026 09:00"),
    ],
)
def test_the_erasure_page_shows_by_when_to_decide(client, clock, mol, admins, language, label, due):
    ours, _theirs = admins
    erasure_asked(clock, mol)
    client.force_login(ours)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    response = client.get("/staff/erasure/")

    assert label in response.text
    assert due in response.text


# --- The sweep's cost -----------------------------------------------------------------------------


def due_items(clock, mol, count: int) -> None:
    for _ in range(count):
        waiting(clock, mol)
        resolved(clock, mol)
        erasure_asked(clock, mol)


def statements(captured) -> list[str]:
    """The statements run, an insert of many rows counted once: SQLite splits one into
    batches of at most 999 parameters (PostgreSQL sends it whole)."""
    found = [query["sql"] for query in captured.captured_queries]
    if connection.vendor != "sqlite":
        return found
    return [
        sql
        for i, sql in enumerate(found)
        if not (
            sql.startswith("INSERT") and i and found[i - 1].split(" (")[0] == sql.split(" (")[0]
        )
    ]


def test_the_sweep_costs_the_same_for_one_due_item_of_each_kind_as_for_twenty(clock, mol, admins):
    far = at(2026, 12, 1, 9)
    due_items(clock, mol, 1)
    with CaptureQueriesContext(connection) as one:
        escalation.sweep(now=far)
    due_items(clock, mol, 20)

    with CaptureQueriesContext(connection) as twenty:
        handled = escalation.sweep(now=far)

    assert len(statements(twenty)) <= len(statements(one))

    assert handled == 60
    assert Case.objects.filter(status=CaseStatus.CLOSED).count() == 21 + 21  # 21 closed by hand
    assert Notification.objects.filter(kind="citizen_waiting").count() == 21
