"""Figures computed ahead of their readers, so that a page answers in milliseconds at a
million cases whatever a median costs.

A dashboard view is named by its page, its reader's scope and its selection (the URL's
filters). Its figures are what the page's selectors return, computed from the cases
directly; a ``DashboardSnapshot`` keeps them with the moment they were computed, and the
page says that moment. A snapshot is served as it is while younger than its view's
lifetime (``DASHBOARD_SNAPSHOT_MINUTES``; six times that for a period that ended before
this fiscal year, and for all years at once). Past its lifetime it is still served, saying
so, for up to ``STALE_LIFETIMES`` lifetimes, while a worker counts the view again: the
first reader to find it so asks for that recount (an atomic claim on the row, so that a
crowd of readers asks once), the others see it under way. Only a view older still, or one
nobody asked for before, is computed on the spot (and kept), for a signed-in reader. The
public never waits: an anonymous reader of the statistics gets the last snapshot however
old, or, for a year nobody read before, a page saying it is being counted while a worker
counts it (asked once, by the first of them, through a row kept without figures).
Celery beat renews the views people open most before they expire (every page without
filters nationally for this fiscal year, the one before and all years, and for each
agency's own readers this year; the public statistics), so those never make a reader
wait. The snapshot of a view equals the figures computed directly from the cases at its
``computed_at`` (tests check both ways).
"""

import contextvars
import logging
import pickle
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import (
    DatabaseError,
    IntegrityError,
    connection,
    connections,
    router,
    transaction,
)
from django.db.models import BinaryField, Case, Q, When
from django.http import QueryDict
from django.utils import timezone

from agencies.models import Agency
from agencies.permissions import DashboardScope
from portal.dashboards import figures, places, plan, public
from portal.dashboards.filters import Selection, current_fiscal_year
from portal.models import DashboardSnapshot
from strategies.fiscal import fiscal_year_bounds

logger = logging.getLogger(__name__)
NATIONAL = DashboardScope(agency_ids=None)
LOCK_ID = 7_310_002  # the advisory lock of refresh_standard_views
# Raised whenever what the selectors return changes shape: older snapshots are then
# never read (and are forgotten by the next refresh).
FORMAT = 2
WORK_MEM = "64MB"
STALE_LIFETIMES = 6
# The figures of a view asked for by a reader who does not wait, before a worker counted it.
COUNTING = b""


def _overview(selection, scope):
    return figures.overview(selection, scope)


def _agencies(selection, scope):
    return {
        "rows": figures.by_agency(selection, scope),
        "cells": figures.referral_matrix(selection, scope),
        "contested": figures.contested_cases(selection, scope),
    }


def _provinces(selection, scope):
    return {
        "rows": places.by_province(selection, scope),
        "needs": places.needs_by_region(selection, scope),
    }


def _strategies(selection, scope):
    return plan.plan_progress(selection, scope)


def _public(selection, scope):
    return public.public_stats(selection.fiscal_year)


PAGES: dict[str, Callable] = {
    "overview": _overview,
    "agencies": _agencies,
    "provinces": _provinces,
    "strategies": _strategies,
    "stats": _public,
}
DASHBOARD_PAGES = ("overview", "agencies", "provinces", "strategies")  # the tabs


@dataclass
class Figures:
    data: object
    computed_at: datetime
    from_snapshot: bool
    # Past the view's lifetime, or asked to be counted again: a worker is at it.
    recounting: bool = False
    # This reader is the one who asked: the caller queues the recount, after its commit.
    recount_claimed: bool = False
    # When each tab of the same reader and selection was counted (those that were).
    tabs: dict[str, datetime] = field(default_factory=dict)


def view_key(page: str, scope: DashboardScope, selection: Selection) -> str:
    who = "all" if scope.is_national else ",".join(str(a) for a in sorted(scope.agency_ids))
    return f"{page}|v{FORMAT}|{who}|{selection.query()}"


def lifetime(selection: Selection) -> timedelta:
    """How long a view's figures are served: longer for a period that is over, and for
    every year at once (the slowest to count, and the least moved by a day's cases)."""
    minutes = timedelta(minutes=settings.DASHBOARD_SNAPSHOT_MINUTES)
    start, end = selection.period()
    this_year, _end = fiscal_year_bounds(current_fiscal_year())
    over = end is not None and end <= this_year
    return 6 * minutes if over or (start is None and end is None) else minutes


def servable(selection: Selection) -> timedelta:
    """How old a view's snapshot may be and still be served while it is counted again."""
    return STALE_LIFETIMES * lifetime(selection)


def figures_for(
    page: str, scope: DashboardScope, selection: Selection, wait: bool = True
) -> Figures:
    """The view's figures: its snapshot while fresh; past its lifetime, its snapshot still
    (up to ``servable``) with a recount asked for by the first reader to find it so
    (``recount_claimed``: the caller queues ``portal.tasks.recount_dashboards``); older,
    unreadable or never counted, computed now and kept. With them, in the same query, the
    moments at which the other tabs of the same reader and selection were counted.

    A reader who must not ``wait`` (the public) is never made to: they get the last
    snapshot however old, or, when the view was never counted, no figures (``data`` None)
    while a worker counts them, asked once by the first of them (``_counting``)."""
    key = view_key(page, scope, selection)
    now = timezone.now()
    tabs = DASHBOARD_PAGES if page in DASHBOARD_PAGES else (page,)
    keys = {view_key(tab, scope, selection): tab for tab in tabs}
    rows = DashboardSnapshot.objects.filter(key__in=keys)
    if wait:
        rows = rows.filter(computed_at__gte=now - servable(selection))
    rows = (
        # Only this view's figures travel; of the other tabs, their moment.
        rows.annotate(
            kept=Case(When(key=key, then="figures"), output_field=BinaryField())
        ).values_list("key", "computed_at", "recount_asked_at", "kept")
    )
    moments, mine = {}, None
    for row_key, computed_at, asked_at, kept in rows:
        if row_key == key:
            mine = (computed_at, asked_at, kept)
            if not kept:  # asked for, not counted yet
                continue
        moments[keys[row_key]] = computed_at
    if mine is not None and mine[2]:  # counted, not only asked for
        computed_at, asked_at, kept = mine
        try:
            data = pickle.loads(kept)  # noqa: S301 - written by refresh() alone
        except Exception:  # a snapshot this code can no longer read: count afresh
            logger.exception("Dashboard snapshot %s unreadable", key)
        else:
            found = Figures(data, computed_at, True, tabs=moments)
            asked_lately = asked_at is not None and asked_at >= now - lifetime(selection)
            if computed_at < now - lifetime(selection) and not asked_lately:
                found.recount_claimed = _claim(key, selection, now)
            found.recounting = asked_lately or found.recount_claimed
            return found
    if not wait:
        counting = _counting(key, selection, now, moments)
        if counting is not None:
            return counting
    found = refresh(page, scope, selection)
    found.tabs = {**moments, page: found.computed_at}
    return found


def _counting(key: str, selection: Selection, now: datetime, moments: dict) -> Figures | None:
    """No figures yet for a reader who does not wait: the view is kept as asked for (a row
    without figures) and a worker counts it, asked by the first reader, as ``_claim``
    says (of two at once, one inserts the row; the other finds it asked for). None when
    the database refuses to keep the asking: nothing could keep the figures either, so
    they are counted now, as for any reader."""
    try:
        with transaction.atomic():
            DashboardSnapshot.objects.create(
                key=key, figures=COUNTING, computed_at=now, seconds=0, recount_asked_at=now
            )
        claimed = True
    except IntegrityError:
        claimed = _claim(key, selection, now)
    except DatabaseError:
        logger.exception("Dashboard view %s not asked for", key)
        return None
    return Figures(None, now, False, recounting=True, recount_claimed=claimed, tabs=moments)


def _claim(key: str, selection: Selection, now: datetime) -> bool:
    """Whether this reader is the one to ask for the view to be counted again: nobody has
    asked within its lifetime (one UPDATE; of two readers at once, one gets the row)."""
    asked_lately = Q(recount_asked_at__gte=now - lifetime(selection))
    return bool(
        DashboardSnapshot.objects.filter(key=key).exclude(asked_lately).update(recount_asked_at=now)
    )


def claim_recount(pages: list[str], scope: DashboardScope, selection: Selection) -> list[str]:
    """The pages to count again for a reader who asks for it (a reader's selection): those
    kept that nobody asked for lately, and those never counted; none when every one kept
    is already being counted again at another reader's asking."""
    now = timezone.now()
    keys = {view_key(page, scope, selection): page for page in pages}
    kept = set(DashboardSnapshot.objects.filter(key__in=keys).values_list("key", flat=True))
    claimed = {key for key in kept if _claim(key, selection, now)}
    if kept and not claimed:
        return []
    return [page for key, page in keys.items() if key in claimed or key not in kept]


def tab_moments(pages, scope: DashboardScope, selection: Selection) -> dict[str, datetime]:
    """When the kept views of these pages for this reader and selection were counted."""
    keys = {view_key(page, scope, selection): page for page in pages}
    cutoff = timezone.now() - servable(selection)
    found = DashboardSnapshot.objects.filter(key__in=keys, computed_at__gte=cutoff)
    return {keys[key]: moment for key, moment in found.values_list("key", "computed_at")}


def recount(pages: list[str], agency_ids: list[int] | None, query: str) -> int:
    """Count these pages again for a reader's scope (``agency_ids``, None: every agency)
    and selection (its query string), as ``portal.tasks.recount_dashboards`` asks."""
    scope = DashboardScope(agency_ids=None if agency_ids is None else frozenset(agency_ids))
    selection, _form = Selection.from_request(QueryDict(query), scope)
    for page in pages:
        refresh(page, scope, selection)
    return len(pages)


def refresh(page: str, scope: DashboardScope, selection: Selection) -> Figures:
    """Compute a view from the cases and keep it; a failure to keep it (a read-only
    replica, two readers at once) still answers with the figures."""
    started, computed_at = time.monotonic(), timezone.now()
    # Counted where the cases are read: the replica for a reader or a worker whose reads
    # may come from it (agencies/replica.py), else the primary.
    counted_on = router.db_for_read(DashboardSnapshot)
    with transaction.atomic(using=counted_on):
        if connections[counted_on].vendor == "postgresql":
            # Medians sort every duration of the period: in memory rather than on disk.
            with connections[counted_on].cursor() as cursor:
                cursor.execute("SELECT set_config('work_mem', %s, true)", [WORK_MEM])
        data = PAGES[page](selection, scope)
    seconds = time.monotonic() - started
    try:
        # Its own savepoint: a database that refuses writes leaves the request's
        # transaction usable.
        with transaction.atomic():
            # One INSERT ... ON CONFLICT UPDATE: the same statement whether or not the view
            # was kept before, and no race between two readers keeping it at once.
            DashboardSnapshot.objects.bulk_create(
                [
                    DashboardSnapshot(
                        key=view_key(page, scope, selection),
                        figures=pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL),
                        computed_at=computed_at,
                        seconds=seconds,
                        recount_asked_at=None,
                    )
                ],
                update_conflicts=True,
                unique_fields=["key"],
                update_fields=["figures", "computed_at", "seconds", "recount_asked_at"],
            )
    except DatabaseError:
        logger.exception("Dashboard snapshot %s not kept", page)
    return Figures(data, computed_at, False)


def standard_views() -> list[tuple[str, DashboardScope, Selection]]:
    """The views people open most: every page without filters nationally (inspectors) for
    the current fiscal year, the one before and all years; for each agency's supervisors
    and CCEOs, this year; the public statistics of this year and the one before."""
    year = current_fiscal_year()
    this_year, years = Selection(fiscal_year=year), [Selection(fiscal_year=year - 1), Selection()]
    agencies = [
        DashboardScope(agency_ids=frozenset({pk}))
        for pk in Agency.objects.filter(is_active=True).values_list("pk", flat=True)
    ]
    views = [(page, NATIONAL, s) for page in DASHBOARD_PAGES for s in [this_year, *years]]
    views += [(page, scope, this_year) for page in DASHBOARD_PAGES for scope in agencies]
    views += [("stats", NATIONAL, s) for s in (this_year, years[0])]
    return views


def refresh_standard_views() -> dict:
    """Recompute every standard view past half its lifetime, so that a reader never waits
    for one; forget snapshots too old to serve. Running it twice in a row computes each
    view once; a run that finds another still working does nothing; a view that fails is
    logged and the others go on."""
    started = time.monotonic()
    with _only_runner() as alone:
        if not alone:
            return {"computed": 0, "forgotten": 0, "seconds": 0.0, "busy": True}
        return _refresh(started)


@contextmanager
def _only_runner():
    """A PostgreSQL advisory lock for the session, so that two workers never count the
    same views at once (beat's ``expires`` only drops runs still queued)."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_ID])
        alone = cursor.fetchone()[0]
    try:
        yield alone
    finally:
        if alone:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_ID])


def _refresh(started: float) -> dict:
    now = timezone.now()
    # When each view was counted, and how long that took (none for a view only asked for).
    kept = {
        key: (computed_at, took)
        for key, computed_at, took in DashboardSnapshot.objects.annotate(
            took=Case(When(figures=COUNTING, then=None), default="seconds")
        ).values_list("key", "computed_at", "took")
    }
    due = []
    for view in standard_views():
        computed_at, _took = kept.get(view_key(*view), (None, None))
        if computed_at is None or computed_at < now - lifetime(view[2]) / 2:
            due.append(view)
    # The slowest first (as each took last time; never counted: first of all), so that the
    # connections counting side by side end together rather than one waiting on the last.
    took = {key: seconds for key, (_computed_at, seconds) in kept.items() if seconds is not None}
    due.sort(key=lambda view: -took.get(view_key(*view), float("inf")))
    computed = _count(due, _connections())
    # The oldest a snapshot may be served: a period that is over, past its lifetime.
    longest = STALE_LIFETIMES * 6 * timedelta(minutes=settings.DASHBOARD_SNAPSHOT_MINUTES)
    forgotten, _ = DashboardSnapshot.objects.filter(
        Q(computed_at__lt=now - longest) | ~Q(key__contains=f"|v{FORMAT}|")
    ).delete()
    return {"computed": computed, "forgotten": forgotten, "seconds": time.monotonic() - started}


def _connections() -> int:
    """How many views are counted at once: ``DASHBOARD_REFRESH_CONNECTIONS`` on
    PostgreSQL, each on a connection of its own; one on SQLite, which writes one at a time."""
    if connections[router.db_for_read(DashboardSnapshot)].vendor != "postgresql":
        return 1
    return max(1, settings.DASHBOARD_REFRESH_CONNECTIONS)


def _count(views: list, at_once: int) -> int:
    """Count ``views`` and keep them, ``at_once`` at a time: each thread takes the next view
    not yet taken, on its own database connections (closed when it is done), in a copy of
    this context (so that reads still go to the replica under ``replica_reads``). A view
    the database fails is logged and the others go on; any other error (a fault of the
    code) stops every thread at its next view and is raised when they have stopped, the
    others' logged. Returns how many were kept."""
    pending = queue.SimpleQueue()
    for view in views:
        pending.put(view)
    computed, stop = [], threading.Event()

    def work() -> None:
        while not stop.is_set():
            try:
                page, scope, selection = pending.get_nowait()
            except queue.Empty:
                return
            try:
                refresh(page, scope, selection)
            except DatabaseError:
                logger.exception("Dashboard view %s not refreshed", page)
                continue
            except BaseException:
                stop.set()
                raise
            computed.append(page)

    def work_apart() -> None:
        try:
            work()
        finally:
            connections.close_all()  # this thread's own

    if at_once <= 1 or len(views) <= 1:
        work()
        return len(computed)
    with ThreadPoolExecutor(max_workers=at_once, thread_name_prefix="dashboards") as pool:
        running = [
            pool.submit(contextvars.copy_context().run, work_apart)
            for _ in range(min(at_once, len(views)))
        ]
    errors = [thread.exception() for thread in running if thread.exception() is not None]
    for error in errors[1:]:
        logger.error("Dashboard refresh also failed", exc_info=error)
    if errors:
        raise errors[0]
    return len(computed)


def forget_plan_views(**kwargs) -> None:
    """A change to the action plan: the strategies views are computed again when read."""
    DashboardSnapshot.objects.filter(key__startswith="strategies|").delete()
