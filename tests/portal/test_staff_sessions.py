"""What a signed-in session leaves behind: nothing cached by the browser or a proxy, and
nothing usable after a while without activity or a working day after signing in."""

from urllib.parse import urlencode

import pytest
from django.conf import settings as django_settings

from agencies.models import Inspector, Role
from portal import middleware
from referrals.models import CaseStatus
from tests.factories import PASSWORD, UserFactory
from tests.referrals.factories import case_in, staff
from tests.referrals.public_helpers import png, standing_clock

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]


def no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


@pytest.fixture
def clock(monkeypatch):
    return standing_clock(monkeypatch, middleware)


def test_every_page_shown_to_staff_is_kept_by_no_browser_or_proxy(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    supervisor = staff("MOL", Role.SUPERVISOR)
    case = case_in(CaseStatus.IN_PROGRESS)
    from referrals import services

    attachment = services.add_attachment(case, supervisor, png())
    client.force_login(supervisor)
    pages = [
        "/",
        "/staff/",
        "/staff/?tab=all",
        f"/staff/cases/{case.reference}/",
        f"/staff/cases/{case.reference}/files/{attachment.pk}/",
        "/staff/notifications/",
        "/dashboards/",
        "/dashboards/?export=csv&table=months",
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert no_store(response), path


def test_the_dashboards_of_an_inspector_are_not_kept_either(client):
    inspector = UserFactory()
    Inspector.objects.create(user=inspector)
    client.force_login(inspector)
    assert no_store(client.get("/dashboards/provinces/"))


def test_public_pages_stay_cacheable(client):
    assert not no_store(client.get("/privacy/"))


def test_a_session_ends_after_a_while_without_activity(client, clock, settings):
    settings.STAFF_IDLE_MINUTES = 30
    client.post(
        "/accounts/login/",
        {"username": staff("MOL", Role.INTAKE_OFFICER).username, "password": PASSWORD},
    )
    clock.advance(29 * 60)
    assert client.get("/staff/").status_code == 200
    clock.advance(29 * 60)
    assert client.get("/staff/").status_code == 200, "each request keeps it open"

    clock.advance(31 * 60)
    response = client.get("/staff/?tab=all")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fstaff%2F%3Ftab%3Dall"
    assert "_auth_user_id" not in client.session
    login = client.get(response["Location"])
    assert "ไม่มีการใช้งาน" in login.text  # "without activity", in Thai


def test_a_session_ends_a_working_day_after_signing_in_however_active(client, clock, settings):
    settings.STAFF_IDLE_MINUTES, settings.STAFF_SESSION_HOURS = 30, 12
    client.post(
        "/accounts/login/",
        {"username": staff("MOL", Role.INTAKE_OFFICER).username, "password": PASSWORD},
    )
    for _ in range(12 * 3 - 1):
        clock.advance(20 * 60)
        assert client.get("/staff/").status_code == 200
    clock.advance(21 * 60)
    assert client.get("/staff/").status_code == 302


def test_an_htmx_request_after_the_timeout_sends_the_whole_page_to_sign_in(client, clock):
    client.post(
        "/accounts/login/",
        {"username": staff("MOL", Role.INTAKE_OFFICER).username, "password": PASSWORD},
    )
    clock.advance(django_settings.STAFF_IDLE_MINUTES * 60 + 1)
    response = client.get(
        "/staff/?tab=all&q=x",
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/staff/?tab=all",
    )
    # Back to the page the person was on, not to the fragment htmx asked for.
    assert response["HX-Redirect"] == "/accounts/login/?next=%2Fstaff%2F%3Ftab%3Dall"


@pytest.mark.parametrize(
    ("method", "asked", "page"),
    [
        ("get", "/staff/?tab=all&q=x", "/staff/?tab=all"),  # the queue's filters
        ("get", "/staff/cases/{ref}/note/form/", "/staff/cases/{ref}/"),  # a folded form
        ("post", "/staff/cases/{ref}/note/", "/staff/cases/{ref}/"),
    ],
    ids=["queue filter", "folded form", "form sent"],
)
def test_an_htmx_request_without_any_session_sends_the_whole_page_to_sign_in(
    client, method, asked, page
):
    case = case_in(CaseStatus.IN_PROGRESS)
    asked, page = asked.format(ref=case.reference), page.format(ref=case.reference)

    response = getattr(client, method)(
        asked, HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL=f"http://testserver{page}"
    )
    plain = getattr(client, method)(asked)

    # Not the sign-in page drawn inside the card or the table htmx would replace.
    assert response.status_code == 200
    assert response.content == b""
    assert response["HX-Redirect"] == f"/accounts/login/?{urlencode({'next': page})}"
    assert plain.status_code == 302  # without htmx, the usual redirect
    assert plain["Location"].startswith("/accounts/login/?next=")


def test_a_form_sent_after_the_timeout_leads_to_sign_in_without_coming_back_to_it(client, clock):
    client.post(
        "/accounts/login/",
        {"username": staff("MOL", Role.INTAKE_OFFICER).username, "password": PASSWORD},
    )
    clock.advance(django_settings.STAFF_IDLE_MINUTES * 60 + 1)
    response = client.post("/staff/assign/", {"cases": "RP-2569-ABCDEF"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"


def test_htmx_keeps_no_copy_of_pages_in_the_browser(client):
    html = client.get("/").text
    assert '"historyCacheSize": 0' in html
