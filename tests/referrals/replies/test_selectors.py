"""Which ready-made replies a member of staff may insert on a case: those in use of the
agencies they work for among the agencies involved in it, for the case's kind of help or
for any."""

import pytest

from agencies.models import Role
from referrals.models import CaseStatus, ReferralStatus, ReplyKind
from referrals.replies.selectors import replies_for_case
from tests.factories import InspectorFactory
from tests.referrals.factories import case_in, fresh, referral_in, reply_template, staff

pytestmark = pytest.mark.django_db


def titles(user, case) -> list[str]:
    return [template.title for template in replies_for_case(user, fresh(case))]


@pytest.fixture
def replies():
    """MOL's and MOPH's replies, for unpaid wages, for another kind of help, for any."""
    for code in ("MOL", "MOPH"):
        reply_template(code, category="unpaid-wages", title=f"{code} wages")
        reply_template(code, ReplyKind.OUTCOME, title=f"{code} any")
        reply_template(code, category="finding-work", title=f"{code} other kind")
        reply_template(code, title=f"{code} archived", archived=True)


@pytest.mark.parametrize("role", [Role.INTAKE_OFFICER, Role.SUPERVISOR, Role.CCEO])
def test_the_lead_agencys_staff_get_its_replies_for_the_case(replies, role):
    case = case_in(CaseStatus.IN_PROGRESS, "unpaid-wages")  # led by MOL
    assert titles(staff("MOL", role), case) == ["MOL any", "MOL wages"]


def test_a_referred_agencys_staff_get_their_own_replies():
    case = case_in(CaseStatus.IN_PROGRESS, "unpaid-wages")
    referral_in(ReferralStatus.ACCEPTED, case, to="MOPH")
    reply_template("MOL", title="MOL wages", category="unpaid-wages")
    reply_template("MOPH", title="MOPH any")

    assert titles(staff("MOPH", Role.CASE_OFFICER), case) == ["MOPH any"]


def test_someone_working_for_both_agencies_gets_both_lead_first():
    case = case_in(CaseStatus.IN_PROGRESS, "unpaid-wages")
    referral_in(ReferralStatus.PENDING, case, to="MOPH")
    reply_template("MOPH", title="A MOPH")
    reply_template("MOL", title="Z MOL")
    both = staff("MOPH", Role.SUPERVISOR)
    both.memberships.create(agency=case.lead_agency, role=Role.SUPERVISOR)

    assert titles(both, case) == ["Z MOL", "A MOPH"]


def test_nobody_else_gets_any(replies):
    case = case_in(CaseStatus.IN_PROGRESS, "unpaid-wages")
    nobody = [
        staff("MOPH", Role.SUPERVISOR),  # not involved in the case
        staff("MOL", Role.AGENCY_ADMIN),  # keeps the replies, works no case
        InspectorFactory().user,
    ]
    assert [titles(person, case) for person in nobody] == [[], [], []]


def test_a_restricted_case_offers_nothing_to_those_who_may_not_see_it():
    case = case_in(CaseStatus.IN_PROGRESS, "domestic-violence")  # restricted, led by MSDHS
    reply_template("MSDHS", title="MSDHS any")

    assert titles(staff("MSDHS", Role.INTAKE_OFFICER), case) == []
    assert titles(staff("MSDHS", Role.SUPERVISOR), case) == ["MSDHS any"]
