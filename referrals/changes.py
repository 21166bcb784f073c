"""The changes feed: every line of the timelines a caller may see, in the order written.

A back office stays in step by asking for what came after the cursor it last got. On
PostgreSQL the order is that of the writing transactions (``CaseEvent.transaction_id``),
and only transactions older than every one still writing to the database are served: an
event committed late is never passed over, and no event is served twice. SQLite writes one
transaction at a time, so there the ids alone keep that promise.
"""

import re
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL

from agencies import permissions
from referrals.models import CaseEvent

# The oldest transaction still writing in this database (its rows may yet appear below
# the newest ones), or the next to come when none is: every event of an older transaction
# is final. Transactions of other databases of the cluster do not hold the feed back.
SETTLED = """(
    SELECT COALESCE(
        MIN(running::text::bigint), pg_snapshot_xmax(pg_current_snapshot())::text::bigint
    )
    FROM pg_snapshot_xip(pg_current_snapshot()) AS running
    WHERE xid(running) IN (
        SELECT backend_xid FROM pg_stat_activity
        WHERE datname = current_database() AND backend_xid IS NOT NULL
    )
)"""
CURSOR = re.compile(r"^(\d{1,18})\.(\d{1,18})$")
START = "0.0"


@dataclass(frozen=True)
class Page:
    events: list
    cursor: str


def valid_cursor(text: str) -> bool:
    return bool(CURSOR.match(text or ""))


def changes(user, after: str = START, limit: int = 100) -> Page:
    """Up to ``limit`` events after the cursor ``after`` (from a previous page, or "0.0"
    for the beginning) of cases ``user`` may see, and the cursor of the next page (the
    same cursor when nothing new is ready)."""
    transaction_id, event_id = (int(part) for part in CURSOR.match(after).groups())
    events = permissions.visible_cases(user, CaseEvent.objects.all(), through="case")
    if connection.vendor == "postgresql":
        settled = RawSQL(SETTLED, [])  # noqa: S611 - a constant, no parameter
        events = events.filter(
            Q(transaction_id__gt=transaction_id)
            | Q(transaction_id=transaction_id, id__gt=event_id),
            transaction_id__lt=settled,
        ).order_by("transaction_id", "id")
    else:
        events = events.filter(id__gt=event_id).order_by("id")
    page = list(events.select_related("case", "actor", "actor_key", "actor_agency")[:limit])
    if not page:
        return Page([], after)
    last = page[-1]
    return Page(page, f"{last.transaction_id or 0}.{last.pk}")
