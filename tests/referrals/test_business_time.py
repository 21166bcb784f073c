"""Thai business time: hand-checked deadlines around weekends and holidays, the calendar
read from the settings and the database, and the laws that deadlines rely on."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from django.test import override_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from referrals.business_time import BusinessCalendar, current_calendar, forget_calendar
from referrals.models import ExtraDayOff

BANGKOK = ZoneInfo("Asia/Bangkok")
THAI_HOLIDAYS = holidays.Thailand()
WORKING_DAY = timedelta(hours=8)
CALENDAR = BusinessCalendar(
    opens=time(8, 30),
    closes=time(16, 30),
    weekdays=frozenset(range(5)),
    is_day_off=THAI_HOLIDAYS.__contains__,
    tz=BANGKOK,
)


def at(year, month, day, hour=0, minute=0, second=0, microsecond=0) -> datetime:
    return datetime(year, month, day, hour, minute, second, microsecond, tzinfo=BANGKOK)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


# --- Hand-checked examples -------------------------------------------------------------


def test_an_hour_from_friday_afternoon_ends_on_monday_morning():
    assert CALENDAR.add(at(2026, 3, 6, 16), hours(1)) == at(2026, 3, 9, 9)


def test_a_full_day_from_opening_ends_at_closing_not_the_next_morning():
    assert CALENDAR.add(at(2026, 3, 9, 8, 30), WORKING_DAY) == at(2026, 3, 9, 16, 30)
    assert CALENDAR.add(at(2026, 3, 9, 8, 30), WORKING_DAY + timedelta(microseconds=1)) == at(
        2026, 3, 10, 8, 30, microsecond=1
    )


def test_a_start_on_saturday_counts_from_monday_opening():
    assert CALENDAR.add(at(2026, 3, 7, 10), hours(1)) == at(2026, 3, 9, 9, 30)
    assert CALENDAR.next_working_moment(at(2026, 3, 7, 10)) == at(2026, 3, 9, 8, 30)


def test_a_start_before_opening_counts_from_opening():
    assert CALENDAR.add(at(2026, 3, 9, 7), hours(1)) == at(2026, 3, 9, 9, 30)


def test_a_start_after_closing_counts_from_the_next_working_morning():
    assert CALENDAR.add(at(2026, 3, 9, 17), hours(1)) == at(2026, 3, 10, 9, 30)
    assert CALENDAR.add(at(2026, 3, 6, 17), hours(1)) == at(2026, 3, 9, 9, 30)


def test_songkran_2026_is_skipped():
    assert all(
        day in THAI_HOLIDAYS for day in [date(2026, 4, 13), date(2026, 4, 14), date(2026, 4, 15)]
    )
    # Friday 09:00 to 16:30 is 7.5 hours; the last half hour falls on Thursday.
    assert CALENDAR.add(at(2026, 4, 10, 9), WORKING_DAY) == at(2026, 4, 16, 9)


def test_the_turn_of_2026_to_2027_is_skipped():
    assert all(day in THAI_HOLIDAYS for day in [date(2026, 12, 31), date(2027, 1, 1)])
    # Thursday and Friday off, then the weekend: Wednesday's last half hour runs on Monday.
    assert CALENDAR.add(at(2026, 12, 30, 16), hours(1)) == at(2027, 1, 4, 9)


def test_the_bridge_holiday_of_2_january_2026_is_skipped():
    assert all(
        day in THAI_HOLIDAYS for day in [date(2025, 12, 31), date(2026, 1, 1), date(2026, 1, 2)]
    )
    # Wednesday, Thursday and the bridge Friday off: Tuesday's deadline moves to Monday.
    assert CALENDAR.add(at(2025, 12, 30, 16), hours(1)) == at(2026, 1, 5, 9)


def test_between_leaves_out_nights_weekends_and_holidays():
    # Friday 12:00-16:30, Songkran Monday to Wednesday, Thursday 08:30-10:00.
    assert CALENDAR.between(at(2026, 4, 10, 12), at(2026, 4, 16, 10)) == hours(6)
    # Chakri Day (Monday 6 April), Songkran and two weekends leave six working days.
    assert CALENDAR.between(at(2026, 4, 6), at(2026, 4, 20)) == 6 * WORKING_DAY


def test_a_year_of_2026_holds_241_working_days():
    # 261 weekdays, of which 20 are public holidays (Saturday and Sunday ones not counted).
    assert CALENDAR.between(at(2026, 1, 1), at(2027, 1, 1)) == 241 * WORKING_DAY
    assert CALENDAR.add(at(2026, 1, 1), 241 * WORKING_DAY) == at(2026, 12, 30, 16, 30)


def test_long_spans_step_by_day_not_by_minute():
    looked_up = []
    calendar = BusinessCalendar(
        CALENDAR.opens,
        CALENDAR.closes,
        CALENDAR.weekdays,
        lambda day: looked_up.append(day) or day in THAI_HOLIDAYS,
        BANGKOK,
    )
    calendar.add(at(2026, 1, 1), 241 * WORKING_DAY)
    calendar.between(at(2026, 1, 1), at(2027, 1, 1))
    assert len(looked_up) < 2 * 366


def test_zero_duration_is_the_start_or_the_next_opening():
    assert CALENDAR.add(at(2026, 3, 9, 10), timedelta(0)) == at(2026, 3, 9, 10)
    assert CALENDAR.add(at(2026, 3, 9, 16, 30), timedelta(0)) == at(2026, 3, 10, 8, 30)


def test_between_is_zero_when_the_end_is_not_after_the_start():
    assert CALENDAR.between(at(2026, 3, 9, 10), at(2026, 3, 9, 10)) == timedelta(0)
    assert CALENDAR.between(at(2026, 3, 10, 10), at(2026, 3, 9, 10)) == timedelta(0)


def test_other_timezones_are_read_as_bangkok_time():
    nine_in_bangkok = datetime(2026, 3, 9, 2, 0, tzinfo=UTC)
    due = CALENDAR.add(nine_in_bangkok, hours(1))
    assert due == at(2026, 3, 9, 10)
    assert due.tzinfo == BANGKOK
    assert CALENDAR.between(nine_in_bangkok, at(2026, 3, 9, 10)) == hours(1)


def test_naive_datetimes_and_negative_durations_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        CALENDAR.add(datetime(2026, 3, 9, 10), hours(1))
    with pytest.raises(ValueError, match="timezone-aware"):
        CALENDAR.between(at(2026, 3, 9, 10), datetime(2026, 3, 9, 12))
    with pytest.raises(ValueError, match="timezone-aware"):
        CALENDAR.next_working_moment(datetime(2026, 3, 9, 10))
    with pytest.raises(ValueError, match="negative"):
        CALENDAR.add(at(2026, 3, 9, 10), -hours(1))


def test_a_calendar_without_working_days_is_refused():
    with pytest.raises(ValueError, match="weekdays"):
        BusinessCalendar(time(8, 30), time(16, 30), frozenset(), lambda day: False, BANGKOK)
    with pytest.raises(ValueError, match="open before"):
        BusinessCalendar(time(16, 30), time(8, 30), frozenset({0}), lambda day: False, BANGKOK)
    always_off = BusinessCalendar(
        time(8, 30), time(16, 30), frozenset({0}), lambda day: True, BANGKOK
    )
    with pytest.raises(ValueError, match="No working day"):
        always_off.add(at(2026, 3, 9, 10), hours(1))


# --- The portal's calendar, from the settings and the database -------------------------


@pytest.fixture
def fresh_calendar():
    forget_calendar()
    yield
    forget_calendar()


@pytest.mark.django_db
def test_an_extra_day_off_is_skipped_as_soon_as_it_is_saved(
    fresh_calendar, django_assert_num_queries
):
    tuesday_afternoon, wednesday = at(2026, 3, 10, 16), date(2026, 3, 11)
    assert current_calendar().add(tuesday_afternoon, hours(1)) == at(2026, 3, 11, 9)

    with django_assert_num_queries(0):
        assert current_calendar().is_working_day(wednesday), "kept between calls"
    # Saving a day off forgets this process's calendar (a signal); others within minutes.
    ExtraDayOff.objects.create(date=wednesday, name_th="วันหยุดพิเศษ", name_en="Special holiday")
    calendar = current_calendar()
    assert not calendar.is_working_day(wednesday)
    assert calendar.add(tuesday_afternoon, hours(1)) == at(2026, 3, 12, 9)
    assert not calendar.is_working_day(date(2026, 4, 13))


@pytest.mark.django_db
def test_the_portal_calendar_follows_the_settings(fresh_calendar):
    with override_settings(
        SLA_DAY_OPENS="09:00", SLA_DAY_CLOSES="17:00", SLA_WORKING_WEEKDAYS=[0, 1, 2, 3, 4, 5]
    ):
        calendar = current_calendar()
    saturday = at(2026, 3, 7, 16)
    assert calendar.add(saturday, hours(2)) == at(2026, 3, 9, 10)
    assert calendar.tz == BANGKOK


# --- Laws, over 2025-2028 and up to 60 working days ------------------------------------

PROPERTY = settings(max_examples=200, deadline=None)

# Arbitrary moments, and moments exactly on the edges of working hours, where off-by-one
# mistakes hide.
moments = st.one_of(
    st.datetimes(
        min_value=datetime(2025, 1, 1),
        max_value=datetime(2028, 12, 31, 23, 59, 59, 999999),
        timezones=st.sampled_from([BANGKOK, UTC]),
    ),
    st.builds(
        lambda day, clock: datetime.combine(day, clock, BANGKOK),
        st.dates(date(2025, 1, 1), date(2028, 12, 31)),
        st.sampled_from([time(0), time(8, 30), time(12), time(16, 30), time(23, 59)]),
    ),
)
durations = st.one_of(
    st.timedeltas(min_value=timedelta(0), max_value=60 * WORKING_DAY),
    st.integers(0, 60 * 16).map(lambda halves: halves * timedelta(minutes=30)),
)
positive_durations = durations.filter(lambda d: d > timedelta(0))


def ordered(count: int):
    return st.lists(moments, min_size=count, max_size=count).map(sorted)


@PROPERTY
@given(moments, durations)
def test_between_measures_back_what_add_added(start, duration):
    assert CALENDAR.between(start, CALENDAR.add(start, duration)) == duration


@PROPERTY
@given(moments, durations, durations)
def test_add_grows_with_the_duration(start, one, other):
    shorter, longer = sorted([one, other])
    if shorter < longer:
        assert CALENDAR.add(start, shorter) < CALENDAR.add(start, longer)
    else:
        assert CALENDAR.add(start, shorter) == CALENDAR.add(start, longer)


@PROPERTY
@given(moments, durations, positive_durations)
def test_adding_in_two_steps_is_adding_the_sum(start, first, second):
    # Only for a positive second step: adding zero at closing time moves to the next
    # opening, while the one-step sum stays at closing time.
    assert CALENDAR.add(CALENDAR.add(start, first), second) == CALENDAR.add(start, first + second)


@PROPERTY
@given(moments, positive_durations)
def test_a_deadline_falls_in_working_hours_or_at_closing(start, duration):
    due = CALENDAR.add(start, duration)
    assert due.tzinfo == BANGKOK
    assert CALENDAR.is_working_day(due.date())
    assert CALENDAR.opens < due.time() <= CALENDAR.closes


@PROPERTY
@given(moments)
def test_the_next_working_moment_is_the_first_moment_that_counts(moment):
    then = CALENDAR.next_working_moment(moment)
    assert then >= moment
    assert CALENDAR.between(moment, then) == timedelta(0)
    assert CALENDAR.is_working_day(then.date())
    assert CALENDAR.opens <= then.time() < CALENDAR.closes


@PROPERTY
@given(ordered(3))
def test_between_adds_up_over_consecutive_spans(three):
    a, b, c = three
    assert CALENDAR.between(a, b) + CALENDAR.between(b, c) == CALENDAR.between(a, c)


@PROPERTY
@given(moments, moments)
def test_between_never_exceeds_the_elapsed_time(start, end):
    assert timedelta(0) <= CALENDAR.between(start, end) <= max(end - start, timedelta(0))


@PROPERTY
@given(ordered(3), positive_durations)
def test_a_pause_shifts_the_deadline_by_its_business_time(three, budget):
    started, paused, resumed = three
    used = CALENDAR.between(started, paused)
    unpaused_due = CALENDAR.add(started, budget)
    if used >= budget:
        assert unpaused_due <= paused
        return
    due = CALENDAR.add(resumed, budget - used)
    assert due >= unpaused_due
    assert due == CALENDAR.add(started, budget + CALENDAR.between(paused, resumed))
