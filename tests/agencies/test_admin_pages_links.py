"""The pages of an agency's administrators (its systems' API keys, its ready-made replies)
are linked for its administrators only: from the home page, and from the staff queue for
someone who also works cases."""

import pytest
from django.urls import reverse

from agencies.models import Role
from tests.referrals.factories import agency, staff

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("page", ["api_keys:list", "replies:list"])
def test_the_administrators_pages_are_linked_for_administrators_only(client, page):
    link = f'href="{reverse(page)}"'
    client.force_login(staff("MOL", Role.AGENCY_ADMIN))
    assert link in client.get("/").text
    client.force_login(staff("MOL", Role.SUPERVISOR))
    assert link not in client.get("/").text
    assert link not in client.get(reverse("staff:queue")).text
    both = staff("MOL", Role.SUPERVISOR)
    agency("MOL").memberships.create(user=both, role=Role.AGENCY_ADMIN)
    client.force_login(both)
    assert link in client.get(reverse("staff:queue")).text
