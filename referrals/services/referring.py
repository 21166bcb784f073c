"""Referrals: the lead agency asks others for help; each answers, helps, reports back.

Like the case services, each function takes ``by``, locks what it changes, checks
permission and the referral transition table, and records the event in one transaction.
"""

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies import permissions
from agencies.models import Agency
from agencies.offices import office_for
from referrals import actions
from referrals.errors import TransitionNotAllowed
from referrals.models import OPEN_REFERRAL_STATUSES, Case, EventKind, Referral
from referrals.notifications import (
    case_handlers,
    notify_agency_system,
    notify_staff,
    triage_staff,
)
from referrals.services import deadlines, parts
from referrals.services._common import (
    lock_case,
    lock_referral,
    person,
    record,
    required_text,
    save_case,
    save_referral,
)
from referrals.services.cases import tell_citizen


@transaction.atomic
def refer_case(
    case: Case, by, asks: Mapping[Agency, str], expected_version: int | None = None
) -> list[Referral]:
    """Refer the case to one or several agencies at once (co-handling), asking each for
    its own help (``asks``: what each agency is asked, in the order given).

    Each referral goes to the agency's office in the case's province when it has one, and
    the agency's staff may see the case from then on. An agency already helping is refused.
    """
    if not asks:
        raise ValidationError(_("Choose at least one agency."))
    asks = {
        agency: required_text(
            reason,
            _("Say what help %(agency)s should give.") % {"agency": agency.name},
        )
        for agency, reason in asks.items()
    }
    to_agencies = list(asks)
    case = lock_case(case, expected_version)
    actions.take(by, "refer", case)
    if any(agency.pk == case.lead_agency_id for agency in to_agencies):
        raise TransitionNotAllowed(
            _("The lead agency cannot refer the case to itself."), field="to_agencies"
        )
    busy = set(
        case.referrals.filter(
            to_agency__in=to_agencies, status__in=OPEN_REFERRAL_STATUSES
        ).values_list("to_agency__code", flat=True)
    )
    if busy:
        raise TransitionNotAllowed(
            _("Already referred and not yet closed: %(agencies)s.")
            % {"agencies": ", ".join(sorted(busy))},
            field="to_agencies",
        )
    referrals = []
    try:
        with transaction.atomic():
            for agency in to_agencies:
                referral = Referral.objects.create(
                    case=case,
                    from_agency=case.lead_agency,
                    to_agency=agency,
                    to_office=office_for(agency, case.province_id),
                    reason=asks[agency],
                    created_by=person(by),
                )
                permissions.grant_case_access(case, agency)
                event = record(
                    case,
                    EventKind.REFERRED,
                    by,
                    agency=case.lead_agency,
                    public=True,
                    referral=referral,
                    message=asks[agency],
                    to_agency=agency.code,
                )
                key = f"referral_received:e{event.pk}"
                notify_staff(
                    "referral_received",
                    key,
                    triage_staff(agency.pk, referral.to_office_id, restricted=case.is_restricted),
                    case=case,
                    agency=agency,
                    context={"from_agency": case.lead_agency.code},
                )
                notify_agency_system(
                    "referral_received", key, agency, case=case, payload={"referral": referral.pk}
                )
                tell_citizen(case, event)
                referrals.append(referral)
    except IntegrityError as error:  # a referral created by someone else in between
        raise TransitionNotAllowed(_("Another officer referred the case meanwhile.")) from error
    save_case(case)
    return referrals


def _answer(referral, by, action, kind, expected_version, proposed_by=None, **changes) -> Referral:
    referral = lock_referral(referral, expected_version)
    case = referral.case
    actions.take(by, action, case, referral)
    now = timezone.now()
    if action in ("accept", "decline"):
        referral.answered_by, referral.answered_at = person(by), now
    if action != "accept":
        referral.closed_at = now
    for name, value in changes.items():
        setattr(referral, name, value)
    save_referral(referral, "status", "answered_by", "answered_at", "closed_at", *changes)
    deadlines.follow(case)
    if action in ("decline", "cancel"):
        # The receiving agency's part ends: it keeps what it did, not the person's data.
        parts.settle_parts(case)
    message = next(iter(changes.values()), "")
    agency = referral.from_agency if action == "cancel" else referral.to_agency
    event = record(
        case,
        kind,
        by,
        agency=agency,
        # The citizen sees who helps; declines and cancellations stay between agencies.
        public=action in ("accept", "complete"),
        referral=referral,
        message=message,
        to_agency=referral.to_agency.code,
        **({"proposed_by": proposed_by.get_username()} if proposed_by is not None else {}),
    )
    # The other side hears of it: the lead agency of an answer, the helper of a cancel.
    told = referral.to_agency if action == "cancel" else case.lead_agency
    if action == "cancel":
        users = triage_staff(told.pk, referral.to_office_id, restricted=case.is_restricted)
    else:
        users = case_handlers(case)
    key = f"referral_update:e{event.pk}"
    context = {"event_kind": kind}
    notify_staff("referral_update", key, users, case=case, agency=agency, context=context)
    notify_agency_system(
        "referral_update", key, told, case=case, payload={"referral": referral.pk, "what": kind}
    )
    if event.is_public:
        tell_citizen(case, event)
    return referral


@transaction.atomic
def accept_referral(referral: Referral, by, expected_version: int | None = None) -> Referral:
    """The receiving agency agrees to help."""
    return _answer(referral, by, "accept", EventKind.REFERRAL_ACCEPTED, expected_version)


@transaction.atomic
def decline_referral(
    referral: Referral,
    by,
    reason: str,
    expected_version: int | None = None,
    *,
    proposed_by=None,
) -> Referral:
    """The receiving agency cannot help; the reason goes back to the lead agency. Its
    supervisors and CCEOs decline; ``proposed_by``: the officer whose proposal one of them
    approved (``referrals.services.approvals``)."""
    reason = decline_reason(reason)
    return _answer(
        referral,
        by,
        "decline",
        EventKind.REFERRAL_DECLINED,
        expected_version,
        proposed_by,
        decline_reason=reason,
    )


def decline_reason(reason: str) -> str:
    return required_text(reason, _("Say why your agency cannot help."))


@transaction.atomic
def complete_referral(
    referral: Referral, by, outcome: str, expected_version: int | None = None
) -> Referral:
    """The receiving agency reports the help it gave: the loop closes."""
    outcome = required_text(outcome, _("Say what help was given."))
    return _answer(
        referral, by, "complete", EventKind.REFERRAL_COMPLETED, expected_version, outcome=outcome
    )


@transaction.atomic
def cancel_referral(
    referral: Referral, by, reason: str, expected_version: int | None = None
) -> Referral:
    """The referring agency withdraws its request (no longer needed)."""
    reason = required_text(reason, _("Say why the referral is no longer needed."))
    return _answer(
        referral, by, "cancel", EventKind.REFERRAL_CANCELLED, expected_version, cancel_reason=reason
    )
