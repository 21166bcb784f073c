"""Figures computed ahead of their readers, so that a page answers in milliseconds at a
million cases whatever a median costs.

A dashboard view is named by its page, its reader's scope and its selection (the URL's
filters). Its figures are what the page's selectors return, computed from the cases
directly; a ``DashboardSnapshot`` keeps them with the moment they were computed, and the
page says that moment. A snapshot is served while younger than its view's lifetime
(``DASHBOARD_SNAPSHOT_MINUTES``, six times that for a period that ended before this fiscal
year); an older one, or a view nobody asked for before, is computed on the spot and kept.
Celery beat renews the views people open most before they expire (every page without
filters nationally for this fiscal year, the one before and all years, and for each
agency's own readers this year; the public statistics), so those never make a reader
wait. The snapshot of a view equals the figures computed directly from the cases at its
``computed_at`` (tests check both ways).
"""

import logging
import pickle
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from agencies.models import Agency
from agencies.permissions import DashboardScope
from portal.dashboards import figures, places, plan, public
from portal.dashboards.filters import Selection, current_fiscal_year
from portal.models import DashboardSnapshot
from strategies.fiscal import fiscal_year_bounds

logger = logging.getLogger(__name__)
NATIONAL = DashboardScope(agency_ids=None)
WORK_MEM = "64MB"


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


@dataclass
class Figures:
    data: object
    computed_at: datetime
    from_snapshot: bool


def view_key(page: str, scope: DashboardScope, selection: Selection) -> str:
    who = "all" if scope.is_national else ",".join(str(a) for a in sorted(scope.agency_ids))
    return f"{page}|{who}|{selection.query()}"


def lifetime(selection: Selection) -> timedelta:
    """How long a view's figures are served: longer for a period that is over."""
    minutes = timedelta(minutes=settings.DASHBOARD_SNAPSHOT_MINUTES)
    _start, end = selection.period()
    this_year, _end = fiscal_year_bounds(current_fiscal_year())
    return 6 * minutes if end is not None and end <= this_year else minutes


def figures_for(page: str, scope: DashboardScope, selection: Selection) -> Figures:
    """The view's figures: its snapshot while fresh, else computed now (and kept)."""
    key = view_key(page, scope, selection)
    now = timezone.now()
    snapshot = (
        DashboardSnapshot.objects.filter(key=key, computed_at__gte=now - lifetime(selection))
        .only("figures", "computed_at")
        .first()
    )
    if snapshot is not None:
        return Figures(pickle.loads(snapshot.figures), snapshot.computed_at, True)  # noqa: S301 - written by refresh() alone
    return refresh(page, scope, selection)


def refresh(page: str, scope: DashboardScope, selection: Selection) -> Figures:
    """Compute a view from the cases and keep it; a failure to keep it (a read-only
    replica, two readers at once) still answers with the figures."""
    started, computed_at = time.monotonic(), timezone.now()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Medians sort every duration of the period: in memory rather than on disk.
            with connection.cursor() as cursor:
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
                    )
                ],
                update_conflicts=True,
                unique_fields=["key"],
                update_fields=["figures", "computed_at", "seconds"],
            )
    except DatabaseError:
        logger.exception("Dashboard snapshot %s not kept", page)
    return Figures(data, computed_at, False)


DASHBOARD_PAGES = ("overview", "agencies", "provinces", "strategies")


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
    view once."""
    started = time.monotonic()
    now = timezone.now()
    ages = dict(DashboardSnapshot.objects.values_list("key", "computed_at"))
    computed = 0
    for page, scope, selection in standard_views():
        computed_at = ages.get(view_key(page, scope, selection))
        if computed_at is None or computed_at < now - lifetime(selection) / 2:
            refresh(page, scope, selection)
            computed += 1
    longest = 6 * timedelta(minutes=settings.DASHBOARD_SNAPSHOT_MINUTES)
    forgotten, _ = DashboardSnapshot.objects.filter(computed_at__lt=now - longest).delete()
    return {"computed": computed, "forgotten": forgotten, "seconds": time.monotonic() - started}


def forget_plan_views(**kwargs) -> None:
    """A change to the action plan: the strategies views are computed again when read."""
    DashboardSnapshot.objects.filter(key__startswith="strategies|").delete()
