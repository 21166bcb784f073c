"""What Traffy Fondue's webhooks bring (docs/webhooks.md), done in the name of the
connection's own key, so that none of it goes back to Traffy (the outbox's loop guard):

- a new issue for the agency (POST) becomes a case, once (``receive_issue``);
- a change of an issue's state there (PATCH) is noted on the case (``receive_state``);
- a message there, or the reporter's star rating (POST with ``event``), is noted on the
  case, or becomes its rating (``receive_message``).

Each call is handled once: its delivery id (the ``X-Traffy-Delivery`` header, else one
made of what the call carries) is kept in the same transaction as its effect. A call that
is not valid raises ValidationError with a message per field and changes nothing; its
failure is logged for the supervisors' page.
"""

from contextlib import contextmanager
from enum import StrEnum

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from integrations import services
from integrations.models import Connection, Exchange, ExternalCase, System, WebhookDelivery
from integrations.traffy import issues
from integrations.traffy.client import TraffyClient, TraffyError
from referrals.errors import TransitionNotAllowed
from referrals.services import outside
from referrals.services.attachments import check_uploads

NAME = services.NAMES[System.TRAFFY]
# The state Traffy gives a new issue (its central "waiting").
NEW_STATE = "รอรับเรื่อง"
MESSAGE_EVENTS = frozenset({"chat", "comment", "chat_staff_only"})
RATING_EVENT = "rating"


class Outcome(StrEnum):
    DONE = "done"
    DUPLICATE = "duplicate"  # this delivery was handled before
    IGNORED = "ignored"  # nothing to do (our own message coming back, a second rating)


class NotLinked(Exception):
    """The call is about an issue that is not one of our cases."""


def receive_issue(connection: Connection, payload: dict, delivery: str = "") -> Outcome:
    """A new issue of the connection's agency becomes a case (or is linked to the one it
    already is). Its photos are fetched and checked like a person's uploads: one that is
    not a picture, or cannot be fetched, is left out and logged; the case is made anyway."""
    with _logged(connection, "new-issue", payload):
        issue = issues.read_issue(payload)
        delivery = delivery or f"issue:{issue.ticket_id}"
        if ExternalCase.objects.filter(system=System.TRAFFY, external_id=issue.ticket_id).exists():
            _first(connection, delivery)
            return Outcome.DUPLICATE
        category = issues.category_for(issue)
        place = issues.place_for(issue)
        photos, refused = _photos(connection, issue)
        with transaction.atomic():
            if not _first(connection, delivery):
                return Outcome.DUPLICATE
            data = issues.new_case(issue, category, place, photos)
            received = services.receive_case(connection, issue.ticket_id, data, state=NEW_STATE)
    for reason in refused:
        services.log(
            connection,
            Exchange.Direction.IN,
            "photo",
            number=issue.ticket_id,
            case=received.link.case,
            error=reason,
        )
    return Outcome.DONE if received.created or received.linked else Outcome.DUPLICATE


def receive_state(connection: Connection, payload: dict, delivery: str = "") -> Outcome:
    """The issue's state changed on Traffy: noted on the case for the agencies, with the
    note of whoever changed it. The echo of a state we sent ourselves is not noted again."""
    with _logged(connection, "status", payload):
        ticket = issues.ticket_of(payload)
        state = _text(payload, "status", required=True)
        note, org = _text(payload, "note"), _text(payload, "org")
        link = _link(ticket)
        delivery = delivery or f"status:{ticket}:{_text(payload, 'timestamp')}:{state}"
        with transaction.atomic():
            if not _first(connection, delivery):
                return Outcome.DUPLICATE
            services.note_state_in(link, state)
            if state == link.state_out:
                return Outcome.IGNORED
            outside.note_outside_news(
                link.case,
                services.caller(connection),
                NAME,
                ticket,
                note,
                state=state,
                sender=org,
            )
    return Outcome.DONE


def receive_message(connection: Connection, payload: dict, delivery: str = "") -> Outcome:
    """A chat or comment on the issue is noted on the case (our own coming back is not);
    the reporter's rating becomes the case's rating. The rating's stars are read from the
    issue (``get-issue``) when the call does not carry them."""
    with _logged(connection, "message", payload):
        event = payload.get("event")
        if event not in MESSAGE_EVENTS | {RATING_EVENT}:
            raise ValidationError({"event": _("Unknown kind of event.")})
        ticket = issues.ticket_of(payload)
        text = _text(payload, "comment")
        link = _link(ticket)
        number = payload.get("message_comment_id") or payload.get("message_id") or ""
        delivery = delivery or f"{event}:{ticket}:{number}:{_text(payload, 'timestamp')}"
        if event == RATING_EVENT:
            stars = payload.get("star")
            if stars is None:
                stars = _stars_on_traffy(connection, ticket)
            return _rate(connection, link, delivery, stars, text)
        own = issues.organisation_of(connection.agency.code)
        if own and str(payload.get("sender_org_id") or "") == own:
            return Outcome.IGNORED
        if not text:
            raise ValidationError({"comment": _("The message is empty.")})
        with transaction.atomic():
            if not _first(connection, delivery):
                return Outcome.DUPLICATE
            outside.note_outside_news(
                link.case,
                services.caller(connection),
                NAME,
                ticket,
                text,
                sender=_text(payload, "sender_org") or _("the reporter"),
            )
    return Outcome.DONE


def _rate(connection, link: ExternalCase, delivery: str, stars, comment: str) -> Outcome:
    try:
        with transaction.atomic():
            if not _first(connection, delivery):
                return Outcome.DUPLICATE
            outside.rate_from_outside(
                link.case, services.caller(connection), NAME, link.external_id, stars, comment
            )
    except TransitionNotAllowed:
        return Outcome.IGNORED
    return Outcome.DONE


def _stars_on_traffy(connection: Connection, ticket: str):
    try:
        with TraffyClient(connection) as client:
            return client.get_issue(ticket).get("star")
    except TraffyError as error:
        unread = _("The rating could not be read from Traffy Fondue.")
        raise ValidationError({"star": unread}) from error


def _photos(connection: Connection, issue: issues.Issue):
    """The issue's photos that are pictures we accept, and why each other was left out."""
    kept, refused = [], []
    if not issue.photos:
        return kept, refused
    with TraffyClient(connection) as client:
        for address in issue.photos:
            try:
                photo = client.fetch_photo(address)
                check_uploads([SimpleUploadedFile(photo.name, photo.content)])
            except TraffyError as error:
                refused.append(f"{address[:300]}: {error}")
            except ValidationError as error:
                refused.append("; ".join(error.messages))
            else:
                kept.append(photo)
    return kept, refused


def _first(connection: Connection, delivery: str) -> bool:
    """Keep the delivery; False when it was kept before (by another worker too: the
    unique row waits for the first to commit)."""
    try:
        with transaction.atomic():
            WebhookDelivery.objects.create(connection=connection, delivery_id=delivery[:200])
    except IntegrityError:
        return False
    return True


def _link(ticket: str) -> ExternalCase:
    link = (
        ExternalCase.objects.filter(system=System.TRAFFY, external_id=ticket)
        .select_related("case")
        .first()
    )
    if link is None:
        raise NotLinked(ticket)
    return link


def _text(payload: dict, name: str, required: bool = False) -> str:
    value = payload.get(name)
    if value is None or value == "":
        if required:
            raise ValidationError({name: _("This field is required.")})
        return ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise ValidationError({name: _("This must be text.")})
    return str(value).strip()


@contextmanager
def _logged(connection: Connection, operation: str, payload: dict):
    """A call refused as invalid is logged as a failure on the supervisors' page."""
    try:
        yield
    except ValidationError as error:
        services.log(
            connection,
            Exchange.Direction.IN,
            operation,
            number=str(payload.get("ticket_id") or "")[:100],
            error="; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items()),
        )
        raise
