"""The deadlines a case and its referrals run against, in Thai business time.

Working hours are 08:30-16:30, Monday to Friday, Asia/Bangkok, without Thai public and
government holidays and the extra days off an administrator adds. The default policy
(referrals/reference.py) gives a normal case one working day (8 hours) to be acknowledged,
two (16 hours) for a referral to be answered and fifteen (120 hours) to be resolved; an
urgent case a quarter of each. The reminder comes at 75 %, the supervisors hear at 100 %
and the CCEO at 150 %.

The services read the time from ``timezone.now()``: the ``clock`` fixture sets it. Every
expected time below is counted by hand; 2026-03-09 is a Monday in a week without holidays.
"""

from datetime import timedelta

import pytest

from agencies.models import Role
from agencies.permissions import CitizenAccess
from referrals import services
from referrals.business_time import forget_calendar
from referrals.models import (
    Case,
    CaseStatus,
    Category,
    Deadline,
    DeadlineKind,
    ExtraDayOff,
    Priority,
    Referral,
    SlaPolicy,
)
from tests.referrals.clock import MONDAY, at
from tests.referrals.factories import agency, fresh, staff, submit, transfer_accepted

pytestmark = pytest.mark.django_db

ACK = DeadlineKind.ACKNOWLEDGE
ANSWER = DeadlineKind.ANSWER_REFERRAL
RESOLVE = DeadlineKind.RESOLVE


@pytest.fixture
def boss(clock):
    return staff("MOL", Role.SUPERVISOR)


def new_case(clock, moment=MONDAY, **fields) -> Case:
    clock.now = moment
    case, _secret = submit(**fields)
    return fresh(case)


def accepted_case(clock, boss, moment=MONDAY, **fields) -> Case:
    case = new_case(clock, moment, **fields)
    services.accept_case(case, boss)
    return fresh(case)


def running(case, kind) -> Deadline:
    """The one open deadline of ``kind`` (a referral's: see ``referral_deadline``)."""
    return Deadline.objects.get(case=case, kind=kind, met_at__isnull=True)


def referral_deadline(referral, kind=DeadlineKind.ANSWER_REFERRAL) -> Deadline:
    return Deadline.objects.get(referral=referral, kind=kind)


def points(deadline) -> tuple:
    return (deadline.reminder_at, deadline.due_at, deadline.supervisor_at, deadline.cceo_at)


def refer(clock, case, boss, moment, to="MOPH") -> Referral:
    clock.now = moment
    [referral] = services.refer_case(case, boss, {agency(to): "ขอให้ตรวจสุขภาพ"})
    return fresh(referral)


# --- A new case --------------------------------------------------------------------------------


def test_a_new_normal_case_must_be_acknowledged_within_one_working_day(clock):
    case = new_case(clock)

    deadline = running(case, ACK)

    assert deadline.budget == timedelta(hours=8)
    assert deadline.started_at == MONDAY
    assert deadline.due_at == at(2026, 3, 10, 9)  # 7.5 hours on Monday, 0.5 on Tuesday
    assert deadline.reminder_at == at(2026, 3, 9, 15)  # 6 hours
    assert deadline.supervisor_at == at(2026, 3, 10, 9)  # 8 hours
    assert deadline.cceo_at == at(2026, 3, 10, 13)  # 12 hours
    assert deadline.next_check_at == deadline.reminder_at
    assert (deadline.level_reached, deadline.met_at) == (0, None)


def test_a_new_normal_case_must_be_resolved_within_fifteen_working_days(clock):
    case = new_case(clock)

    deadline = running(case, RESOLVE)

    assert deadline.budget == timedelta(hours=120)
    # Three calendar weeks: 15 working days from Monday 09:00 end on Monday 09:00.
    assert deadline.due_at == at(2026, 3, 30, 9)
    assert deadline.reminder_at == at(2026, 3, 24, 11)  # 90 hours
    assert Deadline.objects.filter(case=case).count() == 2


def test_the_case_shows_its_earliest_deadline_and_when_to_warn(clock):
    case = new_case(clock)

    assert case.due_at == running(case, ACK).due_at == at(2026, 3, 10, 9)
    assert case.due_warning_at == running(case, ACK).reminder_at == at(2026, 3, 9, 15)


def test_an_urgent_case_gets_a_quarter_of_the_time(clock):
    case = new_case(clock, priority=Priority.URGENT)

    acknowledge, resolve = running(case, ACK), running(case, RESOLVE)

    assert (acknowledge.budget, resolve.budget) == (timedelta(hours=2), timedelta(hours=30))
    assert acknowledge.due_at == at(2026, 3, 9, 11)
    assert acknowledge.reminder_at == at(2026, 3, 9, 10, 30)
    assert acknowledge.cceo_at == at(2026, 3, 9, 12)
    # 7.5 + 8 + 8 hours to Wednesday's closing, 6.5 more on Thursday.
    assert resolve.due_at == at(2026, 3, 12, 15)
    assert (case.due_at, case.due_warning_at) == (at(2026, 3, 9, 11), at(2026, 3, 9, 10, 30))


@pytest.mark.parametrize(
    ("submitted", "due"),
    [
        pytest.param(at(2026, 3, 13, 16), at(2026, 3, 16, 16), id="friday afternoon to monday"),
        pytest.param(at(2026, 3, 14, 10), at(2026, 3, 16, 16, 30), id="saturday: all of monday"),
        pytest.param(at(2026, 3, 9, 18), at(2026, 3, 10, 16, 30), id="after closing"),
        pytest.param(at(2026, 4, 10, 9), at(2026, 4, 16, 9), id="over songkran 13-15 april"),
        pytest.param(at(2026, 12, 30, 9), at(2027, 1, 4, 9), id="over the new year"),
        pytest.param(at(2026, 12, 4, 9), at(2026, 12, 8, 9), id="over king bhumibol's day"),
    ],
)
def test_the_acknowledge_deadline_skips_nights_weekends_and_holidays(clock, submitted, due):
    case = new_case(clock, submitted)

    assert running(case, ACK).due_at == due
    assert case.due_at == due


def test_an_urgent_case_received_before_songkran_is_resolved_after_it(clock):
    # Friday 10 April: 7.5 hours; 13-15 April off; 16 and 17 April: 16 hours; Monday 20
    # April: the 6.5 hours left.
    case = new_case(clock, at(2026, 4, 10, 9), priority=Priority.URGENT)

    assert running(case, RESOLVE).due_at == at(2026, 4, 20, 15)


def test_an_extra_day_off_added_by_an_administrator_is_skipped(clock):
    ExtraDayOff.objects.create(date=at(2026, 3, 10).date(), name_th="วันหยุดพิเศษ")
    forget_calendar()

    case = new_case(clock)

    assert running(case, ACK).due_at == at(2026, 3, 11, 9)
    assert running(case, RESOLVE).due_at == at(2026, 3, 31, 9)
    assert case.due_at == at(2026, 3, 11, 9)


# --- Triage ------------------------------------------------------------------------------------


def test_accepting_meets_the_acknowledge_deadline_and_the_case_shows_the_resolve_one(clock, boss):
    case = new_case(clock)
    acknowledge = running(case, ACK)
    clock.now = at(2026, 3, 9, 10)

    services.accept_case(case, boss)

    acknowledge = Deadline.objects.get(pk=acknowledge.pk)
    assert acknowledge.met_at == at(2026, 3, 9, 10)
    assert acknowledge.next_check_at is None
    assert not Deadline.objects.filter(case=case, kind=ACK, met_at__isnull=True).exists()
    case = fresh(case)
    assert case.due_at == running(case, RESOLVE).due_at == at(2026, 3, 30, 9)
    assert case.due_warning_at == at(2026, 3, 24, 11)


def test_assigning_an_officer_leaves_the_deadlines_as_they_were(clock, boss):
    case = new_case(clock)
    before = list(Deadline.objects.filter(case=case).values())
    clock.now = at(2026, 3, 9, 10)

    services.assign_case(case, boss, staff("MOL", Role.CASE_OFFICER))

    assert list(Deadline.objects.filter(case=case).values()) == before
    assert fresh(case).due_at == at(2026, 3, 10, 9)


def test_a_more_urgent_priority_recomputes_the_open_deadlines(clock, boss):
    case = new_case(clock)
    clock.now = at(2026, 3, 9, 9, 30)

    services.classify_case(case, boss, case.category, Priority.URGENT)

    acknowledge, resolve = running(case, ACK), running(case, RESOLVE)
    assert (acknowledge.budget, resolve.budget) == (timedelta(hours=2), timedelta(hours=30))
    # Counted from the case's arrival, not from the reclassification.
    assert acknowledge.due_at == at(2026, 3, 9, 11)
    assert acknowledge.next_check_at == acknowledge.reminder_at == at(2026, 3, 9, 10, 30)
    assert resolve.due_at == at(2026, 3, 12, 15)
    assert Deadline.objects.filter(case=case).count() == 2
    case = fresh(case)
    assert (case.due_at, case.due_warning_at) == (at(2026, 3, 9, 11), at(2026, 3, 9, 10, 30))


def test_a_lower_priority_gives_back_the_normal_time(clock, boss):
    case = new_case(clock, priority=Priority.URGENT)
    clock.now = at(2026, 3, 9, 10)

    services.classify_case(case, boss, case.category, Priority.NORMAL)

    assert running(case, ACK).due_at == at(2026, 3, 10, 9)
    assert running(case, RESOLVE).due_at == at(2026, 3, 30, 9)
    assert fresh(case).due_at == at(2026, 3, 10, 9)


def test_a_category_with_its_own_policy_sets_the_deadlines_of_a_reclassified_case(clock, boss):
    finding_work = Category.objects.get(code="finding-work")  # led by MOL too
    SlaPolicy.objects.create(
        category=finding_work,
        priority=Priority.NORMAL,
        acknowledge=timedelta(hours=4),
        answer_referral=timedelta(hours=8),
        resolve=timedelta(hours=40),
        complete_referral=timedelta(hours=40),
        reminder_percent=50,
        supervisor_percent=100,
        cceo_percent=200,
    )
    case = accepted_case(clock, boss)
    referral = refer(clock, case, boss, at(2026, 3, 9, 10))
    clock.now = at(2026, 3, 10, 9)

    services.classify_case(case, boss, finding_work, Priority.NORMAL)

    resolve = running(case, RESOLVE)
    assert resolve.budget == timedelta(hours=40)
    assert resolve.due_at == at(2026, 3, 16, 9)  # five working days from Monday 09:00
    assert resolve.reminder_at == at(2026, 3, 11, 13)  # 50 %: 20 hours
    assert resolve.cceo_at == at(2026, 3, 23, 9)  # 200 %: 80 hours, ten working days
    answer = referral_deadline(referral)
    assert answer.budget == timedelta(hours=8)
    assert answer.due_at == at(2026, 3, 10, 10)  # 8 hours from the referral
    case = fresh(case)
    assert (case.due_at, case.due_warning_at) == (at(2026, 3, 16, 9), at(2026, 3, 11, 13))
    assert fresh(referral).due_at == at(2026, 3, 10, 10)


def test_a_new_case_in_a_category_with_its_own_policy_gets_its_times(clock):
    SlaPolicy.objects.create(
        category=Category.objects.get(code="unpaid-wages"),
        priority=Priority.NORMAL,
        acknowledge=timedelta(hours=4),
        answer_referral=timedelta(hours=8),
        resolve=timedelta(hours=40),
        complete_referral=timedelta(hours=40),
    )

    case = new_case(clock)

    assert running(case, ACK).due_at == at(2026, 3, 9, 13)
    assert running(case, RESOLVE).due_at == at(2026, 3, 16, 9)
    # The other categories keep the default policy.
    other = new_case(clock, category="finding-work")
    assert running(other, ACK).due_at == at(2026, 3, 10, 9)


# --- Waiting for the citizen -------------------------------------------------------------------


def asked_on_monday(clock, boss) -> Case:
    """Accepted Monday 09:00, the citizen asked at 11:00: two hours of resolve time used."""
    case = accepted_case(clock, boss)
    clock.now = at(2026, 3, 9, 11)
    services.request_information(case, boss, "ขอสำเนาสัญญาจ้าง")
    return fresh(case)


def test_asking_the_citizen_pauses_the_resolve_deadline(clock, boss):
    case = asked_on_monday(clock, boss)

    resolve = running(case, RESOLVE)
    assert resolve.is_paused
    assert resolve.used == timedelta(hours=2)
    assert points(resolve) == (None, None, None, None)
    assert resolve.next_check_at is None
    # What the lead agency waits for now is the citizen's answer (see test_hanging.py).
    answer = running(case, DeadlineKind.CITIZEN_ANSWER)
    assert (case.due_at, case.due_warning_at) == (answer.due_at, answer.reminder_at)


def answer_by_citizen(case, boss):
    services.add_information(case, CitizenAccess(case.pk), "แนบสัญญาจ้างแล้ว")


def answer_by_phone(case, boss):
    services.receive_information(case, boss, "ผู้ร้องแจ้งทางโทรศัพท์ว่าส่งเอกสารแล้ว")


@pytest.mark.parametrize("answer", [answer_by_citizen, answer_by_phone])
def test_the_answer_resumes_the_deadline_later_by_the_business_time_it_waited(clock, boss, answer):
    case = asked_on_monday(clock, boss)
    clock.now = at(2026, 3, 11, 11)  # Wednesday: 16 business hours later

    answer(case, boss)

    resolve = running(case, RESOLVE)
    assert not resolve.is_paused
    assert resolve.counting_since == at(2026, 3, 11, 11)
    assert resolve.due_at == at(2026, 4, 1, 9)  # 30 March 09:00 plus 16 business hours
    assert resolve.reminder_at == at(2026, 3, 26, 11)  # 24 March 11:00 plus 16 hours
    assert resolve.next_check_at == resolve.reminder_at
    case = fresh(case)
    assert case.status == CaseStatus.IN_PROGRESS
    assert (case.due_at, case.due_warning_at) == (at(2026, 4, 1, 9), at(2026, 3, 26, 11))


def test_a_priority_changed_while_waiting_applies_when_the_clock_resumes(clock, boss):
    case = asked_on_monday(clock, boss)  # two hours of resolve time used
    clock.now = at(2026, 3, 9, 12)
    services.classify_case(case, boss, case.category, Priority.URGENT)
    assert running(case, RESOLVE).is_paused
    assert fresh(case).due_at == running(case, DeadlineKind.CITIZEN_ANSWER).due_at
    clock.now = at(2026, 3, 9, 13)

    answer_by_citizen(case, boss)

    resolve = running(case, RESOLVE)
    assert resolve.budget == timedelta(hours=30)
    # 28 hours left from Monday 13:00: 3.5 + 8 + 8 + 8, then 0.5 on Friday.
    assert resolve.due_at == at(2026, 3, 13, 9)
    assert fresh(case).due_at == at(2026, 3, 13, 9)


def test_a_wait_over_a_weekend_outside_working_hours_moves_nothing(clock, boss):
    case = accepted_case(clock, boss)
    clock.now = at(2026, 3, 13, 16, 30)  # Friday, closing time
    services.request_information(case, boss, "ขอสำเนาสัญญาจ้าง")
    clock.now = at(2026, 3, 16, 8)  # Monday, before opening

    answer_by_citizen(case, boss)

    assert running(case, RESOLVE).due_at == at(2026, 3, 30, 9)
    assert fresh(case).due_at == at(2026, 3, 30, 9)


def test_two_waits_add_up(clock, boss):
    case = asked_on_monday(clock, boss)
    clock.now = at(2026, 3, 9, 13)  # two hours waited
    answer_by_citizen(case, boss)
    clock.now = at(2026, 3, 9, 14)
    services.request_information(case, boss, "ขอสลิปเงินเดือนด้วย")
    clock.now = at(2026, 3, 9, 16)  # two more

    answer_by_citizen(case, boss)

    resolve = running(case, RESOLVE)
    assert resolve.used == timedelta(hours=3)
    assert resolve.due_at == at(2026, 3, 30, 13)


def test_a_wait_over_songkran_counts_only_its_working_hours(clock, boss):
    # Unpaused, 120 hours from Thursday 9 April 09:00 end on Thursday 7 May 09:00: Songkran
    # (13-15 April), Labour Day (1 May) and Coronation Day (4 May) are off.
    case = accepted_case(clock, boss, at(2026, 4, 9, 9))
    assert running(case, RESOLVE).due_at == at(2026, 5, 7, 9)
    clock.now = at(2026, 4, 10, 16)  # Friday: 15 hours used
    services.request_information(case, boss, "ขอสำเนาสัญญาจ้าง")
    clock.now = at(2026, 4, 16, 9, 30)  # 0.5 hour on Friday, 1 on Thursday after Songkran

    answer_by_citizen(case, boss)

    resolve = running(case, RESOLVE)
    assert resolve.used == timedelta(hours=15)
    assert resolve.due_at == at(2026, 5, 7, 10, 30)
    assert fresh(case).due_at == at(2026, 5, 7, 10, 30)


# --- Referrals ---------------------------------------------------------------------------------


def test_a_referral_must_be_answered_within_two_working_days(clock, boss):
    case = accepted_case(clock, boss)

    referral = refer(clock, case, boss, at(2026, 3, 9, 10))

    deadline = referral_deadline(referral)
    assert (deadline.kind, deadline.case_id) == (ANSWER, case.pk)
    assert deadline.budget == timedelta(hours=16)
    assert deadline.due_at == at(2026, 3, 11, 10)  # 6.5 + 8 + 1.5 hours
    assert deadline.reminder_at == at(2026, 3, 10, 14)  # 12 hours
    assert (referral.due_at, referral.due_warning_at) == (deadline.due_at, deadline.reminder_at)
    # The case's own time is still the one to resolve it.
    assert fresh(case).due_at == at(2026, 3, 30, 9)


def test_each_agency_referred_at_once_gets_its_own_deadline(clock, boss):
    case = accepted_case(clock, boss)
    clock.now = at(2026, 3, 9, 10)

    referrals = services.refer_case(
        case, boss, dict.fromkeys([agency("MOPH"), agency("MOI")], "ช่วยกันดูแล")
    )

    deadlines = [referral_deadline(r) for r in referrals]
    assert len({d.pk for d in deadlines}) == 2
    assert {d.due_at for d in deadlines} == {at(2026, 3, 11, 10)}
    assert {fresh(r).due_at for r in referrals} == {at(2026, 3, 11, 10)}


def accept(referral, helper, boss):
    services.accept_referral(referral, helper)


def decline(referral, helper, boss):
    services.decline_referral(referral, helper, "ไม่มีบริการนี้ในพื้นที่")


def cancel(referral, helper, boss):
    services.cancel_referral(referral, boss, "ไม่ต้องการแล้ว")


@pytest.mark.parametrize("answer", [accept, decline, cancel])
def test_answering_or_cancelling_a_referral_meets_its_deadline(clock, boss, answer):
    case = accepted_case(clock, boss)
    referral = refer(clock, case, boss, at(2026, 3, 9, 10))
    helper = staff("MOPH", Role.SUPERVISOR)
    clock.now = at(2026, 3, 10, 11)

    answer(referral, helper, boss)

    deadline = referral_deadline(referral)
    assert deadline.met_at == at(2026, 3, 10, 11)
    assert deadline.next_check_at is None
    referral = fresh(referral)
    # Once accepted, the referral shows its time to complete instead (see test_hanging.py).
    completing = Deadline.objects.filter(referral=referral, kind=DeadlineKind.COMPLETE_REFERRAL)
    due = (
        (completing.get().due_at, completing.get().reminder_at)
        if answer is accept
        else (None, None)
    )
    assert (referral.due_at, referral.due_warning_at) == due
    assert running(case, RESOLVE).due_at == at(2026, 3, 30, 9)


# --- Transfer, ending and reopening ------------------------------------------------------------


def test_a_transfer_gives_the_new_lead_its_own_day_to_acknowledge(clock, boss):
    case = new_case(clock)
    first = running(case, ACK)
    resolve = running(case, RESOLVE)
    clock.now = at(2026, 3, 9, 15)

    transfer_accepted(case, boss, "MOPH", "เป็นเรื่องสุขภาพ")

    assert Deadline.objects.get(pk=first.pk).met_at == at(2026, 3, 9, 15)
    second = running(case, ACK)
    assert second.pk != first.pk
    assert second.started_at == at(2026, 3, 9, 15)
    assert second.due_at == at(2026, 3, 10, 15)
    assert second.level_reached == 0
    assert running(case, RESOLVE).pk == resolve.pk
    assert running(case, RESOLVE).due_at == at(2026, 3, 30, 9)
    assert fresh(case).due_at == at(2026, 3, 10, 15)


def test_a_transfer_of_a_case_in_progress_asks_the_new_lead_to_acknowledge_it(clock, boss):
    case = accepted_case(clock, boss)
    clock.now = at(2026, 3, 10, 9)

    transfer_accepted(case, boss, "MOPH", "เป็นเรื่องสุขภาพ")

    assert running(case, ACK).due_at == at(2026, 3, 11, 9)
    assert Deadline.objects.filter(case=case, kind=ACK).count() == 2
    assert fresh(case).due_at == at(2026, 3, 11, 9)


def resolve_over_referral(case, boss):
    services.resolve_case(case, boss, "ได้รับค่าจ้างแล้ว", override_reason="เรื่องจบแล้ว")


def reject(case, boss):
    services.reject_case(case, boss, "ไม่อยู่ในขอบเขต")


def withdraw(case, boss):
    services.withdraw_case(case, CitizenAccess(case.pk), "ตกลงกันได้แล้ว")


def mark_duplicate(case, boss):
    original, _secret = submit()
    services.mark_duplicate(case, boss, original)


@pytest.mark.parametrize(
    ("accepted", "end"),
    [
        pytest.param(True, resolve_over_referral, id="resolved"),
        pytest.param(False, reject, id="rejected"),
        pytest.param(True, withdraw, id="withdrawn"),
        pytest.param(False, withdraw, id="withdrawn while new"),
        pytest.param(False, mark_duplicate, id="duplicate"),
    ],
)
def test_a_case_that_ends_meets_every_open_deadline(clock, boss, accepted, end):
    case = accepted_case(clock, boss) if accepted else new_case(clock)
    referral = refer(clock, case, boss, at(2026, 3, 9, 10)) if accepted else None
    running_before = list(
        Deadline.objects.filter(case=case, met_at__isnull=True).values_list("pk", flat=True)
    )
    assert len(running_before) == 2  # acknowledge and resolve, or resolve and the referral's
    clock.now = at(2026, 3, 9, 14)

    end(case, boss)

    ended = Deadline.objects.filter(pk__in=running_before)
    assert {d.met_at for d in ended} == {at(2026, 3, 9, 14)}
    # A resolved case waits for the citizen's confirmation instead (see test_hanging.py).
    still = Deadline.objects.filter(case=case, met_at__isnull=True)
    assert [d.kind for d in still] == (
        [DeadlineKind.CONFIRMATION] if end is resolve_over_referral else []
    )
    assert (
        not still.exclude(kind=DeadlineKind.CONFIRMATION)
        .filter(next_check_at__isnull=False)
        .exists()
    )
    case = fresh(case)
    assert (case.due_at, case.due_warning_at) == (None, None)
    if referral is not None:
        assert fresh(referral).due_at is None


def reopen_by_supervisor(case, boss):
    services.reopen_case(case, boss, "นายจ้างยังจ่ายไม่ครบ")


def reopen_by_citizen(case, boss):
    services.ask_reopen(case, CitizenAccess(case.pk), "ยังได้เงินไม่ครบ")


@pytest.mark.parametrize("reopen", [reopen_by_supervisor, reopen_by_citizen])
def test_a_reopened_case_gets_a_new_resolve_deadline(clock, boss, reopen):
    case = accepted_case(clock, boss)
    first = running(case, RESOLVE)
    clock.now = at(2026, 3, 12, 9)
    services.resolve_case(case, boss, "ได้รับค่าจ้างแล้ว")
    clock.now = at(2026, 3, 16, 9)

    reopen(case, boss)

    first = Deadline.objects.get(pk=first.pk)
    assert first.met_at == at(2026, 3, 12, 9)
    second = running(case, RESOLVE)
    assert second.pk != first.pk
    assert second.started_at == at(2026, 3, 16, 9)
    assert second.used == timedelta(0)
    # 120 hours from Monday 16 March; Monday 6 April (Chakri Day) is off.
    assert second.due_at == at(2026, 4, 7, 9)
    assert fresh(case).due_at == at(2026, 4, 7, 9)
    assert not Deadline.objects.filter(case=case, kind=ACK, met_at__isnull=True).exists()


# --- The figures kept for the dashboards -------------------------------------------------------


def hours(seconds) -> float | None:
    return None if seconds is None else seconds / 3600


@pytest.mark.parametrize("reopen", [reopen_by_supervisor, reopen_by_citizen])
def test_a_reopened_case_is_no_longer_counted_as_resolved_until_it_is_again(clock, boss, reopen):
    case = new_case(clock)
    clock.now = at(2026, 3, 9, 10)
    services.accept_case(case, boss)
    clock.now = at(2026, 3, 12, 9)  # 7.5 + 8 + 8 + 0.5 hours from the arrival
    services.resolve_case(case, boss, "ได้รับค่าจ้างแล้ว")
    resolved = fresh(case)
    assert (hours(resolved.resolve_seconds), resolved.resolved_in_time) == (24, True)
    clock.now = at(2026, 3, 16, 9)

    reopen(case, boss)

    reopened = fresh(case)
    assert reopened.status == CaseStatus.IN_PROGRESS
    assert (reopened.resolve_seconds, reopened.resolved_in_time) == (None, None)
    assert hours(reopened.acknowledge_seconds) == 1  # it was acknowledged once, and stays so

    clock.now = at(2026, 3, 17, 9)
    services.resolve_case(reopened, boss, "ได้รับค่าจ้างครบแล้ว")

    # Its new deadline's time alone: one working day from the reopening.
    again = fresh(case)
    assert (hours(again.resolve_seconds), again.resolved_in_time) == (8, True)


def test_a_transfer_forgets_the_former_lead_s_time_to_acknowledge(clock, boss):
    case = new_case(clock)
    clock.now = at(2026, 3, 9, 10)
    services.accept_case(case, boss)
    assert hours(fresh(case).acknowledge_seconds) == 1
    clock.now = at(2026, 3, 10, 9)

    transfer_accepted(case, boss, "MOPH", "เป็นเรื่องสุขภาพ")

    transferred = fresh(case)
    assert (transferred.status, transferred.acknowledge_seconds) == (CaseStatus.NEW, None)

    clock.now = at(2026, 3, 10, 11, 30)
    services.accept_case(transferred, staff("MOPH", Role.SUPERVISOR))

    # The new lead's own time, from the transfer: 2.5 hours.
    assert hours(fresh(case).acknowledge_seconds) == 2.5
