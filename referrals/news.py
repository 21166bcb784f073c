"""What the citizen reads of each step of their request, in one table: the line of the
tracking page's timeline, which is also the news of an email, and its short form for a
text message (SMS, LINE).

A line names the agency the step concerns: the one that did it, or, for a referral or a
change of lead, the agency asked to help or now leading (never an officer). The short
form is the same line with the agency's short name (its Thai abbreviation in Thai), so
that the news of a Thai SMS fits one message of 70 characters; a line too long even so
has a short wording of its own.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from agencies.bilingual import pick
from agencies.models import Agency
from referrals.models import CaseEvent, Channel, EventKind


@dataclass(frozen=True)
class Line:
    text: Promise  # may name %(agency)s and %(original)s (the request joined to)
    by_you: Promise | None = None  # when the citizen took the step themselves
    short: Promise | None = None  # only when the line with a short name is still too long


LINES = {
    EventKind.ACCEPTED: Line(_("%(agency)s accepted your request")),
    EventKind.REJECTED: Line(_("%(agency)s found your request outside the agencies' scope")),
    EventKind.MARKED_DUPLICATE: Line(
        _("%(agency)s joined your request to request %(original)s, to handle them together"),
        short=_("joined to request %(original)s"),
    ),
    EventKind.TRANSFERRED: Line(_("%(agency)s now leads the work on your request")),
    EventKind.NOTE: Line(_("A message from %(agency)s")),
    EventKind.INFORMATION_REQUESTED: Line(_("%(agency)s asks you for more information")),
    EventKind.INFORMATION_RECEIVED: Line(
        _("%(agency)s recorded the information you gave"),
        by_you=_("You sent more information"),
    ),
    EventKind.REFERRED: Line(_("%(agency)s was asked to help you")),
    EventKind.REFERRAL_ACCEPTED: Line(_("%(agency)s agreed to help you")),
    EventKind.REFERRAL_COMPLETED: Line(_("%(agency)s finished its part of the help")),
    EventKind.RESOLVED: Line(_("%(agency)s finished helping you")),
    EventKind.CLOSED: Line(
        _("%(agency)s closed your request"),
        by_you=_("You confirmed the help and closed your request"),
    ),
    EventKind.CLOSED_AUTOMATICALLY: Line(
        _("Your request was closed, as we had no answer from you in the time given after the help"),
        short=_("closed, as we had no answer from you"),
    ),
    EventKind.REOPENED: Line(
        _("%(agency)s reopened your request"), by_you=_("You asked to reopen your request")
    ),
    EventKind.WITHDRAWN: Line(_("You withdrew your request")),
    EventKind.RATED: Line(_("You rated the help you received")),
    EventKind.ERASURE_REQUESTED: Line(_("You asked for your personal data to be erased")),
    EventKind.ERASURE_REFUSED: Line(_("%(agency)s refused to erase your personal data")),
    EventKind.ANONYMISED: Line(_("Your personal data in this request was erased")),
}

# The first line says who put the request in: the citizen on the web, or the agency that
# recorded what they said.
RECEIVED_LINES = {
    Channel.WEB: _("You sent your request"),
    Channel.PHONE: _("%(agency)s recorded your request from your call"),
    Channel.WALK_IN: _("%(agency)s recorded your request when you came in person"),
    Channel.HOTLINE_1111: _(
        "%(agency)s recorded your request from the 1111 Government Complaint Center"
    ),
    Channel.API: _("%(agency)s recorded your request from its own system"),
}

# The steps the citizen is told of on their channels (``services.tell_citizen``).
TOLD = frozenset(
    {
        EventKind.ACCEPTED,
        EventKind.REFERRED,
        EventKind.REFERRAL_ACCEPTED,
        EventKind.REFERRAL_COMPLETED,
        EventKind.TRANSFERRED,
        EventKind.MARKED_DUPLICATE,
        EventKind.INFORMATION_REQUESTED,
        EventKind.RESOLVED,
        EventKind.REJECTED,
        EventKind.CLOSED_AUTOMATICALLY,
        EventKind.ERASURE_REFUSED,
        EventKind.ANONYMISED,
    }
)


# The steps that concern an agency asked to help, or the one now leading.
_OTHER_AGENCY = frozenset(
    {
        EventKind.REFERRED,
        EventKind.REFERRAL_ACCEPTED,
        EventKind.REFERRAL_COMPLETED,
        EventKind.TRANSFERRED,
    }
)


def agency_code(event: CaseEvent) -> str | None:
    """The code of the agency a step concerns: the agency asked to help or now leading,
    else the one that acted (for the first line of an older case, its lead). None when
    the erasure of the person's data took the details that named it."""
    if event.kind in _OTHER_AGENCY:
        if event.payload.get("to_agency"):
            return event.payload["to_agency"]
        if event.referral_id is not None:
            return event.referral.to_agency.code
        return None
    if event.actor_agency_id is not None:
        return event.actor_agency.code
    return event.payload.get("lead_agency")


def describe_event(event: CaseEvent, agency: Agency | None, short: bool = False) -> str:
    """The line of ``event`` (``describe``), naming ``agency`` (``agency_code``)."""
    return describe(
        event.kind,
        agency=agency,
        by_citizen=event.by_citizen,
        channel=event.payload.get("channel", ""),
        original=event.payload.get("duplicate_of", ""),
        short=short,
    )


def short_name(agency: Agency) -> str:
    """The agency in a text message: its Thai abbreviation in Thai, its name in English."""
    return pick(agency.short_name_th or agency.name_th, agency.name_en)


def describe(
    kind: str,
    *,
    agency: Agency | None,
    by_citizen: bool = False,
    channel: str = "",
    original: str = "",
    short: bool = False,
) -> str:
    """The line of a step in the active language (its short form with ``short``)."""
    name = str(_("The agency"))
    if agency is not None:
        name = short_name(agency) if short else agency.name
    values = {"agency": name, "original": original}
    if kind == EventKind.CREATED:
        text = RECEIVED_LINES.get(channel) if agency or channel == Channel.WEB else None
        return str(text or _("Your request was received")) % values
    line = LINES.get(kind)
    if line is None:
        return str(EventKind(kind).label)
    if by_citizen and line.by_you:
        text = line.by_you
    elif short and line.short:
        text = line.short
    else:
        text = line.text
    return str(text) % values
