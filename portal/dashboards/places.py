"""Figures by place: per province or district, and what people ask for in each region."""

from django.db.models import Count
from django.utils import timezone

from agencies.models import District, Province
from agencies.permissions import DashboardScope
from agencies.regions import PROVINCE_REGION, REGIONS
from portal.dashboards.figures import (
    case_figures,
    cases_of,
    finish,
    finish_ratings,
    rating_figures,
    ratings_of,
)
from portal.dashboards.filters import Selection
from referrals.models import Category

EMPTY = ("received", "open", "overdue", "resolved", "in_time")


def _rows(places, selection: Selection, scope: DashboardScope, field: str, now) -> list[dict]:
    """One row per place (with or without cases): its case figures and satisfaction."""
    cases = {
        row.pop(field): finish(row)
        for row in cases_of(selection, scope).values(field).annotate(**case_figures(now)).order_by()
    }
    ratings = {
        row.pop(f"case__{field}"): finish_ratings(row)
        for row in ratings_of(selection, scope)
        .values(f"case__{field}")
        .annotate(**rating_figures())
        .order_by()
    }
    empty = finish(dict.fromkeys(EMPTY, 0))
    return [
        {
            "place": place,
            "region": PROVINCE_REGION.get(getattr(place, "province_id", place.pk)),
            **cases.get(place.pk, empty),
            **ratings.get(place.pk, {"ratings": 0}),
        }
        for place in places
    ]


def by_province(selection: Selection, scope: DashboardScope, now=None) -> list[dict]:
    provinces = Province.objects.all()
    if selection.province:
        provinces = provinces.filter(pk=selection.province.pk)
    return _rows(list(provinces), selection, scope, "province_id", now or timezone.now())


def by_district(
    province: Province, selection: Selection, scope: DashboardScope, now=None
) -> list[dict]:
    selection = selection.but(province=province)
    districts = list(District.objects.filter(province=province))
    return _rows(districts, selection, scope, "district_id", now or timezone.now())


def needs_by_region(selection: Selection, scope: DashboardScope) -> list[dict]:
    """Requests per kind of help in each of the six regions: one row per kind, a count per
    region (by region code) and in all."""
    counts: dict[tuple[int, str], int] = {}
    for province, category, n in (
        cases_of(selection, scope)
        .values("province_id", "category_id")
        .annotate(n=Count("*"))
        .order_by()
        .values_list("province_id", "category_id", "n")
    ):
        region = PROVINCE_REGION[province].code
        counts[category, region] = counts.get((category, region), 0) + n
    categories = Category.objects.all()
    if selection.category:
        categories = categories.filter(pk=selection.category.pk)
    rows = []
    for category in categories:
        per_region = {region.code: counts.get((category.pk, region.code), 0) for region in REGIONS}
        rows.append({"category": category, **per_region, "total": sum(per_region.values())})
    return rows
