"""What comes in from an outside system: a case there becomes one case here (or is linked to
the one it already is), exactly once, in the name of the connection's own key.

Every reader (the 1111 poller, the file import, Traffy Fondue's webhooks) calls
``receive_case``; none writes a case or a link itself.
"""

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection as db
from django.db import transaction
from django.utils import timezone

from agencies.models import AgencyApiKey
from agencies.permissions import SystemCaller
from integrations import systems
from integrations.models import Connection, Exchange, ExternalCase, System
from referrals import identity
from referrals.models import OPEN_CASE_STATUSES, Case, Channel, Notification
from referrals.notifications import dispatch, send_again
from referrals.services import outside
from referrals.services.intake import DUPLICATE_WINDOW, NewCase, create_case

# The channel of the cases each system brings, and the name the timeline gives it (a
# proper name, the same in Thai and English).
CHANNELS = {System.GCC_1111: Channel.HOTLINE_1111, System.TRAFFY: Channel.TRAFFY}
NAMES = {System.GCC_1111: "1111", System.TRAFFY: "Traffy Fondue"}


def caller(connection: Connection) -> SystemCaller:
    """The connection acting on cases: a caller of the agency, named on the timeline by
    the connection's own key (made once; never usable on the API, nobody holds it)."""
    if connection.key_id is None:
        with transaction.atomic():
            locked = Connection.objects.select_for_update().get(pk=connection.pk)
            if locked.key_id is None:
                key, _raw = AgencyApiKey.objects.create_key(
                    name=f"{NAMES[locked.system]} ({locked.agency.code})",
                    agency=locked.agency,
                    can_write=True,
                    revoked=True,
                )
                Connection.objects.filter(pk=locked.pk).update(key=key)
                locked.key = key
            connection.key = locked.key
    return SystemCaller(
        agency_id=connection.agency_id,
        group_id=connection.agency.group_id,
        key_id=connection.key_id,
        name=connection.key.name,
        can_write=True,
        can_see_restricted=True,
        channel=CHANNELS[connection.system],
    )


@dataclass(frozen=True)
class Received:
    link: ExternalCase
    created: bool  # a new case was made
    linked: bool  # an existing case was linked (the same request, reported elsewhere)


def receive_case(connection: Connection, number: str, data: NewCase, state: str = "") -> Received:
    """Make ``data`` (the outside case ``number``) a case of the connection's agency.

    The same number read again changes nothing (the link is unique per system and
    number; two readers at once wait for each other). An open case of the same person
    and help category (the same national ID, or the same phone), brought by another
    system within the last 30 days, is linked rather than duplicated. Raises
    ValidationError with a message per field when ``data`` is not a valid request;
    nothing is saved then.
    """
    number = number.strip()
    with transaction.atomic():
        _lock(connection.system, number)
        existing = ExternalCase.objects.filter(system=connection.system, external_id=number).first()
        if existing is not None:
            note_state_in(existing, state)
            return Received(existing, created=False, linked=False)
        by = caller(connection)
        adapter = systems.adapter(connection.system)
        kinds = adapter.deadlines if adapter is not None else ()
        same = _same_request(connection.system, data)
        if same is not None:
            outside.link_outside_case(same, by, NAMES[connection.system], number)
            outside.expect_deadlines(same, kinds)
            case = same
        else:
            case, _secret = create_case(data, by=by, deadlines_also=kinds)
        link = ExternalCase.objects.create(
            system=connection.system,
            external_id=number,
            connection=connection,
            case=case,
            state_in=state,
        )
        log(connection, Exchange.Direction.IN, "case", number=number, case=case)
    return Received(link, created=same is None, linked=same is not None)


def _lock(system: str, number: str) -> None:
    """Two readers of the same outside case wait for each other (PostgreSQL); SQLite
    writes one transaction at a time anyway."""
    if db.vendor != "postgresql":
        return
    digest = hashlib.blake2b(f"{system}:{number}".encode(), digest_size=8).digest()
    with db.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest, "big", signed=True)]
        )


def _same_request(system: str, data: NewCase) -> Case | None:
    """An open case of the same help category and person (national ID, else phone) that
    came in from another outside system lately."""
    try:
        national_id = identity.normalise_national_id(data.national_id) if data.national_id else ""
    except ValidationError:
        national_id = ""  # refused with the rest of the request by ``create_case``
    candidates = Case.objects.filter(
        category=data.category,
        status__in=OPEN_CASE_STATUSES,
        created_at__gte=timezone.now() - DUPLICATE_WINDOW,
        external_links__isnull=False,
    ).exclude(external_links__system=system)
    if national_id:
        found = candidates.filter(national_id_hash=identity.keyed_hash(national_id)).first()
        if found is not None:
            return found
    phone = "".join(ch for ch in data.citizen_phone if ch.isdigit())
    if phone:
        return candidates.filter(citizen_phone=phone).order_by("-created_at").first()
    return None


def note_state_in(link: ExternalCase, state: str) -> bool:
    """Remember the state the outside system last gave; whether it changed."""
    if not state or state == link.state_in:
        return False
    ExternalCase.objects.filter(pk=link.pk).update(state_in=state, updated_at=timezone.now())
    link.state_in = state
    return True


def count_hop(link: ExternalCase, by=None) -> bool:
    """One more forwarding of the case between the portal and the link's system; False
    once there have been more than EXCHANGE_MAX_HOPS: then forwarding stops for good and
    the coordinating ministry is told (once)."""
    with transaction.atomic():
        locked = ExternalCase.objects.select_for_update().get(pk=link.pk)
        if locked.stopped_at is not None:
            return False
        locked.hops += 1
        if locked.hops <= settings.EXCHANGE_MAX_HOPS:
            locked.save(update_fields=["hops", "updated_at"])
            link.hops = locked.hops
            return True
        locked.stopped_at = timezone.now()
        locked.save(update_fields=["hops", "stopped_at", "updated_at"])
        link.hops, link.stopped_at = locked.hops, locked.stopped_at
        outside.stop_forwarding(
            locked.case,
            by if by is not None else caller(locked.connection),
            NAMES[locked.system],
            locked.external_id,
            locked.hops - 1,
        )
    return False


def log(
    connection: Connection,
    direction: str,
    operation: str,
    *,
    number: str = "",
    case=None,
    error: str = "",
    notification=None,
) -> Exchange:
    """Write one exchange to the log and the connection's last-exchange columns."""
    now = timezone.now()
    exchange = Exchange.objects.create(
        connection=connection,
        direction=direction,
        operation=operation,
        external_id=number,
        case=case,
        ok=not error,
        detail=error[:2000],
        notification=notification,
        at=now,
    )
    fields = {"last_exchange_at": now}
    if error:
        fields["last_error"] = f"{operation}: {error}"[:2000]
    else:
        fields["last_success_at"] = now
    Connection.objects.filter(pk=connection.pk).update(**fields)
    return exchange


def read_now(connection: Connection, by) -> bool:
    """Queue a reading of the connection's system at once (after the page's button): False
    when the system is not read by polling, or the link is off. ``by`` must watch the
    connection's agency (checked by the page)."""
    adapter = systems.adapter(connection.system)
    if adapter is None or adapter.read_now is None or not connection.is_enabled:
        return False
    transaction.on_commit(lambda: adapter.read_now(connection))
    return True


class NothingToRetry(Exception):
    """The exchange is not one that can be tried again (it went, or is being sent)."""


def retry(exchange: Exchange, by) -> None:
    """Send again a message whose sending failed for good (from the supervisors' page):
    it goes back to the outbox and out at once. Only a failure: a message still being sent
    may have gone out, and one that went needs no second copy. Raises NothingToRetry
    otherwise; ``by`` must watch the connection's agency (checked by the page)."""
    notification = exchange.notification
    if notification is None or not send_again(Notification.objects.filter(pk=notification.pk)):
        raise NothingToRetry()
    transaction.on_commit(lambda: dispatch([(notification.pk, notification.channel)]))
