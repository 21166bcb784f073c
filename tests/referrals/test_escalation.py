"""The periodic work on deadlines: reminders and escalations, the morning digest, retention.

A normal case received on Monday 2026-03-09 at 09:00 must be acknowledged by Tuesday 09:00
(one working day of 08:30-16:30). Its reminder point (75 %) is Monday 15:00, the
supervisors hear at Tuesday 09:00 (100 %) and the CCEO at Tuesday 13:00 (150 %).
``sweep(now)`` and ``send_daily_digest(now)`` take the time; the ``clock`` fixture sets the
time the workflow services read.
"""

from datetime import timedelta

import pytest
from django.core import mail

from agencies.models import Role
from referrals import notifications, services, tasks
from referrals.business_time import current_calendar, forget_calendar
from referrals.models import (
    Case,
    CaseEvent,
    CaseStatus,
    Deadline,
    DeadlineKind,
    EventKind,
    ExtraDayOff,
    Notification,
    Referral,
)
from referrals.notifications import STAFF_KINDS
from referrals.services import deadlines, escalation, inbox
from tests.referrals.clock import MONDAY, at, team, without_email
from tests.referrals.factories import agency, at_once, fresh, staff, submit

pytestmark = pytest.mark.django_db

PORTAL = Notification.Channel.IN_PORTAL
EMAIL = Notification.Channel.EMAIL


REMINDER = at(2026, 3, 9, 15)
DUE = at(2026, 3, 10, 9)
CCEO = at(2026, 3, 10, 13)


@pytest.fixture
def mol(clock):
    return team("MOL")


@pytest.fixture
def moph(clock):
    return team("MOPH")


def new_case(clock, moment=MONDAY, category="unpaid-wages") -> Case:
    clock.now = moment
    case, _secret = submit(category)
    return fresh(case)


def told(kind: str, channel: str = PORTAL) -> list[int]:
    """Who received ``kind`` by ``channel``, one entry per row, sorted."""
    return sorted(
        Notification.objects.filter(kind=kind, channel=channel).values_list("user_id", flat=True)
    )


def sla_rows() -> int:
    return Notification.objects.filter(kind__startswith="sla_").count()


def deadline_events(case=None) -> list[tuple[str, int]]:
    events = CaseEvent.objects.filter(
        kind__in=[EventKind.DEADLINE_REMINDER, EventKind.DEADLINE_ESCALATED]
    )
    if case is not None:
        events = events.filter(case=case)
    return [(e.kind, e.payload["level"]) for e in events.order_by("id")]


def ids(*users) -> list[int]:
    return sorted(u.pk for u in users)


# --- Reminders and escalations -----------------------------------------------------------------


def test_a_sweep_before_the_reminder_point_sends_nothing(clock, mol):
    case = new_case(clock)

    assert escalation.sweep(now=REMINDER - timedelta(minutes=1)) == 0

    assert sla_rows() == 0
    assert deadline_events() == []
    assert Deadline.objects.get(case=case, kind=DeadlineKind.ACKNOWLEDGE).level_reached == 0


def test_at_the_reminder_point_those_who_triage_are_reminded_once(clock, mol):
    case = new_case(clock)

    assert escalation.sweep(now=REMINDER) == 1

    assert told("sla_reminder") == ids(mol.intake, mol.supervisor)
    # The intake officer has no address: the bell only.
    emails = Notification.objects.filter(kind="sla_reminder", channel=EMAIL)
    assert [(e.user_id, e.recipient) for e in emails] == [(mol.supervisor.pk, mol.supervisor.email)]
    assert {e.case_id for e in Notification.objects.filter(kind="sla_reminder")} == {case.pk}
    [event] = CaseEvent.objects.filter(case=case, kind=EventKind.DEADLINE_REMINDER)
    assert event.payload["level"] == 1
    assert event.payload["deadline_kind"] == DeadlineKind.ACKNOWLEDGE
    assert event.payload["told"] == 2
    assert event.actor_agency == agency("MOL")
    deadline = Deadline.objects.get(case=case, kind=DeadlineKind.ACKNOWLEDGE)
    assert (deadline.level_reached, deadline.next_check_at) == (1, DUE)

    rows = sla_rows()
    assert escalation.sweep(now=REMINDER) == 0
    assert escalation.sweep(now=DUE - timedelta(minutes=1)) == 0
    assert sla_rows() == rows == 3
    assert deadline_events(case) == [(EventKind.DEADLINE_REMINDER, 1)]


def test_the_reminder_email_names_the_step_and_the_due_time_in_the_readers_language(
    clock, mol, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    english_reader = staff("MOL", Role.INTAKE_OFFICER)
    inbox.save_preferences(english_reader, "en", set(STAFF_KINDS))
    case = new_case(clock)
    escalation.sweep(now=REMINDER)

    for row in Notification.objects.filter(kind="sla_reminder", channel=EMAIL):
        assert notifications.deliver(row.pk) is True

    emails = {email.to[0]: email for email in mail.outbox}
    english, thai = emails[english_reader.email], emails[mol.supervisor.email]
    assert english.subject == f"Reminder: Acknowledge the new case, case {case.reference}"
    assert "10 Mar 2026 09:00" in english.body
    assert thai.subject == f"เตือน: รับเรื่องใหม่ เรื่อง {case.reference}"
    assert "10 มี.ค. 2569 09:00" in thai.body


def test_the_reminder_goes_to_the_assigned_officer_alone(clock, mol):
    case = new_case(clock)
    clock.now = at(2026, 3, 9, 10)
    services.assign_case(case, mol.supervisor, mol.officer)

    escalation.sweep(now=REMINDER)

    assert told("sla_reminder") == [mol.officer.pk]
    assert told("sla_reminder", EMAIL) == [mol.officer.pk]


def test_at_the_due_time_the_supervisors_are_told_and_at_150_percent_the_cceo(clock, mol):
    case = new_case(clock)
    escalation.sweep(now=REMINDER)

    assert escalation.sweep(now=DUE) == 1
    assert told("sla_supervisor") == [mol.supervisor.pk]
    assert told("sla_supervisor", EMAIL) == [mol.supervisor.pk]
    assert told("sla_cceo") == []

    assert escalation.sweep(now=CCEO - timedelta(minutes=1)) == 0
    assert escalation.sweep(now=CCEO) == 1
    assert told("sla_cceo") == [mol.cceo.pk]
    assert told("sla_cceo", EMAIL) == [mol.cceo.pk]

    assert escalation.sweep(now=CCEO + timedelta(hours=1)) == 0
    assert deadline_events(case) == [
        (EventKind.DEADLINE_REMINDER, 1),
        (EventKind.DEADLINE_ESCALATED, 2),
        (EventKind.DEADLINE_ESCALATED, 3),
    ]
    assert told("sla_reminder") == ids(mol.intake, mol.supervisor)
    deadline = Deadline.objects.get(case=case, kind=DeadlineKind.ACKNOWLEDGE)
    assert (deadline.level_reached, deadline.next_check_at) == (3, None)


def test_a_sweep_run_late_sends_each_level_once(clock, mol):
    case = new_case(clock)

    assert escalation.sweep(now=at(2026, 3, 11, 9)) == 1
    assert escalation.sweep(now=at(2026, 3, 11, 9)) == 0
    assert escalation.sweep(now=at(2026, 3, 12, 9)) == 0

    assert told("sla_reminder") == ids(mol.intake, mol.supervisor)
    assert told("sla_supervisor") == [mol.supervisor.pk]
    assert told("sla_cceo") == [mol.cceo.pk]
    assert deadline_events(case) == [
        (EventKind.DEADLINE_REMINDER, 1),
        (EventKind.DEADLINE_ESCALATED, 2),
        (EventKind.DEADLINE_ESCALATED, 3),
    ]


def test_a_deadline_paused_for_the_citizen_is_never_swept(clock, mol):
    case = new_case(clock)
    services.accept_case(case, mol.supervisor)
    clock.now = at(2026, 3, 9, 11)
    services.request_information(case, mol.supervisor, "ขอสำเนาสัญญาจ้าง")

    escalation.sweep(now=at(2026, 6, 1, 9))

    # Only the wait for the citizen's answer has its points (see test_hanging.py).
    assert sla_rows() == 0
    assert {
        e.payload["deadline_kind"]
        for e in CaseEvent.objects.filter(
            case=case, kind__in=[EventKind.DEADLINE_REMINDER, EventKind.DEADLINE_ESCALATED]
        )
    } == {DeadlineKind.CITIZEN_ANSWER}
    assert Deadline.objects.get(case=case, kind=DeadlineKind.RESOLVE).level_reached == 0


def test_a_met_deadline_is_never_swept(clock, mol):
    case = new_case(clock)
    clock.now = at(2026, 3, 9, 10)
    services.accept_case(case, mol.supervisor)

    assert escalation.sweep(now=at(2026, 3, 11, 9)) == 0

    assert sla_rows() == 0
    assert deadline_events() == []


def test_a_case_resumed_after_a_wait_is_reminded_at_its_shifted_point(clock, mol):
    case = new_case(clock)
    services.accept_case(case, mol.supervisor)
    clock.now = at(2026, 3, 9, 11)
    services.request_information(case, mol.supervisor, "ขอสำเนาสัญญาจ้าง")
    clock.now = at(2026, 3, 11, 11)  # 16 business hours later
    services.receive_information(case, mol.supervisor, "ส่งเอกสารแล้ว")

    # Without the wait the reminder would have come on 24 March at 11:00.
    assert escalation.sweep(now=at(2026, 3, 26, 10, 59)) == 0
    assert escalation.sweep(now=at(2026, 3, 26, 11)) == 1

    assert told("sla_reminder") == ids(mol.intake, mol.supervisor)
    [event] = CaseEvent.objects.filter(case=case, kind=EventKind.DEADLINE_REMINDER)
    assert event.payload["deadline_kind"] == DeadlineKind.RESOLVE


def referred(clock, mol, category="unpaid-wages") -> Referral:
    """A case accepted on Monday 09:00 and referred to MOPH at 10:00: the answer is due on
    Wednesday 10:00, the reminder comes on Tuesday 14:00 and the CCEO hears on Thursday
    10:00."""
    case = new_case(clock, category=category)
    lead = case.lead_agency.code
    boss = mol.supervisor if lead == "MOL" else staff(lead, Role.SUPERVISOR)
    services.accept_case(case, boss)
    clock.now = at(2026, 3, 9, 10)
    [referral] = services.refer_case(case, boss, {agency("MOPH"): "ขอให้ตรวจสุขภาพ"})
    return referral


def test_the_receiving_agency_is_reminded_of_a_referral_to_answer(clock, mol, moph):
    referral = referred(clock, mol)

    assert escalation.sweep(now=at(2026, 3, 10, 14)) == 1
    assert told("sla_reminder") == ids(moph.intake, moph.supervisor)

    assert escalation.sweep(now=at(2026, 3, 11, 10)) == 1
    assert told("sla_supervisor") == [moph.supervisor.pk]

    assert escalation.sweep(now=at(2026, 3, 12, 10)) == 1
    assert told("sla_cceo") == [moph.cceo.pk]

    events = CaseEvent.objects.filter(
        kind__in=[EventKind.DEADLINE_REMINDER, EventKind.DEADLINE_ESCALATED]
    )
    assert {(e.referral_id, e.actor_agency_id) for e in events} == {
        (referral.pk, agency("MOPH").pk)
    }
    assert events.count() == 3
    mol_people = [mol.intake, mol.supervisor, mol.cceo, mol.officer]
    assert not Notification.objects.filter(kind__startswith="sla_", user__in=mol_people).exists()


def test_an_answered_referral_is_not_swept(clock, mol, moph):
    referral = referred(clock, mol)
    clock.now = at(2026, 3, 10, 9)
    services.accept_referral(referral, moph.supervisor)

    assert escalation.sweep(now=at(2026, 3, 12, 10)) == 0
    assert sla_rows() == 0


def test_a_restricted_case_is_not_announced_to_intake_officers(clock):
    msdhs = team("MSDHS")
    staff_with_email = staff("MSDHS", Role.INTAKE_OFFICER)
    case = new_case(clock, category="domestic-violence")
    assert case.is_restricted

    escalation.sweep(now=at(2026, 3, 11, 9))

    assert told("sla_reminder") == [msdhs.supervisor.pk]
    assert told("sla_reminder", EMAIL) == [msdhs.supervisor.pk]
    assert told("sla_supervisor") == [msdhs.supervisor.pk]
    assert told("sla_cceo") == [msdhs.cceo.pk]
    intake = [msdhs.intake, staff_with_email]
    assert not Notification.objects.filter(user__in=intake, kind__startswith="sla_").exists()


def test_a_referral_of_a_restricted_case_is_not_announced_to_intake_officers(clock, mol, moph):
    referral = referred(clock, mol, category="domestic-violence")
    assert referral.case.is_restricted

    escalation.sweep(now=at(2026, 3, 10, 14))

    assert told("sla_reminder") == [moph.supervisor.pk]
    assert not Notification.objects.filter(user=moph.intake, kind__startswith="sla_").exists()


def test_a_sweep_takes_every_due_deadline_however_many_batches(clock, mol):
    cases = [new_case(clock) for _ in range(5)]

    assert escalation.sweep(now=REMINDER, batch=2) == 5

    assert Notification.objects.filter(kind="sla_reminder", channel=PORTAL).count() == 5 * 2
    assert {c.pk for c in cases} == set(
        CaseEvent.objects.filter(kind=EventKind.DEADLINE_REMINDER).values_list("case", flat=True)
    )


# The queries of one sweep: the due deadlines and the levels saved (with the savepoints
# around), the deadlines left untold; then the telling: the deadlines with their cases, the
# people, their preferences, the levels told, the events and the notifications written,
# and the savepoints around.
SWEEP_QUERIES = 13
# The sweep alone, when the workers tell (the periodic task): the first three of the above.
CLAIM_QUERIES = 5


@pytest.mark.parametrize("due", [3, 30])
def test_the_cost_of_a_sweep_does_not_grow_with_the_deadlines_due(
    clock, mol, due, django_assert_max_num_queries
):
    for _ in range(due):
        new_case(clock)

    with django_assert_max_num_queries(SWEEP_QUERIES):
        assert escalation.sweep(now=REMINDER) == due

    assert Notification.objects.filter(kind="sla_reminder", channel=PORTAL).count() == due * 2


@pytest.mark.parametrize("due", [3, 30])
def test_the_periodic_sweep_only_records_the_levels_whatever_is_due(
    clock, mol, due, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    for _ in range(due):
        new_case(clock)

    with (
        django_assert_max_num_queries(CLAIM_QUERIES),
        django_capture_on_commit_callbacks() as handed,
    ):
        assert escalation.sweep(now=REMINDER, tell_later=True) == due

    assert len(handed) == 1  # the chunks' publishing, once the levels are saved
    acknowledging = Deadline.objects.filter(kind=DeadlineKind.ACKNOWLEDGE)
    assert set(acknowledging.values_list("level_reached", "level_told")) == {(1, 0)}
    assert sla_rows() == 0
    assert deadline_events() == []


# --- The workers tell -------------------------------------------------------------------------


@pytest.fixture
def tasks_run_here():
    """Celery runs each task in this process when it is sent (its documented test mode),
    and the names of the tasks that ran are listed."""
    from celery.signals import task_success

    from portal.celery import app

    ran = []

    def succeeded(sender=None, **_kwargs):
        ran.append(sender.name.rsplit(".", 1)[-1])

    task_success.connect(succeeded, weak=False)
    app.conf.task_always_eager = True
    yield ran
    app.conf.task_always_eager = False
    task_success.disconnect(succeeded)


def test_the_periodic_sweep_hands_the_telling_to_the_workers_in_chunks(
    clock, mol, monkeypatch, tasks_run_here, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(escalation, "TELL_CHUNK", 2)
    cases = [new_case(clock) for _ in range(5)]

    clock.now = REMINDER  # the task's time
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sweep_deadlines.delay().get() == 5

    assert tasks_run_here.count("tell_deadlines") == 3  # 2 + 2 + 1 deadlines
    assert told("sla_reminder") == sorted(ids(mol.intake, mol.supervisor) * 5)
    reminded = CaseEvent.objects.filter(kind=EventKind.DEADLINE_REMINDER)
    assert sorted(reminded.values_list("case", flat=True)) == sorted(c.pk for c in cases)
    acknowledging = Deadline.objects.filter(kind=DeadlineKind.ACKNOWLEDGE)
    assert set(acknowledging.values_list("level_reached", "level_told")) == {(1, 1)}


def test_the_workers_tell_what_the_sweep_recorded_as_the_sweep_would(clock, mol):
    case = new_case(clock)
    escalation.sweep(now=REMINDER, tell_later=True)
    [deadline] = Deadline.objects.filter(case=case, level_reached=1)

    clock.now = REMINDER + timedelta(minutes=2)
    assert escalation.tell([deadline.pk]) == 1
    assert escalation.tell([deadline.pk]) == 0  # told: a second task sends nothing

    assert told("sla_reminder") == ids(mol.intake, mol.supervisor)
    [event] = CaseEvent.objects.filter(case=case, kind=EventKind.DEADLINE_REMINDER)
    # The line is dated when the point was found passed, not when the worker wrote it.
    assert (event.created_at, event.payload["told"]) == (REMINDER, 2)


def test_levels_reached_twice_before_the_workers_came_are_each_told(clock, mol):
    case = new_case(clock)
    escalation.sweep(now=REMINDER, tell_later=True)  # its task lost
    escalation.sweep(now=DUE, tell_later=True)  # and this one's not run yet
    [deadline] = Deadline.objects.filter(case=case, level_reached=2)

    assert escalation.tell([deadline.pk]) == 1

    assert deadline_events(case) == [
        (EventKind.DEADLINE_REMINDER, 1),
        (EventKind.DEADLINE_ESCALATED, 2),
    ]
    assert told("sla_reminder") == ids(mol.intake, mol.supervisor)
    assert told("sla_supervisor") == ids(mol.supervisor)


def test_a_step_done_before_the_workers_came_is_not_told(clock, mol):
    case = new_case(clock)
    escalation.sweep(now=REMINDER, tell_later=True)
    clock.now = REMINDER + timedelta(minutes=1)
    services.accept_case(case, mol.supervisor)  # acknowledged: the deadline is met
    [deadline] = Deadline.objects.filter(case=case, kind=DeadlineKind.ACKNOWLEDGE)

    assert escalation.tell([deadline.pk]) == 1

    assert sla_rows() == 0
    assert deadline_events(case) == []
    assert escalation.untold(DUE + timedelta(days=1)) == []  # and never handed again
    assert Deadline.objects.get(pk=deadline.pk).level_reached == 1


def test_a_deadline_paused_before_the_workers_came_is_told_when_its_clock_runs_again(clock, mol):
    case = new_case(clock)
    clock.now = MONDAY + timedelta(hours=1)
    services.accept_case(case, mol.supervisor)
    resolving = Deadline.objects.get(case=case, kind=DeadlineKind.RESOLVE)
    point = resolving.reminder_at
    escalation.sweep(now=point, tell_later=True)
    clock.now = point + timedelta(minutes=1)
    services.request_information(fresh(case), mol.supervisor, "ขอสำเนาสัญญาจ้าง")

    assert escalation.tell([resolving.pk]) == 0  # waiting for the citizen: not yet
    assert sla_rows() == 0
    assert escalation.untold(point + timedelta(days=3)) == []  # nor handed while it waits

    clock.now = point + timedelta(hours=2)
    services.receive_information(fresh(case), mol.supervisor, "ส่งสำเนาทางอีเมลแล้ว")
    escalation.sweep(now=clock.now)  # past the grace: handed again, and told

    [event] = CaseEvent.objects.filter(case=case, kind=EventKind.DEADLINE_REMINDER)
    assert (event.payload["deadline_kind"], event.created_at) == (DeadlineKind.RESOLVE, point)
    assert Notification.objects.filter(kind="sla_reminder", case=case).exists()


def test_a_deadline_read_before_the_workers_told_it_keeps_its_level_told(clock, mol):
    case = new_case(clock)
    escalation.sweep(now=REMINDER, tell_later=True)
    read_before = Deadline.objects.get(case=case, kind=DeadlineKind.ACKNOWLEDGE)
    escalation.tell([read_before.pk])

    # A request that read the row before the telling saves its new points afterwards.
    deadlines._recompute(read_before, deadlines.policy_for(case), current_calendar())

    assert Deadline.objects.get(pk=read_before.pk).level_told == 1
    assert escalation.untold(DUE + timedelta(days=1)) == []


def test_a_lost_task_is_handed_again_by_a_sweep_after_the_grace(clock, mol):
    case = new_case(clock)
    escalation.sweep(now=REMINDER, tell_later=True)  # its task never ran

    soon = REMINDER + escalation.UNTOLD_GRACE - timedelta(seconds=1)
    assert escalation.untold(soon - escalation.UNTOLD_GRACE) == []
    escalation.sweep(now=soon)
    assert sla_rows() == 0  # perhaps still in a worker's queue: not handed twice

    assert escalation.sweep(now=REMINDER + escalation.UNTOLD_GRACE + timedelta(seconds=1)) == 0
    assert told("sla_reminder") == ids(mol.intake, mol.supervisor)
    assert deadline_events(case) == [(EventKind.DEADLINE_REMINDER, 1)]
    assert escalation.untold(DUE) == []


# --- Two sweeps at once ------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_racing_send_each_reminder_once(reference_data, clock):
    people = team("MOL")
    # Without addresses nothing waits for the mail worker: the race is the sweep's alone.
    without_email(people.supervisor, people.cceo, people.officer)
    cases = [new_case(clock) for _ in range(12)]

    outcomes = at_once(
        lambda: escalation.sweep(now=REMINDER, batch=5),
        lambda: escalation.sweep(now=REMINDER, batch=5),
    )

    assert_reminded_once(outcomes, cases)
    assert set(
        Deadline.objects.filter(kind=DeadlineKind.ACKNOWLEDGE).values_list("level_reached")
    ) == {(1,)}


def assert_reminded_once(outcomes: list, cases: list) -> None:
    """Racers that each returned how many deadlines it took: every case's reminder
    taken by one of them, its line written and its two people told once."""
    assert all(isinstance(outcome, int) for outcome in outcomes), outcomes
    assert sum(outcomes) == len(cases)
    reminders = CaseEvent.objects.filter(kind=EventKind.DEADLINE_REMINDER)
    assert sorted(reminders.values_list("case", flat=True)) == sorted(c.pk for c in cases)
    assert Notification.objects.filter(kind="sla_reminder").count() == len(cases) * 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_given_the_same_deadlines_tell_each_level_once(reference_data, clock):
    people = team("MOL")
    without_email(people.supervisor, people.cceo, people.officer)
    cases = [new_case(clock) for _ in range(6)]
    escalation.sweep(now=REMINDER, tell_later=True)
    reached = list(Deadline.objects.filter(level_reached=1).values_list("pk", flat=True))

    outcomes = at_once(lambda: escalation.tell(reached), lambda: escalation.tell(reached))

    assert_reminded_once(outcomes, cases)


# --- The morning digest ------------------------------------------------------------------------


@pytest.fixture
def morning(clock, mol, moph):
    """On Wednesday 11 March at 08:00, MOL has two new cases, one of them overdue (since
    Tuesday 09:00) and one due at 10:00, and a case in progress due on 30 March; MOPH has
    one referral to answer."""
    new_case(clock)  # acknowledge due Tuesday 09:00: overdue
    worked = new_case(clock)
    services.accept_case(worked, mol.supervisor)
    clock.now = at(2026, 3, 9, 10)
    services.refer_case(worked, mol.supervisor, {agency("MOPH"): "ขอให้ตรวจสุขภาพ"})
    new_case(clock, at(2026, 3, 10, 10))  # due Wednesday 10:00: due soon
    clock.now = at(2026, 3, 11, 8)
    return at(2026, 3, 11, 8)


def digests(**filters):
    return Notification.objects.filter(kind="daily_digest", **filters)


def test_the_digest_tells_each_agencys_managers_its_figures_by_email(morning, mol, moph):
    escalation.send_daily_digest(now=morning)

    assert sorted(digests().values_list("user_id", flat=True)) == ids(
        mol.supervisor, mol.cceo, moph.supervisor, moph.cceo
    )
    assert set(digests().values_list("channel", flat=True)) == {EMAIL}
    figures = {
        row.user_id: {
            k: row.context[k] for k in ("new", "overdue", "due_soon", "referrals_pending")
        }
        for row in digests()
    }
    mol_figures = {"new": 2, "overdue": 1, "due_soon": 1, "referrals_pending": 0}
    moph_figures = {"new": 0, "overdue": 0, "due_soon": 0, "referrals_pending": 1}
    assert figures == {
        mol.supervisor.pk: mol_figures,
        mol.cceo.pk: mol_figures,
        moph.supervisor.pk: moph_figures,
        moph.cceo.pk: moph_figures,
    }
    assert {row.recipient for row in digests(user=mol.cceo)} == {mol.cceo.email}
    assert {row.agency for row in digests(user=mol.cceo)} == {agency("MOL")}


def test_the_digest_is_sent_once_a_day(morning, mol, moph):
    escalation.send_daily_digest(now=morning)
    rows = digests().count()

    escalation.send_daily_digest(now=morning + timedelta(hours=4))

    assert digests().count() == rows == 4
    escalation.send_daily_digest(now=at(2026, 3, 12, 8))
    assert digests().count() == 8


def test_the_digest_counts_only_the_people_it_wrote_to(morning, mol, moph):
    assert escalation.send_daily_digest(now=morning) == 4
    assert escalation.send_daily_digest(now=morning + timedelta(hours=4)) == 0


def test_the_digest_email_reads_the_figures_in_the_managers_language(morning, mol, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    inbox.save_preferences(mol.cceo, "en", set(STAFF_KINDS))
    escalation.send_daily_digest(now=morning)

    assert notifications.deliver(digests().get(user=mol.cceo).pk) is True

    [email] = mail.outbox
    assert email.to == [mol.cceo.email]
    assert "Ministry of Labour" in email.subject
    assert "New, waiting for triage: 2" in email.body
    assert "Due within a working day: 1" in email.body
    assert "Overdue: 1" in email.body
    assert "Referrals to answer: 0" in email.body


@pytest.mark.parametrize(
    "day",
    [
        pytest.param(at(2026, 3, 14, 8), id="saturday"),
        pytest.param(at(2026, 3, 15, 8), id="sunday"),
        pytest.param(at(2026, 4, 13, 8), id="songkran"),
        pytest.param(at(2026, 12, 31, 8), id="new year's eve"),
    ],
)
def test_no_digest_on_a_day_off(clock, mol, day):
    new_case(clock)

    assert escalation.send_daily_digest(now=day) == 0

    assert not digests().exists()


def test_no_digest_on_an_extra_day_off(clock, mol):
    new_case(clock)
    ExtraDayOff.objects.create(date=at(2026, 3, 11).date(), name_th="วันหยุดพิเศษ")
    forget_calendar()

    assert escalation.send_daily_digest(now=at(2026, 3, 11, 8)) == 0

    assert not digests().exists()


# --- Retention ---------------------------------------------------------------------------------


def closed_years_ago(clock, years: float, days: int) -> Case:
    case = new_case(clock)
    boss = staff("MOL", Role.SUPERVISOR)
    services.reject_case(case, boss, "ไม่อยู่ในขอบเขต โปรดติดต่อศาลแรงงาน")
    closed_at = MONDAY - timedelta(days=365 * years + days)
    Case.objects.filter(pk=case.pk).update(closed_at=closed_at)
    return fresh(case)


@pytest.mark.parametrize("years", [10, 2])
def test_personal_data_is_erased_after_the_retention_period(clock, settings, years):
    settings.RETENTION_YEARS = years
    expired = closed_years_ago(clock, years, days=1)
    kept = closed_years_ago(clock, years, days=-1)
    still_open = new_case(clock)
    Case.objects.filter(pk=still_open.pk).update(created_at=MONDAY - timedelta(days=4000))

    assert escalation.anonymise_expired(now=MONDAY) == 1

    expired = fresh(expired)
    assert expired.anonymised_at is not None
    assert (expired.citizen_name, expired.citizen_phone, expired.description) == ("", "", "")
    assert expired.status == CaseStatus.REJECTED
    for case in (kept, still_open):
        case = fresh(case)
        assert case.anonymised_at is None
        assert case.citizen_name == "สมชาย ใจดี"
    assert escalation.anonymise_expired(now=MONDAY) == 0
