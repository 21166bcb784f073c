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

SMALL_CELL = 5
# The signs that stand for a withheld figure, each with its own meaning, so that none
# reads as a value: a count under 5 ("<5"); a count withheld although it is 5 or more, so
# that a smaller one withheld beside it cannot be worked out from the total (secondary
# suppression); a median, share or average computed from fewer than 5 cases, which says
# nothing of the number of cases and must not read as "under 5 hours" or "under 5 points".
SUPPRESSED = f"<{SMALL_CELL}"
WITHHELD = "*"
NOT_COMPUTED = "—"
SIGNS = (SUPPRESSED, WITHHELD, NOT_COMPUTED)
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


def signs_in(rows: list[dict]) -> list[str]:
    """The signs that stand in ``rows`` (already ``shown``), in the order of ``SIGNS``."""
    found = {value for row in rows for value in row.values() if isinstance(value, str)}
    return [sign for sign in SIGNS if sign in found]


def suppress_table(rows: list[dict]) -> list[dict]:
    """The published rows of a table whose counts add up to a published total: where a
    single count of a column is under 5, the next smallest is withheld too."""
    published = [suppress(row) for row in rows]
    for key in ADDITIVE:
        hidden = [row for row in published if row[key] is None]
        shown = [
            (rows[i].get(BASIS[key]) or 0, i)
            for i, row in enumerate(published)
            if row[key] is not None
        ]
        if len(hidden) == 1 and shown:
            published[min(shown)[1]][key] = WITHHELD
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
    """``{"national": row, "provinces": [(province, row)], "agencies": [(agency, row)]}``."""
    now = now or timezone.now()
    selection = Selection(fiscal_year=fiscal_year)
    national = finish(cases_of(selection, EVERYONE).aggregate(**case_figures(now)))
    national |= finish_ratings(ratings_of(selection, EVERYONE).aggregate(**rating_figures()))
    provinces = _grouped(selection, "province_id", now)
    agencies = _grouped(selection, "lead_agency_id", now)
    all_provinces = list(Province.objects.all())
    all_agencies = list(Agency.objects.filter(is_active=True))
    return {
        "national": suppress(national),
        "provinces": _published(all_provinces, provinces),
        "agencies": _published(all_agencies, agencies),
    }
