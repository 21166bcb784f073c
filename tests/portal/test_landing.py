"""After signing in, each person lands where they work, and the header leads there."""

import pytest

from agencies.models import Role
from tests.factories import PASSWORD, InspectorFactory
from tests.referrals.factories import staff

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(fast_password_hashing):
    return fast_password_hashing


def sign_in(client, user, next_page=None):
    data = {"username": user.username, "password": PASSWORD}
    path = "/accounts/login/" + (f"?next={next_page}" if next_page else "")
    return client.post(path, data)


@pytest.mark.parametrize(
    ("who", "lands_on", "header_links"),
    [
        ("intake officer", "/staff/", {"/staff/"}),
        ("case officer", "/staff/", {"/staff/"}),
        ("supervisor", "/staff/", {"/staff/", "/dashboards/"}),
        ("cceo", "/staff/", {"/staff/", "/dashboards/"}),
        ("agency admin", "/", set()),
        ("inspector", "/dashboards/", {"/dashboards/"}),
    ],
)
def test_each_person_lands_where_they_work_and_the_header_leads_there(
    client, who, lands_on, header_links
):
    roles = {
        "intake officer": Role.INTAKE_OFFICER,
        "case officer": Role.CASE_OFFICER,
        "supervisor": Role.SUPERVISOR,
        "cceo": Role.CCEO,
        "agency admin": Role.AGENCY_ADMIN,
    }
    user = InspectorFactory().user if who == "inspector" else staff("MOL", roles[who])

    answer = sign_in(client, user)

    assert answer.status_code == 302
    assert answer["Location"] == lands_on
    header = client.get(lands_on).content.decode().split("</header>")[0]
    shown = {path for path in ("/staff/", "/dashboards/") if f'href="{path}"' in header}
    assert shown == header_links


def test_a_page_asked_for_before_signing_in_comes_first(client):
    answer = sign_in(client, staff("MOL", Role.SUPERVISOR), next_page="/staff/notifications/")

    assert answer["Location"] == "/staff/notifications/"
