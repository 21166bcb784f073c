import pytest
from django.apps import apps

from agencies.reference import sync_agencies, sync_geography
from referrals.reference import sync_categories, sync_default_sla_policies
from referrals.selectors import forget_cached_choices
from strategies.reference import sync_strategies
from tests.factories import UserFactory


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
def superuser(db):
    return UserFactory(is_staff=True, is_superuser=True)
