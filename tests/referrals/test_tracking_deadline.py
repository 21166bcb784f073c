"""The tracking page tells the citizen when to expect an answer, from the case's deadline."""

import pytest
from django.utils import translation

from agencies.models import Role
from portal.templatetags.portal import thai_date
from referrals import services
from referrals.models import CaseStatus
from tests.referrals.factories import fresh, staff, submit
from tests.referrals.public_helpers import tracked


def tracking_page(client, case):
    return tracked(client, case).get(f"/track/{case.reference}/")


pytestmark = pytest.mark.django_db


def test_a_new_request_shows_when_the_agency_will_answer(client):
    case = fresh(submit()[0])
    response = tracking_page(client, case)
    assert case.due_at is not None
    with translation.override("th"):
        due = thai_date(case.due_at)
    assert "คาดว่าจะได้รับคำตอบ" in response.text
    assert f"ภายใน {due}" in response.text


def test_while_the_agency_waits_for_the_citizen_its_clock_is_said_to_be_stopped(client):
    case, _secret = submit()
    supervisor = staff(case.lead_agency.code, Role.SUPERVISOR)
    services.accept_case(case, supervisor)
    services.request_information(fresh(case), supervisor, "ขอสำเนาสัญญาจ้าง")
    case = fresh(case)
    assert case.status == CaseStatus.WAITING_CITIZEN

    response = tracking_page(client, case)

    assert "หน่วยงานหยุดนับเวลาไว้จนกว่าคุณจะตอบ" in response.text


def test_a_finished_request_promises_nothing(client):
    case, _secret = submit()
    supervisor = staff(case.lead_agency.code, Role.SUPERVISOR)
    services.reject_case(case, supervisor, "ไม่อยู่ในขอบเขต โปรดติดต่อศาล")

    response = tracking_page(client, fresh(case))

    assert "คาดว่าจะได้รับคำตอบ" not in response.text
