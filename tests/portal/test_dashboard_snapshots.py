"""The dashboards' snapshots (``portal.dashboards.snapshots``): the figures of a view kept
with the moment they were computed, served while younger than the view's lifetime.

- a snapshot equals the figures the selectors compute from the cases at its moment, both
  ways (snapshot first, or the selectors first);
- a page inside its view's lifetime shows the snapshot's figures (stale by design) and
  says when they were counted; after the lifetime it still shows them, saying they are
  being counted again, while a worker counts them (asked once, by the first reader), and
  then the new ones; after six lifetimes, or a refresh past half of one, the new ones at
  once; a period that ended before this fiscal year lives six times longer;
- a page past its lifetime costs a warm page and one UPDATE, and counts nothing;
- every tab says when it was counted and, when the tabs of a selection were counted at
  other moments, lists them, with a button that has every tab counted again;
- ``refresh_standard_views`` (the Celery beat task) computes each standard view once,
  renews those past half their lifetime, and forgets the snapshots too old to serve;
- a page served from a snapshot costs the same few queries for 1 case or 30;
- a snapshot that cannot be kept still leaves the page answered with its figures;
- an agency's reader never receives the national snapshot, nor another agency's.

``tests/conftest.py`` makes pages count afresh (a lifetime of 0); these tests give the
views a lifetime of 10 minutes again. The clock is frozen at NOW (20 March 2026 12:00,
fiscal year 2569) and moved by the tests.
"""

import dataclasses
import importlib
import re
import threading
from datetime import date, timedelta
from unittest.mock import patch

import pytest
from django.db import DatabaseError, connection, models
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from agencies import replica
from agencies.models import Agency, Role
from agencies.permissions import DashboardScope
from portal.dashboards import figures, places, plan, public, snapshots
from portal.dashboards.filters import Selection
from portal.dashboards.snapshots import (
    DASHBOARD_PAGES,
    FORMAT,
    NATIONAL,
    figures_for,
    lifetime,
    refresh_standard_views,
    standard_views,
    view_key,
)
from portal.models import DashboardSnapshot
from portal.tasks import refresh_dashboards
from portal.templatetags.portal import thai_date
from referrals.models import Case, Category
from strategies.models import (
    Activity,
    CaseMetric,
    Indicator,
    IndicatorTarget,
    IndicatorValue,
    Measurement,
    Project,
    Strategy,
)
from tests.factories import InspectorFactory
from tests.helpers import other_connections
from tests.portal.dashboard_data import (
    ACCEPTED,
    DECLINED,
    NEW,
    NOW,
    PENDING,
    RESOLVED,
    YEAR,
    make_case,
    make_referral,
    rate,
    year_of_cases,
)
from tests.processes import wait_until
from tests.referrals.clock import Clock, at
from tests.referrals.factories import agency, staff

pytestmark = pytest.mark.django_db

MINUTES = 10  # the lifetime of a view of this fiscal year in these tests
MINUTE = timedelta(minutes=1)
SECOND = timedelta(seconds=1)
PAGES = {
    "overview": lambda: reverse("dashboards:overview"),
    "agencies": lambda: reverse("dashboards:agencies"),
    "provinces": lambda: reverse("dashboards:provinces"),
    "strategies": lambda: reverse("dashboards:strategies"),
    "stats": lambda: reverse("public_stats"),
}


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def clock():
    """``timezone.now()`` frozen at NOW (fiscal year 2569); set ``clock.now`` to move it."""
    frozen = Clock(NOW)
    with patch("django.utils.timezone.now", new=frozen):
        yield frozen


@pytest.fixture
def lifetime_of_ten_minutes(settings):
    settings.DASHBOARD_SNAPSHOT_MINUTES = MINUTES


def scope_of(code: str) -> DashboardScope:
    return DashboardScope(agency_ids=frozenset({agency(code).pk}))


# --- A small fixed set of cases and a plan --------------------------------------------------


@pytest.fixture
def cases():
    """The cases of ``year_of_cases`` (led by MOL, FY 2568 and 2569, with ratings and
    referrals), two of them in project P1 of strategy 6; two cases of legal aid led by MOJ
    (one declined by MOPH and MOI: contested), five of health care in Khon Kaen led by
    MOPH, and one MOJ case of FY 2568. P1 runs 2568-2570 with a computed indicator, a
    reported one and an activity."""
    made = year_of_cases()
    p1 = Project.objects.create(
        strategy=Strategy.objects.get(number=6),
        code="P1",
        name_th="โครงการ P1",
        name_en="Project P1",
        lead_agency=agency("MOL"),
        first_fiscal_year=2568,
        last_fiscal_year=2570,
    )
    Case.objects.filter(pk__in=[made["c1"].pk, made["c2"].pk]).update(project=p1)
    received = Indicator.objects.create(
        project=p1,
        name_th="รับเรื่อง",
        name_en="Received",
        unit_th="ราย",
        unit_en="cases",
        responsible_agency=agency("MOL"),
        measurement=Measurement.COMPUTED,
        metric=CaseMetric.RECEIVED,
    )
    received.categories.set(Category.objects.filter(code="unpaid-wages"))
    IndicatorTarget.objects.create(indicator=received, fiscal_year=YEAR, target=6)
    trained = Indicator.objects.create(
        project=p1,
        name_th="อบรม",
        name_en="Trained",
        unit_th="คน",
        unit_en="people",
        responsible_agency=agency("MOL"),
        measurement=Measurement.REPORTED,
    )
    IndicatorTarget.objects.create(indicator=trained, fiscal_year=YEAR, target=50)
    IndicatorValue.objects.create(
        indicator=trained, fiscal_year=YEAR, quarter=1, value=20, evidence="รายงาน"
    )
    Activity.objects.create(
        project=p1,
        name_th="อบรมเจ้าหน้าที่",
        responsible_agency=agency("MOL"),
        planned_start=date(2025, 11, 1),
        planned_end=date(2026, 3, 1),
        actual_start=date(2025, 11, 1),
        progress=80,
    )
    legal = make_case(at(2025, 12, 8, 10), RESOLVED, "legal-aid", resolved_at=at(2025, 12, 9))
    make_case(at(2026, 2, 9, 10), NEW, "legal-aid", province="50")
    make_referral(legal, "MOPH", DECLINED, at(2025, 12, 8, 11), 3600)
    make_referral(legal, "MOI", DECLINED, at(2025, 12, 8, 11), 7200)
    make_referral(legal, "MOL", ACCEPTED, at(2025, 12, 8, 12), 1800)
    for number in range(5):
        health = make_case(at(2026, 1, 5 + number, 10), NEW, "healthcare-access", "40")
        rate(health, 4, 4, 3 + number % 3)
    make_case(at(2025, 3, 3, 10), RESOLVED, "legal-aid", resolved_at=at(2025, 3, 4))
    make_referral(made["c7"], "MOJ", PENDING, at(2026, 3, 11, 9))
    return made


# --- The figures, directly from the selectors ---------------------------------------------


def direct(page: str, scope: DashboardScope, selection: Selection):
    """The figures of a view as the selectors compute them now, without any snapshot."""
    if page == "overview":
        return figures.overview(selection, scope)
    if page == "agencies":
        return {
            "rows": figures.by_agency(selection, scope),
            "cells": figures.referral_matrix(selection, scope),
            "contested": figures.contested_cases(selection, scope),
        }
    if page == "provinces":
        return {
            "rows": places.by_province(selection, scope),
            "needs": places.needs_by_region(selection, scope),
        }
    if page == "strategies":
        return plan.plan_progress(selection, scope)
    assert page == "stats"
    return public.public_stats(selection.fiscal_year)


def plain(value):
    """The meaningful values of a page's figures: a row (model instance) by its model and
    primary key, a dataclass by its fields, containers item by item."""
    if isinstance(value, models.Model):
        return (value._meta.label, value.pk)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (
            type(value).__name__,
            {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)},
        )
    if isinstance(value, dict):
        return {plain(key): plain(item) for key, item in value.items()}
    if isinstance(value, tuple):
        return tuple(plain(item) for item in value)
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def name(page: str, scope: DashboardScope, selection: Selection) -> str:
    return view_key(page, scope, selection)


def expected_views() -> set[str]:
    """The standard views as the module docstring names them."""
    this, previous = Selection(fiscal_year=YEAR), Selection(fiscal_year=YEAR - 1)
    every = Selection()
    pages = ("overview", "agencies", "provinces", "strategies")
    views = {name(page, NATIONAL, s) for page in pages for s in (this, previous, every)}
    views |= {
        name(page, DashboardScope(agency_ids=frozenset({pk})), this)
        for page in pages
        for pk in Agency.objects.filter(is_active=True).values_list("pk", flat=True)
    }
    views |= {name("stats", NATIONAL, this), name("stats", NATIONAL, previous)}
    return views


def test_the_standard_views_are_those_the_contract_names(cases):
    views = standard_views()

    assert {name(*view) for view in views} == expected_views()
    assert (
        len(views)
        == len(expected_views())
        == 4 * 3 + 4 * Agency.objects.filter(is_active=True).count() + 2
    )


def test_the_fixed_set_of_cases_gives_figures_worth_comparing(cases):
    """Guards the comparisons below against vacuous figures."""
    this_year = Selection(fiscal_year=YEAR)
    overview = figures.overview(this_year, NATIONAL)
    contested = figures.contested_cases(this_year, NATIONAL)
    stats = public.public_stats(YEAR)

    assert overview.cases["received"] == 8 + 2 + 5
    assert overview.referrals["referrals"] > 0
    assert overview.ratings["ratings"] == 3 + 5
    assert overview.months and overview.weeks
    assert figures.overview(this_year, scope_of("MOL")).cases["received"] == 8
    assert [item.case.category.code for item in contested] == ["legal-aid"]
    assert stats["national"]["received"] == 15
    assert any(row["received"] == 5 for _province, row in stats["provinces"])
    progress = plan.plan_progress(this_year, NATIONAL)
    assert [p.project.code for s in progress for p in s.projects] == ["P1"]


def assert_snapshots_equal_the_selectors(directly: dict) -> None:
    for page, scope, selection in standard_views():
        found = figures_for(page, scope, selection)
        key = name(page, scope, selection)
        assert found.from_snapshot, key
        assert found.computed_at == NOW, key
        assert plain(found.data) == directly[key], key


def test_a_snapshot_equals_the_figures_computed_directly_afterwards(cases):
    refresh_standard_views()

    directly = {name(*view): plain(direct(*view)) for view in standard_views()}

    assert_snapshots_equal_the_selectors(directly)


def test_the_figures_computed_directly_equal_the_snapshot_made_afterwards(cases):
    directly = {name(*view): plain(direct(*view)) for view in standard_views()}

    refresh_standard_views()

    assert_snapshots_equal_the_selectors(directly)


def test_the_overview_of_a_snapshot_field_by_field(cases):
    """The same comparison, spelt out for the overview of this year and an agency's rows."""
    this_year = Selection(fiscal_year=YEAR)
    refresh_standard_views()

    kept = figures_for("overview", NATIONAL, this_year)
    rows = figures_for("agencies", scope_of("MOL"), this_year).data["rows"]
    now = figures.overview(this_year, NATIONAL)

    assert kept.from_snapshot
    assert kept.data.cases == now.cases
    assert kept.data.referrals == now.referrals
    assert kept.data.ratings == now.ratings
    assert kept.data.months == now.months
    assert kept.data.weeks == now.weeks
    assert [{**row, "agency": row["agency"].pk} for row in rows] == [
        {**row, "agency": row["agency"].pk} for row in figures.by_agency(this_year, scope_of("MOL"))
    ]


# --- Freshness ------------------------------------------------------------------------------


def counted_on(moment) -> str:
    """What a page says of the moment its figures were counted (in Thai, its language)."""
    with translation.override("th"):
        return gettext("Figures as counted from the cases on %(moment)s.") % {
            "moment": thai_date(moment)
        }


def test_the_thai_page_says_when_its_figures_were_counted():
    with translation.override("th"):
        assert counted_on(NOW) == "ตัวเลข ณ 20 มี.ค. 2569 12:00 นับจากเรื่องในระบบ"


def received(response) -> int:
    return response.context["cases"]["received"]


def thai_text(message: str, **values) -> str:
    with translation.override("th"):
        return gettext(message) % values if values else gettext(message)


def being_counted_again() -> str:
    return thai_text(
        "These figures are being counted again. Reload the page in a minute or two to see the "
        "new ones."
    )


def test_a_page_past_its_lifetime_is_served_while_a_worker_counts_it_again(
    inspector, clock, cases, lifetime_of_ten_minutes, workers
):
    url = PAGES["overview"]()
    first = workers.get(inspector, url)
    clock.now = NOW + MINUTE
    make_case(at(2026, 3, 20, 11), NEW)

    clock.now = NOW + MINUTES * MINUTE
    fresh = workers.get(inspector, url)
    asked_while_fresh = list(workers)
    clock.now = NOW + MINUTES * MINUTE + SECOND
    stale = workers.get(inspector, url)
    again = workers.get(inspector, url)  # a second reader: the recount is already asked for
    asked = list(workers)
    clock.now = NOW + MINUTES * MINUTE + 5 * SECOND
    workers.run()
    renewed = workers.get(inspector, url)

    assert received(first) == received(fresh) == received(stale) == received(again) == 15
    assert asked_while_fresh == []
    assert being_counted_again() not in fresh.text
    assert stale.context["computed_at"] == again.context["computed_at"] == NOW
    assert counted_on(NOW) in stale.text
    assert being_counted_again() in stale.text
    assert being_counted_again() in again.text
    assert asked == [(["overview"], None, f"fy={YEAR}")]
    assert received(renewed) == 16
    assert renewed.context["computed_at"] == NOW + MINUTES * MINUTE + 5 * SECOND
    assert being_counted_again() not in renewed.text


def test_a_snapshot_past_six_lifetimes_is_counted_again_on_the_spot(
    inspector, clock, cases, lifetime_of_ten_minutes, workers
):
    url = PAGES["overview"]()
    workers.get(inspector, url)
    make_case(at(2026, 3, 20, 11), NEW)

    clock.now = NOW + snapshots.STALE_LIFETIMES * MINUTES * MINUTE
    last_served = workers.get(inspector, url)
    workers.clear()
    clock.now = NOW + snapshots.STALE_LIFETIMES * MINUTES * MINUTE + SECOND
    counted_now = workers.get(inspector, url)

    assert received(last_served) == 15
    assert received(counted_now) == 16
    assert counted_now.context["computed_at"] == clock.now
    assert workers == []


# --- The public never waits --------------------------------------------------------------------


def being_counted_first(year: int) -> str:
    return thai_text(
        "The figures of fiscal year %(year)s are being counted. Reload the page in a minute or "
        "two to see them.",
        year=year,
    )


def test_a_year_nobody_read_before_makes_no_public_reader_wait(
    client, monkeypatch, cases, lifetime_of_ten_minutes, workers
):
    """A year outside the standard views was counted by its first anonymous reader (1.6 s
    at a million cases): now that reader and those after are told the figures are being
    counted, and one worker counts them, asked once."""
    computed = counting(monkeypatch, "stats")
    url = f"{reverse('public_stats')}?fy={YEAR - 1}"

    first = workers.get(client, url)
    second = workers.get(client, url)
    download = workers.get(client, f"{url}&export=csv&table=stats")
    asked = list(workers)
    workers.run()
    counted = workers.get(client, url)

    assert first.status_code == second.status_code == 200
    assert being_counted_first(YEAR - 1) in first.text
    assert being_counted_first(YEAR - 1) in second.text
    assert first["Retry-After"] == "60"
    assert f'<option value="{YEAR}">' in first.text  # another year may be chosen meanwhile
    assert "export=csv" not in first.text  # no download of figures not counted yet
    assert download.status_code == 503
    assert download["Retry-After"] == "60"
    assert asked == [(["stats"], None, f"fy={YEAR - 1}")]
    assert computed == [Selection(fiscal_year=YEAR - 1)]  # by the worker, once
    assert counted.status_code == 200
    assert being_counted_first(YEAR - 1) not in counted.text
    assert counted.context["computed_at"] == NOW


def test_a_public_reader_gets_the_last_figures_however_old_while_a_worker_counts_them(
    client, clock, monkeypatch, cases, lifetime_of_ten_minutes, workers
):
    url = f"{reverse('public_stats')}?fy={YEAR}"
    workers.read(client, url)
    computed = counting(monkeypatch, "stats")
    make_case(at(2026, 3, 20, 11), NEW)

    # Long past the six lifetimes after which a dashboard reader has them counted on the spot.
    clock.now = NOW + 100 * snapshots.servable(Selection(fiscal_year=YEAR))
    old = workers.get(client, url)
    again = workers.get(client, url)
    asked = list(workers)
    workers.run()
    renewed = workers.get(client, url)

    assert old.context["computed_at"] == again.context["computed_at"] == NOW
    assert counted_on(NOW) in old.text
    assert being_counted_again() in old.text
    assert asked == [(["stats"], None, f"fy={YEAR}")]
    assert computed == [Selection(fiscal_year=YEAR)]  # by the worker alone
    assert renewed.context["computed_at"] == clock.now
    assert being_counted_again() not in renewed.text


def test_a_database_that_keeps_nothing_has_the_public_figures_counted_on_the_spot(
    client, monkeypatch, caplog, cases, lifetime_of_ten_minutes, workers
):
    def refused(*args, **kwargs):
        raise DatabaseError("cannot execute INSERT in a read-only transaction")

    monkeypatch.setattr(DashboardSnapshot.objects, "create", refused)
    monkeypatch.setattr(DashboardSnapshot.objects, "bulk_create", refused)

    response = workers.get(client, f"{reverse('public_stats')}?fy={YEAR}")

    assert response.status_code == 200
    assert response.context["computed_at"] == NOW
    assert counted_on(NOW) in response.text
    assert workers == []
    assert "not asked for" in caplog.text


@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_serves_its_snapshot_past_its_lifetime_until_it_is_counted_again(
    client, clock, cases, lifetime_of_ten_minutes, workers, page
):
    client.force_login(InspectorFactory().user)
    url = PAGES[page]()
    workers.read(client, url)

    clock.now = NOW + 9 * MINUTE
    fresh = workers.get(client, url)
    clock.now = NOW + 11 * MINUTE
    stale = workers.get(client, url)
    workers.run()
    renewed = workers.get(client, url)

    assert fresh.status_code == stale.status_code == renewed.status_code == 200
    assert fresh.context["computed_at"] == stale.context["computed_at"] == NOW
    assert counted_on(NOW) in stale.text
    assert renewed.context["computed_at"] == NOW + 11 * MINUTE
    assert counted_on(NOW + 11 * MINUTE) in renewed.text


def test_a_refresh_past_half_the_lifetime_shows_the_new_figures(
    inspector, clock, cases, lifetime_of_ten_minutes
):
    url = PAGES["overview"]()
    inspector.get(url)
    make_case(at(2026, 3, 20, 11), NEW)

    clock.now = NOW + 4 * MINUTE
    early = refresh_standard_views()
    still = inspector.get(url)
    clock.now = NOW + 5 * MINUTE + SECOND
    refresh_standard_views()
    clock.now = NOW + 7 * MINUTE
    renewed = inspector.get(url)

    assert early["computed"] == len(standard_views()) - 1  # all but the page read at NOW
    assert received(still) == 15
    assert still.context["computed_at"] == NOW
    assert received(renewed) == 16
    assert renewed.context["computed_at"] == NOW + 5 * MINUTE + SECOND


def test_a_past_fiscal_year_and_all_years_live_six_times_longer(settings, clock):
    settings.DASHBOARD_SNAPSHOT_MINUTES = MINUTES

    assert lifetime(Selection(fiscal_year=YEAR)) == MINUTES * MINUTE
    assert lifetime(Selection()) == 6 * MINUTES * MINUTE  # all years: the slowest to count
    assert lifetime(Selection(fiscal_year=YEAR + 1)) == MINUTES * MINUTE
    assert lifetime(Selection(fiscal_year=YEAR - 1)) == 6 * MINUTES * MINUTE
    assert lifetime(Selection(date_to=date(2025, 9, 30))) == 6 * MINUTES * MINUTE
    assert lifetime(Selection(fiscal_year=YEAR, date_to=date(2025, 10, 1))) == MINUTES * MINUTE
    clock.now = at(2026, 10, 1, 9)  # fiscal year 2570 has begun: 2569 is over
    assert lifetime(Selection(fiscal_year=YEAR)) == 6 * MINUTES * MINUTE


def test_the_page_of_a_past_fiscal_year_keeps_its_snapshot_an_hour(
    inspector, clock, cases, lifetime_of_ten_minutes, workers
):
    url = PAGES["overview"]() + f"?fy={YEAR - 1}"
    first = workers.get(inspector, url)
    make_case(at(2025, 3, 5, 10), NEW)

    clock.now = NOW + 6 * MINUTES * MINUTE
    fresh = workers.get(inspector, url)
    asked_within_the_hour = list(workers)
    clock.now = NOW + 6 * MINUTES * MINUTE + SECOND
    stale = workers.get(inspector, url)
    workers.run()
    renewed = workers.get(inspector, url)

    assert received(first) == received(fresh) == received(stale) == 2
    assert asked_within_the_hour == []
    assert stale.context["computed_at"] == NOW
    assert received(renewed) == 3


# --- The refresh of the standard views ------------------------------------------------------


def test_a_refresh_computes_every_standard_view_once(cases, lifetime_of_ten_minutes):
    first = refresh_standard_views()
    again = refresh_standard_views()

    assert first["computed"] == len(standard_views())
    assert first["forgotten"] == 0
    assert set(DashboardSnapshot.objects.values_list("key", flat=True)) == expected_views()
    assert set(DashboardSnapshot.objects.values_list("computed_at", flat=True)) == {NOW}
    assert again["computed"] == 0
    assert again["forgotten"] == 0
    assert DashboardSnapshot.objects.count() == len(standard_views())


def test_a_refresh_renews_the_views_past_half_their_own_lifetime(
    clock, cases, lifetime_of_ten_minutes
):
    refresh_standard_views()
    agencies = Agency.objects.filter(is_active=True).count()

    clock.now = NOW + MINUTES / 2 * MINUTE
    at_half = refresh_standard_views()
    clock.now = NOW + MINUTES / 2 * MINUTE + SECOND
    past_half = refresh_standard_views()
    clock.now = NOW + 6 * MINUTES / 2 * MINUTE + SECOND
    past_half_of_past_years = refresh_standard_views()

    assert at_half["computed"] == 0
    # This year, nationally and for each agency, and this year's statistics.
    assert past_half["computed"] == 4 + 4 * agencies + 1
    # Last year's four pages and statistics too, now past half of their hour.
    assert past_half_of_past_years["computed"] == len(standard_views())


def test_a_refresh_forgets_the_snapshots_too_old_to_serve(clock, cases, lifetime_of_ten_minutes):
    refresh_standard_views()
    old = NOW - snapshots.STALE_LIFETIMES * 6 * MINUTES * MINUTE
    for key, computed_at in [
        (f"overview|v{FORMAT}|all|fy=2565", old - SECOND),
        (f"overview|v{FORMAT}|all|fy=2566", old),
        (f"provinces|v{FORMAT}|all|fy=2569&province=10", old - SECOND),
    ]:
        DashboardSnapshot.objects.create(key=key, figures=b"", computed_at=computed_at, seconds=0)
    standard = name("overview", NATIONAL, Selection(fiscal_year=YEAR))
    DashboardSnapshot.objects.filter(key=standard).update(computed_at=old - SECOND)

    result = refresh_standard_views()

    assert result["computed"] == 1  # the standard view made too old is renewed, not forgotten
    assert result["forgotten"] == 2
    kept = set(DashboardSnapshot.objects.values_list("key", flat=True))
    assert kept == expected_views() | {f"overview|v{FORMAT}|all|fy=2566"}
    assert DashboardSnapshot.objects.get(key=standard).computed_at == NOW


def test_the_celery_task_refreshes_the_standard_views(cases, lifetime_of_ten_minutes):
    first = refresh_dashboards.apply().get()
    again = refresh_dashboards()

    assert set(first) == set(again) == {"computed", "forgotten", "seconds"}
    assert first["computed"] == len(standard_views())
    assert again["computed"] == 0
    assert DashboardSnapshot.objects.count() == len(standard_views())


def counted_in_order(monkeypatch) -> list[str]:
    """Records the key of each view as its figures are computed from the cases."""
    order = []
    for page, compute in list(snapshots.PAGES.items()):

        def counted(selection, scope, page=page, compute=compute):
            order.append(view_key(page, scope, selection))
            return compute(selection, scope)

        monkeypatch.setitem(snapshots.PAGES, page, counted)
    return order


def test_a_refresh_counts_the_views_never_counted_then_the_slowest_first(
    clock, cases, lifetime_of_ten_minutes, monkeypatch
):
    refresh_standard_views()
    keys = [view_key(*view) for view in standard_views()]
    for seconds, key in enumerate(keys):  # the last standard view took longest
        DashboardSnapshot.objects.filter(key=key).update(seconds=seconds)
    DashboardSnapshot.objects.filter(key=keys[5]).delete()
    # Asked for by the public and never counted since (a row without figures).
    DashboardSnapshot.objects.filter(key=keys[3]).update(figures=snapshots.COUNTING, seconds=0)
    order = counted_in_order(monkeypatch)

    clock.now = NOW + 6 * MINUTES * MINUTE + SECOND
    refresh_standard_views()

    never = [keys[3], keys[5]]
    assert order == [*never, *[key for key in reversed(keys) if key not in never]]


def meeting_of(monkeypatch, people: int) -> dict:
    """Each page's computation, wrapped: the first ``people`` views wait for each other
    (a barrier that breaks after 20 s: counted one after the other, they never meet);
    every computation notes its database backend and whether it reads under
    ``replica_reads``."""
    met = threading.Barrier(people, timeout=20)
    lock = threading.Lock()
    seen = {"started": 0, "backends": set(), "on_replica": set()}
    for page, compute in list(snapshots.PAGES.items()):

        def counted(selection, scope, compute=compute):
            with lock:
                seen["started"] += 1
                waits = seen["started"] <= people
            if waits:
                met.wait()
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                backend = cursor.fetchone()[0]
            with lock:
                seen["backends"].add(backend)
                seen["on_replica"].add(replica._on_replica.get())
            return compute(selection, scope)

        monkeypatch.setitem(snapshots.PAGES, page, counted)
    return seen


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_views_are_counted_side_by_side_each_as_when_counted_alone(
    reference_data, cases, settings, lifetime_of_ten_minutes, monkeypatch
):
    settings.DASHBOARD_REFRESH_CONNECTIONS = 3
    seen = meeting_of(monkeypatch, 3)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        own = cursor.fetchone()[0]
    before = other_connections()

    with replica.replica_reads():  # as the Celery task runs it
        result = refresh_standard_views()

    assert result["computed"] == len(standard_views())
    assert len(seen["backends"]) == 3  # three connections, none of them this thread's
    assert own not in seen["backends"]
    assert seen["on_replica"] == {True}  # the threads read where the task reads
    monkeypatch.undo()
    for page, scope, selection in standard_views():
        kept = figures_for(page, scope, selection)
        assert kept.from_snapshot
        assert plain(kept.data) == plain(direct(page, scope, selection)), (page, scope)
    wait_until(
        lambda: other_connections() <= before, timeout=10, what="the threads' connections closed"
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_side_by_side_a_view_the_database_fails_is_logged_and_the_others_are_kept(
    reference_data, cases, settings, lifetime_of_ten_minutes, monkeypatch, caplog
):
    settings.DASHBOARD_REFRESH_CONNECTIONS = 2

    def fails(selection, scope):
        raise DatabaseError("canceling statement due to statement timeout")

    monkeypatch.setitem(snapshots.PAGES, "provinces", fails)
    result = refresh_standard_views()

    provinces = [view for view in standard_views() if view[0] == "provinces"]
    assert result["computed"] == len(standard_views()) - len(provinces)
    kept = set(DashboardSnapshot.objects.values_list("key", flat=True))
    assert kept == expected_views() - {view_key(*view) for view in provinces}
    assert caplog.text.count("Dashboard view provinces not refreshed") == len(provinces)

    tried = []

    def breaks(selection, scope):
        tried.append(selection)
        raise ValueError("a fault of the code, not of the database")

    monkeypatch.setitem(snapshots.PAGES, "provinces", breaks)
    with pytest.raises(ValueError, match="a fault of the code"):
        refresh_standard_views()
    # Each of the two connections stopped at its first fault: the other provinces views
    # were left for the next refresh, not tried in turn.
    assert len(tried) <= 2 < len(provinces)
    monkeypatch.undo()
    # The lock was let go, and the views not counted are counted at the next refresh.
    assert refresh_standard_views()["computed"] == len(provinces)
    assert set(DashboardSnapshot.objects.values_list("key", flat=True)) == expected_views()


def test_beat_refreshes_the_dashboards_twice_in_a_lifetime():
    configured = importlib.import_module("portal.settings")
    entry = configured.CELERY_BEAT_SCHEDULE["refresh-dashboards"]

    assert entry["task"] == refresh_dashboards.name == "portal.tasks.refresh_dashboards"
    assert entry["schedule"] == 60 * configured.DASHBOARD_SNAPSHOT_MINUTES / 2
    assert entry["options"]["expires"] <= entry["schedule"]


# --- The cost of a page ---------------------------------------------------------------------


def more_cases(n: int) -> None:
    """Cases of every agency in several provinces, contested, referred and rated."""
    kinds = [("unpaid-wages", "10"), ("legal-aid", "50"), ("healthcare-access", "40")]
    for number in range(n):
        category, province = kinds[number % len(kinds)]
        case = make_case(at(2026, 1, 5, 10) + number * MINUTE, RESOLVED, category, province)
        make_referral(case, "MOI", DECLINED, at(2026, 1, 6, 9), 3600)
        make_referral(case, "MSDHS", DECLINED, at(2026, 1, 6, 9), 3600)
        rate(case, 3, 4, 5)


def counting(monkeypatch, page: str) -> list:
    """Records each time the page's figures are computed from the cases."""
    calls = []
    compute = snapshots.PAGES[page]

    def counted(selection, scope):
        calls.append(selection)
        return compute(selection, scope)

    monkeypatch.setitem(snapshots.PAGES, page, counted)
    return calls


# A signed-in reader's page from its snapshot: the session, the user, whether an inspector
# (asked by the page, or by the header's links on the public statistics), the snapshot, the
# unread notifications; then the filter form's five choice lists (the agencies page reads
# the active agencies once more, for its matrix).
WARM_QUERIES = {"overview": 10, "agencies": 11, "provinces": 10, "strategies": 10, "stats": 5}


@pytest.mark.parametrize("page", list(PAGES))
def test_a_page_from_its_snapshot_costs_the_same_few_queries_for_1_case_or_30(
    client,
    clock,
    monkeypatch,
    lifetime_of_ten_minutes,
    workers,
    django_assert_max_num_queries,
    page,
):
    client.force_login(InspectorFactory().user)
    computed = counting(monkeypatch, page)
    url = PAGES[page]()
    more_cases(1)

    with CaptureQueriesContext(connection) as cold:  # counted by the page, or its worker
        workers.read(client, url)
    with CaptureQueriesContext(connection) as warm_one:
        one = client.get(url)
    more_cases(29)
    clock.now = NOW + 6 * MINUTES * MINUTE + SECOND
    refresh_standard_views()  # the snapshot of 30 cases
    calls = len(computed)
    with django_assert_max_num_queries(len(warm_one.captured_queries)):
        thirty = client.get(url)

    assert len(computed) == calls  # the warm pages computed nothing
    assert len(warm_one.captured_queries) <= WARM_QUERIES[page]
    assert len(cold.captured_queries) > len(warm_one.captured_queries)
    assert one.context["computed_at"] == NOW
    assert thirty.context["computed_at"] == NOW + 6 * MINUTES * MINUTE + SECOND
    if page == "overview":
        assert received(one) == 1
        assert received(thirty) == 30
    if page == "agencies":
        assert len(thirty.context["tables"]["contested"].rows) == 30


def test_only_the_first_request_of_a_view_computes_it(
    inspector, monkeypatch, cases, lifetime_of_ten_minutes
):
    computed = counting(monkeypatch, "overview")

    inspector.get(PAGES["overview"]())
    inspector.get(PAGES["overview"]())
    inspector.get(PAGES["overview"](), {"fy": YEAR - 1})
    inspector.get(PAGES["overview"](), {"fy": YEAR - 1})

    assert computed == [Selection(fiscal_year=YEAR), Selection(fiscal_year=YEAR - 1)]


# --- A snapshot that cannot be kept -------------------------------------------------------


@pytest.mark.parametrize("page", DASHBOARD_PAGES)
def test_a_page_whose_snapshot_cannot_be_kept_still_shows_its_figures(
    inspector, monkeypatch, caplog, cases, lifetime_of_ten_minutes, page
):
    def refused(*args, **kwargs):
        raise DatabaseError("cannot execute INSERT in a read-only transaction")

    monkeypatch.setattr(DashboardSnapshot.objects, "bulk_create", refused)

    response = inspector.get(PAGES[page]())

    assert response.status_code == 200
    assert response.context["computed_at"] == NOW
    assert counted_on(NOW) in response.text
    if page == "overview":
        assert received(response) == 15
    assert not DashboardSnapshot.objects.exists()
    assert "not kept" in caplog.text


@pytest.mark.postgres  # SQLite does not hold a text to its column's length
def test_a_real_database_error_while_keeping_leaves_the_request_usable(
    inspector, monkeypatch, cases, lifetime_of_ten_minutes
):
    """The database refuses a key too long for its column: the savepoint around the
    upsert is rolled back, and the page goes on reading the database."""
    keep = DashboardSnapshot.objects.bulk_create

    def too_long(snapshots, **kwargs):
        for snapshot in snapshots:
            snapshot.key += "x" * 600
        return keep(snapshots, **kwargs)

    monkeypatch.setattr(DashboardSnapshot.objects, "bulk_create", too_long)

    response = inspector.get(PAGES["agencies"]())

    assert response.status_code == 200
    assert [row["agency"].code for row in response.context["tables"]["agencies"].rows]
    assert not DashboardSnapshot.objects.exists()


# --- Scope ----------------------------------------------------------------------------------


def test_an_agency_s_reader_never_gets_the_national_snapshot_or_another_agency_s(
    client, cases, lifetime_of_ten_minutes
):
    client.force_login(InspectorFactory().user)
    national = client.get(PAGES["overview"]())
    national_rows = client.get(PAGES["agencies"]())
    client.force_login(staff("MOL", Role.CCEO))
    of_mol = client.get(PAGES["overview"]())
    mol_rows = client.get(PAGES["agencies"]())
    client.force_login(staff("MOJ", Role.SUPERVISOR))
    of_moj = client.get(PAGES["overview"]())
    client.force_login(staff("MOL", Role.SUPERVISOR))
    of_mol_again = client.get(PAGES["overview"]())

    assert received(national) == 15
    assert len(national_rows.context["tables"]["agencies"].rows) > 1
    assert received(of_mol) == received(of_mol_again) == 8
    assert [row["agency"].code for row in mol_rows.context["tables"]["agencies"].rows] == ["MOL"]
    assert received(of_moj) == 2
    this_year = f"fy={YEAR}"
    assert set(DashboardSnapshot.objects.values_list("key", flat=True)) == {
        f"overview|v{FORMAT}|all|{this_year}",
        f"agencies|v{FORMAT}|all|{this_year}",
        f"overview|v{FORMAT}|{agency('MOL').pk}|{this_year}",
        f"agencies|v{FORMAT}|{agency('MOL').pk}|{this_year}",
        f"overview|v{FORMAT}|{agency('MOJ').pk}|{this_year}",
    }


def test_after_a_refresh_a_cceo_still_reads_only_their_agency(
    client, cases, lifetime_of_ten_minutes
):
    refresh_standard_views()
    client.force_login(staff("MOL", Role.CCEO))

    overview = client.get(PAGES["overview"]())
    filtered = client.get(PAGES["overview"](), {"agency": "MOJ"})  # not theirs: left out

    assert received(overview) == received(filtered) == 8
    assert overview.context["computed_at"] == NOW


def test_the_key_of_a_view_names_its_scope_and_selection(cases):
    mol, moj = agency("MOL").pk, agency("MOJ").pk
    this_year = Selection(fiscal_year=YEAR)
    keys = {
        view_key("overview", NATIONAL, this_year),
        view_key("overview", DashboardScope(agency_ids=frozenset({mol})), this_year),
        view_key("overview", DashboardScope(agency_ids=frozenset({moj})), this_year),
        view_key("overview", DashboardScope(agency_ids=frozenset({mol, moj})), this_year),
        view_key("overview", NATIONAL, this_year.but(agency=agency("MOL"))),
        view_key("overview", NATIONAL, Selection()),
        view_key("agencies", NATIONAL, this_year),
    }

    assert len(keys) == 7
    assert view_key("overview", DashboardScope(agency_ids=frozenset({moj, mol})), this_year) in keys


def test_a_snapshot_holds_no_language_of_its_own(client, settings, cases, lifetime_of_ten_minutes):
    """Warmed by a Thai reader, the agencies page reads in English for an English one."""
    client.force_login(InspectorFactory().user)
    thai = client.get(PAGES["agencies"]())
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(PAGES["agencies"]())

    assert english.context["computed_at"] == thai.context["computed_at"] == NOW
    assert DashboardSnapshot.objects.count() == 1
    assert agency("MOL").name_th in thai.text
    assert agency("MOL").name_en in english.text
    with translation.override("en"):
        moment = thai_date(NOW)
        assert (
            gettext("Figures as counted from the cases on %(moment)s.") % {"moment": moment}
            in english.text
        )


# --- A page past its lifetime never makes its reader wait -------------------------------------


@pytest.mark.parametrize("page", list(PAGES))
def test_a_page_past_its_lifetime_costs_a_warm_page_and_one_claim_and_computes_nothing(
    client,
    clock,
    monkeypatch,
    lifetime_of_ten_minutes,
    workers,
    django_assert_max_num_queries,
    page,
):
    """The provinces page took one to two seconds to count at a million cases whenever its
    snapshot had expired: it now answers from the snapshot, whatever the number of cases,
    with one UPDATE more (the first reader's claim on the recount), and counts nothing."""
    client.force_login(InspectorFactory().user)
    url = PAGES[page]()
    more_cases(1)
    workers.read(client, url)  # counted (the first reader of this view)
    computed = counting(monkeypatch, page)
    with CaptureQueriesContext(connection) as warm:
        workers.get(client, url)
    more_cases(29)

    clock.now = NOW + 11 * MINUTE
    with django_assert_max_num_queries(len(warm.captured_queries) + 1):
        first = workers.get(client, url)
    with django_assert_max_num_queries(len(warm.captured_queries)):
        second = workers.get(client, url)

    assert computed == []
    assert first.context["computed_at"] == second.context["computed_at"] == NOW
    assert len(workers) == 1
    workers.run()
    assert computed == [Selection(fiscal_year=YEAR)]
    assert workers.get(client, url).context["computed_at"] == NOW + 11 * MINUTE


# --- When each tab was counted -----------------------------------------------------------------


def counted_apart() -> str:
    return thai_text(
        "The pages were counted at different moments: compare their figures with care."
    )


def moments_listed(response) -> list[str]:
    listed = re.search(r'<ul class="moments">(.*?)</ul>', response.text, re.S)
    return (
        [
            re.sub(r"<[^>]+>", "", item).strip()
            for item in re.findall(r"<li>(.*?)</li>", listed[1], re.S)
        ]
        if listed
        else []
    )


@pytest.mark.parametrize("page", ["overview", "agencies", "provinces", "strategies"])
def test_every_tab_says_first_and_plainly_when_its_figures_were_counted(inspector, page):
    response = inspector.get(PAGES[page]())

    shown = re.search(r'<p class="as-of-moment"><strong>(.*?)</strong>', response.text)
    assert shown[1] == counted_on(NOW)
    assert response.text.index("as-of-moment") < response.text.index('<details class="filters')


def test_tabs_counted_at_different_moments_say_so_with_each_moment(
    inspector, clock, cases, lifetime_of_ten_minutes, workers
):
    workers.get(inspector, PAGES["overview"]())
    clock.now = NOW + 3 * MINUTE
    agencies = workers.get(inspector, PAGES["agencies"]())
    overview = workers.get(inspector, PAGES["overview"]())  # its snapshot, still fresh

    for response in (agencies, overview):
        assert counted_apart() in response.text
    here = thai_text("%(tab)s (this page)", tab=thai_text("Agencies"))
    assert moments_listed(agencies) == [
        f"{here}: {thai_date(NOW + 3 * MINUTE)}",
        f"{thai_text('Overview')}: {thai_date(NOW)}",
    ]
    assert thai_text("Count every tab again now") in agencies.text
    assert workers == []  # nothing past its lifetime: nothing asked of the workers yet


def test_tabs_counted_in_the_same_minute_say_nothing_more(
    inspector, clock, cases, lifetime_of_ten_minutes
):
    inspector.get(PAGES["overview"]())
    clock.now = NOW + 50 * SECOND
    agencies = inspector.get(PAGES["agencies"]())

    assert counted_apart() not in agencies.text
    assert moments_listed(agencies) == []


def test_the_button_has_every_tab_counted_again_at_once(
    inspector, clock, cases, lifetime_of_ten_minutes, workers
):
    workers.get(inspector, PAGES["overview"]())
    clock.now = NOW + 3 * MINUTE
    back = PAGES["agencies"]() + f"?fy={YEAR}"
    workers.get(inspector, back)
    recount = reverse("dashboards:recount") + f"?fy={YEAR}"

    asked = workers.post(inspector, recount, {"next": back})
    queued = list(workers)
    shown = inspector.get(asked["Location"])  # the page, with the message
    again = workers.post(inspector, recount, {"next": back})
    queued_again = list(workers)
    shown_again = inspector.get(again["Location"])
    clock.now = NOW + 4 * MINUTE
    workers.run()
    pages = {page: workers.get(inspector, PAGES[page]()) for page in snapshots.DASHBOARD_PAGES}

    assert asked.status_code == again.status_code == 302
    assert asked["Location"] == again["Location"] == back
    assert queued == [(list(snapshots.DASHBOARD_PAGES), None, f"fy={YEAR}")]
    assert queued_again == queued  # the second asking queued nothing more
    assert (
        thai_text("Every tab is being counted again. Reload the page in a minute or two.")
        in shown.text
    )
    assert being_counted_again() in shown.text
    assert thai_text("Every tab is already being counted again.") in shown_again.text
    for page, response in pages.items():
        assert response.context["computed_at"] == NOW + 4 * MINUTE, page
        assert counted_apart() not in response.text, page
        assert being_counted_again() not in response.text, page


def test_the_list_behind_a_figure_says_it_is_counted_now_beside_the_tabs(
    inspector, clock, cases, lifetime_of_ten_minutes
):
    inspector.get(PAGES["overview"]())
    clock.now = NOW + 7 * MINUTE

    response = inspector.get(reverse("dashboards:cases"), {"figure": "received"})

    assert counted_apart() in response.text
    assert moments_listed(response) == [
        f"{thai_text('This page')}: {thai_date(NOW + 7 * MINUTE)}",
        f"{thai_text('Overview')}: {thai_date(NOW)}",
    ]


@pytest.mark.parametrize(
    ("who", "method", "expected"),
    [("anonymous", "post", 302), ("intake officer", "post", 403), ("inspector", "get", 405)],
)
def test_only_a_dashboard_reader_asks_for_a_recount_and_only_by_a_form(
    client, who, method, expected
):
    if who == "inspector":
        client.force_login(InspectorFactory().user)
    elif who == "intake officer":
        client.force_login(staff("MOL", Role.INTAKE_OFFICER))

    response = getattr(client, method)(reverse("dashboards:recount"))

    assert response.status_code == expected
    assert not DashboardSnapshot.objects.filter(recount_asked_at__isnull=False).exists()


def test_the_recount_leads_back_only_to_a_dashboard_page(inspector, workers):
    response = workers.post(
        inspector, reverse("dashboards:recount") + "?fy=2568", {"next": "https://example.org/"}
    )

    assert response["Location"] == reverse("dashboards:overview") + "?fy=2568"
