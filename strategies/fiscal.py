"""The Thai government's fiscal year: 1 October to 30 September, named by its B.E. year.

FY 2562 runs from 1 October 2018 to 30 September 2019: the Buddhist Era year of the
September it ends in (Christian year + 543).
"""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from agencies.thai_dates import BUDDHIST_ERA_OFFSET

BANGKOK = ZoneInfo("Asia/Bangkok")


def fiscal_year_of(day: date | datetime) -> int:
    """The B.E. fiscal year a day (or moment, read in Bangkok) falls in."""
    if isinstance(day, datetime):
        day = day.astimezone(BANGKOK).date()
    return day.year + BUDDHIST_ERA_OFFSET + (1 if day.month >= 10 else 0)


def fiscal_year_days(year: int) -> tuple[date, date]:
    """The first and last day of B.E. fiscal year ``year``."""
    christian = year - BUDDHIST_ERA_OFFSET
    return date(christian - 1, 10, 1), date(christian, 9, 30)


def fiscal_year_bounds(year: int) -> tuple[datetime, datetime]:
    """[start, end) of the fiscal year as aware moments in Bangkok."""
    christian = year - BUDDHIST_ERA_OFFSET
    return (
        datetime.combine(date(christian - 1, 10, 1), time.min, BANGKOK),
        datetime.combine(date(christian, 10, 1), time.min, BANGKOK),
    )


def fiscal_quarter_of(day: date) -> int:
    """1 for October-December, 2 for January-March, 3 for April-June, 4 for July-September."""
    return (day.month - 10) % 12 // 3 + 1


def quarter_days(year: int, quarter: int) -> tuple[date, date]:
    """The first and last day of a quarter of B.E. fiscal year ``year``."""
    christian = year - BUDDHIST_ERA_OFFSET
    starts = [date(christian - 1, 10, 1), date(christian, 1, 1), date(christian, 4, 1)]
    starts += [date(christian, 7, 1), date(christian, 10, 1)]
    return starts[quarter - 1], date.fromordinal(starts[quarter].toordinal() - 1)
