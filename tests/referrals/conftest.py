from unittest.mock import patch

import pytest

from referrals.business_time import forget_calendar
from tests.referrals.clock import MONDAY, Clock


@pytest.fixture(autouse=True)
def fast_password_hashing(fast_password_hashing):
    """Staff users are made by the dozen here: always (see tests/conftest.py)."""
    return fast_password_hashing


@pytest.fixture
def clock():
    """``timezone.now()`` frozen at MONDAY 09:00 Bangkok; set ``clock.now`` to move it."""
    frozen = Clock(MONDAY)
    with patch("django.utils.timezone.now", new=frozen):
        yield frozen


@pytest.fixture(autouse=True)
def calendar_read_afresh():
    """Extra days off made by one test must not stay in the calendar of the next."""
    forget_calendar()
    yield
    forget_calendar()
