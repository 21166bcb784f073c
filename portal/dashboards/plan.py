"""Figures of the action plan: each strategy's and project's indicators against their
targets for a fiscal year, and whether their activities run late or on time."""

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import CharField, Count, Prefetch, Q, Value
from django.db.models.functions import Cast, Coalesce, NullIf
from django.utils import timezone

from agencies.permissions import DashboardScope
from portal.dashboards.figures import ANSWERED, RESOLVED
from portal.dashboards.filters import (
    Selection,
    case_filter,
    current_fiscal_year,
    period_filter,
)
from referrals.models import Case, Referral
from strategies.models import (
    Activity,
    CaseMetric,
    Indicator,
    Project,
    Strategy,
    YearlyValue,
)

TIMELINESS = ("late", "on_time", "done", "not_started")


@dataclass
class IndicatorProgress:
    indicator: Indicator
    target: Decimal | None
    value: Decimal | float | None
    quarters: dict[int, Decimal] = field(default_factory=dict)

    @property
    def percent_of_target(self) -> float | None:
        if self.value is None or not self.target:
            return None
        return round(100 * float(self.value) / float(self.target), 1)


@dataclass
class ProjectProgress:
    project: Project
    indicators: list[IndicatorProgress]
    activities: list[tuple[Activity, str]]

    @property
    def timeliness(self) -> Counter:
        return Counter(state for _activity, state in self.activities)


@dataclass
class StrategyProgress:
    strategy: Strategy
    indicators: list[IndicatorProgress]
    projects: list[ProjectProgress]


def _indicators(queryset):
    return queryset.prefetch_related("targets", "values", "categories")


def plan_progress(
    selection: Selection, scope: DashboardScope, today=None
) -> list[StrategyProgress]:
    """The strategies (one, if chosen) with the projects that run in the fiscal year (by
    the chosen project or agency, and for an agency's reader those it leads or joins)."""
    year = selection.fiscal_year or current_fiscal_year()
    today = today or timezone.localdate()
    strategies = Strategy.objects.prefetch_related(
        Prefetch("indicators", queryset=_indicators(Indicator.objects.all()))
    )
    projects = Project.objects.filter(first_fiscal_year__lte=year, last_fiscal_year__gte=year)
    if selection.strategy:
        strategies = strategies.filter(pk=selection.strategy.pk)
        projects = projects.filter(strategy=selection.strategy)
    if selection.project:
        projects = projects.filter(pk=selection.project.pk)
    for agencies in (scope.agency_ids, [selection.agency.pk] if selection.agency else None):
        if agencies is not None:
            projects = projects.filter(
                Q(lead_agency_id__in=agencies) | Q(participating_agencies__in=agencies)
            ).distinct()
    projects = list(
        projects.select_related("lead_agency").prefetch_related(
            "participating_agencies",
            Prefetch("activities", queryset=Activity.objects.select_related("responsible_agency")),
            Prefetch("indicators", queryset=_indicators(Indicator.objects.all())),
        )
    )
    strategies = list(strategies)
    strategy_projects: dict[int, list[int]] = {}
    for project_id, strategy_id in Project.objects.values_list("pk", "strategy_id"):
        strategy_projects.setdefault(strategy_id, []).append(project_id)
    indicators = [i for s in strategies for i in s.indicators.all()]
    indicators += [i for p in projects for i in p.indicators.all()]
    computed = computed_values(indicators, year, selection, strategy_projects, scope)

    def progress(indicator: Indicator) -> IndicatorProgress:
        target = next((t.target for t in indicator.targets.all() if t.fiscal_year == year), None)
        if indicator.is_computed:
            return IndicatorProgress(indicator, target, computed.get(indicator.pk))
        quarters = {v.quarter: v.value for v in indicator.values.all() if v.fiscal_year == year}
        return IndicatorProgress(indicator, target, yearly_value(indicator, quarters), quarters)

    by_strategy: dict[int, list[ProjectProgress]] = {}
    for project in projects:
        activities = [
            (activity, activity.timeliness(today))
            for activity in project.activities.all()
            if activity.overlaps(year)
        ]
        by_strategy.setdefault(project.strategy_id, []).append(
            ProjectProgress(project, [progress(i) for i in project.indicators.all()], activities)
        )
    return [
        StrategyProgress(
            strategy,
            [progress(i) for i in strategy.indicators.all()],
            by_strategy.get(strategy.pk, []),
        )
        for strategy in strategies
        if by_strategy.get(strategy.pk) or not (selection.project or selection.agency)
    ]


def yearly_value(indicator: Indicator, quarters: dict[int, Decimal]) -> Decimal | None:
    if not quarters:
        return None
    if indicator.yearly_value == YearlyValue.LATEST:
        return quarters[max(quarters)]
    return sum(quarters.values(), Decimal(0))


def _person():
    """Who was helped: the national ID when given, else the phone, else the case alone."""
    return Coalesce(
        NullIf("national_id_hash", Value("")),
        NullIf("citizen_phone", Value("")),
        Cast("pk", CharField()),
    )


def _indicator_cases(indicator: Indicator, strategy_projects: dict, prefix: str = "") -> Q:
    """The cases an indicator counts: linked to its project (or its strategy's projects),
    of its kinds of help if it names any."""
    if indicator.project_id:
        projects = [indicator.project_id]
    else:
        projects = strategy_projects.get(indicator.strategy_id, [])
    condition = Q(**{f"{prefix}project_id__in": projects})
    categories = [category.pk for category in indicator.categories.all()]
    if categories:
        condition &= Q(**{f"{prefix}category_id__in": categories})
    return condition


def computed_values(
    indicators: list[Indicator],
    year: int,
    selection: Selection,
    strategy_projects: dict,
    scope: DashboardScope,
) -> dict[int, float | int | None]:
    """The values of the computed indicators for the fiscal year, in two queries: the cases
    received in the year (and the selection's dates, place and kind of help) that each
    indicator counts; and the referrals made in the year about such cases. An agency's
    reader counts only the cases their agency leads and the referrals it made or received,
    as on every other page."""
    computed = [indicator for indicator in indicators if indicator.is_computed]
    if not computed:
        return {}
    in_year = selection.but(fiscal_year=year, agency=None, strategy=None, project=None)
    resolved = Q(status__in=RESOLVED)
    in_time = resolved & Q(resolved_in_time=True)
    case_aggregates, referral_aggregates = {}, {}
    for indicator in computed:
        key, metric = f"i{indicator.pk}", indicator.metric
        cases = _indicator_cases(indicator, strategy_projects)
        if metric == CaseMetric.REFERRALS_ANSWERED:
            referral_aggregates[key] = Count(
                "created_at",
                filter=_indicator_cases(indicator, strategy_projects, "case__")
                & Q(status__in=ANSWERED),
            )
        elif metric == CaseMetric.PEOPLE_HELPED:
            case_aggregates[key] = Count(_person(), distinct=True, filter=cases & resolved)
        else:
            counted = {
                CaseMetric.RECEIVED: cases,
                CaseMetric.RESOLVED: cases & resolved,
                CaseMetric.RESOLVED_IN_TIME: cases & in_time,
                CaseMetric.RESOLVED_IN_TIME_SHARE: cases & in_time,
            }[metric]
            case_aggregates[key] = Count("created_at", filter=counted)
            if metric == CaseMetric.RESOLVED_IN_TIME_SHARE:
                case_aggregates[f"{key}_of"] = Count(
                    "created_at", filter=cases & resolved & Q(resolved_in_time__isnull=False)
                )
    totals = {}
    if case_aggregates:
        totals |= Case.objects.filter(case_filter(in_year, scope)).aggregate(**case_aggregates)
    if referral_aggregates:
        place = period_filter(in_year, "created_at") & case_filter(
            in_year, scope, "case__", in_period=False, by_lead_agency=False
        )
        if not scope.is_national:
            agencies = sorted(scope.agency_ids)
            place &= Q(from_agency_id__in=agencies) | Q(to_agency_id__in=agencies)
        totals |= Referral.objects.filter(place).aggregate(**referral_aggregates)
    values: dict[int, float | int | None] = {}
    for indicator in computed:
        key = f"i{indicator.pk}"
        if indicator.metric == CaseMetric.RESOLVED_IN_TIME_SHARE:
            whole = totals[f"{key}_of"]
            values[indicator.pk] = round(100 * totals[key] / whole, 1) if whole else None
        else:
            values[indicator.pk] = totals[key]
    return values
