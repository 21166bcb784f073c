"""The provinces (under their region, or ranked by a figure), what people ask for in each
region, and the districts of a province."""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _

from agencies.collation import sorted_by_name
from agencies.models import Province
from agencies.regions import PROVINCE_REGION, REGIONS
from portal.dashboards import places
from portal.dashboards.tables import SCORE, TEXT, Column, Table
from portal.dashboards.views.columns import FIGURE_COLUMNS, with_hours
from portal.dashboards.views.reading import counted_now, dashboard, read, render_page

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
        with_hours(row)
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
    found = read("provinces", scope, selection)
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
    return render_page(
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
    return render_page(
        request,
        "dashboards/province.html",
        "province",
        (scope, selection, form),
        [table],
        counted_now(scope, selection),
        exported=selection.but(province=chosen),
        province=chosen,
        region=PROVINCE_REGION.get(chosen.code),
        sort=sort,
        descending=descending,
        sortable=SORTABLE,
    )
