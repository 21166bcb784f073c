"""Reads of the links to outside systems: a case by its number there, a case's numbers,
the supervisors' page of each connection's exchanges, the imports of 1111 files and the
status file back."""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import OuterRef, QuerySet, Subquery

from agencies import permissions
from integrations import systems
from integrations.models import Connection, Exchange, ExternalCase, ImportRun, System
from integrations.services import CHANNELS, NAMES
from referrals.models import CaseEvent, EventKind

# A number at 1111 or on Traffy Fondue: letters, digits and dashes, without spaces.
OUTSIDE_NUMBER = re.compile(r"^[0-9A-Za-z][0-9A-Za-z/_-]{3,99}$")


def cases_numbered(text: str) -> QuerySet | None:
    """The ids of the cases known at an outside system by ``text`` (None: it cannot be
    such a number, so the queue's search does not look)."""
    if not OUTSIDE_NUMBER.match(text):
        return None
    return ExternalCase.objects.filter(external_id=text).values_list("case_id", flat=True)


def numbers_of(case) -> list[tuple[str, str]]:
    if case.channel not in CHANNELS.values():  # only such a case is ever linked
        return []
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


# --- Imports of 1111 files, and the status file back ---------------------------------------

RUNS_LISTED = 30


def import_runs(user) -> QuerySet:
    """The latest imports of the agencies ``user`` imports for, newest first."""
    return (
        ImportRun.objects.filter(agency__in=permissions.import_agency_ids(user))
        .select_related("agency", "by")
        .order_by("-created_at", "-id")[:RUNS_LISTED]
    )


def import_run_for(user, pk: int) -> ImportRun | None:
    """The import ``pk`` if it is one of an agency ``user`` imports for."""
    return (
        ImportRun.objects.filter(pk=pk, agency__in=permissions.import_agency_ids(user))
        .select_related("agency", "by")
        .first()
    )


# The lines of the timeline that move a case from one status to another: a case with
# one of them on a day is in that day's status file.
STATUS_MOVES = (
    EventKind.CREATED,
    EventKind.ACCEPTED,
    EventKind.REJECTED,
    EventKind.MARKED_DUPLICATE,
    EventKind.TRANSFERRED,
    EventKind.OFFICE_CHANGED,
    EventKind.INFORMATION_REQUESTED,
    EventKind.INFORMATION_RECEIVED,
    EventKind.RESOLVED,
    EventKind.CLOSED,
    EventKind.CLOSED_AUTOMATICALLY,
    EventKind.REOPENED,
    EventKind.WITHDRAWN,
)


def status_changes(user, agency_id: int, day: date) -> QuerySet:
    """The links to 1111 of the agency's cases (those ``user`` may see) whose status moved
    on ``day`` (a day in Bangkok), each with ``changed_at``, the last move of that day."""
    start = datetime.combine(day, time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))
    moves = CaseEvent.objects.filter(
        case=OuterRef("case"),
        kind__in=STATUS_MOVES,
        created_at__gte=start,
        created_at__lt=start + timedelta(days=1),
    ).order_by("-created_at")
    links = ExternalCase.objects.filter(system=System.GCC_1111, case__lead_agency=agency_id)
    return (
        permissions.visible_cases(user, links, through="case")
        .annotate(changed_at=Subquery(moves.values("created_at")[:1]))
        .filter(changed_at__isnull=False)
        .select_related("case__category", "case__province", "case__district", "case__subdistrict")
        .order_by("external_id")
    )
