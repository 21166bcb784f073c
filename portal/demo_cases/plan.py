"""The demo action plan in the database: the projects of ``projects``, each the default of
its kinds of help that have none, with targets for every year and, for reported indicators, a
value for each quarter that has ended (computed ones are counted from the demo cases).

Idempotent: rows are found by their natural keys, and what an administrator has changed (a
category's default project, an indicator's kinds of help) is kept.
"""

import zlib
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from agencies.models import Agency
from portal.demo_cases.projects import PROJECTS, STRATEGY_INDICATORS, UNITS, DemoIndicator
from referrals.models import Category
from strategies.fiscal import BANGKOK, quarter_days
from strategies.models import (
    Activity,
    Indicator,
    IndicatorTarget,
    IndicatorValue,
    Measurement,
    Project,
    Strategy,
    YearlyValue,
)

# A quarter's share of a yearly sum (slow first quarters, as budgets are released), and how
# far towards its target a level has come by the end of each quarter.
PACE = {1: Decimal("0.15"), 2: Decimal("0.25"), 3: Decimal("0.28"), 4: Decimal("0.32")}
LEVEL = {1: Decimal("0.85"), 2: Decimal("0.9"), 3: Decimal("0.95"), 4: Decimal("1")}
# How well an indicator does in a year, drawn by a checksum of its name and the year so that
# the dashboards show a mix, the same on every run.
ACHIEVED = (Decimal("1.04"), Decimal("0.93"), Decimal("0.78"))
REPORTED_AFTER = timedelta(days=12)
ACTIVITY_DATES = ("planned_start", "planned_end", "actual_start", "actual_end")


def create_demo_plan() -> int:
    """Create the demo projects with their activities and indicators, and make each the
    default project of its kinds of help that have none; return the number of projects."""
    agencies = {agency.code: agency for agency in Agency.objects.all()}
    strategies = {strategy.number: strategy for strategy in Strategy.objects.all()}
    today = timezone.localdate()
    for row in PROJECTS:
        code, number, lead, partners, first, last, budget, status, categories = row[:9]
        name_th, name_en, description, activities, indicators = row[9:]
        project, created = Project.objects.get_or_create(
            code=code,
            defaults={
                "strategy": strategies[number],
                "name_th": name_th,
                "name_en": name_en,
                "lead_agency": agencies[lead],
                "first_fiscal_year": first,
                "last_fiscal_year": last,
                "budget": budget,
                "description": description,
                "status": status,
            },
        )
        if created:
            project.participating_agencies.set([agencies[c] for c in partners.split()])
        Category.objects.filter(
            code__in=categories, strategy=project.strategy, default_project=None
        ).update(default_project=project)
        for agency, *dates, progress, activity_th, activity_en in activities:
            days = (day and date.fromisoformat(day) for day in dates)
            Activity.objects.get_or_create(
                project=project,
                name_th=activity_th,
                defaults={
                    "name_en": activity_en,
                    "responsible_agency": agencies[agency],
                    "progress": progress,
                    **dict(zip(ACTIVITY_DATES, days, strict=True)),
                },
            )
        for order, indicator in enumerate(indicators, start=1):
            owner = {"project": project, "strategy": None}
            agency = agencies[indicator.by or lead]
            _indicator(indicator, owner, agency, range(first, last + 1), order, today)
    for number, agency, first, last, indicator in STRATEGY_INDICATORS:
        owner = {"strategy": strategies[number], "project": None}
        _indicator(indicator, owner, agencies[agency], range(first, last + 1), 1, today)
    return Project.objects.count()


def _indicator(
    spec: DemoIndicator, owner: dict, agency: Agency, years: range, order: int, today: date
) -> None:
    """One indicator with its target for each of ``years`` and, if reported, a value for
    each quarter that has ended, somewhat above or below its share of the target."""
    unit_th, unit_en = UNITS[spec.unit]
    indicator, created = Indicator.objects.get_or_create(
        **owner,
        name_th=spec.name_th,
        defaults={
            "name_en": spec.name_en,
            "unit_th": unit_th,
            "unit_en": unit_en,
            "responsible_agency": agency,
            "measurement": Measurement.COMPUTED if spec.metric else Measurement.REPORTED,
            "metric": spec.metric,
            "yearly_value": spec.yearly_value,
            "sort_order": order,
        },
    )
    if created and spec.categories:
        indicator.categories.add(*Category.objects.filter(code__in=spec.categories))
    for year, target in zip(years, spec.targets, strict=True):
        IndicatorTarget.objects.get_or_create(
            indicator=indicator, fiscal_year=year, defaults={"target": target}
        )
        if indicator.is_computed:
            continue
        share = LEVEL if indicator.yearly_value == YearlyValue.LATEST else PACE
        achieved = ACHIEVED[zlib.crc32(f"{spec.name_th} {year}".encode()) % len(ACHIEVED)]
        for quarter in range(1, 5):
            ended = quarter_days(year, quarter)[1]
            if ended >= today:
                break
            reported_at = datetime.combine(ended + REPORTED_AFTER, time(10), BANGKOK)
            IndicatorValue.objects.get_or_create(
                indicator=indicator,
                fiscal_year=year,
                quarter=quarter,
                defaults={
                    "value": (target * share[quarter] * achieved).quantize(Decimal(1)),
                    "evidence": f"{spec.evidence} ไตรมาสที่ {quarter} ปีงบประมาณ พ.ศ. {year}",
                    "reported_at": min(reported_at, timezone.now()),
                },
            )
