"""The staff page where the lead agency's administrators decide citizens' requests to erase
their personal data, and what the citizen sees of the decision."""

import pytest
from django.test import Client

from agencies.models import Role
from agencies.permissions import CitizenAccess
from referrals import services
from referrals.models import CaseEvent, CaseStatus, ErasureRequest, EventKind
from tests.factories import UserFactory
from tests.referrals.factories import CITIZEN, case_in, fresh, staff
from tests.referrals.public_helpers import (
    alert,
    field_errors,
    find,
    in_thai,
    isolate,
    messages_shown,
    page,
    text,
    tracked,
)

pytestmark = pytest.mark.django_db

ERASURE = "/staff/erasure/"
REASON = "ไม่ต้องการให้เก็บข้อมูลของข้าพเจ้าอีกต่อไป"


@pytest.fixture(autouse=True)
def media(settings, tmp_path, monkeypatch):
    yield from isolate(settings, tmp_path, monkeypatch)


@pytest.fixture
def erasure():
    """A closed request of MOL's whose citizen asks for the erasure of their data."""
    case = case_in(CaseStatus.CLOSED)  # unpaid wages: led by MOL
    return services.request_erasure(case, CitizenAccess(case.pk), REASON)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def decide(client, erasure, decision, note=""):
    return client.post(
        ERASURE,
        {"pk": erasure.pk, f"e{erasure.pk}-decision": decision, f"e{erasure.pk}-note": note},
    )


def test_the_lead_agencys_administrator_sees_the_pending_requests(erasure):
    decided = case_in(CaseStatus.CLOSED)
    refused = services.request_erasure(decided, CitizenAccess(decided.pk))
    admin = staff("MOL", Role.AGENCY_ADMIN)
    services.decide_erasure(refused, admin, approve=False, note="ต้องเก็บไว้ตามกฎหมาย")

    response = signed_in(admin).get(ERASURE)

    assert response.status_code == 200
    assert erasure.case.reference in response.text
    assert REASON in response.text
    assert decided.reference not in response.text, "a decided request leaves the list"
    form = find(page(response), "form", class_="action")
    assert find(form, "input", name=f"e{erasure.pk}-decision") is not None


def test_approving_erases_the_personal_data_but_the_citizen_still_opens_the_request(
    erasure,
):
    admin = staff("MOL", Role.AGENCY_ADMIN)
    client = signed_in(admin)

    response = decide(client, erasure, "approve")

    assert response.status_code == 302 and response["Location"] == ERASURE
    listed = client.get(ERASURE)
    assert in_thai("The personal data of %(reference)s is erased.") % {
        "reference": erasure.case.reference
    } in messages_shown(listed)
    assert find(page(listed), "input", name="pk", value=str(erasure.pk)) is None
    case = fresh(erasure.case)
    assert case.anonymised_at is not None
    assert (case.citizen_name, case.citizen_phone, case.description) == ("", "", "")
    assert fresh(erasure).status == ErasureRequest.Status.APPROVED

    citizen = tracked(Client(), case)
    page_seen = citizen.get(f"/track/{case.reference}/")
    assert page_seen.status_code == 200
    assert in_thai("Erased on %(date)s").split("%")[0].strip() in page_seen.text
    assert in_thai("Personal data erased") in page_seen.text
    assert REASON not in page_seen.text

    officer = signed_in(staff("MOL", Role.SUPERVISOR))
    staff_page = officer.get(f"/staff/cases/{case.reference}/")
    assert staff_page.status_code == 200
    assert CITIZEN["citizen_name"] not in staff_page.text
    assert CITIZEN["description"] not in staff_page.text


def test_refusing_needs_a_reason_that_the_citizen_then_reads(erasure):
    client = signed_in(staff("MOL", Role.AGENCY_ADMIN))

    without_reason = decide(client, erasure, "refuse", note="  ")
    assert without_reason.status_code == 200
    assert field_errors(without_reason, f"e{erasure.pk}-note")
    assert alert(without_reason)
    assert fresh(erasure).status == ErasureRequest.Status.PENDING

    note = "ต้องเก็บเอกสารไว้ตามระเบียบงานสารบรรณอีก 5 ปี"
    response = decide(client, erasure, "refuse", note=note)
    assert response.status_code == 302
    refused = fresh(erasure)
    assert (refused.status, refused.decision_note) == (ErasureRequest.Status.REFUSED, note)
    assert fresh(erasure.case).anonymised_at is None
    assert CaseEvent.objects.filter(
        case=erasure.case, kind=EventKind.ERASURE_REFUSED, is_public=True
    ).exists()

    citizen = tracked(Client(), erasure.case)
    seen = citizen.get(f"/track/{erasure.case.reference}/")
    assert note in text(find(page(seen), "section", aria_labelledby="agencies-heading"))
    assert in_thai("Refused") in seen.text


def test_a_decision_must_be_chosen(erasure):
    response = decide(signed_in(staff("MOL", Role.AGENCY_ADMIN)), erasure, "")
    assert response.status_code == 200
    assert field_errors(response, f"e{erasure.pk}-decision")
    assert fresh(erasure).status == ErasureRequest.Status.PENDING


def test_another_agencys_administrator_neither_sees_nor_decides_it(erasure):
    client = signed_in(staff("MOPH", Role.AGENCY_ADMIN))

    listed = client.get(ERASURE)
    assert listed.status_code == 200
    assert erasure.case.reference not in listed.text

    assert decide(client, erasure, "approve").status_code == 404
    assert fresh(erasure).status == ErasureRequest.Status.PENDING
    assert fresh(erasure.case).anonymised_at is None


@pytest.mark.parametrize("pk", ["abc", "", "999999"])
def test_a_tampered_request_number_is_not_found(erasure, pk):
    client = signed_in(staff("MOL", Role.AGENCY_ADMIN))
    response = client.post(ERASURE, {"pk": pk, f"e{erasure.pk}-decision": "approve"})
    assert response.status_code == 404
    assert fresh(erasure).status == ErasureRequest.Status.PENDING


@pytest.mark.parametrize("role", [Role.CASE_OFFICER, Role.INTAKE_OFFICER])
def test_staff_who_do_not_administer_the_agency_are_forbidden(erasure, role):
    client = signed_in(staff("MOL", role))
    assert client.get(ERASURE).status_code == 403
    assert decide(client, erasure, "approve").status_code == 403
    assert fresh(erasure).status == ErasureRequest.Status.PENDING


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.CCEO])
def test_supervisors_decide_only_restricted_cases_so_not_this_one(erasure, role):
    client = signed_in(staff("MOL", role))
    response = client.get(ERASURE)
    assert response.status_code == 200
    assert erasure.case.reference not in response.text
    assert decide(client, erasure, "approve").status_code == 404
    assert fresh(erasure).status == ErasureRequest.Status.PENDING


def test_a_user_of_no_agency_is_forbidden(erasure):
    assert signed_in(UserFactory()).get(ERASURE).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, erasure):
    response = client.get(ERASURE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    posted = decide(client, erasure, "approve")
    assert posted.status_code == 302 and posted["Location"].startswith("/accounts/login/")
    assert fresh(erasure).status == ErasureRequest.Status.PENDING


def test_a_request_asked_and_approved_through_the_pages(client):
    case = case_in(CaseStatus.RESOLVED)
    tracked(client, case)
    asked = client.post(
        f"/track/{case.reference}/request_erasure/",
        {"request_erasure-reason": REASON, "request_erasure-confirm": "on"},
    )
    assert asked.status_code == 302
    [erasure] = ErasureRequest.objects.filter(case=case)

    admin = signed_in(staff("MOL", Role.AGENCY_ADMIN))
    assert case.reference in admin.get(ERASURE).text
    assert decide(admin, erasure, "approve").status_code == 302

    seen = client.get(f"/track/{case.reference}/")
    assert seen.status_code == 200
    assert in_thai("Personal data erased") in seen.text
    assert find(page(seen), "form", id="action-request_erasure") is None


def test_an_erased_request_cannot_be_reopened(client):
    """The citizen ticked "... and that it cannot be reopened" when asking for erasure."""
    case = case_in(CaseStatus.RESOLVED)
    erasure = services.request_erasure(case, CitizenAccess(case.pk), REASON)
    services.decide_erasure(erasure, staff("MOL", Role.AGENCY_ADMIN), approve=True)

    seen = tracked(client, case).get(f"/track/{case.reference}/")
    assert find(page(seen), "form", id="action-ask_reopen") is None
    reopen = client.post(f"/track/{case.reference}/ask_reopen/", {"ask_reopen-reason": "ขอเปิดใหม่"})
    assert reopen.status_code == 302
    assert fresh(case).status == CaseStatus.RESOLVED
    assert not CaseEvent.objects.filter(case=case, kind=EventKind.REOPENED).exists()
