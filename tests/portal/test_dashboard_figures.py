"""The figures of the dashboards and of the public statistics, each against a value counted
by hand on a small fixed set of cases.

Business time is 08:30-16:30, Monday to Friday, Asia/Bangkok, without Thai public
holidays. The default policy gives a normal case 8 working hours to be acknowledged, 16
for a referral to be answered and 120 to be resolved; an urgent case a quarter of each.
Fiscal year 2569 runs from 1 October 2025 to 30 September 2026.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from unittest.mock import patch
from zoneinfo import ZoneInfo

import pytest
from django.http import QueryDict
from django.utils import translation
from django.utils.translation import gettext

from agencies.models import Agency, District, Province, Role
from agencies.permissions import CitizenAccess, DashboardScope
from agencies.regions import PROVINCE_REGION
from portal.dashboards import figures, places, plan, public, suppression
from portal.dashboards.filters import Selection
from referrals import services
from referrals.business_time import forget_calendar
from referrals.models import Case, CaseEvent, Category, EventKind, Priority, Referral
from strategies.fiscal import (
    fiscal_quarter_of,
    fiscal_year_bounds,
    fiscal_year_days,
    fiscal_year_of,
    quarter_days,
)
from strategies.models import (
    Activity,
    CaseMetric,
    Indicator,
    IndicatorTarget,
    IndicatorValue,
    Measurement,
    Project,
    Strategy,
    YearlyValue,
)
from tests.factories import InspectorFactory
from tests.portal.dashboard_data import (
    ACCEPTED,
    CLOSED,
    COMPLETED,
    DECLINED,
    EVERYONE,
    HOUR,
    IN_PROGRESS,
    NEW,
    NOW,
    PENDING,
    RESOLVED,
    YEAR,
    make_case,
    make_referral,
    published_year,
    rate,
    year_of_cases,
)
from tests.referrals.clock import MONDAY, Clock, at
from tests.referrals.factories import agency, case_in, fresh, staff, submit, transfer_accepted

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def calendar_read_afresh():
    forget_calendar()
    yield
    forget_calendar()


@pytest.fixture
def clock():
    """``timezone.now()`` frozen at MONDAY 09:00 Bangkok; set ``clock.now`` to move it."""
    frozen = Clock(MONDAY)
    with patch("django.utils.timezone.now", new=frozen):
        yield frozen


def ids(cases) -> set[int]:
    return {case.pk for case in cases}


# --- Business time, kept by the real services --------------------------------------------


@dataclass
class Worked:
    a: Case
    b: Case
    c: Case
    d: Case
    accepted: Referral
    declined: Referral
    cancelled: Referral


@pytest.fixture
def worked(clock) -> Worked:
    """Four cases of MOL moved by its supervisor through the services on the frozen clock.
    Both the acknowledge and the resolve clocks of a case run from its arrival.

    A referral's ``created_at`` comes from its model default, bound to the real
    ``timezone.now`` (not the frozen one): these figures are read over all years.
    """
    mol = staff("MOL", Role.SUPERVISOR)
    moph, moi = staff("MOPH", Role.SUPERVISOR), staff("MOI", Role.SUPERVISOR)

    def on(moment, service, *args):
        clock.now = moment
        return service(*args)

    def submitted(moment, **fields) -> Case:
        clock.now = moment
        return submit(**fields)[0]

    # A: Monday 9 March 09:00, acknowledged at 11:00 (2 h). The citizen is asked on
    # Tuesday 10:00 (7.5 + 1.5 = 9 h of resolve time), answers on Thursday 10:00 (the
    # clock stood still), and the case is resolved on Friday 12:00 (6.5 + 3.5 = 10 h).
    a = submitted(at(2026, 3, 9, 9))
    on(at(2026, 3, 9, 11), services.accept_case, a, mol)
    on(at(2026, 3, 10, 10), services.request_information, a, mol, "ขอสำเนาสัญญาจ้าง")
    on(at(2026, 3, 12, 10), services.add_information, a, CitizenAccess(a.pk), "แนบสัญญาแล้ว")
    on(at(2026, 3, 13, 12), services.resolve_case, a, mol, "นายจ้างจ่ายค่าจ้างครบแล้ว")

    # B: Friday 13 March 15:00, over the weekend: acknowledged Monday 10:30 (1.5 + 2 h),
    # resolved Tuesday 09:30 (1.5 + 8 + 1 = 10.5 h). A referral to MOE made and cancelled
    # on Monday was never answered.
    b = submitted(at(2026, 3, 13, 15))
    on(at(2026, 3, 16, 10, 30), services.accept_case, b, mol)
    [cancelled] = on(at(2026, 3, 16, 11), services.refer_case, b, mol, {agency("MOE"): "ช่วย"})
    on(at(2026, 3, 16, 12), services.cancel_referral, cancelled, mol, "ไม่ต้องการแล้ว")
    on(at(2026, 3, 17, 9, 30), services.resolve_case, b, mol, "ได้รับค่าจ้างแล้ว")

    # C: urgent (2 h to acknowledge, 30 h to resolve), Friday 3 April 16:00, over Chakri
    # Day (Monday 6 April): acknowledged Tuesday 09:00 (0.5 + 0.5 = 1 h), resolved Friday
    # 10 April at closing time (0.5 + 8 + 8 + 8 + 8 = 32.5 h): late.
    c = submitted(at(2026, 4, 3, 16), priority=Priority.URGENT)
    on(at(2026, 4, 7, 9), services.accept_case, c, mol)
    on(at(2026, 4, 10, 16, 30), services.resolve_case, c, mol, "ได้รับค่าจ้างแล้ว")

    # D: Monday 9 March 09:00, acknowledged 13:00 (4 h), still in progress. Referred to
    # MOPH and MOI at 14:00: MOPH accepts on Tuesday 10:00 (2.5 + 1.5 = 4 h), MOI declines
    # on Wednesday 09:00 (2.5 + 8 + 0.5 = 11 h).
    d = submitted(at(2026, 3, 9, 9))
    on(at(2026, 3, 9, 13), services.accept_case, d, mol)
    accepted, declined = on(
        at(2026, 3, 9, 14),
        services.refer_case,
        d,
        mol,
        dict.fromkeys([agency("MOPH"), agency("MOI")], "ช่วย"),
    )
    on(at(2026, 3, 10, 10), services.accept_referral, accepted, moph)
    on(at(2026, 3, 11, 9), services.decline_referral, declined, moi, "ไม่มีบริการนี้")
    return Worked(
        *(fresh(case) for case in (a, b, c, d)),
        *(fresh(r) for r in (accepted, declined, cancelled)),
    )


def test_the_time_to_acknowledge_counts_working_hours_only(worked):
    assert worked.a.acknowledge_seconds == 2 * HOUR
    assert worked.b.acknowledge_seconds == 3.5 * HOUR  # over a weekend
    assert worked.c.acknowledge_seconds == 1 * HOUR  # over a public holiday
    assert worked.d.acknowledge_seconds == 4 * HOUR


def test_the_time_to_resolve_leaves_out_the_wait_for_the_citizen(worked):
    assert (worked.a.resolve_seconds, worked.a.resolved_in_time) == (19 * HOUR, True)
    assert (worked.b.resolve_seconds, worked.b.resolved_in_time) == (10.5 * HOUR, True)
    assert (worked.c.resolve_seconds, worked.c.resolved_in_time) == (32.5 * HOUR, False)
    assert (worked.d.resolve_seconds, worked.d.resolved_in_time) == (None, None)


def test_the_time_to_answer_a_referral_is_kept_when_it_is_answered(worked):
    assert worked.accepted.answer_seconds == 4 * HOUR
    assert worked.declined.answer_seconds == 11 * HOUR
    assert worked.cancelled.answer_seconds is None  # cancelled: never answered


def test_the_overview_gives_the_median_business_times(worked):
    summary = figures.overview(Selection(), EVERYONE)

    # Four acknowledged: 1, 2, 3.5 and 4 h, the middle two averaged: 2.75 h.
    assert summary.cases["acknowledge_median"] == 2.75 * HOUR
    # Three resolved: 10.5, 19 and 32.5 h.
    assert summary.cases["resolve_median"] == 19 * HOUR
    # Two answered: 4 and 11 h.
    assert summary.referrals["answer_median"] == 7.5 * HOUR
    counts = {key: summary.cases[key] for key in ("received", "open", "resolved")}
    assert counts == {"received": 4, "open": 1, "resolved": 3}
    assert summary.cases["in_time_share"] == 66.7  # two of three
    assert summary.referrals["referrals"] == 3
    assert summary.referrals["acceptance_rate"] == 50.0  # one of two answered


def test_a_transferred_case_counts_the_new_lead_s_time_to_acknowledge(clock):
    mol, moph = staff("MOL", Role.SUPERVISOR), staff("MOPH", Role.SUPERVISOR)
    case, _secret = submit()  # Monday 09:00
    clock.now = at(2026, 3, 9, 10)
    transfer_accepted(case, mol, "MOPH", "เป็นเรื่องสุขภาพ")
    clock.now = at(2026, 3, 9, 12)

    services.accept_case(case, moph)

    assert fresh(case).acknowledge_seconds == 2 * HOUR  # from the transfer, not the arrival


def test_a_case_withdrawn_before_triage_was_never_acknowledged(clock):
    case, _secret = submit()
    clock.now = at(2026, 3, 9, 15)

    services.withdraw_case(case, CitizenAccess(case.pk), "ตกลงกันได้แล้ว")

    case = fresh(case)
    assert case.acknowledge_seconds is None
    assert (case.resolve_seconds, case.resolved_in_time) == (None, None)


# --- Counts of a year ----------------------------------------------------------------------


@pytest.fixture
def year():
    return year_of_cases()


def test_the_cases_of_the_year_received_open_overdue_and_resolved(year):
    cases = figures.overview(Selection(fiscal_year=YEAR), EVERYONE, now=NOW).cases

    assert {key: cases[key] for key in ("received", "open", "overdue", "resolved")} == {
        "received": 8,  # c1-c8, not the case of the year before
        "open": 3,  # c5, c6, c7
        "overdue": 1,  # c5 (c7 is due later, c6 waits, c8 ended)
        "resolved": 4,  # c1-c4, closed included
    }
    # c1 and c3 of the three resolved with a deadline kept (c4 had none).
    assert cases["in_time_share"] == 66.7
    assert cases["acknowledge_median"] == 0.75 * HOUR  # 0.25, 0.5, 1, 2 h
    assert cases["resolve_median"] == 10 * HOUR  # 2, 10, 150 h


def test_the_referrals_of_the_year_and_how_many_were_accepted(year):
    referrals = figures.overview(Selection(fiscal_year=YEAR), EVERYONE, now=NOW).referrals

    assert referrals["referrals"] == 6
    # Answered: accepted (c1), completed (c2), declined twice; pending and cancelled not.
    assert (referrals["answered"], referrals["accepted"]) == (4, 2)
    assert referrals["acceptance_rate"] == 50.0
    assert referrals["answer_median"] == 2.5 * HOUR  # 1, 2, 3, 4 h


def test_satisfaction_is_the_average_of_the_ratings_of_the_year(year):
    ratings = figures.overview(Selection(fiscal_year=YEAR), EVERYONE, now=NOW).ratings

    assert ratings == {
        "ratings": 3,
        "usefulness": 4.0,  # (5 + 3 + 4) / 3
        "clarity": 4.0,  # (4 + 3 + 5) / 3
        "satisfaction": 3.67,  # (5 + 2 + 4) / 3
    }


def test_the_trend_counts_cases_received_and_resolved_per_month_and_week(year):
    summary = figures.overview(Selection(fiscal_year=YEAR), EVERYONE, now=NOW)

    assert [(row["period"], row["received"], row["resolved"]) for row in summary.months] == [
        (date(2025, 11, 1), 2, 1),  # c1, c2 received; c1 resolved
        (date(2025, 12, 1), 1, 2),  # c3 (at midnight); c2 and c3 resolved
        (date(2026, 1, 1), 2, 0),  # c4, c8
        (date(2026, 2, 1), 1, 1),  # c5 (at midnight); c4 resolved
        (date(2026, 3, 1), 2, 0),  # c6, c7
    ]
    weeks = summary.weeks
    assert {row["period"].weekday() for row in weeks} == {0}  # each starts on a Monday
    assert [row["period"] for row in weeks] == sorted(row["period"] for row in weeks)
    assert sum(row["received"] for row in weeks) == 8
    assert sum(row["resolved"] for row in weeks) == 4
    # Sunday 1 February counts in the week from Monday 26 January, with c4 resolved then.
    assert {"period": date(2026, 1, 26), "received": 1, "resolved": 1} in weeks


def test_the_dates_narrow_the_year_to_whole_days_in_bangkok(year):
    # 1 December 00:00 is in, 1 February 00:00 is not.
    narrowed = Selection(fiscal_year=YEAR, date_from=date(2025, 12, 1), date_to=date(2026, 1, 31))

    assert ids(figures.cases_behind(narrowed, EVERYONE, now=NOW)) == ids(
        [year["c3"], year["c4"], year["c8"]]
    )
    assert figures.overview(narrowed, EVERYONE, now=NOW).cases["received"] == 3


def test_the_cases_behind_each_figure(year):
    def behind(figure):
        return [
            case.reference
            for case in figures.cases_behind(Selection(fiscal_year=YEAR), EVERYONE, figure, now=NOW)
        ]

    refs = {name: case.reference for name, case in year.items()}
    assert behind("open") == [refs["c7"], refs["c6"], refs["c5"]]  # newest first
    assert behind("overdue") == [refs["c5"]]
    assert behind("in_time") == [refs["c3"], refs["c1"]]
    assert behind("late") == [refs["c2"]]
    assert len(behind("received")) == 8


def test_an_agency_reads_its_own_cases_and_the_referrals_it_sent_or_received(year):
    moph = DashboardScope(agency_ids=frozenset({agency("MOPH").pk}))

    summary = figures.overview(Selection(fiscal_year=YEAR), moph, now=NOW)

    assert summary.cases["received"] == 0  # it leads none
    assert summary.referrals["referrals"] == 3  # c1, c2 and c5 were referred to it
    assert summary.referrals["acceptance_rate"] == 100.0


# --- The fiscal year -----------------------------------------------------------------------


def test_a_case_belongs_to_the_fiscal_year_of_its_bangkok_date():
    last_minute = make_case(at(2019, 9, 30, 23, 59))
    first_minute = make_case(at(2019, 10, 1, 0, 0))  # 30 September 17:00 UTC

    assert ids(figures.cases_behind(Selection(fiscal_year=2562), EVERYONE)) == {last_minute.pk}
    assert ids(figures.cases_behind(Selection(fiscal_year=2563), EVERYONE)) == {first_minute.pk}
    assert figures.overview(Selection(fiscal_year=2562), EVERYONE).cases["received"] == 1
    assert figures.overview(Selection(fiscal_year=2563), EVERYONE).cases["received"] == 1


def test_the_fiscal_year_of_a_day_or_a_moment():
    assert fiscal_year_of(date(2019, 9, 30)) == 2562
    assert fiscal_year_of(date(2019, 10, 1)) == 2563
    assert fiscal_year_of(date(2018, 10, 1)) == 2562
    # 30 September 2019 17:00 UTC is 1 October 00:00 in Bangkok.
    assert fiscal_year_of(datetime(2019, 9, 30, 17, tzinfo=ZoneInfo("UTC"))) == 2563
    assert fiscal_year_of(datetime(2019, 9, 30, 16, 59, tzinfo=ZoneInfo("UTC"))) == 2562
    assert fiscal_year_days(2562) == (date(2018, 10, 1), date(2019, 9, 30))
    assert fiscal_year_bounds(2562) == (at(2018, 10, 1), at(2019, 10, 1))


@pytest.mark.parametrize(
    ("day", "quarter"),
    [
        (date(2018, 10, 1), 1),
        (date(2018, 12, 31), 1),
        (date(2019, 1, 1), 2),
        (date(2019, 3, 31), 2),
        (date(2019, 4, 1), 3),
        (date(2019, 6, 30), 3),
        (date(2019, 7, 1), 4),
        (date(2019, 9, 30), 4),
    ],
)
def test_the_fiscal_quarter_of_a_day(day, quarter):
    assert fiscal_quarter_of(day) == quarter


def test_the_days_of_each_quarter():
    assert [quarter_days(2562, quarter) for quarter in (1, 2, 3, 4)] == [
        (date(2018, 10, 1), date(2018, 12, 31)),
        (date(2019, 1, 1), date(2019, 3, 31)),
        (date(2019, 4, 1), date(2019, 6, 30)),
        (date(2019, 7, 1), date(2019, 9, 30)),
    ]
    assert quarter_days(2564, 2) == (date(2021, 1, 1), date(2021, 3, 31))


def test_a_period_that_ends_before_it_starts_is_refused_and_its_end_left_out():
    params = QueryDict("fy=2569&date_from=2026-03-10&date_to=2026-03-01")

    selection, form = Selection.from_request(params, EVERYONE)

    assert "date_to" in form.errors
    assert selection.fiscal_year == 2569
    assert (selection.date_from, selection.date_to) == (date(2026, 3, 10), None)


def test_the_page_says_why_a_period_was_refused_and_still_shows_the_figures(client, year):
    client.force_login(InspectorFactory().user)

    response = client.get("/dashboards/?fy=2569&date_from=2026-03-10&date_to=2026-03-01")

    assert response.status_code == 200
    with translation.override("th"):
        message = gettext("The end of the period cannot come before its start.")
    assert message in response.text
    # Counted from 10 March to the end of the year: c7 alone.
    assert response.context["cases"]["received"] == 1


# --- Agencies --------------------------------------------------------------------------------


def test_each_active_agency_has_a_row_even_without_cases(year):
    Agency.objects.filter(code="RTP").update(is_active=False)

    rows = {
        row["agency"].code: row
        for row in figures.by_agency(Selection(fiscal_year=YEAR), EVERYONE, now=NOW)
    }

    assert set(rows) == {"MOJ", "MDES", "MSDHS", "MOI", "MOL", "MOE", "MOPH"}
    mol = rows["MOL"]
    assert (mol["received"], mol["open"], mol["overdue"], mol["resolved"]) == (8, 3, 1, 4)
    assert (mol["in_time_share"], mol["resolve_median"]) == (66.7, 10 * HOUR)
    assert (mol["referrals"], mol["acceptance_rate"]) == (0, None)  # none asked of MOL
    moph = rows["MOPH"]
    assert (moph["received"], moph["open"], moph["resolved"]) == (0, 0, 0)
    assert moph["in_time_share"] is None
    # Three asked of it: two answered and accepted (1 and 2 h), one pending.
    assert (moph["referrals"], moph["acceptance_rate"]) == (3, 100.0)
    assert moph["answer_median"] == 1.5 * HOUR
    assert (rows["MOI"]["referrals"], rows["MOI"]["acceptance_rate"]) == (1, 0.0)
    assert (rows["MOE"]["referrals"], rows["MOE"]["acceptance_rate"]) == (1, None)
    assert rows["MOJ"]["received"] == rows["MOJ"]["referrals"] == 0


def test_the_referral_matrix_gives_each_pair_of_agencies(year):
    cells = figures.referral_matrix(Selection(fiscal_year=YEAR), EVERYONE)

    mol, moph, moi, moe, msdhs = (
        agency(code).pk for code in ("MOL", "MOPH", "MOI", "MOE", "MSDHS")
    )

    def cell(pair):
        return {key: cells[pair][key] for key in ("referrals", "acceptance_rate", "answer_median")}

    assert set(cells) == {(mol, moph), (mol, moi), (mol, moe), (mol, msdhs)}
    assert cell((mol, moph)) == {
        "referrals": 3,
        "acceptance_rate": 100.0,
        "answer_median": 1.5 * HOUR,
    }
    assert cell((mol, moi)) == {"referrals": 1, "acceptance_rate": 0.0, "answer_median": 3 * HOUR}
    assert cell((mol, moe)) == {"referrals": 1, "acceptance_rate": None, "answer_median": None}
    assert cell((mol, msdhs)) == {"referrals": 1, "acceptance_rate": 0.0, "answer_median": 4 * HOUR}


def test_the_contested_cases_are_those_declined_returned_or_transferred_twice():
    mol, moph, moi = (staff(code, Role.SUPERVISOR) for code in ("MOL", "MOPH", "MOI"))

    declined = case_in(IN_PROGRESS, by=mol)
    first, second = services.refer_case(
        declined, mol, dict.fromkeys([agency("MOPH"), agency("MOI")], "ช่วย")
    )
    services.decline_referral(first, moph, "ไม่มีบริการนี้")
    services.decline_referral(second, moi, "ไม่มีบริการนี้")

    returned = case_in(IN_PROGRESS, by=mol)
    services.refer_case(returned, mol, {agency("MOPH"): "ช่วยตรวจสุขภาพ"})
    transfer_accepted(returned, mol, "MOPH", "เป็นเรื่องสุขภาพ")
    services.accept_case(returned, moph)
    services.refer_case(returned, moph, {agency("MOL"): "ช่วยเรื่องค่าจ้าง"})

    transferred = case_in(NEW)
    transfer_accepted(transferred, mol, "MOPH", "เป็นเรื่องสุขภาพ")
    transfer_accepted(transferred, moph, "MOI", "เป็นเรื่องทะเบียนราษฎร")

    # Declined twice by the same agency, and transferred once: nothing to look at.
    plain = case_in(IN_PROGRESS, by=mol)
    for _time in range(2):
        [referral] = services.refer_case(plain, mol, {agency("MOPH"): "ช่วย"})
        services.decline_referral(referral, moph, "ไม่มีบริการนี้")
    transfer_accepted(plain, mol, "MOI", "เป็นเรื่องของมหาดไทย")

    listed = figures.contested_cases(Selection(), EVERYONE)

    assert CaseEvent.objects.filter(case=transferred, kind=EventKind.TRANSFERRED).count() == 2
    assert {item.case.reference: item.reasons for item in listed} == {
        declined.reference: ["declined"],
        returned.reference: ["returned"],
        transferred.reference: ["transferred"],
    }


# --- Places ----------------------------------------------------------------------------------


@pytest.fixture
def spread():
    """Seven cases of the year over six regions, and one of the year before in Bangkok."""
    bangkok = [
        make_case(
            at(2025, 10, 6, 10),
            RESOLVED,
            district_id="1001",
            resolved_at=at(2025, 10, 8, 10),
            resolved_in_time=True,
        ),
        make_case(at(2025, 11, 6, 10), NEW, district_id="1002"),
    ]
    rate(bangkok[0], 4, 4, 4)
    make_case(at(2025, 10, 6, 10), province="50")  # north
    make_case(at(2025, 10, 6, 10), province="70")  # west
    make_case(at(2025, 10, 6, 10), category="healthcare-access", province="40")  # northeast
    make_case(at(2025, 10, 6, 10), category="healthcare-access", province="90")  # south
    make_case(at(2025, 10, 6, 10), category="healthcare-access", province="20")  # east
    make_case(at(2024, 10, 6, 10), district_id="1001")
    return bangkok


def test_every_province_has_a_row_with_its_region(spread):
    rows = places.by_province(Selection(fiscal_year=YEAR), EVERYONE, now=NOW)

    assert len(rows) == Province.objects.count() == 77
    assert all(row["region"] is not None for row in rows)
    by_code = {row["place"].code: row for row in rows}
    bangkok = by_code["10"]
    assert (bangkok["received"], bangkok["open"], bangkok["resolved"]) == (2, 1, 1)
    assert (bangkok["in_time_share"], bangkok["satisfaction"]) == (100.0, 4.0)
    assert bangkok["region"].code == "central"
    assert (by_code["50"]["received"], by_code["50"]["region"].code) == (1, "north")
    assert (by_code["11"]["received"], by_code["11"]["ratings"]) == (0, 0)


def test_the_districts_of_a_province(spread):
    rows = places.by_district(
        Province.objects.get(code="10"), Selection(fiscal_year=YEAR), EVERYONE, now=NOW
    )

    assert len(rows) == District.objects.filter(province="10").count() == 50
    received = {row["place"].code: row["received"] for row in rows}
    assert (received["1001"], received["1002"], received["1003"]) == (1, 1, 0)
    assert {row["region"].code for row in rows} == {"central"}


def test_the_needs_of_each_region(spread):
    rows = {
        row["category"].code: row
        for row in places.needs_by_region(Selection(fiscal_year=YEAR), EVERYONE)
    }

    assert len(rows) == Category.objects.count()
    regions = ("north", "northeast", "central", "east", "west", "south", "total")
    assert [rows["unpaid-wages"][key] for key in regions] == [1, 0, 2, 0, 1, 0, 4]
    assert [rows["healthcare-access"][key] for key in regions] == [0, 1, 0, 1, 0, 1, 3]
    assert [rows["legal-aid"][key] for key in regions] == [0, 0, 0, 0, 0, 0, 0]
    assert PROVINCE_REGION["70"].code == "west"


# --- The action plan -------------------------------------------------------------------------


def project(code, strategy, first, last, lead="MOL") -> Project:
    return Project.objects.create(
        strategy=Strategy.objects.get(number=strategy),
        code=code,
        name_th=f"โครงการ {code}",
        name_en=f"Project {code}",
        lead_agency=agency(lead),
        first_fiscal_year=first,
        last_fiscal_year=last,
    )


def indicator(owner, name, metric="", categories=(), targets=None, **fields) -> Indicator:
    made = Indicator.objects.create(
        **({"project": owner} if isinstance(owner, Project) else {"strategy": owner}),
        name_th=name,
        name_en=name,
        unit_th="ราย",
        unit_en="cases",
        responsible_agency=agency("MOL"),
        measurement=Measurement.COMPUTED if metric else Measurement.REPORTED,
        metric=metric,
        **fields,
    )
    made.categories.set(Category.objects.filter(code__in=categories))
    for fiscal_year, target in (targets or {}).items():
        IndicatorTarget.objects.create(indicator=made, fiscal_year=fiscal_year, target=target)
    return made


def activity(of, name, planned, actual=(None, None), progress=0) -> Activity:
    return Activity.objects.create(
        project=of,
        name_th=name,
        responsible_agency=agency("MOL"),
        planned_start=planned[0],
        planned_end=planned[1],
        actual_start=actual[0],
        actual_end=actual[1],
        progress=progress,
    )


@dataclass
class Plan:
    running: Project
    indicators: dict


@pytest.fixture
def action_plan() -> Plan:
    """Project P1 of strategy 6 runs in 2568-2570; P2 (2571-2572) and P3 (2565-2568) of the
    same strategy do not run in 2569; P4 of strategy 5 does.

    ====  ==============  =======  ===========  ========  ============
    case  kind of help    project  status       in time   person
    ====  ==============  =======  ===========  ========  ============
    k1    unpaid wages    P1       resolved     yes       phone 1
    k2    unpaid wages    P1       closed       no        phone 1
    k3    finding work    P1       resolved     yes       phone 2
    k4    unpaid wages    P1       in progress            phone 4
    k5    unpaid wages    P3       resolved     yes       phone 5
    k6    unpaid wages    (none)   resolved     yes       phone 6
    k7    unpaid wages    P1       resolved     yes       (FY 2568)
    k8    finding work    P1       resolved     (none)    ID H1, phone 1
    k9    unpaid wages    P4       resolved     yes       phone 9
    ====  ==============  =======  ===========  ========  ============
    """
    p1 = project("P1", 6, 2568, 2570)
    p2, p3 = project("P2", 6, 2571, 2572), project("P3", 6, 2565, 2568)
    p4 = project("P4", 5, 2569, 2569, lead="MOJ")
    in_year = at(2025, 11, 3, 10)

    def case(category, of, status, in_time=None, phone="0800000000", **columns):
        return make_case(
            columns.pop("created", in_year),
            status,
            category,
            project=of,
            resolved_in_time=in_time,
            citizen_phone=phone,
            **columns,
        )

    k1 = case("unpaid-wages", p1, RESOLVED, True, "0811111111")
    k2 = case("unpaid-wages", p1, CLOSED, False, "0811111111")
    k3 = case("finding-work", p1, RESOLVED, True, "0822222222")
    k4 = case("unpaid-wages", p1, IN_PROGRESS, None, "0844444444")
    case("unpaid-wages", p3, RESOLVED, True, "0855555555")
    k6 = case("unpaid-wages", None, RESOLVED, True, "0866666666")
    k7 = case("unpaid-wages", p1, RESOLVED, True, "0877777777", created=at(2024, 11, 3, 10))
    case("finding-work", p1, RESOLVED, None, "0811111111", national_id_hash="H1")
    case("unpaid-wages", p4, RESOLVED, True, "0899999999")
    make_referral(k1, "MOPH", ACCEPTED, at(2025, 11, 5, 9))
    make_referral(k2, "MOPH", COMPLETED, at(2025, 11, 12, 9))
    make_referral(k3, "MOPH", DECLINED, at(2026, 1, 5, 9))
    make_referral(k4, "MOI", PENDING, at(2026, 1, 5, 9))
    make_referral(k6, "MOPH", ACCEPTED, at(2025, 11, 5, 9))
    make_referral(k7, "MOPH", ACCEPTED, at(2024, 11, 5, 9))

    wages = ["unpaid-wages"]
    found = {
        "received": indicator(p1, "รับเรื่อง", CaseMetric.RECEIVED, wages, {2568: 100, YEAR: 6}),
        "resolved": indicator(p1, "ยุติ", CaseMetric.RESOLVED, targets={YEAR: 0}),
        "in_time": indicator(p1, "ทันเวลา", CaseMetric.RESOLVED_IN_TIME, wages),
        "share": indicator(p1, "ร้อยละทันเวลา", CaseMetric.RESOLVED_IN_TIME_SHARE),
        "people": indicator(p1, "ผู้ได้รับความช่วยเหลือ", CaseMetric.PEOPLE_HELPED),
        "answered": indicator(p1, "ตอบการส่งต่อ", CaseMetric.REFERRALS_ANSWERED),
        "summed": indicator(p1, "อบรม", targets={YEAR: 50}),
        "latest": indicator(
            p1, "ความครอบคลุม", yearly_value=YearlyValue.LATEST, targets={YEAR: 100}
        ),
        "unreported": indicator(p1, "ยังไม่รายงาน", targets={YEAR: 10}),
        "strategy": indicator(Strategy.objects.get(number=6), "รับเรื่องทั้งกลยุทธ์", CaseMetric.RECEIVED),
    }
    for owner, fiscal_year, quarter, value in [
        ("summed", YEAR, 1, 10),
        ("summed", YEAR, 2, 15),
        ("summed", 2568, 4, 99),
        ("latest", YEAR, 1, 40),
        ("latest", YEAR, 3, 55),
        ("latest", YEAR, 2, 50),
    ]:
        IndicatorValue.objects.create(
            indicator=found[owner],
            fiscal_year=fiscal_year,
            quarter=quarter,
            value=value,
            evidence="รายงานผลการดำเนินงาน",
        )
    d = date
    for name, planned, actual, progress in [
        ("เสร็จตามแผน", (d(2025, 10, 1), d(2026, 1, 31)), (d(2025, 10, 1), d(2026, 1, 15)), 100),
        ("เสร็จช้า", (d(2025, 10, 1), d(2025, 12, 31)), (d(2025, 10, 1), d(2026, 1, 10)), 100),
        ("เกินกำหนด", (d(2025, 11, 1), d(2026, 3, 1)), (d(2025, 11, 1), None), 80),
        ("กำลังทำ", (d(2026, 2, 1), d(2026, 6, 30)), (d(2026, 2, 3), None), 30),
        ("ยังไม่ถึงเวลา", (d(2026, 4, 1), d(2026, 8, 31)), (None, None), 0),
        ("ควรเริ่มแล้ว", (d(2026, 3, 1), d(2026, 5, 31)), (None, None), 0),
        ("ปีก่อน", (d(2024, 10, 1), d(2025, 9, 30)), (d(2024, 10, 1), d(2025, 9, 30)), 100),
    ]:
        activity(p1, name, planned, actual, progress)
    assert {p2.code, p3.code} == {"P2", "P3"}
    return Plan(p1, found)


def progress_of(selection=None):
    selection = selection or Selection(fiscal_year=YEAR)
    return plan.plan_progress(selection, EVERYONE, today=date(2026, 3, 20))


def test_only_the_projects_running_in_the_year_are_shown(action_plan):
    shown = {
        item.strategy.number: [p.project.code for p in item.projects] for item in progress_of()
    }

    assert shown == {1: [], 2: [], 3: [], 4: [], 5: ["P4"], 6: ["P1"]}
    assert [p.project.code for p in progress_of(Selection(fiscal_year=2571))[5].projects] == ["P2"]


def test_computed_indicators_count_the_project_s_cases_of_their_kinds_of_help(action_plan):
    [strategy_6] = [item for item in progress_of() if item.strategy.number == 6]
    [p1] = strategy_6.projects
    values = {item.indicator.pk: item for item in p1.indicators}
    found = action_plan.indicators

    def value(key):
        return values[found[key].pk].value

    assert value("received") == 3  # k1, k2, k4: unpaid wages of P1 received in the year
    assert value("resolved") == 4  # k1, k2, k3, k8
    assert value("in_time") == 1  # k1 (k3 is of another kind)
    assert value("share") == 66.7  # k1 and k3 of k1, k2, k3 (k8 had no deadline)
    assert value("people") == 3  # phone 1 (k1, k2), phone 2 (k3), ID H1 (k8)
    assert value("answered") == 3  # accepted (k1), completed (k2), declined (k3)
    # A strategy's indicator counts the cases of all its projects: k1-k5 and k8.
    assert [(item.value, item.target) for item in strategy_6.indicators] == [(6, None)]


def test_reported_indicators_add_up_their_quarters_or_take_the_latest(action_plan):
    [strategy_6] = [item for item in progress_of() if item.strategy.number == 6]
    values = {item.indicator.pk: item for item in strategy_6.projects[0].indicators}
    found = action_plan.indicators

    summed, latest = values[found["summed"].pk], values[found["latest"].pk]
    assert (summed.value, summed.target, summed.percent_of_target) == (25, 50, 50.0)
    assert summed.quarters == {1: Decimal(10), 2: Decimal(15)}
    assert (latest.value, latest.target, latest.percent_of_target) == (55, 100, 55.0)
    unreported = values[found["unreported"].pk]
    assert (unreported.value, unreported.percent_of_target) == (None, None)
    received = values[found["received"].pk]
    assert (received.target, received.percent_of_target) == (6, 50.0)
    assert values[found["resolved"].pk].percent_of_target is None  # a target of 0


def test_activities_are_late_on_time_done_or_not_started(action_plan):
    [strategy_6] = [item for item in progress_of() if item.strategy.number == 6]
    [p1] = strategy_6.projects

    states = {activity.name: state for activity, state in p1.activities}

    assert states == {
        "เสร็จตามแผน": "done",
        "เสร็จช้า": "late",
        "เกินกำหนด": "late",
        "กำลังทำ": "on_time",
        "ยังไม่ถึงเวลา": "not_started",
        "ควรเริ่มแล้ว": "late",
    }
    assert p1.timeliness == {"late": 3, "done": 1, "on_time": 1, "not_started": 1}


def test_the_strategies_page_shows_the_running_projects(client, action_plan):
    client.force_login(InspectorFactory().user)

    response = client.get("/dashboards/strategies/?fy=2569")

    assert response.status_code == 200
    # (The filter's list of projects names them all; the sections only those running.)
    assert "<h3>P1 โครงการ P1</h3>" in response.text
    assert "<h3>P4 โครงการ P4</h3>" in response.text
    assert "<h3>P2 " not in response.text and "<h3>P3 " not in response.text


@pytest.mark.parametrize(
    ("reader", "expected"),
    [("inspector", 3), ("MOL", 2), ("MOJ", 1)],
)
def test_a_computed_indicator_counts_only_the_cases_the_readers_agency_leads(
    client, reader, expected
):
    """A project of MOL, joined by MOJ, serves two cases of unpaid wages (led by MOL) and
    one of legal aid (led by MOJ)."""
    served = project("PX", 6, 2568, 2570, lead="MOL")
    served.participating_agencies.add(agency("MOJ"))
    received = indicator(served, "รับเรื่องของโครงการ", CaseMetric.RECEIVED)
    for category in ("unpaid-wages", "unpaid-wages", "legal-aid"):
        make_case(at(2025, 11, 3, 10), category=category, project=served)
    user = InspectorFactory().user if reader == "inspector" else staff(reader, Role.CCEO)
    client.force_login(user)

    response = client.get("/dashboards/strategies/?fy=2569")

    [row] = [
        row
        for row in response.context["tables"]["indicators"].rows
        if row["indicator"] == received.name
    ]
    assert (row["project"], row["value"]) == ("PX", expected)


# --- Public statistics -----------------------------------------------------------------------


WITHHELD = dict.fromkeys(
    ("received", "resolved", "resolve_median", "in_time_share", "satisfaction")
)


def test_figures_resting_on_fewer_than_five_cases_are_withheld():
    published_year()

    stats = public.public_stats(YEAR, now=NOW)

    assert stats["national"] == {
        "received": 15,
        "resolved": 9,
        "resolve_median": HOUR,  # five of the nine took 1 h
        "in_time_share": 87.5,  # 7 of the 8 with a deadline
        "satisfaction": 3.6,  # (5 + 4 + 4 + 3 + 2) / 5
    }
    provinces = {province.code: row for province, row in stats["provinces"]}
    assert len(provinces) == 77
    # Bangkok: five resolved show their median; four with a deadline and four ratings do not.
    assert provinces["10"] == {**WITHHELD, "received": 6, "resolved": 5, "resolve_median": 3 * HOUR}
    assert provinces["50"] == WITHHELD  # four cases
    assert provinces["40"] == {**WITHHELD, "received": 5}
    assert provinces["11"] == WITHHELD  # none
    agencies = {agency.code: row for agency, row in stats["agencies"]}
    assert agencies["MOL"] == {**stats["national"], "received": 10}
    assert agencies["MOPH"] == {**WITHHELD, "received": 5}


def test_the_median_time_to_resolve_rests_on_the_cases_with_a_time_to_resolve():
    """Six cases of Chiang Mai were resolved, four of them with the time they took (the
    others ended before it was kept): four times are too few to publish their median."""
    for number in range(6):
        make_case(
            at(2025, 12, 3, 10),
            RESOLVED,
            province="50",
            resolve_seconds=HOUR if number < 4 else None,
        )
    make_case(at(2025, 11, 3, 10), RESOLVED, resolve_seconds=2 * HOUR)  # in Bangkok

    stats = public.public_stats(YEAR, now=NOW)

    provinces = {province.code: row for province, row in stats["provinces"]}
    chiang_mai = provinces["50"]
    assert (chiang_mai["received"], chiang_mai["resolved"]) == (6, 6)
    assert chiang_mai["resolve_median"] is None
    # The whole country has five times to resolve: 1 h four times and 2 h.
    assert (stats["national"]["resolved"], stats["national"]["resolve_median"]) == (7, HOUR)


def test_a_single_small_count_of_a_column_withholds_the_next_smallest_of_that_column():
    def row(received, resolved):
        return {
            "received": received,
            "resolved": resolved,
            "resolve_counted": resolved,
            "resolve_median": resolved * HOUR,
        }

    published = public.suppress_table([row(9, 3), row(7, 6), row(8, 5), row(20, 20)])

    assert [(r["received"], r["resolved"]) for r in published] == [
        (9, None),  # three resolved: under five
        (7, 6),
        (8, suppression.WITHHELD),  # the smallest count of resolved shown beside it
        (20, 20),
    ]
    # Only the counts that add up to a total are withheld beside a small one.
    assert [r["resolve_median"] for r in published] == [None, 6 * HOUR, 5 * HOUR, 20 * HOUR]


def test_the_satisfaction_tile_counts_ratings_not_points_in_thai(client, year):
    client.force_login(InspectorFactory().user)

    page = client.get("/dashboards/?fy=2569").content.decode()

    assert re.search(r"ความพึงพอใจ \(ประเมิน \d+ ครั้ง\)", page)
    assert "คะแนน)" not in page


@pytest.mark.parametrize(
    ("language", "shown", "not_shown"),
    [
        ("th", ["ยธ.", "สธ.", "ตร.", "รง."], [">MOJ<", ">MOPH<"]),
        ("en", [">MOJ<", ">MOPH<"], ["สธ."]),
    ],
)
def test_the_referral_matrix_names_the_agencies_as_readers_know_them(
    client, year, language, shown, not_shown
):
    client.force_login(InspectorFactory().user)
    client.cookies["django_language"] = language

    page = client.get("/dashboards/agencies/?fy=2569").content.decode()
    matrix = page[page.index("<thead>") :]

    for text in shown:
        assert text in matrix
    for text in not_shown:
        assert text not in matrix


def test_the_overview_counts_requests_by_the_way_they_came_in(client):
    make_case(NOW, channel="hotline_1111")
    make_case(NOW, status=RESOLVED, channel="hotline_1111", resolved_in_time=True)
    make_case(NOW, channel="traffy")
    make_case(NOW)  # the web form

    rows = {row["channel"]: row for row in figures.overview(Selection(), EVERYONE).channels}

    assert [rows[c]["received"] for c in ("hotline_1111", "traffy", "web", "api")] == [2, 1, 1, 0]
    assert (rows["hotline_1111"]["open"], rows["hotline_1111"]["resolved"]) == (1, 1)
    assert rows["hotline_1111"]["in_time_share"] == 100.0
    assert rows["api"]["in_time_share"] is None
    client.force_login(InspectorFactory().user)
    page = client.get("/dashboards/").content.decode()
    assert 'id="data-channels"' in page
    assert "Traffy Fondue" in page and "1111" in page
