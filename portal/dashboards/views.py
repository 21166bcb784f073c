"""The dashboards' pages: read-only, for inspectors (every agency) and an agency's
supervisors and CCEOs (their own). Each page's tables download as CSV or XLSX
(``?export=csv&table=<key>`` beside the page's own filters), saying first which filters
they hold and when their figures were counted.

Every page says when its figures were counted, and says so loudly when the tabs of the same
selection were counted at other moments, with a button that has them all counted again."""

import logging
from datetime import datetime
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from agencies.collation import sorted_by_name
from agencies.models import Agency, District, Province
from agencies.permissions import DashboardScope, dashboard_scope
from agencies.regions import PROVINCE_REGION, REGIONS
from portal import tasks
from portal.dashboards import figures, places, public, snapshots
from portal.dashboards.filters import Selection, current_fiscal_year, fiscal_year_choices
from portal.dashboards.tables import (
    DATE,
    HOURS,
    MONTH,
    PERCENT,
    SCORE,
    TEXT,
    About,
    Column,
    Table,
    csv_response,
    hours,
    xlsx_response,
)

logger = logging.getLogger(__name__)
PAGE_SIZE = 50
EXPORT_LIMIT = 10_000
MAX_PAGE = 2000
EXPORTS = {"csv": csv_response, "xlsx": xlsx_response}
TABS = {
    "overview": gettext_lazy("Overview"),
    "agencies": gettext_lazy("Agencies"),
    "provinces": gettext_lazy("Provinces"),
    "strategies": gettext_lazy("Strategies"),
}


def dashboard(view):
    """Signed-in readers of a dashboard scope; the scope and the selection ride along."""

    @login_required
    @require_safe
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        scope = dashboard_scope(request.user)
        if scope is None:
            raise PermissionDenied(
                _("The dashboards are for ministry inspectors and agency supervisors and CCEOs.")
            )
        selection, form = Selection.from_request(request.GET, scope)
        return view(request, scope, selection, form, *args, **kwargs)

    return wrapper


def _agency_ids(scope: DashboardScope) -> list[int] | None:
    return None if scope.is_national else sorted(scope.agency_ids)


def _recount_later(pages: list[str], scope: DashboardScope, selection: Selection) -> None:
    """Ask a worker, once the request's writes are kept, to count these views again; a
    broker that is down leaves them as they are (the next reader past their lifetime asks
    again)."""

    def ask():
        try:
            tasks.recount_dashboards.delay(pages, _agency_ids(scope), selection.query())
        except Exception:
            logger.warning("Dashboard views %s not queued for a recount", pages, exc_info=True)

    transaction.on_commit(ask)


def _read(page: str, scope: DashboardScope, selection: Selection) -> snapshots.Figures:
    """A page's figures (``snapshots.figures_for``); when this reader is the first to find
    them past their lifetime, a worker counts them again behind the reader."""
    found = snapshots.figures_for(page, scope, selection)
    if found.recount_claimed:
        _recount_later([page], scope, selection)
    return found


def _minute(moment: datetime) -> datetime:
    return timezone.localtime(moment).replace(second=0, microsecond=0)


def _moments(page: str, computed_at: datetime, tabs: dict[str, datetime]) -> dict:
    """When this page and each tab of the same selection were counted (the tabs never
    counted yet left out), and whether any differs from this page to the minute shown."""
    here = _("%(tab)s (this page)") % {"tab": TABS[page]} if page in TABS else _("This page")
    listed = [(here, computed_at, True)]
    listed += [(TABS[tab], tabs[tab], False) for tab in TABS if tab != page and tab in tabs]
    return {
        "tab_moments": listed,
        "moments_differ": any(
            _minute(moment) != _minute(computed_at) for _label, moment, _here in listed
        ),
    }


def _render(
    request,
    template,
    here: str,
    reading: tuple[DashboardScope, Selection, object],
    tables,
    found: snapshots.Figures,
    about: tuple[list, list] = ([], []),
    exported: Selection | None = None,
    **context,
):
    """The page, or one of its tables as a download when ``export`` asks for it. The
    download names its filters first: those of the selection (``exported`` when the page
    narrows it further) and ``about``'s, as (label, value) pairs and short parts."""
    scope, selection, form = reading
    export = request.GET.get("export")
    if export:
        table = next((t for t in tables if t.key == request.GET.get("table")), None)
        if export not in EXPORTS or table is None:
            raise Http404(_("No such table to download."))
        exported = exported or selection
        filters, short = about
        return EXPORTS[export](
            table,
            About(
                filters=exported.describe() + filters,
                short=exported.short() + short,
                computed_at=found.computed_at,
            ),
        )
    return render(
        request,
        template,
        {
            "selection": selection,
            "form": form,
            "filters_shown": selection.describe(),
            "scope": scope,
            "tables": {table.key: table for table in tables},
            "computed_at": found.computed_at,
            "recounting": found.recounting,
            **_moments(here, found.computed_at, found.tabs),
            **context,
        },
    )


@login_required
@require_POST
def recount(request):
    """Every tab of the reader's selection counted again by a worker (those not already
    being counted), then back to the page the reader came from."""
    scope = dashboard_scope(request.user)
    if scope is None:
        raise PermissionDenied(
            _("The dashboards are for ministry inspectors and agency supervisors and CCEOs.")
        )
    selection, _form = Selection.from_request(request.GET, scope)
    pages = snapshots.claim_recount(list(TABS), scope, selection)
    if pages:
        _recount_later(pages, scope, selection)
        messages.success(
            request, _("Every tab is being counted again. Reload the page in a minute or two.")
        )
    else:
        messages.info(request, _("Every tab is already being counted again."))
    back = request.POST.get("next", "")
    if not (
        back.startswith(reverse("dashboards:overview"))
        and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()})
    ):
        back = f"{reverse('dashboards:overview')}?{selection.query()}"
    return redirect(back)


# --- Columns shared by the tables ----------------------------------------------------------

FIGURE_COLUMNS = [
    Column("received", gettext_lazy("Requests received"), drill="received"),
    Column("open", gettext_lazy("Open"), drill="open"),
    Column("overdue", gettext_lazy("Overdue"), drill="overdue"),
    Column("resolved", gettext_lazy("Resolved"), drill="resolved"),
    Column("acknowledge_hours", gettext_lazy("Median time to acknowledge (working hours)"), HOURS),
    Column("resolve_hours", gettext_lazy("Median time to resolve (working hours)"), HOURS),
    Column("in_time_share", gettext_lazy("Resolved within the deadline (percent)"), PERCENT),
]


def _with_hours(row: dict) -> dict:
    row["acknowledge_hours"] = hours(row.get("acknowledge_median"))
    row["resolve_hours"] = hours(row.get("resolve_median"))
    row["answer_hours"] = hours(row.get("answer_median"))
    return row


def _case_columns(with_district: bool = False) -> list[Column]:
    """The columns of a list of cases: what a dashboard may show of each, nothing personal."""
    place = [Column("province", _("Province"), TEXT)]
    if with_district:
        place.append(Column("district", _("District"), TEXT))
    return [
        Column("reference", _("Reference"), TEXT),
        Column("received", _("Received"), DATE),
        Column("category", _("Kind of help"), TEXT),
        *place,
        Column("lead", _("Lead agency"), TEXT),
        Column("status", _("Status"), TEXT),
    ]


def _case_row(case, scope) -> dict:
    return {
        "reference": case.reference,
        # An agency's managers open their cases; an inspector reads no case page.
        "detail_url": "" if scope.is_national else case.get_absolute_url(),
        "received": case.created_at,
        "category": case.category.name,
        "province": case.province.name,
        "lead": case.lead_agency.name,
        "status": case.get_status_display(),
    }


# --- Overview -------------------------------------------------------------------------------


@dashboard
def overview(request, scope, selection, form):
    found = _read("overview", scope, selection)
    summary = found.data
    cases = _with_hours(summary.cases | summary.referrals)
    headline = Table(
        "overview",
        _("The figures of the period"),
        [Column("figure", _("Figure"), TEXT), Column("value", _("Value"), TEXT)],
        [
            {"figure": _("Requests received"), "value": cases["received"], "drill": "received"},
            {"figure": _("Open"), "value": cases["open"], "drill": "open"},
            {"figure": _("Overdue"), "value": cases["overdue"], "drill": "overdue"},
            {"figure": _("Resolved"), "value": cases["resolved"], "drill": "resolved"},
            {
                "figure": _("Resolved within the deadline (percent)"),
                "value": cases["in_time_share"],
                "drill": "in_time",
            },
            {
                "figure": _("Median time to acknowledge (working hours)"),
                "value": cases["acknowledge_hours"],
            },
            {
                "figure": _("Median time to answer a referral (working hours)"),
                "value": cases["answer_hours"],
            },
            {
                "figure": _("Median time to resolve (working hours)"),
                "value": cases["resolve_hours"],
            },
            {"figure": _("Referrals made or received"), "value": cases["referrals"]},
            {
                "figure": _("Referrals accepted (percent of answered)"),
                "value": cases["acceptance_rate"],
            },
        ],
    )
    ratings = summary.ratings
    satisfaction = Table(
        "satisfaction",
        _("What citizens said (average of 1 to 5)"),
        [Column("question", _("Question"), TEXT), Column("score", _("Average score"), SCORE)],
        [
            {"question": _("How useful the help was"), "score": ratings["usefulness"]},
            {"question": _("How clearly it was explained"), "score": ratings["clarity"]},
            {"question": _("Overall satisfaction"), "score": ratings["satisfaction"]},
        ],
        chart="bar",
        chart_columns=("score",),
        chart_max=5,
    )
    trend_columns = [
        Column("period", _("Period"), DATE),
        Column("received", _("Requests received")),
        Column("resolved", _("Resolved")),
    ]
    months = Table(
        "months",
        _("Requests received and resolved by month"),
        [Column("period", _("Month"), MONTH), *trend_columns[1:]],
        summary.months,
        chart="line",
        chart_columns=("received", "resolved"),
    )
    weeks = Table(
        "weeks",
        _("The last twelve weeks of the period"),
        [Column("period", _("Week starting"), DATE), *trend_columns[1:]],
        summary.weeks,
        chart="bar",
        chart_columns=("received", "resolved"),
    )
    return _render(
        request,
        "dashboards/overview.html",
        "overview",
        (scope, selection, form),
        [headline, satisfaction, months, weeks],
        found,
        cases=cases,
        ratings=ratings,
    )


# --- Agencies -------------------------------------------------------------------------------


@dashboard
def agencies(request, scope, selection, form):
    found = _read("agencies", scope, selection)
    rows = [_with_hours(row) for row in found.data["rows"]]
    for row in rows:
        row["name"] = row["agency"].name
        row["query"] = selection.query(agency=row["agency"].code)
    table = Table(
        "agencies",
        _("Each agency: its cases as lead agency, and the referrals it was asked to answer"),
        [
            Column("name", _("Agency"), TEXT),
            *FIGURE_COLUMNS,
            Column("referrals", _("Referrals received")),
            Column("acceptance_rate", _("Referrals accepted (percent of answered)"), PERCENT),
            Column("answer_hours", _("Median time to answer a referral (working hours)"), HOURS),
        ],
        rows,
        chart="bar",
        chart_columns=("received", "resolved"),
    )
    names = {agency.pk: agency for agency in Agency.objects.filter(is_active=True)}
    cells = found.data["cells"]
    matrix_agencies = [
        agency for agency in names.values() if scope.covers(agency.pk) or _touches(cells, agency.pk)
    ]
    matrix_rows = [
        {
            "from": sender,
            "cells": [
                (receiver, _with_hours(cells[sender.pk, receiver.pk]))
                if (sender.pk, receiver.pk) in cells
                else (receiver, None)
                for receiver in matrix_agencies
            ],
        }
        for sender in matrix_agencies
    ]
    flows = Table(
        "referral_flows",
        _("Referrals between agencies"),
        [
            Column("from", _("From"), TEXT),
            Column("to", _("To"), TEXT),
            Column("referrals", _("Referrals"), drill="received"),
            Column("acceptance_rate", _("Accepted (percent of answered)"), PERCENT),
            Column("answer_hours", _("Median time to answer (working hours)"), HOURS),
        ],
        [
            {
                "from": names[a].name,
                "to": names[b].name,
                "query": selection.query(**{"from": names[a].code, "to": names[b].code}),
                **_with_hours(dict(cell)),
            }
            for (a, b), cell in sorted(cells.items())
            if a in names and b in names
        ],
    )
    contested = found.data["contested"]
    reason_names = {
        "declined": _("Declined by two agencies or more"),
        "returned": _("Referred back and forth"),
        "transferred": _("Transferred twice or more"),
    }
    contested_table = Table(
        "contested",
        _("Cases passed between agencies or declined by several"),
        [*_case_columns(), Column("why", _("Why it is listed"), TEXT)],
        [
            {
                **_case_row(item.case, scope),
                "why": "; ".join(str(reason_names[r]) for r in item.reasons),
            }
            for item in contested
        ],
    )
    return _render(
        request,
        "dashboards/agencies.html",
        "agencies",
        (scope, selection, form),
        [table, flows, contested_table],
        found,
        matrix_agencies=matrix_agencies,
        matrix_rows=matrix_rows,
        contested_limit=figures.CONTESTED_LIMIT,
    )


def _touches(cells: dict, agency_id: int) -> bool:
    return any(agency_id in pair for pair in cells)


# --- Provinces ------------------------------------------------------------------------------

SORTABLE = {"name", "received", "open", "overdue", "resolved", "acknowledge_hours"}
SORTABLE |= {"resolve_hours", "in_time_share", "satisfaction"}
REGION_ORDER = {region.code: index for index, region in enumerate(REGIONS)}


def _sorted(request, rows: list[dict]) -> tuple[list[dict], str, bool]:
    """The rows by the column the reader chose (names in dictionary order), the rows
    without a figure last."""
    key = request.GET.get("sort") if request.GET.get("sort") in SORTABLE else "name"
    descending = request.GET.get("order") == "desc"
    present = [row for row in rows if row.get(key) is not None]
    missing = [row for row in rows if row.get(key) is None]
    if key == "name":
        present = sorted_by_name(present, name=lambda row: row["name"])
        if descending:
            present.reverse()
    else:
        present.sort(key=lambda row: row[key], reverse=descending)
    return present + missing, key, descending


def _place_rows(rows, selection, place_param) -> list[dict]:
    """The rows as the table shows them (and sorts them: by name, by hours)."""
    for row in rows:
        _with_hours(row)
        row["name"] = row["place"].name
        row["region_name"] = row["region"].name if row["region"] else ""
        row["query"] = selection.query(**{place_param: row["place"].code})
        if place_param == "province":
            url = reverse("dashboards:province", args=[row["place"].code])
            row["detail_url"] = f"{url}?{selection.query()}"
    return rows


def _place_table(key, caption, rows, place_param, by_region: bool = False):
    """Provinces (with their region, shown as groups when ``by_region``) or the districts
    of one province (all in its region, named once above them)."""
    region = [Column("region_name", _("Region"), TEXT)] if place_param == "province" else []
    return Table(
        key,
        caption,
        [
            Column("name", _("Province") if place_param == "province" else _("District"), TEXT),
            *region,
            *FIGURE_COLUMNS,
            Column("satisfaction", _("Overall satisfaction (1 to 5)"), SCORE),
        ],
        rows,
        group_by="region_name" if by_region else "",
    )


def _needs_table(rows, selection) -> Table:
    for row in rows:
        row["name"] = row["category"].name
        row["query"] = selection.query(category=row["category"].code)
    return Table(
        "needs_by_region",
        _("What people ask for, by kind of help and region"),
        [
            Column("name", _("Kind of help"), TEXT),
            *[
                Column(
                    region.code, region.name, drill="received", drill_params=f"region={region.code}"
                )
                for region in REGIONS
            ],
            Column("total", _("All regions"), drill="received"),
        ],
        rows,
        chart="bar",
        chart_columns=tuple(region.code for region in REGIONS),
    )


@dashboard
def provinces(request, scope, selection, form):
    found = _read("provinces", scope, selection)
    rows = _place_rows(found.data["rows"], selection, "province")
    rows, sort, descending = _sorted(request, rows)
    # In name order the provinces stand under their region; sorted by a figure, they
    # are ranked across the country, each with its region.
    by_region = sort == "name"
    if by_region:  # a stable sort: in dictionary order within each region
        rows.sort(key=lambda row: REGION_ORDER[row["region"].code] if row["region"] else 0)
    table = _place_table(
        "provinces", _("Each province"), rows, place_param="province", by_region=by_region
    )
    return _render(
        request,
        "dashboards/provinces.html",
        "provinces",
        (scope, selection, form),
        [table, _needs_table(found.data["needs"], selection)],
        found,
        sort=sort,
        descending=descending,
        sortable=SORTABLE,
    )


@dashboard
def province(request, scope, selection, form, code):
    chosen = get_object_or_404(Province, code=code)
    rows = _place_rows(
        places.by_district(chosen, selection, scope), selection.but(province=chosen), "district"
    )
    rows, sort, descending = _sorted(request, rows)
    table = _place_table(
        "districts",
        _("Each district of %(province)s") % {"province": chosen.name},
        rows,
        place_param="district",
    )
    return _render(
        request,
        "dashboards/province.html",
        "province",
        (scope, selection, form),
        [table],
        _counted_now(scope, selection),
        exported=selection.but(province=chosen),
        province=chosen,
        region=PROVINCE_REGION.get(chosen.code),
        sort=sort,
        descending=descending,
        sortable=SORTABLE,
    )


def _counted_now(scope: DashboardScope, selection: Selection) -> snapshots.Figures:
    """A page counted at each request (the districts of a province, the cases behind a
    figure), with the moments of the tabs of the same selection beside it."""
    return snapshots.Figures(
        None, timezone.now(), False, tabs=snapshots.tab_moments(list(TABS), scope, selection)
    )


# --- Strategies -----------------------------------------------------------------------------


@dashboard
def strategies(request, scope, selection, form):
    found = _read("strategies", scope, selection)
    progress = found.data
    year = selection.fiscal_year or current_fiscal_year()
    indicator_rows, activity_rows = [], []
    timeliness_names = {
        "late": _("Late"),
        "on_time": _("On time"),
        "done": _("Done"),
        "not_started": _("Not started"),
    }
    for strategy in progress:
        owners = [(strategy.strategy, None, strategy.indicators)]
        owners += [(strategy.strategy, p.project, p.indicators) for p in strategy.projects]
        for owner_strategy, project, indicators in owners:
            for item in indicators:
                indicator_rows.append(
                    {
                        "strategy": owner_strategy.number,
                        "project": project.code if project else "",
                        "indicator": item.indicator.name,
                        "unit": item.indicator.unit,
                        "measured": item.indicator.get_measurement_display(),
                        "target": item.target,
                        "value": item.value,
                        "percent": item.percent_of_target,
                    }
                )
        for project in strategy.projects:
            for activity, state in project.activities:
                activity_rows.append(
                    {
                        "project": project.project.code,
                        "activity": activity.name,
                        "agency": activity.responsible_agency.name,
                        "planned_start": activity.planned_start,
                        "planned_end": activity.planned_end,
                        "actual_start": activity.actual_start,
                        "actual_end": activity.actual_end,
                        "progress": activity.progress,
                        "state": timeliness_names[state],
                    }
                )
    indicators = Table(
        "indicators",
        _("Indicators against their targets, fiscal year %(year)s") % {"year": year},
        [
            Column("strategy", _("Strategy"), TEXT),
            Column("project", _("Project"), TEXT),
            Column("indicator", _("Indicator"), TEXT),
            Column("unit", _("Unit"), TEXT),
            Column("measured", _("Measured"), TEXT),
            Column("target", _("Target")),
            Column("value", _("Result")),
            Column("percent", _("Percent of target"), PERCENT),
        ],
        indicator_rows,
    )
    activities = Table(
        "activities",
        _("Activities of fiscal year %(year)s") % {"year": year},
        [
            Column("project", _("Project"), TEXT),
            Column("activity", _("Activity"), TEXT),
            Column("agency", _("Responsible agency"), TEXT),
            Column("planned_start", _("Planned start"), DATE),
            Column("planned_end", _("Planned end"), DATE),
            Column("actual_start", _("Actual start"), DATE),
            Column("actual_end", _("Actual end"), DATE),
            Column("progress", _("Progress (percent)"), PERCENT),
            Column("state", _("On time or late"), TEXT),
        ],
        activity_rows,
    )
    return _render(
        request,
        "dashboards/strategies.html",
        "strategies",
        (scope, selection, form),
        [indicators, activities],
        found,
        progress=progress,
        year=year,
        timeliness_names=timeliness_names,
    )


# --- The cases behind a figure --------------------------------------------------------------


@dashboard
def cases(request, scope, selection, form):
    figure = request.GET.get("figure")
    if figure not in figures.DRILL_FIGURES:
        figure = "received"
    district = None
    if request.GET.get("district", "").isdigit():  # a DOPA code (a NUL byte would be a 500)
        district = District.objects.filter(code=request.GET["district"]).first()
    region = next((r for r in REGIONS if r.code == request.GET.get("region")), None)
    provinces_of_region = None
    if region:
        provinces_of_region = [code for code, r in PROVINCE_REGION.items() if r == region]
    referred = None
    codes = {a.code: a.pk for a in Agency.objects.all()}
    if request.GET.get("from") in codes and request.GET.get("to") in codes:
        referred = (codes[request.GET["from"]], codes[request.GET["to"]])
    narrowing = {"district": district, "provinces": provinces_of_region, "referred": referred}
    found = figures.cases_behind(selection, scope, figure, **narrowing)
    withheld = figures.cases_behind(selection, scope, figure, restricted=True, **narrowing)
    page = Paginator(found, PAGE_SIZE).get_page(_page_number(request))
    # A download holds every case behind the figure (up to EXPORT_LIMIT), not one page.
    listed = found[:EXPORT_LIMIT] if request.GET.get("export") else page.object_list
    rows = [
        {
            **_case_row(case, scope),
            "district": case.district.name if case.district_id else "",
            "resolved": case.resolved_at,
            "resolve_hours": hours(case.resolve_seconds),
            "in_time": {True: _("Yes"), False: _("No"), None: ""}[case.resolved_in_time],
        }
        for case in listed
    ]
    table = Table(
        "cases",
        _("The cases behind the figure"),
        [
            *_case_columns(with_district=True),
            Column("resolved", _("Resolved"), DATE),
            Column("resolve_hours", _("Time to resolve (working hours)"), HOURS),
            Column("in_time", _("Within the deadline"), TEXT),
        ],
        rows,
    )
    extra = request.GET.copy()
    extra.pop("page", None)
    extra.pop("export", None)
    extra.pop("table", None)
    return _render(
        request,
        "dashboards/cases.html",
        "cases",
        (scope, selection, form),
        [table],
        _counted_now(scope, selection),
        about=_narrowed(
            figure, district, region, (request.GET["from"], request.GET["to"]) if referred else None
        ),
        page=page,
        figure=figure,
        district=district,
        region=region,
        referred=referred,
        query_without_page=extra.urlencode(),
        links_to_cases=not scope.is_national,
        withheld=withheld.count() if scope.is_national else 0,
    )


FIGURE_NAMES = {
    "received": gettext_lazy("Requests received"),
    "open": gettext_lazy("Open"),
    "overdue": gettext_lazy("Overdue"),
    "resolved": gettext_lazy("Resolved"),
    "in_time": gettext_lazy("Resolved within the deadline"),
    "late": gettext_lazy("Resolved after the deadline"),
}


def _narrowed(figure, district, region, referred) -> tuple[list, list]:
    """What the cases behind a figure are, beyond the selection: for their download."""
    filters, short = [(_("Cases counted as"), str(FIGURE_NAMES[figure]))], [figure]
    if district:
        filters.append((_("District"), district.name))
        short.append(f"d{district.code}")
    if region:
        filters.append((_("Region"), region.name))
        short.append(region.code)
    if referred:
        sender, receiver = referred
        filters.append((_("Referrals"), f"{sender} → {receiver}"))
        short.append(f"{sender}-{receiver}")
    return filters, short


def _page_number(request) -> int:
    try:
        return min(max(1, int(request.GET.get("page", 1))), MAX_PAGE)
    except ValueError:
        return 1


# --- Public statistics ----------------------------------------------------------------------

SIGN_NOTES = {
    public.SUPPRESSED: gettext_lazy(
        "fewer than %(small_cell)s: the number is not shown, so that no one can be singled out."
    ),
    public.WITHHELD: gettext_lazy(
        "not shown either, so that a smaller number beside it cannot be worked out from the total."
    ),
    public.NOT_COMPUTED: gettext_lazy(
        "not worked out: fewer than %(small_cell)s cases to work it out from (resolved, "
        "with a deadline, or rated)."
    ),
}


def _sign_notes(rows: list[dict]) -> list[tuple[str, str]]:
    """(sign, what it means) for each sign that stands in ``rows``."""
    return [
        (sign, str(SIGN_NOTES[sign]) % {"small_cell": public.SMALL_CELL})
        for sign in public.signs_in(rows)
    ]


def _published(level: str, name: str, row: dict) -> dict:
    """A row of the public statistics as the public reads it: each withheld figure as the
    sign that says why."""
    figures = {**row, "resolve_hours": hours(row["resolve_median"])}
    del figures["resolve_median"]
    shown = {key: public.shown(key, value) for key, value in figures.items()}
    return {"level": level, "name": name, **shown}


@require_safe
def public_stats(request):
    """National, per-agency and provincial figures of a fiscal year for anyone, without
    signing in; a figure resting on fewer than five cases is withheld, each kind with its
    own sign, explained under each table. The provinces in dictionary order.
    ``?export=csv&table=stats`` downloads them."""
    years = [int(value) for value, _label in fiscal_year_choices() if value]
    try:
        year = int(request.GET.get("fy", ""))
    except ValueError:
        year = current_fiscal_year()
    if year not in years:
        year = current_fiscal_year()
    found = _read("stats", snapshots.NATIONAL, Selection(fiscal_year=year))
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
    if request.GET.get("export") == "csv":
        rows = national + agencies + provinces
        table = Table("stats", caption, [Column("level", _("Level"), TEXT), *columns], rows)
        about = About(
            filters=[(_("Fiscal year (B.E.)"), str(year))],
            short=[f"fy{year}"],
            computed_at=found.computed_at,
            notes=[f"{sign} {note}" for sign, note in _sign_notes(rows)],
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
                (key, heading, Table(key, heading, columns, rows), _sign_notes(rows))
                for key, heading, rows in groups
            ],
            "signs": public.SIGNS,
            "year": year,
            "years": years,
            "small_cell": public.SMALL_CELL,
            "computed_at": found.computed_at,
        },
    )
