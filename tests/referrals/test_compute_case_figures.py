"""``manage.py compute_case_figures``: the dashboards' business-time figures of the cases
and referrals that ended before the services kept them (``deadlines._keep_figures``).

The cases are worked through the real services on the frozen clock, which keep their
figures; the test then puts their rows back as the older code left them: no figures, and
a deadline met while its clock ran without the last stretch in its ``used``. The command
must find again what the services had kept. Business time is 08:30-16:30, Monday to
Friday, Asia/Bangkok; 2026-03-09 is a Monday in a week without holidays.
"""

from io import StringIO

import pytest
from django.core.management import call_command

from agencies.models import Role
from agencies.permissions import CitizenAccess
from referrals import services
from referrals.business_time import current_calendar
from referrals.models import Case, CaseEvent, Deadline, DeadlineKind, EventKind, Priority, Referral
from tests.referrals.clock import MONDAY, at
from tests.referrals.factories import agency, fresh, staff, submit, transfer_accepted

pytestmark = pytest.mark.django_db

HOUR = 3600
CASE_FIGURES = ("acknowledge_seconds", "resolve_seconds", "resolved_in_time")


def compute() -> str:
    out = StringIO()
    call_command("compute_case_figures", stdout=out)
    return out.getvalue().strip()


def figures(case: Case) -> tuple:
    return tuple(getattr(fresh(case), name) for name in CASE_FIGURES)


def as_before_the_figures_were_kept(*cases: Case) -> None:
    """The cases' figures and their referrals' empty, and each deadline met while its clock
    ran without the stretch that was running then (what the older code kept)."""
    calendar = current_calendar()
    resumed = {}  # the clock of a resolve deadline last started again when the citizen answered
    for case_id, moment in CaseEvent.objects.filter(
        case__in=cases, kind=EventKind.INFORMATION_RECEIVED
    ).values_list("case_id", "created_at"):
        resumed[case_id] = max(moment, resumed.get(case_id, moment))
    for deadline in Deadline.objects.filter(case__in=cases, met_at__isnull=False):
        deadline.counting_since = deadline.started_at
        if deadline.kind == DeadlineKind.RESOLVE and deadline.case_id in resumed:
            deadline.counting_since = resumed[deadline.case_id]
        deadline.used -= calendar.between(deadline.counting_since, deadline.met_at)
        deadline.save(update_fields=["used", "counting_since"])
    Case.objects.filter(pk__in=[case.pk for case in cases]).update(**dict.fromkeys(CASE_FIGURES))
    Referral.objects.filter(case__in=cases).update(answer_seconds=None)


@pytest.fixture
def mol(clock):
    return staff("MOL", Role.SUPERVISOR)


def submitted(clock, moment=MONDAY, **fields) -> Case:
    clock.now = moment
    case, _secret = submit(**fields)
    return case


def on(clock, moment, service, *args):
    clock.now = moment
    return service(*args)


def waited_for_the_citizen(clock, mol) -> Case:
    """Monday 09:00, acknowledged at 11:00 (2 h). The citizen is asked on Tuesday 10:00
    (7.5 + 1.5 = 9 h of resolve time), answers on Thursday 10:00, and the case is resolved
    on Friday 12:00 (6.5 + 3.5 = 10 h more): 19 h, within its 120."""
    case = submitted(clock)
    on(clock, at(2026, 3, 9, 11), services.accept_case, case, mol)
    on(clock, at(2026, 3, 10, 10), services.request_information, case, mol, "ขอสำเนาสัญญาจ้าง")
    on(clock, at(2026, 3, 12, 10), services.add_information, case, CitizenAccess(case.pk), "แนบ")
    on(clock, at(2026, 3, 13, 12), services.resolve_case, case, mol, "ได้รับค่าจ้างแล้ว")
    return case


def resolved_late_and_closed(clock, mol) -> Case:
    """Urgent (2 h to acknowledge, 30 h to resolve), Friday 3 April 16:00, over Chakri Day:
    acknowledged Tuesday 09:00 (1 h), resolved Friday 10 April at closing time (32.5 h),
    then closed."""
    case = submitted(clock, at(2026, 4, 3, 16), priority=Priority.URGENT)
    on(clock, at(2026, 4, 7, 9), services.accept_case, case, mol)
    on(clock, at(2026, 4, 10, 16, 30), services.resolve_case, case, mol, "ได้รับค่าจ้างแล้ว")
    on(clock, at(2026, 4, 13, 9), services.close_case, case, mol)
    return case


def transferred(clock, mol) -> Case:
    """Monday 09:00, transferred to MOPH at 10:00, which acknowledges it at 12:00 (2 h of its
    own) and resolves it on Tuesday 09:00 (7.5 + 0.5 = 8 h from the arrival)."""
    moph = staff("MOPH", Role.SUPERVISOR)
    case = submitted(clock)
    on(clock, at(2026, 3, 9, 10), transfer_accepted, case, mol, "MOPH", "สุขภาพ")
    on(clock, at(2026, 3, 9, 12), services.accept_case, case, moph)
    on(clock, at(2026, 3, 10, 9), services.resolve_case, case, moph, "ได้รับการรักษาแล้ว")
    return case


def test_the_figures_of_a_resolved_case_are_found_again_from_its_deadlines(clock, mol):
    cases = [
        waited_for_the_citizen(clock, mol),
        resolved_late_and_closed(clock, mol),
        transferred(clock, mol),
    ]
    kept = [figures(case) for case in cases]
    assert kept == [
        (2 * HOUR, 19 * HOUR, True),
        (HOUR, 32.5 * HOUR, False),
        (2 * HOUR, 8 * HOUR, True),
    ]
    as_before_the_figures_were_kept(*cases)
    assert {figures(case) for case in cases} == {(None, None, None)}

    output = compute()

    assert [figures(case) for case in cases] == kept
    assert output == "Figures filled in: 3 cases, 0 referrals."


def test_a_case_without_deadlines_is_measured_from_its_own_dates(clock, mol):
    """Monday 09:00, acknowledged at 11:00 (2 h), resolved Wednesday 10:00 (7.5 + 8 + 1.5
    = 17 h, within 120); its deadlines were never made."""
    case = submitted(clock)
    on(clock, at(2026, 3, 9, 11), services.accept_case, case, mol)
    on(clock, at(2026, 3, 11, 10), services.resolve_case, case, mol, "ได้รับค่าจ้างแล้ว")
    assert figures(case) == (2 * HOUR, 17 * HOUR, True)
    Deadline.objects.filter(case=case).delete()
    as_before_the_figures_were_kept(case)

    compute()

    assert figures(case) == (2 * HOUR, 17 * HOUR, True)


def referred(clock, mol) -> tuple[Case, Referral, Referral]:
    """Acknowledged Monday 13:00 (4 h), referred to MOPH and MOI at 14:00: MOPH accepts on
    Tuesday 10:00 (2.5 + 1.5 = 4 h), MOI declines on Wednesday 09:00 (2.5 + 8 + 0.5 = 11 h)."""
    case = submitted(clock)
    on(clock, at(2026, 3, 9, 13), services.accept_case, case, mol)
    clock.now = at(2026, 3, 9, 14)
    accepted, declined = services.refer_case(
        case, mol, dict.fromkeys([agency("MOPH"), agency("MOI")], "ช่วย")
    )
    # A referral's creation time comes from its model default, not from the frozen clock.
    Referral.objects.filter(case=case).update(created_at=at(2026, 3, 9, 14))
    moph, moi = staff("MOPH", Role.SUPERVISOR), staff("MOI", Role.SUPERVISOR)
    on(clock, at(2026, 3, 10, 10), services.accept_referral, accepted, moph)
    on(clock, at(2026, 3, 11, 9), services.decline_referral, declined, moi, "ไม่มีบริการนี้")
    return case, accepted, declined


def test_the_time_to_answer_a_referral_is_found_again(clock, mol):
    case, accepted, declined = referred(clock, mol)
    assert [fresh(r).answer_seconds for r in (accepted, declined)] == [4 * HOUR, 11 * HOUR]
    Deadline.objects.filter(referral=declined).delete()  # measured from its own dates
    as_before_the_figures_were_kept(case)

    output = compute()

    assert [fresh(r).answer_seconds for r in (accepted, declined)] == [4 * HOUR, 11 * HOUR]
    assert figures(case) == (4 * HOUR, None, None)  # in progress
    assert output == "Figures filled in: 1 cases, 2 referrals."


def test_a_second_run_changes_nothing(clock, mol):
    """Nor counts again a case whose figures cannot be found: resolved without a deadline or
    the dates it was acknowledged and resolved on."""
    cases = [waited_for_the_citizen(clock, mol), resolved_late_and_closed(clock, mol)]
    with_referrals, *referrals = referred(clock, mol)
    unknown = submitted(clock, at(2026, 3, 16, 9))
    on(clock, at(2026, 3, 16, 10), services.accept_case, unknown, mol)
    on(clock, at(2026, 3, 16, 11), services.resolve_case, unknown, mol, "ได้รับค่าจ้างแล้ว")
    Deadline.objects.filter(case=unknown).delete()
    Case.objects.filter(pk=unknown.pk).update(acknowledged_at=None, resolved_at=None)
    everything = [*cases, with_referrals, unknown]
    as_before_the_figures_were_kept(*everything)
    assert compute() == "Figures filled in: 3 cases, 2 referrals."
    after_first = [figures(case) for case in everything]
    answers = [fresh(referral).answer_seconds for referral in referrals]

    output = compute()

    assert output == "Figures filled in: 0 cases, 0 referrals."
    assert [figures(case) for case in everything] == after_first
    assert [fresh(referral).answer_seconds for referral in referrals] == answers
    assert after_first[-1] == (None, None, None)
