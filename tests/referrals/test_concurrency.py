"""Two people acting on the same case at the same moment, on the real PostgreSQL.

Each scene starts two threads that wait at a barrier and then call a service at once. The
services lock the row they change (``SELECT ... FOR UPDATE``) and compare versions, so
exactly one wins and the other gets a WorkflowError that says why.
"""

import pytest

from agencies.models import Role
from referrals import services
from referrals.errors import NotPermitted, StaleObject, TransitionNotAllowed, WorkflowError
from referrals.models import CaseEvent, CaseStatus, EventKind, Referral, ReferralStatus
from tests.referrals.factories import agency, at_once, case_in, fresh, referral_in, staff

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def the_loser(outcomes: list, expected) -> int:
    """The index of the one action that failed, having checked that exactly one did."""
    failed = [i for i, outcome in enumerate(outcomes) if isinstance(outcome, Exception)]
    assert len(failed) == 1, outcomes
    error = outcomes[failed[0]]
    assert isinstance(error, expected), repr(error)
    assert str(error.message) and str(error.message) != str(WorkflowError.default_message)
    return failed[0]


def events(case, kind) -> int:
    return CaseEvent.objects.filter(case=case, kind=kind).count()


@pytest.mark.parametrize(
    ("with_version", "expected"),
    [
        pytest.param(False, TransitionNotAllowed, id="the second finds it accepted"),
        pytest.param(True, StaleObject, id="the second finds a newer version"),
    ],
)
def test_two_intake_officers_accepting_the_same_new_case_one_wins(
    reference_data, with_version, expected
):
    case = case_in(CaseStatus.NEW)
    first, second = staff("MOL", Role.INTAKE_OFFICER), staff("MOL", Role.INTAKE_OFFICER)
    version = case.version if with_version else None

    outcomes = at_once(
        lambda: services.accept_case(case, first, expected_version=version),
        lambda: services.accept_case(case, second, expected_version=version),
    )

    the_loser(outcomes, expected)
    case = fresh(case)
    assert case.status == CaseStatus.IN_PROGRESS
    assert case.version == 2
    assert events(case, EventKind.ACCEPTED) == 1


def test_two_supervisors_assigning_different_officers_from_the_same_version_one_wins(
    reference_data,
):
    case = case_in(CaseStatus.IN_PROGRESS)
    officers = [staff("MOL", Role.CASE_OFFICER), staff("MOL", Role.CASE_OFFICER)]
    supervisors = [staff("MOL", Role.SUPERVISOR), staff("MOL", Role.SUPERVISOR)]

    outcomes = at_once(
        *[
            lambda boss=boss, officer=officer: services.assign_case(
                case, boss, officer, expected_version=case.version
            )
            for boss, officer in zip(supervisors, officers, strict=True)
        ]
    )

    loser = the_loser(outcomes, StaleObject)
    winner = 1 - loser
    assert fresh(case).assigned_to == officers[winner]
    assert fresh(case).version == case.version + 1
    assert events(case, EventKind.ASSIGNED) == 1


@pytest.mark.parametrize(
    ("with_version", "expected"),
    [
        # Accepted first, the decline finds it answered; declined first, the acceptance
        # finds the agency has no part left in the case (PDPA sections 22, 37).
        pytest.param(
            False, (TransitionNotAllowed, NotPermitted), id="the second finds it answered"
        ),
        pytest.param(True, StaleObject, id="the second finds a newer version"),
    ],
)
def test_accepting_and_declining_the_same_referral_at_once_one_wins(
    reference_data, with_version, expected
):
    referral = referral_in(ReferralStatus.PENDING)
    accepting, declining = staff("MOPH", Role.CASE_OFFICER), staff("MOPH", Role.SUPERVISOR)
    version = referral.version if with_version else None

    outcomes = at_once(
        lambda: services.accept_referral(referral, accepting, expected_version=version),
        lambda: services.decline_referral(
            referral, declining, "ไม่มีบริการนี้", expected_version=version
        ),
    )

    loser = the_loser(outcomes, expected)
    answered = fresh(referral)
    assert answered.status == [ReferralStatus.DECLINED, ReferralStatus.ACCEPTED][loser]
    assert answered.answered_by == [declining, accepting][loser]
    answers = [EventKind.REFERRAL_ACCEPTED, EventKind.REFERRAL_DECLINED]
    assert CaseEvent.objects.filter(referral=referral, kind__in=answers).count() == 1


def test_an_acceptance_racing_a_cancellation_never_lands_after_it(reference_data):
    lead = staff("MOL", Role.SUPERVISOR)
    helper = staff("MOPH", Role.CASE_OFFICER)
    referral = referral_in(ReferralStatus.PENDING, by=lead)

    cancelled, accepted = at_once(
        lambda: services.cancel_referral(referral, lead, "ผู้ร้องไม่ต้องการแล้ว"),
        lambda: services.accept_referral(referral, helper),
    )

    # Accepted then cancelled is a fine order; cancelled then accepted is not: the
    # acceptance finds it cancelled, or its agency's part in the case ended with it.
    assert isinstance(cancelled, Referral)
    assert isinstance(accepted, Referral | TransitionNotAllowed | NotPermitted)
    assert fresh(referral).status == ReferralStatus.CANCELLED
    timeline = CaseEvent.objects.filter(referral=referral).order_by("id")
    assert timeline.last().kind == EventKind.REFERRAL_CANCELLED


def test_two_officers_referring_to_the_same_agency_at_once_make_one_referral(reference_data):
    case = case_in(CaseStatus.IN_PROGRESS)
    first, second = staff("MOL", Role.SUPERVISOR), staff("MOL", Role.INTAKE_OFFICER)

    outcomes = at_once(
        lambda: services.refer_case(case, first, {agency("MOPH"): "ตรวจสุขภาพ"}),
        lambda: services.refer_case(case, second, {agency("MOPH"): "ตรวจร่างกาย"}),
    )

    the_loser(outcomes, TransitionNotAllowed)
    assert Referral.objects.filter(case=case).count() == 1


def test_resolving_while_someone_refers_never_leaves_a_resolved_case_with_open_referral(
    reference_data,
):
    case = case_in(CaseStatus.IN_PROGRESS)
    resolver, referrer = staff("MOL", Role.SUPERVISOR), staff("MOL", Role.INTAKE_OFFICER)

    outcomes = at_once(
        lambda: services.resolve_case(case, resolver, "ได้รับค่าจ้างแล้ว"),
        lambda: services.refer_case(case, referrer, {agency("MOPH"): "ตรวจสุขภาพ"}),
    )

    loser = the_loser(outcomes, TransitionNotAllowed)
    resolved = fresh(case).status == CaseStatus.RESOLVED
    assert resolved is (loser == 1)
    assert Referral.objects.filter(case=case).exists() is (loser == 0)
