import pytest

from tests.factories import InspectorFactory


@pytest.fixture
def inspector(client, fast_password_hashing):
    """The test client, signed in as a ministry inspector (every agency's dashboards)."""
    client.force_login(InspectorFactory().user)
    return client
