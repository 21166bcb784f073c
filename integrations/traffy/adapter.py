"""What goes back to Traffy Fondue of a linked case: the public steps the reporter follows
there, as Traffy's central states (``update-issue``), the agencies' public messages
(``comment``), a referral or a transfer to another MOU agency (``join-forward``: an
invitation to share the issue, or its forwarding; both count as a hop), and a rating
given here (``star``).

Every call names the issue by its Traffy number and gives our case's reference as
``client_ticket_id``, so that Traffy's staff find the case here.
"""

from django.utils import translation

from agencies.models import Agency
from integrations import systems
from integrations.models import ExternalCase, System
from integrations.traffy.client import TraffyClient, TraffyError
from integrations.traffy.issues import organisation_of
from integrations.traffy.tasks import catch_up_one_traffy
from referrals import news
from referrals.models import CaseEvent, EventKind

# Traffy's central states, by the Thai names its ``state_name`` matches (CONTEXT.md §2.1).
WAITING = "รอรับเรื่อง"
IN_PROGRESS = "กำลังดำเนินการ"
FINISHED = "เสร็จสิ้น"
FORWARDED = "ส่งต่อ"

# The state each of our public steps puts the issue in. An out-of-scope request leaves
# the agency, as a forwarding does on Traffy (the reason says where to go).
STATES = {
    EventKind.ACCEPTED: IN_PROGRESS,
    EventKind.REOPENED: IN_PROGRESS,
    EventKind.RESOLVED: FINISHED,
    EventKind.REJECTED: FORWARDED,
}
MESSAGES = frozenset({EventKind.NOTE, EventKind.INFORMATION_REQUESTED})
# join-forward's scenarios: 1 invites the organisations to share the issue, 2 hands it on.
SCENARIOS = {EventKind.REFERRED: 1, EventKind.TRANSFERRED: 2}

OPERATIONS = {
    **dict.fromkeys(STATES, "update-issue"),
    **dict.fromkeys(MESSAGES, "comment"),
    **dict.fromkeys(SCENARIOS, "join-forward"),
    EventKind.RATED: "star",
}
# Traffy's reporters read Thai.
LANGUAGE = "th"


def forwards(event: CaseEvent) -> bool:
    """The public steps of the case: those the reporter follows on Traffy."""
    return event.is_public and event.kind in OPERATIONS


def is_forward(event: CaseEvent) -> bool:
    return event.kind in SCENARIOS


def operation(event: CaseEvent) -> str:
    return OPERATIONS.get(event.kind, event.kind)


def push(link: ExternalCase, event: CaseEvent) -> systems.Sent:
    """Send one step; raises TraffyError when it did not go (the outbox tries again)."""
    ticket, reference = link.external_id, event.case.reference
    with translation.override(LANGUAGE), TraffyClient(link.connection) as client:
        if event.kind in STATES:
            client.update_issue(ticket, reference, STATES[event.kind], _note(event))
            return systems.Sent("update-issue", STATES[event.kind])
        if event.kind in MESSAGES:
            client.comment(ticket, reference, _note(event))
            return systems.Sent("comment")
        if event.kind in SCENARIOS:
            client.join_forward(
                ticket, reference, [_organisation(event)], SCENARIOS[event.kind], _note(event)
            )
            return systems.Sent("join-forward")
        client.star(ticket, reference, int(event.payload["satisfaction"]))
        return systems.Sent("star")


def _note(event: CaseEvent) -> str:
    """What the reporter reads: the step as the tracking page says it, and its words."""
    agency = news.agency_code(event)
    line = news.describe_event(event, _agency(agency) if agency else None)
    return f"{line}: {event.message}" if event.message else line


def _agency(code: str) -> Agency | None:
    return Agency.objects.filter(code=code).first()


def _organisation(event: CaseEvent) -> int:
    """The Traffy organisation of the agency asked to help or now leading."""
    code = news.agency_code(event)
    org = organisation_of(code)
    if not org.isdigit():
        raise TraffyError(f"no Traffy Fondue organisation is set for the agency {code}")
    return int(org)


systems.register(
    systems.Adapter(
        system=System.TRAFFY,
        forwards=forwards,
        push=push,
        is_forward=is_forward,
        operation=operation,
        read_now=systems.reading_by(catch_up_one_traffy),
    )
)
