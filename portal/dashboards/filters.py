"""The filters every dashboard page shares, read from (and written back to) the URL."""

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.collation import in_name_order
from agencies.models import Agency, Province
from agencies.permissions import DashboardScope
from agencies.thai_dates import BUDDHIST_ERA_OFFSET, ThaiDateField
from portal.templatetags.portal import thai_date
from referrals.models import Category
from strategies.fiscal import BANGKOK, fiscal_year_bounds, fiscal_year_of
from strategies.models import Project, Strategy

FIRST_FISCAL_YEAR = 2562  # the MOU's action plan began in FY 2562 (October 2018)
EARLIEST_DATE, LATEST_DATE = date(1900, 1, 1), date(2999, 12, 31)


def current_fiscal_year() -> int:
    return fiscal_year_of(timezone.now())


def date_years() -> range:
    """The years (A.D.) a period's dates may fall in: from the plan's first fiscal year
    (which began in October of the year before) to the end of next fiscal year."""
    first, after_next = FIRST_FISCAL_YEAR - 1, current_fiscal_year() + 2
    return range(first - BUDDHIST_ERA_OFFSET, after_next - BUDDHIST_ERA_OFFSET)


def fiscal_year_choices() -> list[tuple[str, str]]:
    years = range(current_fiscal_year() + 1, FIRST_FISCAL_YEAR - 1, -1)
    return [("", _("All years"))] + [(str(year), str(year)) for year in years]


class CodeChoiceField(forms.ModelChoiceField):
    """A choice named in the URL by its code (``agency=MOJ``), not its database id."""

    def label_from_instance(self, obj) -> str:
        return obj.name


class DashboardFilterForm(forms.Form):
    fy = forms.TypedChoiceField(
        label=_("Fiscal year (B.E.)"), coerce=int, empty_value=None, required=False
    )
    date_from = ThaiDateField(years=date_years, label=_("From"), required=False)
    date_to = ThaiDateField(years=date_years, label=_("To"), required=False)
    agency = CodeChoiceField(
        label=_("Agency"), queryset=Agency.objects.none(), to_field_name="code", required=False
    )
    province = CodeChoiceField(
        label=_("Province"), queryset=Province.objects.all(), to_field_name="code", required=False
    )
    category = CodeChoiceField(
        label=_("Kind of help"),
        queryset=Category.objects.all(),
        to_field_name="code",
        required=False,
    )
    strategy = CodeChoiceField(
        label=_("Strategy"), queryset=Strategy.objects.all(), to_field_name="number", required=False
    )
    project = CodeChoiceField(
        label=_("Project"),
        queryset=Project.objects.all(),
        to_field_name="code",
        required=False,
    )

    def __init__(self, data, scope: DashboardScope):
        super().__init__(data)
        self.fields["fy"].choices = fiscal_year_choices()
        agencies = Agency.objects.filter(is_active=True)
        if not scope.is_national:
            agencies = agencies.filter(pk__in=scope.agency_ids)
        self.fields["agency"].queryset = agencies
        self.fields["province"].queryset = in_name_order(Province.objects.all())
        self.fields["project"].label_from_instance = lambda project: str(project)

    def clean(self):
        cleaned = super().clean()
        for name in ("date_from", "date_to"):
            # A date far outside the plan's years overflows the period's bounds (500).
            day = cleaned.get(name)
            if day and not EARLIEST_DATE <= day <= LATEST_DATE:
                self.add_error(name, self.fields[name].error_messages["invalid"])
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end of the period cannot come before its start."))
        return cleaned


@dataclass(frozen=True)
class Selection:
    """What the figures are about: a period and any of agency, place, kind, plan."""

    fiscal_year: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    agency: Agency | None = None
    province: Province | None = None
    category: Category | None = None
    strategy: Strategy | None = None
    project: Project | None = None

    @classmethod
    def from_request(cls, params, scope: DashboardScope) -> tuple["Selection", DashboardFilterForm]:
        """The selection the query string asks for; a value that is not valid is left out
        (the form says why). Without a fiscal year in the URL, the current one."""
        data = params.copy()
        if "fy" not in data:
            data["fy"] = str(current_fiscal_year())
        form = DashboardFilterForm(data, scope)
        form.is_valid()
        values = {
            name: form.cleaned_data.get(name) for name in form.fields if name in form.cleaned_data
        }
        if "fy" in form.errors:  # not a year offered: the current one, as by default
            values["fy"] = current_fiscal_year()
        return cls(
            fiscal_year=values.get("fy"),
            date_from=values.get("date_from"),
            date_to=values.get("date_to"),
            agency=values.get("agency"),
            province=values.get("province"),
            category=values.get("category"),
            strategy=values.get("strategy"),
            project=values.get("project"),
        ), form

    def period(self) -> tuple[datetime | None, datetime | None]:
        """[start, end) of the period: the fiscal year, narrowed by the dates given."""
        start = end = None
        if self.fiscal_year:
            start, end = fiscal_year_bounds(self.fiscal_year)
        if self.date_from:
            moment = datetime.combine(self.date_from, time.min, BANGKOK)
            start = max(start, moment) if start else moment
        if self.date_to:
            moment = datetime.combine(self.date_to + timedelta(days=1), time.min, BANGKOK)
            end = min(end, moment) if end else moment
        return start, end

    def params(self) -> dict[str, str]:
        """The selection as query parameters, so that a view can be shared by its URL."""
        values = {
            "fy": str(self.fiscal_year or ""),
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
            "agency": self.agency.code if self.agency else None,
            "province": self.province.code if self.province else None,
            "category": self.category.code if self.category else None,
            "strategy": str(self.strategy.number) if self.strategy else None,
            "project": self.project.code if self.project else None,
        }
        return {key: value for key, value in values.items() if value is not None}

    def describe(self) -> list[tuple[str, str]]:
        """The selection as a reader reads it, (label, value) in the filter form's order:
        the fiscal year always, then each filter that is set."""
        fields = DashboardFilterForm.base_fields
        values = {
            "fy": str(self.fiscal_year) if self.fiscal_year else str(_("All years")),
            "date_from": thai_date(self.date_from),
            "date_to": thai_date(self.date_to),
            "agency": self.agency.name if self.agency else "",
            "province": self.province.name if self.province else "",
            "category": self.category.name if self.category else "",
            "strategy": str(self.strategy.number) if self.strategy else "",
            "project": str(self.project) if self.project else "",
        }
        return [(str(fields[name].label), value) for name, value in values.items() if value]

    def short(self) -> list[str]:
        """The selection in a few letters and codes, for the name of a downloaded file:
        ``fy2569``, ``from25681101``, ``MOL``, ``p50``, ``legal-aid``, ``s6``, ``P1``."""
        parts = [f"fy{self.fiscal_year}" if self.fiscal_year else "allyears"]
        for prefix, day in (("from", self.date_from), ("to", self.date_to)):
            if day:
                parts.append(f"{prefix}{day.year + BUDDHIST_ERA_OFFSET}{day:%m%d}")
        if self.agency:
            parts.append(self.agency.code)
        if self.province:
            parts.append(f"p{self.province.code}")
        if self.category:
            parts.append(self.category.code)
        if self.strategy:
            parts.append(f"s{self.strategy.number}")
        if self.project:
            parts.append(self.project.code)
        return parts

    def query(self, **extra) -> str:
        return urlencode({**self.params(), **{k: v for k, v in extra.items() if v is not None}})

    def but(self, **changes) -> "Selection":
        return replace(self, **changes)


def period_filter(selection: Selection, field: str) -> Q:
    start, end = selection.period()
    conditions = Q()
    if start:
        conditions &= Q(**{f"{field}__gte": start})
    if end:
        conditions &= Q(**{f"{field}__lt": end})
    return conditions


def case_filter(
    selection: Selection,
    scope: DashboardScope,
    prefix: str = "",
    *,
    in_period: bool = True,
    by_lead_agency: bool = True,
) -> Q:
    """The cases a selection counts, within the reader's scope, as a filter on
    ``<prefix>``-cases (``prefix="case__"`` from referrals or ratings). Without
    ``in_period`` or ``by_lead_agency``, the period or the agency is left to the caller.

    A strategy is matched through ids read once (its categories and projects), so that
    PostgreSQL can still answer from the cases' covering index without a join.
    """
    conditions = period_filter(selection, f"{prefix}created_at") if in_period else Q()
    if by_lead_agency and not scope.is_national:
        conditions &= Q(**{f"{prefix}lead_agency_id__in": sorted(scope.agency_ids)})
    if by_lead_agency and selection.agency:
        conditions &= Q(**{f"{prefix}lead_agency_id": selection.agency.pk})
    if selection.province:
        conditions &= Q(**{f"{prefix}province_id": selection.province.pk})
    if selection.category:
        conditions &= Q(**{f"{prefix}category_id": selection.category.pk})
    if selection.project:
        conditions &= Q(**{f"{prefix}project_id": selection.project.pk})
    if selection.strategy:
        strategy = selection.strategy
        categories = list(strategy.categories.values_list("pk", flat=True))
        projects = list(strategy.projects.values_list("pk", flat=True))
        conditions &= Q(**{f"{prefix}category_id__in": categories}) | Q(
            **{f"{prefix}project_id__in": projects}
        )
    return conditions
