"""The public statistics: national, provincial and per-agency figures of a fiscal year,
with every figure counted over fewer than ``SMALL_CELL`` cases withheld, so that no
citizen can be singled out."""

from django.utils import timezone

from agencies.models import Agency, Province
from agencies.permissions import DashboardScope
from portal.dashboards.figures import (
    case_figures,
    cases_of,
    finish,
    finish_ratings,
    rating_figures,
    ratings_of,
)
from portal.dashboards.filters import Selection
from portal.dashboards.reach import who_reaches
from portal.dashboards.suppression import NOT_COMPUTED, SMALL_CELL, SUPPRESSED, suppress_counts

ADDITIVE = ("received", "resolved")
EVERYONE = DashboardScope(agency_ids=None)
# Each published figure and the count it rests on.
BASIS = {
    "received": "received",
    "resolved": "resolved",
    "resolve_median": "resolve_counted",
    "in_time_share": "timed",
    "satisfaction": "ratings",
}


def suppress(row: dict) -> dict:
    """The published figures of a row, None where the count behind one is under 5."""
    return {
        key: row.get(key) if (row.get(basis) or 0) >= SMALL_CELL else None
        for key, basis in BASIS.items()
    }


def shown(key: str, value):
    """A published figure as the public reads it: the figure, or the sign of why not."""
    if value is None:
        return SUPPRESSED if key in ADDITIVE else NOT_COMPUTED
    return value


def suppress_table(rows: list[dict]) -> list[dict]:
    """The published rows of a table whose counts add up to a published total: where a
    single count of a column is under 5, the next smallest is withheld too."""
    published = [suppress(row) for row in rows]
    for key in ADDITIVE:
        column = suppress_counts([row.get(BASIS[key]) or 0 for row in rows])
        for row, value in zip(published, column, strict=True):
            row[key] = value
    return published


def _published(places: list, figures: dict) -> list[tuple]:
    rows = suppress_table([figures.get(place.pk, {}) for place in places])
    return list(zip(places, rows, strict=True))


def _grouped(selection: Selection, field: str, now) -> dict:
    cases = {
        row.pop(field): finish(row)
        for row in cases_of(selection, EVERYONE)
        .values(field)
        .annotate(**case_figures(now))
        .order_by()
    }
    for row in (
        ratings_of(selection, EVERYONE)
        .values(f"case__{field}")
        .annotate(**rating_figures())
        .order_by()
    ):
        key = row.pop(f"case__{field}")
        cases.setdefault(key, {}).update(finish_ratings(row))
    return cases


def public_stats(fiscal_year: int | None, now=None) -> dict:
    """``{"national": row, "provinces": [(province, row)], "agencies": [(agency, row)],
    "reach": who reaches the portal, nationally (``reach.who_reaches``)}``."""
    now = now or timezone.now()
    selection = Selection(fiscal_year=fiscal_year)
    national = finish(cases_of(selection, EVERYONE).aggregate(**case_figures(now)))
    reach = who_reaches(selection, EVERYONE, national["received"])
    national |= finish_ratings(ratings_of(selection, EVERYONE).aggregate(**rating_figures()))
    provinces = _grouped(selection, "province_id", now)
    agencies = _grouped(selection, "lead_agency_id", now)
    all_provinces = list(Province.objects.all())
    all_agencies = list(Agency.objects.filter(is_active=True))
    return {
        "national": suppress(national),
        "provinces": _published(all_provinces, provinces),
        "agencies": _published(all_agencies, agencies),
        "reach": reach,
    }
