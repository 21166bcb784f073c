"""The issues no webhook brought (the portal was down, Traffy gave up calling): read from
``get-issues`` every few minutes, and received like a webhook's, once.

Traffy lists the issues of the account's organisation by their last activity, back one day
(``today``) or three (``3days``); a connection not read for a day is read three days back.
"""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from integrations import services
from integrations.models import Connection, Exchange, ExternalCase, System, WebhookDelivery
from integrations.traffy import inbound
from integrations.traffy.client import TraffyClient, TraffyError

# A delivery id is kept this long: Traffy sends a call again within minutes, not weeks.
KEEP_DELIVERIES = timedelta(days=30)


def catch_up(connection: Connection) -> int:
    """Receive the connection's issues that are not cases yet; how many became cases. An
    issue that is not valid is logged and skipped; Traffy not answering is logged too."""
    now = timezone.now()
    read = connection.read_up_to
    duration = "today" if read is not None and now - read < timedelta(hours=20) else "3days"
    try:
        with TraffyClient(connection) as client:
            issues = client.get_issues(duration=duration)
    except TraffyError as error:
        services.log(connection, Exchange.Direction.IN, "get-issues", error=str(error))
        return 0
    known = set(
        ExternalCase.objects.filter(
            system=System.TRAFFY, external_id__in=[str(i["ticket_id"]) for i in issues]
        ).values_list("external_id", flat=True)
    )
    made = 0
    for issue in issues:
        if str(issue["ticket_id"]) in known:
            continue
        try:
            made += inbound.receive_issue(connection, issue) == inbound.Outcome.DONE
        except ValidationError:
            continue  # logged for the supervisors by ``receive_issue``
    Connection.objects.filter(pk=connection.pk).update(read_up_to=now)
    return made


def catch_up_all() -> int:
    """Every enabled Traffy connection, in turn; one another runner reads now is skipped
    (its row is locked for the read)."""
    made = 0
    for pk in Connection.objects.filter(system=System.TRAFFY, is_enabled=True).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            connection = (
                Connection.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("agency", "key")
                .filter(pk=pk, is_enabled=True)
                .first()
            )
            if connection is not None:
                made += catch_up(connection)
    return made


def forget_old_deliveries() -> int:
    """Remove the delivery ids older than KEEP_DELIVERIES; how many."""
    old = WebhookDelivery.objects.filter(received_at__lt=timezone.now() - KEEP_DELIVERIES)
    return old.delete()[0]
