"""Thai business time: the working hours of working days, without weekends, public holidays
and the extra days off an administrator adds. Deadlines are counted on this clock.

``BusinessCalendar`` does the arithmetic and touches no database; ``current_calendar()``
builds the portal's calendar from the settings, the ``holidays`` package and the
``ExtraDayOff`` rows, and keeps it per process for a few minutes.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from time import monotonic
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings

from referrals.models import ExtraDayOff

ONE_DAY = timedelta(days=1)
# More days off in a row than any real calendar has: past this, the calendar is
# misconfigured (say, no working weekday), and add() would otherwise search forever.
MAX_DAYS_OFF_IN_A_ROW = 366


@dataclass(frozen=True)
class BusinessCalendar:
    """Working hours [``opens``, ``closes``) on every ``weekdays`` day (Monday = 0) that
    ``is_day_off`` does not exclude, on the wall clock of ``tz``.

    Every method takes timezone-aware datetimes (a naive one raises ``ValueError``) and
    answers in ``tz``. Durations are measured on the wall clock of ``tz``, which is real
    time in a zone without daylight saving such as Asia/Bangkok. The methods step day by
    day, so a year costs a few hundred steps, and keep microseconds exact.
    """

    opens: time
    closes: time
    weekdays: frozenset[int]
    is_day_off: Callable[[date], bool]
    tz: ZoneInfo

    def __post_init__(self) -> None:
        if not self.opens < self.closes:
            raise ValueError(
                f"Working hours must open before they close: {self.opens}-{self.closes}."
            )
        if not self.weekdays or not self.weekdays <= set(range(7)):
            raise ValueError(f"Working weekdays must be some of 0 to 6: {set(self.weekdays)}.")

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` has working hours: a working weekday and not a day off."""
        return day.weekday() in self.weekdays and not self.is_day_off(day)

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The moment at which ``duration`` of business time has passed since ``start``.

        For a positive duration this is the earliest ``t`` with
        ``between(start, t) == duration``: a duration that runs out exactly at closing time
        ends at that closing time, not at the next opening. A zero duration gives
        ``next_working_moment(start)``. A negative duration raises ``ValueError``.
        """
        start = self._local(start)
        if duration < timedelta(0):
            raise ValueError(f"A duration of business time cannot be negative: {duration}.")
        if not duration:
            return self.next_working_moment(start)
        day, left = start.date(), duration
        while True:
            day = self._first_working_day_from(day)
            opens, closes = self._hours(day)
            begin = max(start, opens)
            if begin < closes:
                if left <= closes - begin:
                    return begin + left
                left -= closes - begin
            day += ONE_DAY

    def between(self, start: datetime, end: datetime) -> timedelta:
        """The business time within [``start``, ``end``); zero when ``end <= start``."""
        start, end = self._local(start), self._local(end)
        total = timedelta(0)
        day = start.date()
        while day <= end.date():
            if self.is_working_day(day):
                opens, closes = self._hours(day)
                total += max(timedelta(0), min(closes, end) - max(opens, start))
            day += ONE_DAY
        return total

    def next_working_moment(self, moment: datetime) -> datetime:
        """``moment`` itself when it falls within working hours, else the next opening."""
        moment = self._local(moment)
        day = self._first_working_day_from(moment.date())
        if moment >= self._hours(day)[1]:
            day = self._first_working_day_from(day + ONE_DAY)
        return max(moment, self._hours(day)[0])

    def _local(self, moment: datetime) -> datetime:
        if moment.utcoffset() is None:
            raise ValueError(f"Business time needs a timezone-aware datetime, not {moment}.")
        # One tzinfo for every datetime compared or subtracted below, so that they all
        # read the same wall clock.
        return moment.astimezone(self.tz)

    def _hours(self, day: date) -> tuple[datetime, datetime]:
        return (
            datetime.combine(day, self.opens, self.tz),
            datetime.combine(day, self.closes, self.tz),
        )

    def _first_working_day_from(self, day: date) -> date:
        for _ in range(MAX_DAYS_OFF_IN_A_ROW):
            if self.is_working_day(day):
                return day
            day += ONE_DAY
        raise ValueError(f"No working day in the {MAX_DAYS_OFF_IN_A_ROW} days before {day}.")


# The calendar of this process and when it was read. Extra days off change a few times a
# year, and deadlines are computed on every case change: read them every few minutes, not
# on every computation.
CALENDAR_SECONDS = 300
_cached: tuple[float, BusinessCalendar] | None = None


def current_calendar() -> BusinessCalendar:
    """The portal's calendar: working hours and weekdays from the settings (``SLA_DAY_OPENS``,
    ``SLA_DAY_CLOSES``, ``SLA_WORKING_WEEKDAYS``, ``TIME_ZONE``), Thailand's public
    holidays from the ``holidays`` package, and the ``ExtraDayOff`` rows.

    The rows are read at most once every ``CALENDAR_SECONDS`` in each process; call
    ``forget_calendar()`` after changing them so that this process reads them again.
    """
    global _cached
    now = monotonic()
    # Two threads may both miss at once and both read the rows: harmless, so no lock.
    if _cached is None or now - _cached[0] >= CALENDAR_SECONDS:
        _cached = (now, _read_calendar())
    return _cached[1]


def forget_calendar() -> None:
    """Drop this process's calendar: the next ``current_calendar()`` reads the database.

    Other processes keep theirs until it is ``CALENDAR_SECONDS`` old.
    """
    global _cached
    _cached = None


def _read_calendar() -> BusinessCalendar:
    tz = ZoneInfo(settings.TIME_ZONE)
    this_year = datetime.now(tz).year
    # The package fills in a year's holidays on the first look-up in it, and a look-up
    # from another thread meanwhile sees the year half filled. Filling the years that
    # deadlines fall in now leaves that only for years far away; those still work.
    # Government offices also close on the government-only holidays (the Royal Ploughing
    # Ceremony).
    public_holidays = holidays.Thailand(
        years=range(this_year - 1, this_year + 3), categories=("public", "government")
    )
    extra_days_off = frozenset(ExtraDayOff.objects.values_list("date", flat=True))
    return BusinessCalendar(
        opens=time.fromisoformat(settings.SLA_DAY_OPENS),
        closes=time.fromisoformat(settings.SLA_DAY_CLOSES),
        weekdays=frozenset(settings.SLA_WORKING_WEEKDAYS),
        is_day_off=lambda day: day in extra_days_off or day in public_holidays,
        tz=tz,
    )
