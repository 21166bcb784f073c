"""What goes out to the outside systems: the lines of a linked case's timeline, through the
portal's outbox (the ``exchange`` channel), so that a broker or a system that is down
delays them and loses none.

The loop guard: a line written by a system's own link (its key on the timeline) is never
queued for that system, and each outbox row names the system its change came from
(``Notification.origin``), which ``send`` refuses to send to.
"""

from functools import cache

from django.conf import settings

from integrations import services, systems
from integrations.models import Connection, Exchange, ExternalCase
from referrals.models import CaseEvent, Notification
from referrals.notifications import save_and_dispatch

# Only a case that came from an outside system is ever linked to one (``receive_case``
# links a new request to an open case that another system brought): the lines of every
# other case cost no look-up.
LINKED_CHANNELS = frozenset(services.CHANNELS.values())


class LoopRefused(Exception):
    """A change that came from a system was about to go back to it."""


@cache
def _system_of_key(key_id: str) -> str:
    """The system whose link holds the key (a connection's key never changes)."""
    return Connection.objects.filter(key_id=key_id).values_list("system", flat=True).first() or ""


def origin_of(event: CaseEvent) -> str:
    """The outside system that wrote the line (blank: the portal or an agency's API)."""
    return _system_of_key(event.actor_key_id) if event.actor_key_id else ""


def on_event(sender, instance: CaseEvent, created: bool, raw: bool = False, **kwargs) -> None:
    """Queue a new line of a linked case for each system it is linked to that wants it,
    in the transaction that wrote it; none for the system it came from."""
    if not created or raw or instance.case.channel not in LINKED_CHANNELS:
        return
    links = list(ExternalCase.objects.filter(case_id=instance.case_id, connection__is_enabled=True))
    if not links:
        return
    origin = origin_of(instance)
    rows = []
    for link in links:
        adapter = systems.adapter(link.system)
        if adapter is None or link.system == origin or not adapter.forwards(instance):
            continue
        if not adapter.sends_to(link):  # a link that takes nothing (1111 by files only)
            continue
        if adapter.is_forward(instance) and not services.count_hop(link):
            continue
        rows.append(
            Notification(
                kind=f"exchange_{instance.kind}",
                case_id=instance.case_id,
                agency_id=link.connection.agency_id,
                channel=Notification.Channel.EXCHANGE,
                recipient=f"{link.system}:{link.external_id}",
                origin=origin,
                language=settings.LANGUAGE_CODE,
                context={"link": link.pk, "event": instance.pk},
                idempotency_key=f"exchange:{link.pk}:e{instance.pk}",
            )
        )
    save_and_dispatch(rows)


def send(notification: Notification) -> None:
    """The outbox's sender for the ``exchange`` channel: one line to one system. Raises
    when it did not go (the outbox retries it later); logs each try either way."""
    link = ExternalCase.objects.select_related("connection__agency").get(
        pk=notification.context["link"]
    )
    event = CaseEvent.objects.select_related("case", "referral__to_agency", "actor_agency").get(
        pk=notification.context["event"]
    )
    adapter = systems.adapter(link.system)
    operation = adapter.operation(event) if adapter else event.kind
    try:
        if notification.origin == link.system:
            raise LoopRefused(f"this change came from {link.get_system_display()}")
        if adapter is None or not link.connection.is_enabled:
            raise LookupError(f"the link to {link.get_system_display()} is off")
        sent = adapter.push(link, event)
    except Exception as error:
        services.log(
            link.connection,
            Exchange.Direction.OUT,
            operation,
            number=link.external_id,
            case=event.case,
            error=f"{type(error).__name__}: {error}",
            notification=notification,
        )
        raise
    if sent.state and sent.state != link.state_out:
        ExternalCase.objects.filter(pk=link.pk).update(state_out=sent.state)
    services.log(
        link.connection,
        Exchange.Direction.OUT,
        sent.operation,
        number=link.external_id,
        case=event.case,
        notification=notification,
    )
