import os
import uuid

import pytest
from django.apps import apps

from agencies.reference import sync_agencies, sync_geography
from referrals.reference import sync_categories, sync_default_sla_policies
from referrals.selectors import forget_cached_choices
from strategies.reference import sync_strategies
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def dashboards_count_afresh(settings):
    """Dashboard pages compute their figures at each request, so that a test sees the
    cases it just changed; tests of the snapshots themselves set a lifetime again."""
    settings.DASHBOARD_SNAPSHOT_MINUTES = 0


@pytest.fixture(autouse=True)
def dashboards_refreshed_on_the_tests_connection(settings):
    """The refresh of the dashboards counts its views on the test's own connection, the one
    that sees the test's cases before they are committed; the tests of counting side by
    side, on connections of their own, commit theirs (``test_dashboard_snapshots.py``)."""
    settings.DASHBOARD_REFRESH_CONNECTIONS = 1


@pytest.fixture(autouse=True)
def two_factor_optional(settings):
    """No role requires two-factor sign-in in tests, but those of two-factor sign-in itself
    (``two_factor_required``): the others sign in with a password, as before."""
    settings.TWO_FACTOR_REQUIRED_ROLES = []


@pytest.fixture
def two_factor_required(settings):
    """The production default: supervisors, CCEOs, agency administrators and the system
    administrator must sign in with a second step."""
    settings.TWO_FACTOR_REQUIRED_ROLES = ["supervisor", "cceo", "agency_admin", "superuser"]


@pytest.fixture(autouse=True)
def sms_outbox(settings):
    """Text messages go to ``referrals.sms.outbox`` in tests, as emails to Django's
    ``mail.outbox``; the list starts empty for each test and is given to those that ask."""
    from referrals import sms

    settings.SMS_BACKEND = "referrals.sms.MemoryBackend"
    sms.outbox.clear()
    return sms.outbox


@pytest.fixture(autouse=True)
def fresh_choice_lists():
    """Tests recreate reference rows (new ids): no choice list outlives its test."""
    forget_cached_choices()
    yield
    forget_cached_choices()


@pytest.fixture
def reference_data(db):
    """Reference data again, for transactional tests: their flush empties the tables
    that the data migrations filled. Idempotent, so harmless when the rows are there."""
    sync_agencies(apps)
    sync_geography(apps)
    sync_strategies(apps)
    sync_categories(apps)
    sync_default_sla_policies(apps)


@pytest.fixture
def fast_password_hashing(settings):
    """For tests that make users by the dozen: Argon2's deliberate slowness is not needed."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def media(settings, tmp_path):
    """Uploaded files kept in the test's own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def superuser(db):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Transactional tests (real workers, browsers) last, as pytest-django means them to
    be: their flush empties the reference tables the data migrations filled, and pytest's
    grouping of parametrized tests may otherwise pull them ahead of ordinary ones."""

    def transactional(item) -> bool:
        marker = item.get_closest_marker("django_db")
        flagged = marker is not None and (
            marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")
        )
        fixtures = getattr(item, "fixturenames", ())
        return bool(flagged or "transactional_db" in fixtures or "live_server" in fixtures)

    items.sort(key=transactional)


@pytest.fixture
def own_cache(settings, tmp_path):
    """A cache of this test's own, so that counters (limits, lock-outs) start at nothing."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": str(tmp_path),
        }
    }
    return settings.CACHES["default"]


@pytest.fixture
def real_cache(settings):
    """The real Redis as the cache, under a key prefix of this test's own, for limits that
    must count atomically across threads and processes (tests marked ``redis``)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ.get("REDIS_URL", ""),
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        }
    }
    return settings.CACHES["default"]
