"""Both transition tables, exhaustively, through the services that apply them.

For every status and every action, the service succeeds exactly when the table allows the
move, and otherwise refuses with TransitionNotAllowed naming the current status, changing
nothing. The actors (the lead agency's supervisor, the referred agency's supervisor, the
citizen holding the case's secret) may do everything by role, so that only the status
decides.
"""

import pytest
from django.utils import translation

from agencies.models import Role
from agencies.permissions import CitizenAccess
from referrals import services
from referrals.errors import NotPermitted, TransitionNotAllowed
from referrals.models import (
    Case,
    CaseEvent,
    CaseStatus,
    Category,
    ErasureRequest,
    Rating,
    ReferralStatus,
)
from referrals.transitions import CASE_TRANSITIONS, REFERRAL_TRANSITIONS
from tests.referrals.factories import (
    agency,
    case_in,
    fresh,
    office,
    referral_in,
    staff,
    submit,
    transfer_accepted,
)

pytestmark = pytest.mark.django_db

CASE_ACTIONS = {
    "accept": lambda case, by: services.accept_case(case, by),
    "reject": lambda case, by: services.reject_case(case, by, "นอกขอบเขต"),
    "mark_duplicate": lambda case, by: services.mark_duplicate(case, by, submit()[0]),
    "transfer": lambda case, by: services.transfer_case(case, by, agency("MOPH"), "สิทธิรักษา"),
    # Proposed by an intake officer (the supervisor would transfer at once).
    "propose_transfer": lambda case, by: services.propose_transfer(
        case, staff("MOL", Role.INTAKE_OFFICER), agency("MOPH"), "สิทธิรักษา"
    ),
    # Offered by the supervisor and accepted by the agency offered the lead.
    "take_lead": lambda case, by: transfer_accepted(case, by, "MOPH"),
    "pass_office": lambda case, by: services.pass_case_to_office(
        case, by, office("MOL", "50"), "ผู้ร้องอยู่เชียงใหม่"
    ),
    "assign": lambda case, by: services.assign_case(case, by, staff("MOL")),
    "take": lambda case, by: services.take_case(case, by),
    "classify": lambda case, by: services.classify_case(
        case, by, Category.objects.get(code="finding-work"), "urgent"
    ),
    "restrict": lambda case, by: services.set_restricted(case, by, not case.is_restricted, "ถูกข่มขู่"),
    "request_information": lambda case, by: services.request_information(case, by, "ขอเอกสาร"),
    "receive_information": lambda case, by: services.receive_information(case, by, "ได้แล้ว"),
    "refer": lambda case, by: services.refer_case(case, by, {agency("MOPH"): "ตรวจสุขภาพ"}),
    "resolve": lambda case, by: services.resolve_case(case, by, "ได้รับเงินแล้ว"),
    "close": lambda case, by: services.close_case(case, by),
    "reopen": lambda case, by: services.reopen_case(case, by, "ยังไม่ได้รับเงิน"),
}
# The citizen's actions: (the service, the entries of the table it applies). Adding
# information is "answer" when the agency asked for it (waiting_citizen), and
# "add_information" otherwise. A case fresh from case_in is unrated, resolved just now and
# has no request for erasure waiting, so that only its status decides.
CITIZEN_ACTIONS = {
    "add_information": (
        lambda case, citizen: services.add_information(case, citizen, "สำเนาสัญญาจ้าง"),
        ("add_information", "answer"),
    ),
    "withdraw": (
        lambda case, citizen: services.withdraw_case(case, citizen, "ตกลงกับนายจ้างได้แล้ว"),
        ("withdraw",),
    ),
    "rate": (
        lambda case, citizen: services.rate_case(case, citizen, 5, 4, 3, "ขอบคุณ"),
        ("rate",),
    ),
    "confirm_close": (
        lambda case, citizen: services.confirm_close(case, citizen),
        ("confirm_close",),
    ),
    "ask_reopen": (
        lambda case, citizen: services.ask_reopen(case, citizen, "ยังไม่ได้รับเงิน"),
        ("ask_reopen",),
    ),
    "request_erasure": (
        lambda case, citizen: services.request_erasure(case, citizen, "ขอให้ลบข้อมูล"),
        ("request_erasure",),
    ),
}
CITIZEN_ENTRIES = {entry for _do, entries in CITIZEN_ACTIONS.values() for entry in entries}

REFERRAL_ACTIONS = {
    "accept": lambda referral, lead, helper: services.accept_referral(referral, helper),
    "decline": lambda referral, lead, helper: services.decline_referral(referral, helper, "ไม่มี"),
    "propose_decline": lambda referral, lead, helper: services.propose_decline(
        referral, staff("MOPH", Role.CASE_OFFICER), "ไม่มี"
    ),
    "complete": lambda referral, lead, helper: services.complete_referral(referral, helper, "แล้ว"),
    "cancel": lambda referral, lead, helper: services.cancel_referral(referral, lead, "ไม่ต้อง"),
    "pass_office": lambda referral, lead, helper: services.pass_referral_to_office(
        referral, helper, office("MOPH", "50"), "ผู้ร้องอยู่เชียงใหม่"
    ),
}


def test_every_action_of_the_tables_is_exercised_here():
    assert set(CASE_TRANSITIONS) == set(CASE_ACTIONS) | CITIZEN_ENTRIES
    assert not set(CASE_ACTIONS) & CITIZEN_ENTRIES, "each entry is taken by staff or citizen"
    assert set(REFERRAL_TRANSITIONS) == set(REFERRAL_ACTIONS)


def case_params():
    for status in CaseStatus:
        for action in CASE_ACTIONS:
            yield pytest.param(status, action, id=f"{status.value}-{action}")


@pytest.mark.parametrize(("status", "action"), list(case_params()))
def test_a_case_action_succeeds_exactly_when_the_table_allows_it(status, action):
    supervisor = staff("MOL", Role.SUPERVISOR)
    case = case_in(status, by=supervisor)
    events = CaseEvent.objects.filter(case=case).count()
    sources, target = CASE_TRANSITIONS[action]

    if status in sources:
        CASE_ACTIONS[action](case, supervisor)
        assert fresh(case).status == (target or status)
    else:
        with translation.override("en"), pytest.raises(TransitionNotAllowed) as refusal:
            CASE_ACTIONS[action](case, supervisor)
        with translation.override("en"):
            assert str(CaseStatus(status).label) in str(refusal.value.message)
        assert fresh(case).status == status
        assert fresh(case).version == case.version
        assert CaseEvent.objects.filter(case=case).count() == events


def citizen_params():
    for status in CaseStatus:
        for action in CITIZEN_ACTIONS:
            yield pytest.param(status, action, id=f"{status.value}-{action}")


def what_the_citizen_changes(case) -> dict:
    return {
        "case": Case.objects.filter(pk=case.pk).values().get(),
        "events": CaseEvent.objects.filter(case=case).count(),
        "ratings": Rating.objects.filter(case=case).count(),
        "erasures": ErasureRequest.objects.filter(case=case).count(),
    }


@pytest.mark.parametrize(("status", "action"), list(citizen_params()))
def test_a_citizen_action_succeeds_exactly_when_the_table_allows_it(status, action):
    case = case_in(status)
    citizen = CitizenAccess(case.pk)
    do, entries = CITIZEN_ACTIONS[action]
    applying = [entry for entry in entries if status in CASE_TRANSITIONS[entry][0]]
    before = what_the_citizen_changes(case)

    if applying:
        [entry] = applying
        do(case, citizen)
        target = CASE_TRANSITIONS[entry][1]
        assert fresh(case).status == (target or status)
        last = CaseEvent.objects.filter(case=case).order_by("-id").first()
        assert last.by_citizen
        assert what_the_citizen_changes(case)["events"] > before["events"]
    else:
        with translation.override("en"), pytest.raises(TransitionNotAllowed) as refusal:
            do(case, citizen)
        with translation.override("en"):
            assert str(CaseStatus(status).label) in str(refusal.value.message)
        assert what_the_citizen_changes(case) == before


@pytest.mark.parametrize("action", REFERRAL_ACTIONS)
@pytest.mark.parametrize("status", ReferralStatus, ids=lambda status: status.value)
def test_a_referral_action_succeeds_exactly_when_the_table_allows_it(status, action):
    lead, helper = staff("MOL", Role.SUPERVISOR), staff("MOPH", Role.SUPERVISOR)
    referral = referral_in(status, by=lead, helper=helper)
    events = CaseEvent.objects.filter(case=referral.case).count()
    sources, target = REFERRAL_TRANSITIONS[action]

    # An agency that declined, or whose referral was cancelled, has no part left in the
    # case (PDPA sections 22, 37): it may not act on it at all, whatever the status.
    part_ended = status in (ReferralStatus.DECLINED, ReferralStatus.CANCELLED)
    if status in sources:
        REFERRAL_ACTIONS[action](referral, lead, helper)
        assert fresh(referral).status == (target or status)
        if target is not None:
            assert fresh(referral).version == referral.version + 1
    elif part_ended and action != "cancel":
        with pytest.raises(NotPermitted):
            REFERRAL_ACTIONS[action](referral, lead, helper)
    else:
        with translation.override("en"), pytest.raises(TransitionNotAllowed) as refusal:
            REFERRAL_ACTIONS[action](referral, lead, helper)
        with translation.override("en"):
            assert str(ReferralStatus(status).label) in str(refusal.value.message)
    if status not in sources:
        assert fresh(referral).status == status
        assert fresh(referral).version == referral.version
        assert CaseEvent.objects.filter(case=referral.case).count() == events
