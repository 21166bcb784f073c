"""The registry of staff actions (``referrals.actions``) is the one place an action's rule
is written: the pages bind exactly its actions, and what the selectors offer a user is what
the services then let them do."""

import pytest

from agencies.models import Role
from referrals import actions, selectors, services, staff_views
from referrals.errors import WorkflowError
from referrals.models import CaseStatus, ReferralStatus
from referrals.services.recovery import IdentityQuestion
from tests.referrals.factories import case_in, fresh, referral_in, staff

pytestmark = pytest.mark.django_db


def test_the_staff_pages_bind_exactly_the_registrys_actions():
    assert set(staff_views.CASE_ACTIONS) == set(actions.CASE)
    assert set(staff_views.REFERRAL_ACTIONS) == set(actions.REFERRAL)


SIMPLE = {
    "accept": lambda case, by: services.accept_case(case, by),
    "close": lambda case, by: services.close_case(case, by),
    "request_information": lambda case, by: services.request_information(case, by, "ขอเอกสาร"),
    "receive_information": lambda case, by: services.receive_information(case, by, "ได้รับแล้ว"),
    "resolve": lambda case, by: services.resolve_case(case, by, "ช่วยเหลือแล้ว"),
    "reopen": lambda case, by: services.reopen_case(case, by, "ยังไม่ได้รับความช่วยเหลือ"),
    "note": lambda case, by: services.add_note(case, by, "บันทึก"),
    "reissue_secret": lambda case, by: services.reissue_secret(
        case, by, IdentityQuestion.SUBMITTED_ON, "ส่งคำขอวันไหน", True
    ),
}


@pytest.mark.parametrize("status", [CaseStatus.NEW, CaseStatus.IN_PROGRESS, CaseStatus.RESOLVED])
@pytest.mark.parametrize("role", [Role.INTAKE_OFFICER, Role.CASE_OFFICER, Role.SUPERVISOR])
def test_what_the_page_offers_is_exactly_what_the_service_allows(status, role):
    case = case_in(status)
    user = staff("MOL", role)
    offered = selectors.available_actions(user, fresh(case))
    for name, run in SIMPLE.items():
        try:
            run(fresh(case), user)
        except WorkflowError:
            done = False
        else:
            done = True
            case = case_in(status)  # a fresh one for the next action
        assert done == (name in offered), (name, status, role)


def test_what_the_page_offers_on_a_referral_is_what_the_service_allows():
    referral = referral_in(ReferralStatus.PENDING)
    helper = staff("MOPH", Role.INTAKE_OFFICER)
    lead = staff("MOL", Role.SUPERVISOR)
    case = fresh(referral.case)
    assert selectors.available_referral_actions(helper, case, referral) == {
        "accept",
        "propose_decline",
    }
    assert selectors.available_referral_actions(lead, case, referral) == {"cancel"}
    with pytest.raises(WorkflowError):
        services.cancel_referral(referral, helper, "ไม่ต้องการแล้ว")
    assert services.accept_referral(referral, helper).status == ReferralStatus.ACCEPTED


def test_the_tracking_page_binds_exactly_the_registrys_forms_for_citizens():
    from referrals.public import following

    assert set(following.CITIZEN_FORMS) == set(actions.CITIZEN_FORMS)
    assert set(actions.CITIZEN_FORMS) <= set(actions.CITIZEN)
