"""The public statistics, for anyone without signing in."""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from agencies.collation import sorted_by_name
from agencies.replica import reads_from_replica
from portal.dashboards import public, snapshots
from portal.dashboards.filters import Selection, current_fiscal_year, fiscal_year_choices
from portal.dashboards.suppression import SIGNS, SMALL_CELL, sign_notes
from portal.dashboards.tables import (
    HOURS,
    PERCENT,
    SCORE,
    TEXT,
    About,
    Column,
    Table,
    csv_response,
    hours,
)
from portal.dashboards.views.reach import reach_tables
from portal.dashboards.views.reading import read


def _published(level: str, name: str, row: dict) -> dict:
    """A row of the public statistics as the public reads it: each withheld figure as the
    sign that says why."""
    figures = {**row, "resolve_hours": hours(row["resolve_median"])}
    del figures["resolve_median"]
    shown = {key: public.shown(key, value) for key, value in figures.items()}
    return {"level": level, "name": name, **shown}


# How long a reader is asked to wait before figures being counted are there.
RETRY_SECONDS = 60


def _being_counted(request, year: int, years: list[int]):
    """The figures of a year nobody read before, while a worker counts them: the page
    says so (and still offers the other years); a download answers 503 with when to try
    again, so that no one saves an empty file."""
    if request.GET.get("export"):
        response = HttpResponse(
            _("The figures of fiscal year %(year)s are being counted. Try again in a minute.")
            % {"year": year},
            status=503,
            content_type="text/plain; charset=utf-8",
        )
    else:
        response = render(
            request, "portal/stats.html", {"counting": True, "year": year, "years": years}
        )
    response["Retry-After"] = str(RETRY_SECONDS)
    return response


@require_safe
@reads_from_replica
def public_stats(request):
    """National, per-agency and provincial figures of a fiscal year for anyone, without
    signing in; a figure resting on fewer than five cases is withheld, each kind with its
    own sign, explained under each table. The provinces in dictionary order. Then who
    reaches the portal, nationally, by the same rule. ``?export=csv&table=stats``
    downloads the first (``table=reach`` or ``reach_<question>`` the others)."""
    years = [int(value) for value, _label in fiscal_year_choices() if value]
    try:
        year = int(request.GET.get("fy", ""))
    except ValueError:
        year = current_fiscal_year()
    if year not in years:
        year = current_fiscal_year()
    # Nobody waits for the public figures: the last ones counted, however old, or a word
    # that they are being counted (the first such reader asked a worker).
    found = read("stats", snapshots.NATIONAL, Selection(fiscal_year=year), wait=False)
    if found.data is None:
        return _being_counted(request, year, years)
    stats = found.data
    columns = [
        Column("name", _("Name"), TEXT),
        Column("received", _("Requests received")),
        Column("resolved", _("Resolved")),
        Column("resolve_hours", _("Median time to resolve (working hours)"), HOURS),
        Column("in_time_share", _("Resolved within the deadline (percent)"), PERCENT),
        Column("satisfaction", _("Overall satisfaction (1 to 5)"), SCORE),
    ]
    national = [_published(_("Whole country"), _("Thailand"), stats["national"])]
    agencies = [_published(_("Agency"), a.name, row) for a, row in stats["agencies"]]
    provinces = sorted_by_name(
        [_published(_("Province"), p.name, row) for p, row in stats["provinces"]],
        name=lambda row: row["name"],
    )
    caption = _("Public statistics, fiscal year %(year)s") % {"year": year}
    reach = reach_tables(stats["reach"])
    if request.GET.get("export") == "csv":
        rows = national + agencies + provinces
        table = next(
            (t for t in reach if t.key == request.GET.get("table")),
            Table("stats", caption, [Column("level", _("Level"), TEXT), *columns], rows),
        )
        rows = table.rows
        about = About(
            filters=[(_("Fiscal year (B.E.)"), str(year))],
            short=[f"fy{year}"],
            computed_at=found.computed_at,
            notes=[f"{sign} {note}" for sign, note in sign_notes(rows)],
        )
        return csv_response(table, about)
    groups = [
        ("national", _("Whole country"), national),
        ("by-agency", _("By agency"), agencies),
        ("by-province", _("By province"), provinces),
    ]
    return render(
        request,
        "portal/stats.html",
        {
            "groups": [
                (key, heading, Table(key, heading, columns, rows), sign_notes(rows))
                for key, heading, rows in groups
            ],
            "reach": [(table.key, table, sign_notes(table.rows)) for table in reach],
            "signs": SIGNS,
            "year": year,
            "years": years,
            "small_cell": SMALL_CELL,
            "computed_at": found.computed_at,
            "recounting": found.recounting,
        },
    )
