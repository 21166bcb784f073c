"""Declines and transfers: proposed by an officer, decided by a supervisor or the CCEO of
the agency; a transfer offered to another agency, which accepts the lead or returns it.

The policy, from agencies/permissions.py:
- the agency's supervisors and CCEOs (``approver_roles``) decline a referral to it and
  transfer a case it leads at once, in their own name;
- its other officers propose: anyone who handles the referral a decline, an intake officer
  of the lead agency a transfer; the proposal waits, with a deadline from the SLA policy,
  until an approver approves (it takes effect in the approver's name, naming the proposer)
  or rejects it with a note; the proposer may withdraw it;
- a transfer is offered: the receiving agency sees the case at once, and its intake
  officers, supervisors and CCEOs accept the lead or return it with a reason; the former
  lead keeps the case meanwhile and is told the answer.
"""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from agencies import permissions
from agencies.models import Role
from agencies.permissions import Action, DashboardScope
from portal.dashboards import figures
from portal.dashboards.filters import Selection
from referrals import services, tasks
from referrals.errors import CaseNotFound, NotPermitted, TransitionNotAllowed
from referrals.models import (
    CaseEvent,
    CaseStatus,
    EventKind,
    Notification,
    Proposal,
    ProposalStatus,
    ReferralStatus,
    SlaPolicy,
    Transfer,
    TransferStatus,
)
from tests.factories import InspectorFactory
from tests.matrix import matrix_rows
from tests.referrals.clock import at
from tests.referrals.factories import (
    agency,
    case_in,
    fresh,
    offered_transfer,
    referral_in,
    staff,
)

pytestmark = pytest.mark.django_db

PORTAL = Notification.Channel.IN_PORTAL


def told(kind: str) -> set[int]:
    return set(
        Notification.objects.filter(kind=kind, channel=PORTAL).values_list("user_id", flat=True)
    )


def ids(*users) -> set[int]:
    return {user.pk for user in users}


# --- Declining a referral -------------------------------------------------------------------


def test_an_officers_decline_waits_for_a_supervisor_who_approves_it_in_their_name(clock):
    referral = referral_in(ReferralStatus.PENDING, to="MOPH")
    officer = staff("MOPH", Role.CASE_OFFICER)
    supervisor, cceo = staff("MOPH", Role.SUPERVISOR), staff("MOPH", Role.CCEO)
    staff("MOL", Role.SUPERVISOR)  # of the lead agency: not theirs to decide
    clock.now = at(2026, 3, 9, 15)

    proposal = services.propose_decline(referral, officer, "ไม่มีโรงพยาบาลในพื้นที่")

    assert fresh(referral).status == ReferralStatus.PENDING, "nothing changes yet"
    # Half a working day from 15:00: 1.5 hours on Monday, 2.5 on Tuesday from 08:30.
    assert proposal.due_at == at(2026, 3, 10, 11)
    assert told("approval_requested") == ids(supervisor, cceo)

    services.approve_proposal(proposal, supervisor, "เห็นด้วย")

    declined = fresh(referral)
    assert (declined.status, declined.decline_reason) == (
        ReferralStatus.DECLINED,
        "ไม่มีโรงพยาบาลในพื้นที่",
    )
    event = CaseEvent.objects.get(case=referral.case, kind=EventKind.REFERRAL_DECLINED)
    assert event.actor == supervisor
    assert event.payload["proposed_by"] == officer.username
    assert fresh(proposal).status == ProposalStatus.APPROVED
    assert told("proposal_decided") == ids(officer)


def test_the_time_to_decide_is_the_sla_policys(clock):
    SlaPolicy.objects.filter(category__isnull=True).update(approve=timedelta(hours=1))
    referral = referral_in(ReferralStatus.PENDING, to="MOPH")

    proposal = services.propose_decline(referral, staff("MOPH"), "ไม่มีบริการนี้")

    assert proposal.due_at == at(2026, 3, 9, 10)


def test_a_supervisor_declines_at_once_and_an_officer_may_not():
    referral = referral_in(ReferralStatus.PENDING, to="MOPH")

    with pytest.raises(NotPermitted):
        services.decline_referral(referral, staff("MOPH", Role.INTAKE_OFFICER), "ไม่มี")
    assert fresh(referral).status == ReferralStatus.PENDING

    services.decline_referral(referral, staff("MOPH", Role.CCEO), "ไม่มีบริการนี้")
    assert fresh(referral).status == ReferralStatus.DECLINED
    assert not Proposal.objects.exists()


def test_the_same_decline_is_not_proposed_twice_while_the_first_waits():
    referral = referral_in(ReferralStatus.PENDING, to="MOPH")
    services.propose_decline(referral, staff("MOPH"), "ไม่มีบริการนี้")
    events = CaseEvent.objects.count()

    with pytest.raises(TransitionNotAllowed):
        services.propose_decline(referral, staff("MOPH", Role.INTAKE_OFFICER), "ไม่มีจริง ๆ")

    assert Proposal.objects.count() == 1
    assert CaseEvent.objects.count() == events


def test_a_rejection_needs_a_note_and_leaves_the_referral_as_it_was():
    referral = referral_in(ReferralStatus.PENDING, to="MOPH")
    officer, supervisor = staff("MOPH"), staff("MOPH", Role.SUPERVISOR)
    proposal = services.propose_decline(referral, officer, "ไม่มีบริการนี้")

    with pytest.raises(ValidationError):
        services.reject_proposal(proposal, supervisor, "  ")
    assert fresh(proposal).status == ProposalStatus.PENDING

    services.reject_proposal(proposal, supervisor, "เรามีบริการนี้ที่โรงพยาบาลอำเภอ")

    assert fresh(proposal).status == ProposalStatus.REJECTED
    assert fresh(proposal).decision_note == "เรามีบริการนี้ที่โรงพยาบาลอำเภอ"
    assert fresh(referral).status == ReferralStatus.PENDING
    assert told("proposal_decided") == ids(officer)
    # Proposed again once the first is decided: a new proposal.
    services.propose_decline(referral, officer, "ตรวจสอบแล้ว ไม่มีจริง")


def test_only_the_proposer_withdraws_a_proposal_and_only_while_it_waits():
    referral = referral_in(ReferralStatus.PENDING, to="MOPH")
    officer = staff("MOPH")
    proposal = services.propose_decline(referral, officer, "ไม่มีบริการนี้")

    with pytest.raises(NotPermitted):
        services.withdraw_proposal(proposal, staff("MOPH"))
    services.withdraw_proposal(proposal, officer)

    assert fresh(proposal).status == ProposalStatus.WITHDRAWN
    with pytest.raises(TransitionNotAllowed):
        services.approve_proposal(proposal, staff("MOPH", Role.SUPERVISOR))
    assert fresh(referral).status == ReferralStatus.PENDING


# --- Transferring a case --------------------------------------------------------------------


def test_a_proposed_transfer_approved_is_offered_and_the_other_agency_accepts_the_lead():
    case = case_in(CaseStatus.IN_PROGRESS)  # led by MOL
    intake, supervisor = staff("MOL", Role.INTAKE_OFFICER), staff("MOL", Role.SUPERVISOR)
    moph = staff("MOPH", Role.INTAKE_OFFICER)

    proposal = services.propose_transfer(case, intake, agency("MOPH"), "เป็นเรื่องสิทธิรักษา")
    assert not Transfer.objects.exists()
    services.approve_proposal(proposal, supervisor)

    offer = offered_transfer(case)
    assert (offer.proposed_by, offer.offered_by) == (intake, supervisor)
    assert fresh(case).lead_agency.code == "MOL", "the former lead keeps it until accepted"
    assert told("transfer_offered") >= ids(moph)
    with pytest.raises(TransitionNotAllowed):  # one offer at a time
        services.transfer_case(case, supervisor, agency("MOI"), "หรือมหาดไทย")

    services.accept_transfer(offer, moph)

    case = fresh(case)
    assert (case.lead_agency.code, case.status, case.assigned_to) == ("MOPH", CaseStatus.NEW, None)
    assert fresh(offer).status == TransferStatus.ACCEPTED
    # Nobody worked it: those who triage in the former lead hear of it, not MOPH.
    assert told("transfer_update") >= ids(intake, supervisor)
    assert moph.pk not in told("transfer_update")
    transferred = case.events.get(kind=EventKind.TRANSFERRED)
    assert transferred.is_public and transferred.payload["to_agency"] == "MOPH"


def test_a_returned_transfer_keeps_the_former_lead_tells_it_why_and_is_contested():
    case = case_in(CaseStatus.IN_PROGRESS)
    supervisor = staff("MOL", Role.SUPERVISOR)
    services.transfer_case(case, supervisor, agency("MOPH"), "เป็นเรื่องสิทธิรักษา")
    offer = offered_transfer(case)
    moph = staff("MOPH", Role.SUPERVISOR)

    with pytest.raises(ValidationError):
        services.return_transfer(offer, moph, "")
    assert fresh(offer).status == TransferStatus.OFFERED

    services.return_transfer(offer, moph, "ไม่ใช่เรื่องสุขภาพ เป็นเรื่องค่าจ้าง")

    case = fresh(case)
    assert (case.lead_agency.code, case.status) == ("MOL", CaseStatus.IN_PROGRESS)
    assert fresh(offer).return_reason == "ไม่ใช่เรื่องสุขภาพ เป็นเรื่องค่าจ้าง"
    assert supervisor.pk in told("transfer_update")
    assert moph.pk not in told("transfer_update")
    returned = case.events.get(kind=EventKind.TRANSFER_RETURNED)
    assert not returned.is_public
    listed = figures.contested_cases(Selection(), DashboardScope(agency_ids=None))
    assert [(item.case.reference, item.reasons) for item in listed] == [
        (case.reference, ["returned"])
    ]
    # Having returned it, MOPH keeps the history, not the person (PDPA sections 22, 37).
    assert not permissions.can(moph, Action.VIEW_PERSONAL_DATA, case)
    assert permissions.can(moph, Action.VIEW, case)
    with pytest.raises(NotPermitted):
        services.accept_transfer(offer, moph)


# --- Who may do what ------------------------------------------------------------------------

# Y: done.  -: NotPermitted (sees the case, the role does not allow it).  404: CaseNotFound.
# A case led by MOL, in progress, referred to MOPH. Columns: "p-dec" proposes to decline
# the referral and "dec" declines it; "p-tr" proposes to transfer the case and "tr"
# transfers it; "ok-dec" approves a decline proposed by a MOPH case officer, "ok-tr" and
# "no-tr" approve and reject a transfer proposed by a MOL intake officer; "acc-tr" and
# "ret-tr" accept and return the lead offered to MOPH.
MATRIX = """
Declines, transfers and approvals, for every role of the lead, referred and another agency.
                           p-dec  dec  p-tr  tr  ok-dec ok-tr no-tr acc-tr ret-tr
lead intake officer          -     -    Y    -    -      -     -     -      -
lead case officer assigned   -     -    -    -    -      -     -     -      -
lead case officer            -     -    -    -    -      -     -     -      -
lead supervisor              -     -    -    Y    -      Y     Y     -      -
lead cceo                    -     -    -    Y    -      Y     Y     -      -
lead agency admin           404   404  404  404  404    404   404   404    404
referred intake officer      Y     -    -    -    -      -     -     Y      Y
referred case officer        Y     -    -    -    -      -     -     -      -
referred supervisor          -     Y    -    -    Y      -     -     Y      Y
referred cceo                -     Y    -    -    Y      -     -     Y      Y
referred agency admin       404   404  404  404  404    404   404   404    404
uninvolved intake officer   404   404  404  404  404    404   404   404    404
uninvolved case officer     404   404  404  404  404    404   404   404    404
uninvolved supervisor       404   404  404  404  404    404   404   404    404
uninvolved cceo             404   404  404  404  404    404   404   404    404
uninvolved agency admin     404   404  404  404  404    404   404   404    404
inspector                   404   404  404  404  404    404   404   404    404
"""


@dataclass(frozen=True)
class Who:
    where: str
    role: str = ""
    assigned: bool = False

    @classmethod
    def called(cls, words):
        if words == ["inspector"]:
            return cls("inspector")
        assigned = words[-1] == "assigned"
        return cls(words[0], Role("_".join(words[1 : -1 if assigned else None])), assigned)

    def __str__(self):
        return f"{self.where} {self.role} {'assigned' if self.assigned else ''}".strip()


def test_the_matrix_has_a_row_for_every_role_of_every_agency():
    everyone = {Who(where, role) for where in ("lead", "referred", "uninvolved") for role in Role}
    everyone |= {Who("lead", Role.CASE_OFFICER, assigned=True), Who("inspector")}
    assert {param.values[0] for param in matrix_rows(MATRIX, Who.called)} == everyone


def person(who: Who):
    if who.where == "inspector":
        return InspectorFactory().user
    return staff({"lead": "MOL", "referred": "MOPH", "uninvolved": "MOE"}[who.where], who.role)


DO = {
    "p-dec": lambda s, by: services.propose_decline(s["referral"], by, "ไม่มี"),
    "dec": lambda s, by: services.decline_referral(s["referral"], by, "ไม่มี"),
    "p-tr": lambda s, by: services.propose_transfer(s["case"], by, agency("MOI"), "เรื่องหนี้"),
    "tr": lambda s, by: services.transfer_case(s["case"], by, agency("MOI"), "เรื่องหนี้"),
    "ok-dec": lambda s, by: services.approve_proposal(s["decline proposal"], by),
    "ok-tr": lambda s, by: services.approve_proposal(s["transfer proposal"], by),
    "no-tr": lambda s, by: services.reject_proposal(s["transfer proposal"], by, "ไม่"),
    "acc-tr": lambda s, by: services.accept_transfer(s["offer"], by),
    "ret-tr": lambda s, by: services.return_transfer(s["offer"], by, "ไม่ใช่ของเรา"),
}


def scene(who: Who, user, action: str) -> dict:
    boss = staff("MOL", Role.SUPERVISOR)
    case = case_in(CaseStatus.IN_PROGRESS, by=boss)
    services.assign_case(case, boss, user if who.assigned else staff("MOL"))
    referral = referral_in(ReferralStatus.PENDING, case, to="MOPH", by=boss)
    made = {"case": fresh(case), "referral": referral}
    if action == "ok-dec":
        made["decline proposal"] = services.propose_decline(referral, staff("MOPH"), "ไม่มี")
    if action in ("ok-tr", "no-tr"):
        made["transfer proposal"] = services.propose_transfer(
            case, staff("MOL", Role.INTAKE_OFFICER), agency("MOI"), "เรื่องหนี้"
        )
    if action in ("acc-tr", "ret-tr"):
        services.transfer_case(case, boss, agency("MOPH"), "เรื่องสุขภาพ")
        made["offer"] = offered_transfer(case)
    made["case"] = fresh(case)
    return made


@pytest.mark.parametrize(("who", "action", "expected"), list(matrix_rows(MATRIX, Who.called)))
def test_who_may_propose_decide_and_answer(who, action, expected):
    user = person(who)
    made = scene(who, user, action)
    events = CaseEvent.objects.count()

    if expected == "Y":
        DO[action](made, user)
        assert CaseEvent.objects.count() > events
        return
    with pytest.raises(NotPermitted if expected == "-" else CaseNotFound):
        DO[action](made, user)
    assert CaseEvent.objects.count() == events


# --- The pages ------------------------------------------------------------------------------


def signed_in(client, user):
    client.force_login(user)
    return client


def test_the_approvals_tab_lists_the_agencys_proposals_and_approves_one(
    client, django_assert_max_num_queries
):
    supervisor = staff("MOPH", Role.SUPERVISOR)
    proposals = [
        services.propose_decline(
            referral_in(ReferralStatus.PENDING, to="MOPH"), staff("MOPH"), "ไม่มีบริการ"
        )
        for _ in range(3)
    ]
    elsewhere = services.propose_decline(
        referral_in(ReferralStatus.PENDING, to="MOI"), staff("MOI"), "ไม่ใช่ของเรา"
    )
    client = signed_in(client, supervisor)

    with django_assert_max_num_queries(20):
        page = client.get(reverse("staff:approvals"))

    assert page.status_code == 200
    for proposal in proposals:
        assert proposal.case.reference in page.text
    assert elsewhere.case.reference not in page.text
    chosen = proposals[0]
    response = client.post(
        reverse("staff:approvals"),
        {"pk": chosen.pk, f"p{chosen.pk}-decision": "approve", f"p{chosen.pk}-version": 1},
    )
    assert response.status_code == 302
    assert fresh(chosen.referral).status == ReferralStatus.DECLINED


@pytest.mark.parametrize(
    "data",
    [
        {"decision": "reject", "note": " "},
        {"decision": "maybe", "note": "ไม่"},
        {"decision": "approve", "note": "x" * 2001},
    ],
    ids=["reject without a note", "unknown decision", "note too long"],
)
def test_a_bad_decision_says_what_is_wrong_in_thai_and_changes_nothing(client, data):
    proposal = services.propose_decline(
        referral_in(ReferralStatus.PENDING, to="MOPH"), staff("MOPH"), "ไม่มีบริการ"
    )
    client = signed_in(client, staff("MOPH", Role.SUPERVISOR))
    events = CaseEvent.objects.count()

    response = client.post(
        reverse("staff:approvals"),
        {"pk": proposal.pk, **{f"p{proposal.pk}-{k}": v for k, v in data.items()}},
        HTTP_ACCEPT_LANGUAGE="th",
    )

    assert response.status_code == 400
    assert 'class="errorlist' in response.text
    assert any("\u0e00" <= char <= "\u0e7f" for char in response.text)
    assert fresh(proposal).status == ProposalStatus.PENDING
    assert CaseEvent.objects.count() == events


def test_the_approvals_tab_is_for_approvers_alone(client):
    assert signed_in(client, staff("MOPH")).get(reverse("staff:approvals")).status_code == 403


def test_the_transfers_tab_lists_the_leads_offered_and_the_case_page_returns_one(client):
    case = case_in(CaseStatus.IN_PROGRESS)
    services.transfer_case(case, staff("MOL", Role.SUPERVISOR), agency("MOPH"), "สิทธิรักษา")
    offer = offered_transfer(case)
    client = signed_in(client, staff("MOPH", Role.INTAKE_OFFICER))

    tab = client.get("/staff/?tab=transfers")
    assert case.reference in tab.text

    url = reverse("staff:transfer_action", args=[offer.pk, "return"])
    prefix = f"t{offer.pk}-return"
    refused = client.post(url, {f"{prefix}-reason": "", f"{prefix}-version": offer.version})
    assert refused.status_code == 200 and 'class="errorlist' in refused.text
    assert fresh(offer).status == TransferStatus.OFFERED

    client.post(url, {f"{prefix}-reason": "ไม่ใช่เรื่องสุขภาพ", f"{prefix}-version": offer.version})
    assert fresh(offer).status == TransferStatus.RETURNED
    assert case.reference not in client.get("/staff/?tab=transfers").text


def test_an_officer_proposes_from_the_case_page_and_bad_input_changes_nothing(client):
    referral = referral_in(ReferralStatus.PENDING, to="MOPH")
    client = signed_in(client, staff("MOPH", Role.CASE_OFFICER))
    url = reverse("staff:referral_action", args=[referral.pk, "propose_decline"])
    prefix = f"r{referral.pk}-propose_decline"

    refused = client.post(url, {f"{prefix}-reason": " ", f"{prefix}-version": referral.version})
    assert refused.status_code == 200 and 'class="errorlist' in refused.text
    assert not Proposal.objects.exists()

    client.post(url, {f"{prefix}-reason": "ไม่มีบริการนี้", f"{prefix}-version": referral.version})
    assert Proposal.objects.get().status == ProposalStatus.PENDING
    page = client.get(reverse("staff:case", args=[referral.case.reference]))
    assert "ไม่มีบริการนี้" in page.text
    assert "propose_decline" not in page.text, "proposed already: not offered again"


def test_a_proposal_stays_within_its_agency_on_the_case_page(client):
    referral = referral_in(ReferralStatus.PENDING, to="MOPH")
    services.propose_decline(referral, staff("MOPH"), "ไม่มีบริการนี้ในจังหวัด")
    url = reverse("staff:case", args=[referral.case.reference])

    # (The timeline, shared by the agencies of the case, records that it was proposed.)
    own = signed_in(client, staff("MOPH", Role.SUPERVISOR)).get(url)
    assert 'id="proposals-heading"' in own.text
    lead = signed_in(client, staff("MOL", Role.SUPERVISOR)).get(url)
    assert 'id="proposals-heading"' not in lead.text


def test_a_proposal_not_decided_in_time_is_escalated_to_the_cceo_once(clock):
    referral = referral_in(ReferralStatus.PENDING, to="MOPH")
    supervisor, cceo = staff("MOPH", Role.SUPERVISOR), staff("MOPH", Role.CCEO)
    waiting = services.propose_decline(referral, staff("MOPH"), "ไม่มีบริการนี้")
    decided = services.propose_decline(
        referral_in(ReferralStatus.PENDING, to="MOPH"), staff("MOPH"), "ไม่มีบริการนี้"
    )
    services.reject_proposal(decided, supervisor, "มีบริการที่อำเภอ")

    clock.now = at(2026, 3, 9, 12, 59)
    assert tasks.escalate_overdue_approvals() == 0
    clock.now = at(2026, 3, 9, 13)  # half a working day after 09:00
    assert tasks.escalate_overdue_approvals() == 1
    assert tasks.escalate_overdue_approvals() == 0

    assert told("approval_overdue") == ids(cceo)
    overdue = Notification.objects.get(kind="approval_overdue", channel=PORTAL)
    assert overdue.case == waiting.case
