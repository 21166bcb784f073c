"""Time and people for the deadline and notification tests: a frozen ``timezone.now()``,
instants on the Bangkok wall clock, and an agency's team."""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model

from agencies.models import Role
from tests.referrals.factories import staff

BANGKOK = ZoneInfo("Asia/Bangkok")


def at(year, month, day, hour=0, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BANGKOK)


MONDAY = at(2026, 3, 9, 9)  # a week without holidays


class Clock:
    """What ``timezone.now()`` answers while a test runs: ``clock.now = ...`` moves it."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Team:
    """An agency's people: who triages, who manages, who answers for it, who does neither."""

    intake: object
    supervisor: object
    cceo: object
    officer: object


def team(code: str) -> Team:
    """The four roles of an agency; the intake officer has no email address (the portal
    only), the others have one."""
    people = Team(
        intake=staff(code, Role.INTAKE_OFFICER),
        supervisor=staff(code, Role.SUPERVISOR),
        cceo=staff(code, Role.CCEO),
        officer=staff(code, Role.CASE_OFFICER),
    )
    without_email(people.intake)
    return people


def without_email(*users) -> None:
    get_user_model().objects.filter(pk__in=[u.pk for u in users]).update(email="")
    for user in users:
        user.email = ""
