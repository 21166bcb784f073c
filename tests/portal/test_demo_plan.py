import io
from collections import Counter
from datetime import date

import pytest
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from agencies.models import Agency
from referrals.models import Case, CaseStatus, Category, Rating
from strategies.fiscal import fiscal_year_days, quarter_days
from strategies.models import (
    Activity,
    Indicator,
    IndicatorTarget,
    IndicatorValue,
    Project,
    ProjectStatus,
    Strategy,
)

pytestmark = pytest.mark.django_db
# The demo plan's fixed dates are chosen for a day in late 2026 (fiscal year 2570).
LATE_2026 = date(2026, 11, 30)


@pytest.fixture(autouse=True)
def fast_demo_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed(**options) -> str:
    out = io.StringIO()
    call_command("seed_demo", demo=True, stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def plan_rows() -> dict:
    participants = Project.participating_agencies.through.objects
    counted_kinds = Category.indicators.through.objects
    return {
        "projects": sorted(Project.objects.values_list("id", "code", "status", "budget")),
        "participants": sorted(participants.values_list("project_id", "agency_id")),
        "activities": sorted(Activity.objects.values_list("id", "project_id", "name_th")),
        "indicators": sorted(
            Indicator.objects.values_list("id", "project_id", "strategy_id", "name_th")
        ),
        "kinds counted": sorted(counted_kinds.values_list("category_id", "indicator_id")),
        "targets": sorted(IndicatorTarget.objects.values_list("id", "fiscal_year", "target")),
        "values": sorted(IndicatorValue.objects.values_list("id", "fiscal_year", "quarter")),
        "defaults": sorted(Category.objects.values_list("code", "default_project_id")),
    }


def test_running_twice_gives_the_same_plan_and_the_summary_counts_it():
    output = seed()
    first = plan_rows()
    seed()

    assert plan_rows() == first
    assert all(first.values()), [table for table, rows in first.items() if not rows]
    assert (
        f"Action plan: {Project.objects.count()} projects, {Activity.objects.count()} "
        f"activities, {Indicator.objects.count()} indicators." in output
    )


def test_every_strategy_has_two_or_three_valid_projects_with_a_mix_of_progress():
    seed()

    per_strategy = Counter(Project.objects.values_list("strategy__number", flat=True))
    assert set(per_strategy) == set(Strategy.objects.values_list("number", flat=True))
    assert len(per_strategy) == 6 and all(2 <= n <= 3 for n in per_strategy.values())
    projects = Project.objects.prefetch_related(
        "activities", "participating_agencies", "indicators__targets"
    )
    timeliness = Counter()
    for project in projects:
        project.full_clean()
        assert 1 <= project.participating_agencies.count() <= 4
        assert project.lead_agency not in project.participating_agencies.all()
        assert 1_500_000 <= project.budget <= 45_000_000
        assert 2 <= project.activities.count() <= 4
        assert 1 <= project.indicators.count() <= 3
        first_day = fiscal_year_days(project.first_fiscal_year)[0]
        last_day = fiscal_year_days(project.last_fiscal_year)[1]
        for activity in project.activities.all():
            activity.full_clean()
            assert first_day <= activity.planned_start <= activity.planned_end <= last_day
            state = activity.timeliness(LATE_2026)
            timeliness[state] += 1
            if project.status == ProjectStatus.COMPLETED:
                assert state in ("done", "late") and activity.actual_end is not None
        for indicator in project.indicators.all():
            assert [t.fiscal_year for t in indicator.targets.all()] == list(project.fiscal_years)
    assert set(timeliness) == {"done", "late", "on_time", "not_started"}, timeliness
    assert Project.objects.filter(status=ProjectStatus.COMPLETED, last_fiscal_year=2564).exists()


def test_computed_indicators_count_cases_and_reported_ones_have_values_for_past_quarters():
    seed()
    today = timezone.localdate()

    indicators = Indicator.objects.select_related("project").prefetch_related(
        "values", "categories"
    )
    assert {indicator.is_computed for indicator in indicators} == {True, False}
    assert 2 <= indicators.filter(project=None).count() <= 3
    for indicator in indicators:
        indicator.full_clean()
        strategy_id = indicator.project.strategy_id if indicator.project else indicator.strategy_id
        assert all(kind.strategy_id == strategy_id for kind in indicator.categories.all())
        if indicator.is_computed:
            assert indicator.metric
            assert not indicator.values.exists()
            continue
        assert not indicator.categories.exists()
        for value in indicator.values.all():
            value.full_clean()
            assert quarter_days(value.fiscal_year, value.quarter)[0] <= today
            assert f"ไตรมาสที่ {value.quarter} ปีงบประมาณ" in value.evidence
            assert value.reported_by is None and value.reported_at <= timezone.now()
    assert IndicatorValue.objects.filter(fiscal_year=2564, quarter=4).exists()


def test_kinds_of_help_default_to_a_project_of_their_strategy_but_keep_an_admins_choice():
    chosen = Project.objects.create(
        strategy=Strategy.objects.get(number=1),
        code="S1-X01",
        name_th="โครงการที่ผู้ดูแลระบบเลือก",
        name_en="The administrator's choice",
        lead_agency=Agency.objects.get(code="MOJ"),
        first_fiscal_year=2569,
        last_fiscal_year=2570,
    )
    Category.objects.filter(code="legal-aid").update(default_project=chosen)

    seed()

    assert Category.objects.get(code="legal-aid").default_project == chosen
    with_default = Category.objects.exclude(default_project=None)
    assert with_default.count() == Category.objects.count()
    assert not with_default.exclude(default_project__strategy=F("strategy")).exists()


def test_demo_cases_are_served_under_projects_of_their_strategy_and_some_are_rated():
    seed(cases=300)

    linked = Case.objects.exclude(project=None)
    assert linked.count() >= 150
    assert not linked.exclude(project__strategy=F("category__strategy")).exists()
    ratings = Rating.objects.all()
    assert ratings.exists()
    assert not ratings.exclude(case__status__in=[CaseStatus.RESOLVED, CaseStatus.CLOSED]).exists()
