"""Reads of the links to outside systems: a case by its number there, a case's numbers,
and the supervisors' page of each connection's exchanges."""

import re
from dataclasses import dataclass

from django.db.models import QuerySet

from agencies import permissions
from integrations import systems
from integrations.models import Connection, Exchange, ExternalCase
from integrations.services import NAMES

# A number at 1111 or on Traffy Fondue: letters, digits and dashes, without spaces.
OUTSIDE_NUMBER = re.compile(r"^[0-9A-Za-z][0-9A-Za-z/_-]{3,99}$")


def cases_numbered(text: str) -> QuerySet | None:
    """The ids of the cases known at an outside system by ``text`` (None: it cannot be
    such a number, so the queue's search does not look)."""
    if not OUTSIDE_NUMBER.match(text):
        return None
    return ExternalCase.objects.filter(external_id=text).values("case_id")


def numbers_of(case) -> list[tuple[str, str]]:
    return [
        (NAMES[system], number)
        for system, number in ExternalCase.objects.filter(case=case)
        .order_by("system", "created_at")
        .values_list("system", "external_id")
    ]


@dataclass(frozen=True)
class ConnectionState:
    connection: Connection
    failures: list  # the latest failed exchanges, newest first
    recent: list  # the latest exchanges of any kind
    readable: bool  # read by polling: the page offers to read it now


FAILURES_SHOWN = 20
RECENT_SHOWN = 10


def watched_connections(user) -> list[ConnectionState]:
    """The connections of the agencies whose exchanges ``user`` watches
    (``permissions.exchange_agency_ids``), each with its latest failures and exchanges."""
    agencies = permissions.exchange_agency_ids(user)
    connections = Connection.objects.filter(agency__in=agencies).select_related("agency")
    states = []
    for connection in connections.order_by("agency__sort_order", "system"):
        exchanges = Exchange.objects.filter(connection=connection).select_related(
            "case", "notification"
        )
        states.append(
            ConnectionState(
                connection=connection,
                failures=list(exchanges.filter(ok=False)[:FAILURES_SHOWN]),
                recent=list(exchanges[:RECENT_SHOWN]),
                readable=_polled(connection),
            )
        )
    return states


def _polled(connection: Connection) -> bool:
    adapter = systems.adapter(connection.system)
    return connection.is_enabled and adapter is not None and adapter.read_now is not None
