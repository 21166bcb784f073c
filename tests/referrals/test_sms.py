"""SMS end to end: the outbox sends each citizen's text through ``HttpGatewayBackend`` to a
real HTTP server on 127.0.0.1 standing in for the Thai SMS gateway (ThaiBulkSMS's v2
shape: a form POST of msisdn, message and sender with HTTP Basic authentication).

What a citizen would notice: the text of each event in their language, one SMS when it
fits and clean parts when not, and, when the gateway is down or refuses, the message sent
later, once, with no part lost or sent twice."""

import base64
from datetime import timedelta

import pytest
from django.utils import timezone, translation

from agencies.models import Role
from agencies.permissions import CitizenAccess
from referrals import notifications, services, sms
from referrals.models import Case, CaseEvent, Notification
from referrals.services.cases import tell_citizen
from tests.referrals.factories import case_in, fresh, staff, submit
from tests.referrals.sms_gateway import Gateway

pytestmark = pytest.mark.django_db

MOBILE = "0812345678"
KEY, SECRET, SENDER = "api-key-1", "api-secret-2", "MOU1300"
S = Notification.Status


@pytest.fixture
def gateway(settings):
    settings.SMS_BACKEND = "referrals.sms.HttpGatewayBackend"
    settings.SITE_URL = "https://referral.example.go.th"
    double = Gateway()
    settings.SMS_GATEWAY_URL = double.url
    settings.SMS_GATEWAY_KEY, settings.SMS_GATEWAY_SECRET = KEY, SECRET
    settings.SMS_SENDER = SENDER
    yield double
    double.stop()


def sms_rows(case: Case, kind: str | None = None):
    rows = Notification.objects.filter(case=case, channel=Notification.Channel.SMS)
    return rows.filter(kind=kind) if kind else rows


def due_now(row: Notification) -> None:
    """The retry's time has come (the outbox waits 1, 2, 4 ... minutes)."""
    Notification.objects.filter(pk=row.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )


def with_sms(language: str = "th", **fields) -> Case:
    case, _secret = submit(citizen_phone=MOBILE, notify_sms=True, language=language, **fields)
    return case


# --- What reaches the gateway ------------------------------------------------------------


def test_the_gateway_receives_the_number_text_and_sender_with_basic_authentication(gateway):
    gateway.start()
    case = with_sms()
    [row] = sms_rows(case, "case_received")

    assert notifications.deliver(row.pk)

    assert gateway.received
    first = gateway.received[0]
    assert (first["path"], first["msisdn"], first["sender"]) == ("/sms", MOBILE, SENDER)
    assert (
        first["authorization"] == "Basic " + base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()
    )
    assert first["content_type"].startswith("application/x-www-form-urlencoded")
    assert {message["msisdn"] for message in gateway.received} == {MOBILE}
    assert case.reference in "".join(gateway.texts)
    assert fresh(row).status == S.SENT


PREFIX = {"th": "คำขอ", "en": "Request"}
NEWS = {
    "th": ["รง. รับคำขอของคุณแล้ว", "รง. ขอข้อมูลเพิ่มเติมจากคุณ", "รง. ให้ความช่วยเหลือคุณเสร็จแล้ว"],
    "en": [
        "Ministry of Labour accepted your request",
        "Ministry of Labour asks you for more information",
        "Ministry of Labour finished helping you",
    ],
}


@pytest.mark.parametrize("language", ["th", "en"])
def test_each_event_s_text_is_in_the_citizen_s_language(gateway, language):
    gateway.start()
    case = with_sms(language)
    supervisor = staff("MOL", Role.SUPERVISOR)
    services.accept_case(case, supervisor)
    services.request_information(case, supervisor, "ขอสำเนาสัญญาจ้าง")
    services.add_information(case, CitizenAccess(case.pk), "แนบสัญญาจ้างแล้ว")
    services.resolve_case(fresh(case), supervisor, "นายจ้างจ่ายค่าจ้างครบแล้ว")

    sent = {}
    for row in sms_rows(case).order_by("pk"):
        before = len(gateway.received)
        assert notifications.deliver(row.pk)
        sent.setdefault(row.kind, []).append("\n".join(gateway.texts[before:]))

    with translation.override(language):
        received = translation.gettext(
            "Your request %(reference)s has been received. Follow it with its reference and secret:"
        ) % {"reference": case.reference}
    [received_text] = sent["case_received"]
    assert " ".join(received_text.split()).startswith(" ".join(received.split()))
    # Each step's news, naming the agency (by its Thai abbreviation, to fit one SMS).
    assert [text.splitlines()[0] for text in sent["citizen_update"]] == [
        f"{PREFIX[language]} {case.reference}: {news}" for news in NEWS[language]
    ]
    updates = sent["citizen_update"]
    link = f"https://referral.example.go.th/track/?reference={case.reference}"
    assert all(link in text for text in [received_text, *updates])
    # The officer's words never go by SMS: only the news and the link.
    assert not any("สัญญาจ้าง" in text or "นายจ้าง" in text for text in updates)


def test_a_restricted_kind_of_help_is_told_discreetly_by_sms(gateway):
    gateway.start()
    case, _secret = submit(
        "domestic-violence", citizen_phone=MOBILE, safe_channel="sms", sensitive_consent=True
    )
    [row] = sms_rows(case)

    assert notifications.deliver(row.pk)

    text = "\n".join(gateway.texts)
    assert case.reference in text
    assert case.category.name_th not in text and case.lead_agency.name_th not in text


# --- How long texts are cut -------------------------------------------------------------------


def test_a_short_thai_text_is_one_sms_of_at_most_70_characters():
    text = "ก" * 70

    assert sms.parts(text) == [text]


def test_a_long_thai_text_is_cut_between_words_into_parts_of_at_most_67_characters():
    words = ["คำขอ", "RP-2569-7KQ3XD", "ของคุณ", "มีความคืบหน้า", "โปรดติดตาม"] * 6
    text = " ".join(words)
    assert len(text) > 70

    cut = sms.parts(text)

    assert len(cut) > 1 and all(len(part) <= 67 for part in cut)
    assert " ".join(cut).split() == words  # no word cut, none lost


def test_an_english_text_fits_160_characters_in_one_sms():
    text = "Request RP-2569-7KQ3XD: there is news. " * 4
    assert len(text.strip()) <= 160

    assert sms.parts(text) == [text.strip()]


def test_a_long_thai_message_reaches_the_gateway_in_parts_that_each_fit(gateway):
    gateway.start()
    case = with_sms()
    [row] = sms_rows(case, "case_received")
    whole = notifications.render_text(row)
    assert len(whole) > 70

    assert notifications.deliver(row.pk)

    assert len(gateway.texts) > 1
    assert all(len(text) <= 67 for text in gateway.texts)
    assert "\n".join(gateway.texts).split() == whole.split()


# --- The gateway down, then up: nothing lost, nothing twice --------------------------------


def test_a_gateway_that_refuses_connections_is_tried_again_later(gateway):
    case = with_sms()  # the gateway is not listening yet
    [row] = sms_rows(case, "case_received")

    assert not notifications.deliver(row.pk)
    failed = fresh(row)
    assert (failed.status, failed.attempts) == (S.PENDING, 1)
    assert failed.next_attempt_at > timezone.now()
    assert "Connection refused" in failed.last_error or "URLError" in failed.last_error

    gateway.start()
    assert not notifications.deliver(row.pk)  # not yet due: the outbox waits
    assert gateway.received == []

    due_now(row)
    assert notifications.deliver(row.pk)
    assert fresh(row).status == S.SENT
    assert case.reference in "".join(gateway.texts)
    sent = len(gateway.received)

    due_now(row)
    assert not notifications.deliver(row.pk)  # sent once: never again
    assert notifications.deliver_pending(older_than=timedelta(0)) == 0
    assert len(gateway.received) == sent


def test_a_gateway_answering_500_is_tried_again_by_the_periodic_sender(gateway):
    gateway.start()
    gateway.answers = [500]
    case = with_sms()
    [row] = sms_rows(case, "case_received")

    assert not notifications.deliver(row.pk)
    assert "HTTP 500" in fresh(row).last_error
    assert gateway.received == []

    due_now(row)
    assert notifications.deliver_pending(older_than=timedelta(0)) == 1

    assert fresh(row).status == S.SENT
    assert case.reference in "".join(gateway.texts)


def test_a_retry_after_a_partial_send_sends_only_the_parts_not_yet_sent(gateway):
    gateway.start()
    case = with_sms()
    [row] = sms_rows(case, "case_received")
    expected = sms.parts(notifications.render_text(row))
    assert len(expected) >= 2
    gateway.answers = [201, 500]  # the first part goes, the second is refused

    assert not notifications.deliver(row.pk)
    assert gateway.texts == expected[:1]
    assert fresh(row).context["sms_parts_sent"] == 1

    due_now(row)
    assert notifications.deliver(row.pk)

    assert gateway.texts == expected  # each part once, in order


def test_a_gateway_down_for_good_gives_up_after_the_last_attempt(gateway):
    case = with_sms()
    [row] = sms_rows(case, "case_received")

    for _attempt in range(notifications.MAX_ATTEMPTS):
        due_now(row)
        assert not notifications.deliver(row.pk)

    gave_up = fresh(row)
    assert (gave_up.status, gave_up.attempts) == (S.FAILED, notifications.MAX_ATTEMPTS)
    assert gave_up.next_attempt_at is None


def test_the_same_event_queued_twice_is_one_sms(gateway):
    gateway.start()
    case = case_in("in_progress", citizen_phone=MOBILE, notify_sms=True)
    event = CaseEvent.objects.filter(case=case).latest("pk")

    tell_citizen(case, event)
    tell_citizen(case, event)

    assert sms_rows(case, "citizen_update").count() == 1
