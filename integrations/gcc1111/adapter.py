"""What 1111 is told of the complaints it forwarded: each step an agency takes on the case
(``AddOperating``, described in Thai, with the organisation the case is passed to) and, when
the case is resolved or found out of scope, the outcome told to the person
(``SetOrgSummaryResult``). A connection without the address of the service (complaints
that come as files only) is told nothing. A case linked to 1111 has a deadline to report
back to it."""

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from agencies.models import Agency
from integrations import systems
from integrations.gcc1111 import soap
from integrations.gcc1111.tasks import poll_one_1111
from integrations.models import ExternalCase, System, ValueMapping
from referrals.models import CaseEvent, DeadlineKind, EventKind

# AddOperating's type of operation: a report of the work on a complaint taken up (14), or
# of the finding that it is not the agency's to take up (15).
WORKED, NOT_TAKEN = "14", "15"
# The steps 1111 is told of, and the type of each report.
STEPS = {
    EventKind.ACCEPTED: WORKED,
    EventKind.REJECTED: NOT_TAKEN,
    EventKind.MARKED_DUPLICATE: WORKED,
    EventKind.TRANSFERRED: WORKED,
    EventKind.REFERRED: WORKED,
    EventKind.REFERRAL_ACCEPTED: WORKED,
    EventKind.REFERRAL_DECLINED: WORKED,
    EventKind.REFERRAL_COMPLETED: WORKED,
    EventKind.INFORMATION_REQUESTED: WORKED,
    EventKind.INFORMATION_RECEIVED: WORKED,
    EventKind.NOTE: WORKED,  # those shown to the person only
    EventKind.RESOLVED: WORKED,
    EventKind.REOPENED: WORKED,
    EventKind.CLOSED: WORKED,
    EventKind.CLOSED_AUTOMATICALLY: WORKED,
    EventKind.WITHDRAWN: WORKED,
}
# The steps that pass the case to another organisation: forwardings, counted as hops.
PASSED_ON = frozenset({EventKind.TRANSFERRED, EventKind.REFERRED})
# SetOrgSummaryResult's state of the outcome: concluded (1), not within the agency's
# authority (3).
SUMMARY = {EventKind.RESOLVED: "1", EventKind.REJECTED: "3"}
# 1111 reads Thai: what it is told is written in Thai whoever's worker sends it.
LANGUAGE = "th"


class Unmapped(soap.CoreServiceError):
    """An agency has no organisation code of 1111 yet."""


def forwards(event: CaseEvent) -> bool:
    return event.kind in STEPS and (event.kind != EventKind.NOTE or event.is_public)


def is_forward(event: CaseEvent) -> bool:
    return event.kind in PASSED_ON


def operation(event: CaseEvent) -> str:
    return "SetOrgSummaryResult+AddOperating" if event.kind in SUMMARY else "AddOperating"


def sends_to(link: ExternalCase) -> bool:
    return bool(link.connection.endpoint)


def passed_to(event: CaseEvent) -> Agency:
    """The organisation the step leaves the case with: the agency it was referred or
    transferred to, else the agency that took the step (the lead)."""
    if event.kind == EventKind.REFERRED and event.referral_id:
        return event.referral.to_agency
    return event.actor_agency or event.case.lead_agency


def org_code(agency: Agency) -> str:
    """1111's code of the organisation an administrator mapped to the agency."""
    code = (
        ValueMapping.objects.filter(system=System.GCC_1111, kind=ValueMapping.Kind.AGENCY)
        .filter(agency=agency)
        .values_list("code", flat=True)
        .first()
    )
    if not code:
        with translation.override(LANGUAGE):
            raise Unmapped(
                _("%(agency)s has no organisation code of 1111: map it in the admin.")
                % {"agency": agency.name}
            )
    return code


def describe(event: CaseEvent, agency: Agency) -> str:
    """The step in Thai: what was done, to whom the case passed, and what was written."""
    with translation.override(LANGUAGE):
        lines = [str(EventKind(event.kind).label)]
        if event.kind in PASSED_ON:
            lines.append(_("Passed to: %(agency)s") % {"agency": agency.name})
        if event.message:
            lines.append(event.message)
    return "\n".join(lines)


def push(link: ExternalCase, event: CaseEvent) -> systems.Sent:
    """Tell 1111 of the step; raises when it did not go (the outbox tries again).

    The outcome goes first: setting it twice is harmless, whereas a step recorded twice
    shows twice at 1111, so the one call that is not idempotent comes last."""
    agency = passed_to(event)
    org = org_code(agency)
    case_id = link.service_id or link.external_id
    with soap.CoreService(link.connection) as service:
        state = ""
        if event.kind in SUMMARY:
            state = SUMMARY[event.kind]
            result = event.case.public_answer if event.kind == EventKind.RESOLVED else ""
            service.set_summary(case_id, status=state, result=result or event.message)
        service.add_operating(
            case_id,
            step=STEPS[event.kind],
            org=org,
            detail=describe(event, agency),
            at=timezone.localtime(event.created_at),
        )
    return systems.Sent(operation=operation(event), state=state)


systems.register(
    systems.Adapter(
        system=System.GCC_1111,
        forwards=forwards,
        push=push,
        is_forward=is_forward,
        operation=operation,
        read_now=systems.reading_by(poll_one_1111),
        sends_to=sends_to,
        deadlines=(DeadlineKind.REPORT_BACK,),
    )
)
