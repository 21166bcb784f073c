"""An office passes a case, or a referral to its agency, to another office of the same
agency (or to its central office), which takes it up with its own time to acknowledge."""

from django.db import transaction
from django.utils.translation import gettext as _

from agencies.models import Office
from referrals import actions
from referrals.errors import TransitionNotAllowed
from referrals.models import Case, DeadlineKind, EventKind, Referral
from referrals.notifications import notify_staff, triage_staff
from referrals.services import deadlines
from referrals.services._common import (
    lock_case,
    lock_referral,
    record,
    required_text,
    save_case,
    save_referral,
)


def _check_office(office: Office | None, agency_id: int, current_id: int | None) -> None:
    if office is not None and (office.agency_id != agency_id or not office.is_active):
        raise TransitionNotAllowed(_("Choose an office of the same agency."), field="office")
    if (office.pk if office else None) == current_id:
        raise TransitionNotAllowed(_("It is already at this office."), field="office")


def _office_name(office: Office | None) -> str:
    return office.name_th if office is not None else ""


@transaction.atomic
def pass_case_to_office(
    case: Case, by, office: Office | None, reason: str, expected_version: int | None = None
) -> Case:
    """The lead agency's office hands the case to another of its offices (``None``: the
    central office), which triages it anew: nobody works it there yet, and the new office
    has its own time to acknowledge it."""
    reason = required_text(reason, _("Say why the other office should handle the case."))
    case = lock_case(case, expected_version)
    actions.take(by, "pass_office", case)
    _check_office(office, case.lead_agency_id, case.lead_office_id)
    former = case.lead_office
    case.lead_office = office
    case.assigned_to = None
    deadlines.restart(case, DeadlineKind.ACKNOWLEDGE)
    save_case(case, "status", "lead_office", "assigned_to")
    event = record(
        case,
        EventKind.OFFICE_CHANGED,
        by,
        agency=case.lead_agency,
        message=reason,
        from_office=_office_name(former),
        to_office=_office_name(office),
    )
    notify_staff(
        "new_case",
        f"new_case:e{event.pk}",
        triage_staff(case.lead_agency_id, case.lead_office_id, restricted=case.is_restricted),
        case=case,
        agency=case.lead_agency,
    )
    return case


@transaction.atomic
def pass_referral_to_office(
    referral: Referral, by, office: Office | None, reason: str, expected_version: int | None = None
) -> Referral:
    """The office a referral was sent to hands it, before answering, to another office of
    its agency (``None``: the central office), which has its own time to answer."""
    reason = required_text(reason, _("Say why the other office should answer."))
    referral = lock_referral(referral, expected_version)
    case = referral.case
    actions.take(by, "pass_office", case, referral)
    _check_office(office, referral.to_agency_id, referral.to_office_id)
    former = referral.to_office
    referral.to_office = office
    save_referral(referral, "to_office")
    deadlines.restart_referral(referral, DeadlineKind.ANSWER_REFERRAL)
    deadlines.follow(case)
    event = record(
        case,
        EventKind.OFFICE_CHANGED,
        by,
        agency=referral.to_agency,
        referral=referral,
        message=reason,
        from_office=_office_name(former),
        to_office=_office_name(office),
    )
    notify_staff(
        "referral_received",
        f"referral_received:e{event.pk}",
        triage_staff(referral.to_agency_id, referral.to_office_id, restricted=case.is_restricted),
        case=case,
        agency=referral.to_agency,
        context={"from_agency": case.lead_agency.code},
    )
    return referral
