"""An email address typed into the request form may be anyone's. It gets one email, with
the reference and a link, and nothing the sender wrote; the link confirms it only in a
browser that has opened the request with its secret, and only then does the request's
news go to it."""

import re

import pytest
from django.core import mail, signing
from django.test import Client

from agencies.models import Role
from referrals import notifications, services
from referrals.models import Case, CaseStatus, Notification
from referrals.services import email_link
from tests.referrals.factories import case_in, staff, submit
from tests.referrals.public_helpers import (
    in_thai,
    isolate,
    messages_shown,
    open_case,
    request_form,
    tracked,
)

pytestmark = pytest.mark.django_db

EMAIL = "somchai@example.org"
LINK = re.compile(r"https?://\S+/track/(RP-\d{4}-[0-9A-Z]{6})/confirm-email/(\S+)/")


@pytest.fixture(autouse=True)
def media(settings, tmp_path, monkeypatch):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://referral.example.go.th"
    mail.outbox = []
    yield from isolate(settings, tmp_path, monkeypatch)


def first_email(case) -> str:
    row = Notification.objects.filter(case=case, kind="case_received").earliest("pk")
    assert notifications.deliver(row.pk)
    [email] = [m for m in mail.outbox if m.to == [EMAIL]]
    return email.body


def link_in(body: str) -> str:
    found = LINK.search(body)
    assert found, body
    return found.group(0).removeprefix("https://referral.example.go.th")


def citizen_updates(case) -> int:
    return Notification.objects.filter(case=case, kind="citizen_update").count()


def test_the_link_confirms_the_address_once_the_secret_has_opened_the_request():
    case, secret = submit(citizen_email=EMAIL, citizen_name="ผู้ส่ง <b>โฆษณา</b> โทร 099")
    body = first_email(case)
    assert "โฆษณา" not in body and case.description not in body
    link = link_in(body)
    browser = Client()

    asked = browser.get(link)
    assert asked.status_code == 302
    assert asked["Location"].startswith(f"/track/?reference={case.reference}&next=")
    opened = browser.post("/track/", {"reference": case.reference, "secret": secret, "next": link})
    assert opened["Location"] == link
    page = browser.get(link)
    assert page.status_code == 200
    assert Case.objects.get(pk=case.pk).citizen_email_confirmed_at is None, "GET confirms nothing"

    done = browser.post(link, follow=True)

    assert Case.objects.get(pk=case.pk).citizen_email_confirmed_at is not None
    assert in_thai("Thank you: news of this request will now also come to your email.") in (
        messages_shown(done)
    )


def test_news_reaches_the_address_only_after_it_is_confirmed():
    case = case_in(CaseStatus.IN_PROGRESS, citizen_email=EMAIL)
    supervisor = staff("MOL", Role.SUPERVISOR)
    services.request_information(case, supervisor, "ขอสำเนาสัญญาจ้าง")
    assert citizen_updates(case) == 0

    link = link_in(first_email(case))
    browser = tracked(Client(), case)
    assert browser.post(link).status_code == 302

    services.receive_information(Case.objects.get(pk=case.pk), supervisor, "ได้รับแล้ว")
    services.resolve_case(Case.objects.get(pk=case.pk), supervisor, "จ่ายค่าจ้างครบแล้ว")

    assert citizen_updates(case) == 1


@pytest.mark.parametrize("tampered", ["another request", "changed address", "forged", "old"])
def test_a_link_that_is_not_this_request_s_own_confirms_nothing(tampered, monkeypatch):
    case, secret = submit(citizen_email=EMAIL)
    other, _ = submit(citizen_email="someone@example.org")
    if tampered == "another request":
        token = email_link.token(other)
    elif tampered == "changed address":
        token = email_link.token(case)
        Case.objects.filter(pk=case.pk).update(citizen_email="new@example.org")
    elif tampered == "forged":
        token = signing.dumps([case.pk, "0" * 24], salt="something-else")
    else:
        token = email_link.token(case)
        monkeypatch.setattr(email_link, "LINK_DAYS", -1)
    browser = Client()
    open_case(browser, case.reference, secret)

    response = browser.post(f"/track/{case.reference}/confirm-email/{token}/", follow=True)

    assert Case.objects.get(pk=case.pk).citizen_email_confirmed_at is None
    assert in_thai("This confirmation link is not valid or is too old.") in messages_shown(response)


def test_after_opening_a_request_the_browser_goes_nowhere_but_that_request(client):
    case, secret = submit()
    own = f"/track/{case.reference}/"
    for elsewhere in (
        "https://evil.example/",
        "//evil.example/",
        "/staff/",
        "/track/",
        f"{own}/evil.example/",
        f"{own}x\r\nSet-Cookie: a=b",
    ):
        response = client.post(
            "/track/", {"reference": case.reference, "secret": secret, "next": elsewhere}
        )
        assert response["Location"] == f"/track/{case.reference}/", elsewhere


def test_the_answer_page_says_what_the_email_is_for(client):
    response = client.post(
        "/requests/new/", request_form(citizen_email=EMAIL, notify_email="on"), follow=True
    )
    assert (
        in_thai(
            "We sent an email to the address you gave. Open the link in it to receive news of "
            "your request by email. The email does not contain your secret: keep it yourself."
        )
        in response.text
    )


def test_a_lost_link_can_be_sent_again_once_an_hour_until_the_address_is_confirmed():
    case, _secret = submit(citizen_email=EMAIL)
    browser = tracked(Client(), case)
    assert "send_email_link" in browser.get(f"/track/{case.reference}/").text

    for _ in range(3):
        assert browser.post(f"/track/{case.reference}/send_email_link/").status_code == 302

    links = Notification.objects.filter(case=case, kind="case_received")
    assert links.count() == 2, "the first with the request, one more this hour"
    assert browser.post(link_in(first_email(case))).status_code == 302
    assert "send_email_link" not in browser.get(f"/track/{case.reference}/").text
    refused = browser.post(f"/track/{case.reference}/send_email_link/")
    assert refused.status_code == 200
    assert in_thai("There is no email address to confirm on this request.") in refused.text
    assert links.count() == 2


def test_an_address_given_before_confirmation_began_gets_the_link_at_the_next_news():
    case = case_in(CaseStatus.IN_PROGRESS, citizen_email=EMAIL)
    Notification.objects.filter(case=case).delete()  # as for a request sent before
    supervisor = staff("MOL", Role.SUPERVISOR)

    services.request_information(case, supervisor, "ขอสำเนาสัญญาจ้าง")
    services.receive_information(Case.objects.get(pk=case.pk), supervisor, "ได้รับแล้ว")

    assert citizen_updates(case) == 0, "no news to an address nobody confirmed"
    [link] = Notification.objects.filter(case=case, kind="case_received")
    assert link.recipient == EMAIL and "token" in link.context


def test_the_form_says_what_the_email_address_gets_and_that_the_secret_is_never_sent(client):
    page = client.get("/requests/new/").text
    assert (
        in_thai(
            "We send it a link to confirm that it is yours, then the news of your request. "
            "Your secret is never sent by email."
        )
        in page
    )
    assert "เราจะส่งเลขที่เรื่องและรหัสยืนยันไปที่อีเมลนี้" not in page
