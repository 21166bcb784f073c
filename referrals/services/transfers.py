"""Passing the lead of a case to another agency, in two steps: the lead agency offers it
(``transfer_case``), the other agency accepts it (``accept_transfer``) or returns it with a
reason (``return_transfer``). Until it answers, the former lead keeps the case and its work.

Like every workflow service, each takes ``by``, locks what it changes, checks permission
and the transition tables, and records the event in one transaction.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies import permissions
from agencies.models import Agency
from agencies.offices import office_for
from referrals import actions
from referrals.errors import StaleObject, TransitionNotAllowed
from referrals.models import Case, DeadlineKind, EventKind, Transfer, TransferStatus
from referrals.notifications import (
    case_handlers,
    notify_agency_system,
    notify_staff,
    triage_staff,
)
from referrals.services import deadlines, parts
from referrals.services._common import lock_case, person, record, required_text, save_case
from referrals.services.cases import cancel_open_referrals, tell_citizen
from referrals.transitions import CASE_TRANSITIONS, next_status


def transfer_reason(reason: str) -> str:
    return required_text(reason, _("Say why the other agency should lead."))


def check_transfer(case: Case, to_agency: Agency) -> None:
    """A transfer goes to another agency, and one at a time."""
    if to_agency.pk == case.lead_agency_id:
        raise TransitionNotAllowed(_("The case is already led by this agency."), field="to_agency")
    if offered_transfer(case) is not None:
        raise TransitionNotAllowed(
            _("The case is already offered to another agency: wait for its answer.")
        )


def offered_transfer(case: Case) -> Transfer | None:
    """The transfer of the case waiting for the other agency's answer, if any."""
    return (
        Transfer.objects.filter(case=case, status=TransferStatus.OFFERED)
        .select_related("to_agency", "from_agency")
        .first()
    )


@transaction.atomic
def transfer_case(
    case: Case,
    by,
    to_agency: Agency,
    reason: str,
    expected_version: int | None = None,
    *,
    proposed_by=None,
) -> Case:
    """Offer the lead to another agency, which sees the case from now on and accepts or
    returns it; meanwhile the lead agency keeps working it. ``proposed_by``: the officer
    whose proposal a supervisor approved (``referrals.services.approvals``)."""
    reason = transfer_reason(reason)
    case = lock_case(case, expected_version)
    actions.take(by, "transfer", case)
    check_transfer(case, to_agency)
    try:
        with transaction.atomic():
            transfer = Transfer.objects.create(
                case=case,
                from_agency=case.lead_agency,
                to_agency=to_agency,
                reason=reason,
                offered_by=person(by),
                proposed_by=proposed_by,
            )
    except IntegrityError as error:  # offered by someone else in between
        raise StaleObject() from error
    permissions.grant_case_access(case, to_agency)
    save_case(case)
    event = record(
        case,
        EventKind.TRANSFER_OFFERED,
        by,
        agency=case.lead_agency,
        message=reason,
        to_agency=to_agency.code,
        **_proposer(proposed_by),
    )
    key = f"transfer_offered:e{event.pk}"
    # Taking the lead is the agency's decision: its central office answers the offer; once
    # accepted, the case goes to its office for the province.
    notify_staff(
        "transfer_offered",
        key,
        triage_staff(to_agency.pk, None, restricted=case.is_restricted),
        case=case,
        agency=to_agency,
        context={"from_agency": case.lead_agency.code},
    )
    notify_agency_system(
        "transfer_offered", key, to_agency, case=case, payload={"transfer": transfer.pk}
    )
    return case


def _proposer(proposed_by) -> dict:
    return {"proposed_by": proposed_by.get_username()} if proposed_by is not None else {}


def _lock(transfer: Transfer, expected_version: int | None) -> Transfer:
    locked = (
        Transfer.objects.select_for_update()
        .select_related("to_agency", "from_agency")
        .get(pk=transfer.pk)
    )
    if expected_version is not None and locked.version != expected_version:
        raise StaleObject()
    return locked


def _answered(transfer: Transfer, by, *fields: str) -> None:
    transfer.answered_by, transfer.answered_at = person(by), timezone.now()
    transfer.version += 1
    transfer.save(update_fields=["status", "answered_by", "answered_at", "version", *fields])


@transaction.atomic
def accept_transfer(transfer: Transfer, by, expected_version: int | None = None) -> Case:
    """The agency offered the lead takes it: it triages the case anew, with its own time
    to acknowledge; its own referral, if it was helping, ends; the former lead keeps the
    case's history (not the person's data, unless a referral still gives it a part) and is
    told."""
    case = lock_case(transfer.case)
    transfer = _lock(transfer, expected_version)
    actions.take(by, "accept", case, transfer)
    case.status = next_status(CASE_TRANSITIONS, "take_lead", case.status, case.get_status_display())
    to_agency, former = transfer.to_agency, case.lead_agency
    told = case_handlers(case)  # the former lead's, before the case changes hands
    cancel_open_referrals(case, by, _("This agency now leads the case."), to_agency=to_agency)
    case.lead_agency = to_agency
    case.lead_office = office_for(to_agency, case.province_id)
    case.assigned_to = None
    deadlines.restart(case, DeadlineKind.ACKNOWLEDGE)  # the new lead's own time to triage
    save_case(case, "status", "lead_agency", "lead_office", "assigned_to")
    _answered(transfer, by)
    parts.settle_parts(case)  # the former lead keeps the history, not the person's data
    event = record(
        case,
        EventKind.TRANSFERRED,
        by,
        agency=to_agency,
        public=True,
        message=transfer.reason,
        from_agency=former.code,
        to_agency=to_agency.code,
    )
    key = f"transfer_update:e{event.pk}"
    context = {"event_kind": EventKind.TRANSFERRED, "from_agency": to_agency.code}
    notify_staff("transfer_update", key, told, case=case, agency=former, context=context)
    notify_agency_system(
        "transfer_update", key, former, case=case, payload={"transfer": transfer.pk}
    )
    tell_citizen(case, event)
    return case


@transaction.atomic
def return_transfer(
    transfer: Transfer, by, reason: str, expected_version: int | None = None
) -> Case:
    """The agency offered the lead does not take it, and says why: the former lead keeps
    the case and is told. (A returned transfer is on the coordinating ministry's list of
    contested cases.)"""
    reason = required_text(reason, _("Say why your agency does not take the lead."))
    case = lock_case(transfer.case)
    transfer = _lock(transfer, expected_version)
    actions.take(by, "return", case, transfer)
    transfer.return_reason = reason
    _answered(transfer, by, "return_reason")
    parts.settle_parts(case)  # the agency that would not lead keeps the history alone
    save_case(case)
    event = record(
        case,
        EventKind.TRANSFER_RETURNED,
        by,
        agency=transfer.to_agency,
        message=reason,
        to_agency=transfer.to_agency.code,
    )
    key = f"transfer_update:e{event.pk}"
    context = {"event_kind": EventKind.TRANSFER_RETURNED, "from_agency": transfer.to_agency.code}
    notify_staff(
        "transfer_update",
        key,
        case_handlers(case),
        case=case,
        agency=case.lead_agency,
        context=context,
    )
    notify_agency_system(
        "transfer_update", key, case.lead_agency, case=case, payload={"transfer": transfer.pk}
    )
    return case
