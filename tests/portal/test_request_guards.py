"""Input that no page accepts is refused before any query: a NUL character (which
PostgreSQL can neither store nor compare, so it used to be a server error emailed to the
administrators), a malformed case reference, and a body larger than any form."""

import pytest
from django.test import Client

from agencies.models import Role
from referrals.models import Case, CaseStatus
from tests.referrals.factories import case_in, staff

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

CANNOT_READ = "ระบบไม่สามารถอ่าน"  # "the portal cannot read" (the 400 page), in Thai


@pytest.fixture
def supervisor(client):
    client.force_login(staff("MOL", Role.SUPERVISOR))
    return client


@pytest.mark.parametrize(
    "path",
    [
        "/staff/cases/%00/",
        "/staff/cases/%00/slip/",
        "/staff/cases/%00/files/1/",
        "/staff/?q=%00",
        "/staff/?province=%00",
        "/plan/projects/%00/",
        "/places/?province=%00",
        "/places/?district=10%0001",
        "/track/%00/",
        "/dashboards/provinces/%00/",
    ],
)
def test_a_nul_character_in_the_address_is_refused_not_a_server_error(supervisor, path):
    response = supervisor.get(path)
    assert response.status_code == 400
    assert CANNOT_READ in response.text


def test_a_nul_character_in_an_admin_filter_is_refused(superuser, client):
    client.force_login(superuser)
    response = client.get("/admin/referrals/case/?status__exact=%00")
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/staff/assign/", {"cases": "\x00", "officer": ""}),
        ("/staff/intake/", {"province": "\x00", "channel": "phone"}),
        ("/staff/intake/", {"province": "10", "district": "\x00", "channel": "phone"}),
        ("/requests/new/", {"province": "\x00", "citizen_name": "สมชาย"}),
        ("/track/", {"reference": "RP-2569-\x00", "secret": "ABCD-2345"}),
    ],
)
def test_a_nul_character_in_a_form_is_refused_and_changes_nothing(supervisor, path, data):
    before = Case.objects.count()
    response = supervisor.post(path, data)
    assert response.status_code == 400
    assert Case.objects.count() == before


def test_an_action_on_a_case_with_a_nul_in_its_reference_is_refused(supervisor):
    case = case_in(CaseStatus.NEW)
    response = supervisor.post("/staff/cases/%00/accept/", {"version": case.version})
    assert response.status_code == 400
    assert Case.objects.get(pk=case.pk).status == CaseStatus.NEW


@pytest.mark.parametrize(
    "path",
    [
        "/staff/cases/not-a-case/",
        "/staff/cases/RP-2569-ABC/slip/",
        "/track/RP-25X9-ABCDEF/",
        "/requests/%20RP-2569-ABCDEF/received/",
    ],
)
def test_an_address_that_cannot_name_a_case_is_not_found(supervisor, path):
    assert supervisor.get(path).status_code == 404


def test_a_reference_typed_in_small_letters_still_opens_the_case(supervisor):
    case = case_in(CaseStatus.NEW)
    assert supervisor.get(f"/staff/cases/{case.reference.lower()}/").status_code == 200


def test_a_body_larger_than_any_form_is_refused_on_every_page():
    response = Client().post("/accounts/login/", {"username": "x"}, CONTENT_LENGTH=str(2**30))
    assert response.status_code == 413


def test_a_nul_character_in_a_cookie_or_header_is_refused_before_the_session_is_read():
    browser = Client()
    browser.cookies["sessionid"] = "abcdefgh\x00x"
    assert browser.get("/").status_code == 400
    agent = Client(HTTP_USER_AGENT="curl\x00")
    assert agent.post("/accounts/login/", {"username": "x", "password": "y"}).status_code == 400


def test_the_refusals_carry_the_security_headers(client):
    refused = client.get("/staff/?q=%00")
    assert refused["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in refused["Content-Security-Policy"]
