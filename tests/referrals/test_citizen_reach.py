"""Staff see on the case page how news of the case reaches the person, so that they know
whether a question asked in the portal will reach them or needs a phone call."""

import pytest
from django.utils import timezone

from agencies.models import Role
from referrals.models import Case, LineLink
from tests.referrals.factories import fresh, staff, submit

pytestmark = pytest.mark.django_db


def reached_by(client, case) -> str:
    client.force_login(staff(case.lead_agency.code, Role.SUPERVISOR))
    page = client.get(f"/staff/cases/{case.reference}/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    html = page.content.decode()
    start = html.index('class="reached-by"')
    return html[start : html.index("</dd>", start)]


def test_staff_see_each_channel_that_reaches_the_person_and_their_language(client, settings):
    settings.LANGUAGE_CODE = "en"
    case, _secret = submit(
        citizen_email="somchai@example.org", notify_sms=True, notify_line=True, language="en"
    )
    Case.objects.filter(pk=case.pk).update(citizen_email_confirmed_at=timezone.now())
    LineLink.objects.create(case=case, line_user_id="U" + "a" * 32)
    LineLink.objects.create(case=case, line_user_id="U" + "b" * 32)

    shown = reached_by(client, fresh(case))

    assert "Email, SMS, LINE" in shown  # LINE once, however many accounts follow it
    assert "English" in shown


def test_an_address_not_confirmed_or_a_landline_does_not_count(client, settings):
    settings.LANGUAGE_CODE = "en"
    case, _secret = submit(
        citizen_email="somchai@example.org", citizen_phone="02 123 4567", notify_line=True
    )

    shown = reached_by(client, case)

    assert "Only the tracking page" in shown
    assert "Email" not in shown and "SMS" not in shown and "LINE" not in shown


def test_a_person_at_risk_who_asked_for_calls_only_is_reached_by_no_message(client, settings):
    settings.LANGUAGE_CODE = "en"
    case, _secret = submit(
        "domestic-violence", citizen_email="somchai@example.org", notify_sms=True
    )
    Case.objects.filter(pk=case.pk).update(citizen_email_confirmed_at=timezone.now())

    shown = reached_by(client, fresh(case))

    assert "Only the tracking page: call them" in shown
