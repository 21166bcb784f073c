"""What the citizen reads, in plain Thai: addressed as คุณ (never ท่าน, never ข้าพเจ้า,
never ค่ะ or ครับ), and one word for each thing on every page and in every email: a
request is a คำขอ, its reference code a เลขที่คำขอ, its secret a รหัสลับ."""

import re

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.test import Client
from django.utils import timezone, translation

from agencies.models import Role
from portal.templatetags.portal import thai_date
from referrals import notifications, services
from referrals.models import Case, CaseStatus, Notification
from tests.referrals.factories import case_in, fresh, intake_post, staff, submit
from tests.referrals.public_helpers import (
    field_errors,
    find,
    find_all,
    isolate,
    page,
    request_form,
    text,
    tracked,
)

pytestmark = pytest.mark.django_db

# ท่าน but not the ท่าน of เท่านั้น; the old names of the reference code and the secret.
OFFICIALESE = re.compile(r"(?<!เ)ท่าน|ข้าพเจ้า|ค่ะ|ครับ|เลขที่เรื่อง|รหัสยืนยัน")
PLAIN_DESCRIPTION = "นายจ้างไม่จ่ายค่าจ้างมาสามเดือนแล้ว ขอให้ช่วยติดตามให้ด้วย"


@pytest.fixture(autouse=True)
def media(settings, tmp_path, monkeypatch):
    yield from isolate(settings, tmp_path, monkeypatch)


def shown(response) -> str:
    """The words of the page a person reads (markup and attributes left out)."""
    assert response.status_code in (200, 400, 404, 413), response.status_code
    return text(page(response))


def odd_words(words: str) -> list[str]:
    return OFFICIALESE.findall(words)


def test_the_answer_page_says_when_the_request_was_sent_and_who_looks_at_it_first(client):
    sent = client.post("/requests/new/", request_form(description=PLAIN_DESCRIPTION))
    answer = client.get(sent["Location"])

    lines = [text(p) for p in find_all(page(answer), "p")]
    case = answer.context["case"]
    with translation.override("th"):
        assert f"ส่งเมื่อ {thai_date(case.created_at)}" in lines
    assert "กระทรวงแรงงานจะเป็นหน่วยงานแรกที่พิจารณาคำขอของคุณ" in lines
    assert "โดยกระทรวง" not in text(page(answer))

    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    lines = [text(p) for p in find_all(page(client.get(sent["Location"])), "p")]
    with translation.override("en"):
        assert f"Sent on {thai_date(case.created_at)}." in lines
    assert "The Ministry of Labour will look at your request first." in lines


def test_the_request_page_names_the_day_it_was_sent(client):
    case = case_in(CaseStatus.NEW)
    details = page(tracked(client, case).get(f"/track/{case.reference}/"))
    terms = [text(dt) for dt in find_all(details, "dt")]
    assert "วันที่ส่ง" in terms and "ส่งแล้ว" not in terms


def test_the_answer_and_tracking_pages_call_the_code_and_the_secret_by_the_same_names(client):
    sent = client.post("/requests/new/", request_form(description=PLAIN_DESCRIPTION))
    slip = [text(dt) for dt in find_all(page(client.get(sent["Location"])), "dt")]
    assert slip == ["เลขที่คำขอ", "รหัสลับ"]

    tracking = page(Client().get("/track/"))
    labels = [text(label) for label in find_all(tracking, "label")]
    assert {"เลขที่คำขอ", "รหัสลับ"} <= set(labels)
    home = text(page(Client().get("/")))
    assert "เลขที่คำขอ (เช่น RP-2569-7KQ3XD) และรหัสลับ" in home


def test_the_slip_printed_at_the_counter_uses_the_words_of_the_answer_page(client):
    client.force_login(staff("MOJ", Role.INTAKE_OFFICER))
    recorded = client.post("/staff/intake/", intake_post())
    slip = page(client.get(recorded["Location"]))

    assert [text(dt) for dt in find_all(slip, "dt")] == ["เลขที่คำขอ", "รหัสลับ"]
    assert "กรุณาเก็บใบรับคำขอนี้ไว้" in text(slip)
    assert odd_words(text(find(slip, "article"))) == []


def citizen_pages(client) -> dict[str, object]:
    """Every page a citizen may see, in Thai, by name."""
    pages = {
        "home": client.get("/"),
        "request form": client.get("/requests/new/"),
        "privacy notice": client.get("/privacy/"),
        "public statistics": client.get("/stats/"),
        "tracking form": client.get("/track/"),
        "tracking form, wrong secret": client.post(
            "/track/", {"reference": "RP-2569-ABCDEF", "secret": "WXYZ-2345"}
        ),
        "request form with mistakes": client.post(
            "/requests/new/",
            request_form("drug-treatment", description=PLAIN_DESCRIPTION, citizen_name=""),
        ),
        "page not found": client.get("/no-such-page/"),
        "unreadable address": client.get("/track/%00/"),
        "files too large": client.post("/requests/new/", {}, CONTENT_LENGTH=str(2**30)),
    }
    sent = client.post(
        "/requests/new/",
        request_form(
            description=PLAIN_DESCRIPTION, citizen_email="somchai@example.org", notify_email="on"
        ),
    )
    pages["answer page"] = client.get(sent["Location"])
    case = pages["answer page"].context["case"]
    token = Notification.objects.get(case=case, kind="case_received").context["token"]
    pages["email confirmation"] = client.get(f"/track/{case.reference}/confirm-email/{token}/")
    for status in CaseStatus.values:
        case = case_in(status, description=PLAIN_DESCRIPTION)
        pages[f"request, {status}"] = tracked(client, case).get(f"/track/{case.reference}/")
    return pages


def test_every_citizen_page_speaks_to_the_citizen_as_khun_in_the_portals_words(client):
    found = {name: odd_words(shown(r)) for name, r in citizen_pages(client).items()}

    assert {name: words for name, words in found.items() if words} == {}


def test_the_forms_mistakes_speak_to_the_citizen_as_khun(client):
    response = client.post(
        "/requests/new/",
        request_form(
            "drug-treatment",
            description=PLAIN_DESCRIPTION,
            citizen_name="",
            citizen_phone="",
            sensitive_consent=None,
        ),
    )
    errors = field_errors(response, "citizen_name") + field_errors(response, "citizen_phone")
    assert errors == ["กรุณากรอกชื่อของคุณ", "กรุณากรอกหมายเลขโทรศัพท์ที่ติดต่อคุณได้"]
    assert odd_words(" ".join(field_errors(response, "sensitive_consent"))) == []


@pytest.fixture
def outbox(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    return mail.outbox


def with_confirmed_email(address: str):
    """A new case whose citizen gave ``address`` and confirmed it (its link email queued)."""
    case, _secret = submit(citizen_email=address, description=PLAIN_DESCRIPTION)
    Case.objects.filter(pk=case.pk).update(citizen_email_confirmed_at=timezone.now())
    return fresh(case)


def test_every_email_to_the_citizen_speaks_to_them_as_khun_in_the_portals_words(outbox):
    asked, answered, refused = (with_confirmed_email(f"{n}@example.org") for n in "abc")
    supervisor = staff(asked.lead_agency.code, Role.SUPERVISOR)
    for case in (asked, answered):
        services.accept_case(case, supervisor)
    services.request_information(asked, supervisor, "ขอสำเนาสัญญาจ้าง")
    services.resolve_case(answered, supervisor, "นายจ้างจ่ายค่าจ้างครบแล้ว")
    services.reject_case(refused, supervisor, "ไม่อยู่ในขอบเขต กรุณาติดต่อศาลแรงงาน")

    for notification in Notification.objects.filter(recipient__endswith="@example.org"):
        notifications.deliver(notification.pk)

    kinds = sorted({n.kind for n in Notification.objects.filter(case__in=[asked])})
    assert kinds == ["case_received", "citizen_update"]
    # A link to confirm each address, two acceptances and the three pieces of news.
    assert len(outbox) == 8
    found = {email.subject: odd_words(email.subject + email.body) for email in outbox}
    assert {subject: words for subject, words in found.items() if words} == {}
    assert all("เลขที่คำขอ" in email.body or "รหัสลับ" in email.body for email in outbox)
