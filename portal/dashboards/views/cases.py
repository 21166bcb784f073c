"""The cases behind a figure, without personal data, a page at a time or all at once
as a download."""

from django.core.paginator import Paginator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies.models import Agency, District
from agencies.regions import PROVINCE_REGION, REGIONS
from portal.dashboards import figures
from portal.dashboards.tables import DATE, HOURS, TEXT, Column, Table, hours
from portal.dashboards.views.columns import case_columns, case_row
from portal.dashboards.views.reading import counted_now, dashboard, render_page

PAGE_SIZE = 50
EXPORT_LIMIT = 10_000
MAX_PAGE = 2000


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
            **case_row(case, scope),
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
            *case_columns(with_district=True),
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
    return render_page(
        request,
        "dashboards/cases.html",
        "cases",
        (scope, selection, form),
        [table],
        counted_now(scope, selection),
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
