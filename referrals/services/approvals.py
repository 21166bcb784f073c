"""Declines and transfers proposed by an officer, decided by a supervisor or the CCEO.

An officer proposes (``propose_decline``, ``propose_transfer``); the agency's approvers
(``permissions.approver_roles``) are told and approve or reject it from their approvals
tab, within the SLA policy's time to decide (``SlaPolicy.approve``). Approving runs the
decline or transfer service in the approver's name, recording who proposed it; the
proposer is told the outcome, and may withdraw a proposal while it waits. The same thing
is not proposed twice while the first waits.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies import permissions
from agencies.models import Agency
from referrals import actions
from referrals.business_time import current_calendar
from referrals.errors import StaleObject, TransitionNotAllowed
from referrals.models import (
    Case,
    EventKind,
    Proposal,
    ProposalKind,
    ProposalStatus,
    Referral,
)
from referrals.notifications import notify_staff, staff_of
from referrals.services import deadlines
from referrals.services._common import (
    lock_case,
    lock_referral,
    person,
    record,
    required_text,
)
from referrals.services.referring import decline_reason, decline_referral
from referrals.services.transfers import check_transfer, transfer_case, transfer_reason


@transaction.atomic
def propose_decline(
    referral: Referral, by, reason: str, expected_version: int | None = None
) -> Proposal:
    """An officer of the agency asked to help proposes to decline the referral, with the
    reason that will go to the lead agency once a supervisor approves."""
    reason = decline_reason(reason)
    referral = lock_referral(referral, expected_version)
    actions.take(by, "propose_decline", referral.case, referral)
    return _propose(
        referral.case, by, ProposalKind.DECLINE, referral.to_agency, reason, referral=referral
    )


@transaction.atomic
def propose_transfer(
    case: Case, by, to_agency: Agency, reason: str, expected_version: int | None = None
) -> Proposal:
    """An intake officer of the lead agency proposes to offer the lead to ``to_agency``."""
    reason = transfer_reason(reason)
    case = lock_case(case, expected_version)
    actions.take(by, "propose_transfer", case)
    check_transfer(case, to_agency)
    return _propose(case, by, ProposalKind.TRANSFER, case.lead_agency, reason, to_agency=to_agency)


def _propose(case, by, kind, agency, reason, *, referral=None, to_agency=None) -> Proposal:
    if Proposal.objects.filter(
        case=case, kind=kind, agency=agency, status=ProposalStatus.PENDING
    ).exists():
        raise _already_proposed()
    now = timezone.now()
    due = current_calendar().add(now, deadlines.policy_for(case).approve)
    try:
        with transaction.atomic():
            proposal = Proposal.objects.create(
                case=case,
                referral=referral,
                kind=kind,
                agency=agency,
                to_agency=to_agency,
                reason=reason,
                proposed_by=by,
                created_at=now,
                due_at=due,
            )
    except IntegrityError as error:  # proposed by someone else in between
        raise _already_proposed() from error
    event = record(
        case,
        EventKind.PROPOSED,
        by,
        agency=agency,
        referral=referral,
        message=reason,
        proposal=kind,
        **({"to_agency": to_agency.code} if to_agency is not None else {}),
    )
    office = referral.to_office_id if referral is not None else case.lead_office_id
    approvers = staff_of(agency.pk, permissions.approver_roles(agency.pk), office)
    notify_staff(
        "approval_requested",
        f"approval_requested:e{event.pk}",
        approvers,
        case=case,
        agency=agency,
        context={"proposal": kind, "due": due.isoformat()},
    )
    return proposal


def _already_proposed() -> TransitionNotAllowed:
    return TransitionNotAllowed(_("This is already proposed and awaits a supervisor's decision."))


def lock_proposal(proposal: Proposal, expected_version: int | None = None) -> Proposal:
    locked = (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("agency", "to_agency", "proposed_by")
        .get(pk=proposal.pk)
    )
    if expected_version is not None and locked.version != expected_version:
        raise StaleObject()
    return locked


def _decided(proposal: Proposal, by, note: str) -> None:
    proposal.decided_by, proposal.decided_at = person(by), timezone.now()
    proposal.decision_note = note
    proposal.version += 1
    proposal.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "version"])


def _tell_proposer(proposal: Proposal, event, case) -> None:
    notify_staff(
        "proposal_decided",
        f"proposal_decided:e{event.pk}",
        [proposal.proposed_by],
        case=case,
        agency=proposal.agency,
        context={"proposal": proposal.kind, "event_kind": event.kind},
    )


@transaction.atomic
def approve_proposal(
    proposal: Proposal, by, note: str = "", expected_version: int | None = None
) -> Proposal:
    """Approve: the decline or transfer takes effect now, in the approver's name (the
    timeline names the proposer too), and the proposer is told."""
    case = lock_case(proposal.case)
    proposal = lock_proposal(proposal, expected_version)
    actions.take(by, "approve", case, proposal)
    if proposal.kind == ProposalKind.DECLINE:
        decline_referral(proposal.referral, by, proposal.reason, proposed_by=proposal.proposed_by)
    else:
        transfer_case(
            case, by, proposal.to_agency, proposal.reason, proposed_by=proposal.proposed_by
        )
    _decided(proposal, by, (note or "").strip())
    event = case.events.order_by("-pk").first()  # the decline or the offer just recorded
    _tell_proposer(proposal, event, case)
    return proposal


@transaction.atomic
def reject_proposal(
    proposal: Proposal, by, note: str, expected_version: int | None = None
) -> Proposal:
    """Reject, saying why: nothing changes on the case or referral; the proposer is told."""
    note = required_text(note, _("Say why the proposal is not approved."))
    case = lock_case(proposal.case)
    proposal = lock_proposal(proposal, expected_version)
    actions.take(by, "reject", case, proposal)
    _decided(proposal, by, note)
    event = record(
        case,
        EventKind.PROPOSAL_REJECTED,
        by,
        agency=proposal.agency,
        referral=proposal.referral,
        message=note,
        proposal=proposal.kind,
    )
    _tell_proposer(proposal, event, case)
    return proposal


@transaction.atomic
def withdraw_proposal(proposal: Proposal, by, expected_version: int | None = None) -> Proposal:
    """The proposer takes back a proposal nobody decided yet."""
    case = lock_case(proposal.case)
    proposal = lock_proposal(proposal, expected_version)
    actions.take(by, "withdraw", case, proposal)
    proposal.version += 1
    proposal.save(update_fields=["status", "version"])
    record(
        case,
        EventKind.PROPOSAL_WITHDRAWN,
        by,
        agency=proposal.agency,
        referral=proposal.referral,
        proposal=proposal.kind,
    )
    return proposal
