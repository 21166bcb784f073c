"""Following a request on LINE: the webhook LINE calls (signed), linking and unlinking, the
case's news pushed to the linked account, and the QR codes that lead there. LINE itself is
a local double of the Messaging API (tests/referrals/line_double.py), never the service."""

import base64
import hashlib
import hmac
import json
import re
import uuid
from urllib.parse import quote

import pytest
import segno
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from agencies.models import Role
from referrals import notifications, services
from referrals.checks import line_half_configured
from referrals.models import Case, CaseEvent, EventKind, LineLink, Notification, SafeChannel
from tests.referrals.factories import fresh, intake_post, staff, submit
from tests.referrals.line_double import LineDouble
from tests.referrals.public_helpers import isolate, request_form

pytestmark = pytest.mark.django_db

CHANNEL_SECRET = "line-channel-secret-for-tests"
TOKEN = "line-channel-access-token"
SOMCHAI = "U" + "1" * 32
SOMYING = "U" + "2" * 32
WEBHOOK = "/line/webhook/"
LINE = Notification.Channel.LINE


@pytest.fixture(autouse=True)
def media(settings, tmp_path, monkeypatch):
    yield from isolate(settings, tmp_path, monkeypatch)


@pytest.fixture
def line(settings):
    with LineDouble(TOKEN) as double:
        settings.LINE_CHANNEL_SECRET = CHANNEL_SECRET
        settings.LINE_CHANNEL_ACCESS_TOKEN = TOKEN
        settings.LINE_API_URL = double.url
        settings.LINE_OFFICIAL_ACCOUNT_ID = "@referral"
        yield double


def sign(body: bytes, secret: str = CHANNEL_SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def event(kind: str = "message", user: str = SOMCHAI, event_id: str = "", **fields) -> dict:
    """One webhook event as LINE documents it."""
    return {
        "type": kind,
        "mode": "active",
        "timestamp": 1_700_000_000_000,
        "source": {"type": "user", "userId": user},
        "webhookEventId": event_id or uuid.uuid4().hex[:26].upper(),
        "deliveryContext": {"isRedelivery": False},
        **({"replyToken": uuid.uuid4().hex} if kind != "unfollow" else {}),
        **fields,
    }


def says(text: str, user: str = SOMCHAI, **fields) -> dict:
    return event(user=user, message={"type": "text", "id": "1", "text": text}, **fields)


def call(client, *events, signature=None, raw: bytes | None = None):
    body = (
        raw
        if raw is not None
        else json.dumps({"destination": "U" + "f" * 32, "events": events}).encode()
    )
    headers = {} if signature == "" else {"HTTP_X_LINE_SIGNATURE": signature or sign(body)}
    return client.post(WEBHOOK, data=body, content_type="application/json", **headers)


def last_reply(line) -> str:
    return line.reply_texts()[-1]


# --- The webhook ----------------------------------------------------------------------


def test_without_a_line_account_the_webhook_is_not_there(client, settings):
    settings.LINE_CHANNEL_SECRET = ""
    case, secret = submit()
    assert call(client, says(f"{case.reference} {secret}")).status_code == 404
    assert not LineLink.objects.exists()


@pytest.mark.parametrize(
    "signature", ["", "bm90IHRoZSBzaWduYXR1cmU=", sign(b"another body"), "wrong-secret"]
)
def test_a_call_not_signed_by_line_is_refused_and_changes_nothing(client, line, signature):
    case, secret = submit()
    body = json.dumps(
        {"destination": "U" + "f" * 32, "events": [says(f"{case.reference} {secret}")]}
    )
    if signature == "wrong-secret":
        signature = sign(body.encode(), "not-the-channel-secret")
    response = call(client, raw=body.encode(), signature=signature)
    assert response.status_code == 400
    assert not LineLink.objects.exists() and not fresh(case).notify_line
    assert line.requests == []


def test_a_signed_call_that_is_not_a_webhook_body_is_refused(client, line):
    assert call(client, raw=b"not json").status_code == 400
    assert call(client, raw=b'{"destination": "U1"}').status_code == 400
    assert call(client, raw=b'{"events": "none"}').status_code == 400
    assert call(client, raw=b'{"events": []}').status_code == 200  # LINE's "Verify" button


def test_the_webhook_takes_no_get(client, line):
    assert client.get(WEBHOOK).status_code == 405


# --- Linking ---------------------------------------------------------------------------


def test_the_right_reference_and_secret_link_this_line_account(client, line):
    case, secret = submit()

    response = call(client, says(f"{case.reference} {secret}"))

    assert response.status_code == 200
    [link] = LineLink.objects.all()
    assert (link.case, link.line_user_id) == (case, SOMCHAI)
    assert fresh(case).notify_line is True
    assert fresh(case).version == case.version  # no officer's open form made stale
    [linked] = CaseEvent.objects.filter(case=case, kind=EventKind.LINE_LINKED)
    assert linked.is_public and linked.by_citizen and linked.actor is None
    [reply] = line.replies
    assert reply["messages"][0]["type"] == "text"
    assert case.reference in reply["messages"][0]["text"]
    assert "คุณจะได้รับ" in reply["messages"][0]["text"]
    assert "หยุด" in reply["messages"][0]["text"]
    request = line.requests[0]
    assert request["path"] == "/v2/bot/message/reply"
    assert request["headers"]["authorization"] == f"Bearer {TOKEN}"


@pytest.mark.parametrize(
    "written",
    [
        "{reference}\n{secret}",
        "  {reference_lower}   {secret_lower} ",
        "เลขที่คำขอ {reference} รหัสลับ {secret_plain}",
        "{secret} {reference}",
        "{reference_thai_digits} {secret}",
        "{reference_spaced}\n\n{secret}",
    ],
)
def test_the_codes_are_read_as_people_type_them(client, line, written):
    case, secret = submit()
    thai = case.reference.translate(str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙"))
    text = written.format(
        reference=case.reference,
        reference_lower=case.reference.lower(),
        reference_thai_digits=thai,
        reference_spaced=case.reference.replace("-", " "),
        secret=secret,
        secret_lower=secret.lower(),
        secret_plain=secret.replace("-", ""),
    )
    call(client, says(text))
    assert LineLink.objects.filter(case=case, line_user_id=SOMCHAI).exists(), text


def test_a_wrong_secret_and_an_unknown_reference_get_the_same_answer(client, line):
    case, secret = submit()
    _other, other_secret = submit()

    call(client, says(f"{case.reference} {other_secret}"))
    call(client, says(f"RP-2569-ZZZZZZ {secret}"))

    wrong_secret, unknown = line.reply_texts()
    assert wrong_secret == unknown
    assert "ไม่พบคำขอ" in wrong_secret
    assert case.reference not in wrong_secret
    assert not LineLink.objects.exists() and not fresh(case).notify_line


def test_a_message_without_both_codes_gets_the_instructions(client, line):
    case, _secret = submit()
    call(client, says("สวัสดีครับ"), says(case.reference))
    first, second = line.reply_texts()
    assert first == second
    assert "เลขที่คำขอ" in first and "รหัสลับ" in first
    assert not LineLink.objects.exists()


def test_linking_again_changes_nothing(client, line):
    case, secret = submit()
    call(client, says(f"{case.reference} {secret}"))
    call(client, says(f"{case.reference} {secret}"))
    assert LineLink.objects.count() == 1
    assert CaseEvent.objects.filter(case=case, kind=EventKind.LINE_LINKED).count() == 1
    assert len(line.replies) == 2


def test_wrong_secrets_sent_on_line_wait_then_lock_out_that_account(client, line, settings):
    case, secret = submit()
    _other, other_secret = submit()
    for _try in range(settings.TRACK_FREE_FAILURES):
        call(client, says(f"{case.reference} {other_secret}"))
    assert all("ไม่พบคำขอ" in text for text in line.reply_texts())

    call(client, says(f"{case.reference} {other_secret}"))  # checked, and wrong
    call(client, says(f"{case.reference} {secret}"))  # right, but must wait now

    assert "ลองใหม่" in last_reply(line)
    assert not LineLink.objects.exists()
    # Another LINE account is not held up by this one's mistakes.
    call(client, says(f"{case.reference} {secret}", user=SOMYING))
    assert LineLink.objects.filter(line_user_id=SOMYING).count() == 1


def test_tries_on_line_are_limited_per_account_like_the_tracking_page(client, line, settings):
    settings.TRACK_RATE_PER_ADDRESS = "2/h"
    case, secret = submit()
    call(client, says(f"{case.reference} {secret}"))
    call(client, says(f"{case.reference} {secret}"))
    call(client, says(f"{case.reference} {secret}"))
    assert "ลองใหม่" in last_reply(line)


def test_a_redelivered_event_is_handled_once(client, line, settings):
    settings.TRACK_FREE_FAILURES = 2
    case, secret = submit()
    _other, other_secret = submit()
    wrong = says(f"{case.reference} {other_secret}")
    again = {**wrong, "deliveryContext": {"isRedelivery": True}}
    call(client, wrong)
    call(client, again)
    call(client, again)
    # Counted once: the right one after it is still checked at once (not made to wait).
    right = says(f"{case.reference} {secret}")
    call(client, right)
    call(client, {**right, "deliveryContext": {"isRedelivery": True}})

    assert len(line.replies) == 2
    assert LineLink.objects.count() == 1
    assert CaseEvent.objects.filter(case=case, kind=EventKind.LINE_LINKED).count() == 1


# --- People at risk ----------------------------------------------------------------------


def test_a_person_at_risk_who_named_another_safe_way_cannot_be_followed_on_line(client, line):
    case, secret = submit("domestic-violence", safe_channel=SafeChannel.PHONE)
    call(client, says(f"{case.reference} {secret}"))
    assert "ติดตามทาง LINE ไม่ได้" in last_reply(line)
    assert "ความรุนแรง" not in last_reply(line)
    assert not LineLink.objects.exists() and not fresh(case).notify_line


def test_a_person_at_risk_whose_safe_way_is_line_links_one_account_only(client, line):
    case, secret = submit("domestic-violence", safe_channel=SafeChannel.LINE)
    call(client, says(f"{case.reference} {secret}"))
    assert LineLink.objects.filter(case=case, line_user_id=SOMCHAI).exists()

    call(client, says(f"{case.reference} {secret}", user=SOMYING))

    assert "ติดตามทาง LINE ไม่ได้" in last_reply(line)
    assert list(LineLink.objects.values_list("line_user_id", flat=True)) == [SOMCHAI]


def test_an_erased_case_cannot_be_linked_and_loses_its_links(client, line):
    case, secret = submit()
    call(client, says(f"{case.reference} {secret}"))
    services.anonymise_case(fresh(case))
    assert not LineLink.objects.exists()


# --- Stopping ----------------------------------------------------------------------------


@pytest.mark.parametrize("word", ["stop", "STOP", "หยุด", "ยกเลิก", "หยุดส่ง"])
def test_stop_unlinks_every_request_of_this_account(client, line, word):
    case, secret = submit()
    other, other_secret = submit()
    call(client, says(f"{case.reference} {secret}"), says(f"{other.reference} {other_secret}"))
    call(client, says(f"{case.reference} {secret}", user=SOMYING))

    call(client, says(word))

    assert list(LineLink.objects.values_list("line_user_id", flat=True)) == [SOMYING]
    assert fresh(case).notify_line is True  # Somying still follows it
    assert fresh(other).notify_line is False
    assert case.reference in last_reply(line) and other.reference in last_reply(line)
    assert CaseEvent.objects.filter(kind=EventKind.LINE_UNLINKED).count() == 2


def test_stop_with_a_reference_unlinks_that_request_only(client, line):
    case, secret = submit()
    other, other_secret = submit()
    call(client, says(f"{case.reference} {secret}"), says(f"{other.reference} {other_secret}"))

    call(client, says(f"stop {other.reference.lower()}"))

    assert list(LineLink.objects.values_list("case", flat=True)) == [case.pk]


def test_stop_with_nothing_linked_says_so(client, line):
    call(client, says("หยุด"))
    assert "ยังไม่ได้เชื่อม" in last_reply(line)


def test_blocking_the_account_unlinks_it_and_a_new_friend_is_greeted(client, line):
    case, secret = submit()
    call(client, event("follow"))
    assert "สวัสดี" in last_reply(line) and "เลขที่คำขอ" in last_reply(line)
    call(client, says(f"{case.reference} {secret}"))

    call(client, event("unfollow"))

    assert not LineLink.objects.exists() and not fresh(case).notify_line
    [left] = CaseEvent.objects.filter(kind=EventKind.LINE_UNLINKED)
    assert left.payload == {"left": True}
    assert len(line.replies) == 2  # an unfollow has nothing to answer


def test_other_events_and_group_chats_are_taken_and_ignored(client, line):
    case, secret = submit()
    in_group = says(f"{case.reference} {secret}")
    in_group["source"] = {"type": "group", "groupId": "C" + "3" * 32, "userId": SOMCHAI}
    standby = says(f"{case.reference} {secret}", mode="standby")
    response = call(client, event("postback", postback={"data": "x"}), in_group, standby)
    assert response.status_code == 200
    assert line.requests == [] and not LineLink.objects.exists()


# --- News pushed -----------------------------------------------------------------------


def linked_case(client, user=SOMCHAI, **fields):
    case, secret = submit(**fields)
    call(client, says(f"{case.reference} {secret}", user=user))
    return fresh(case)


def ask_information(case) -> Notification:
    boss = staff(case.lead_agency.code, Role.SUPERVISOR)
    services.accept_case(case, boss)
    services.request_information(fresh(case), boss, "ขอสำเนาสัญญาจ้าง")
    # The news of the question (the acceptance before it was news of its own).
    return Notification.objects.filter(channel=LINE).latest("pk")


def test_the_news_of_a_linked_case_is_pushed_to_the_account(client, line):
    case = linked_case(client)

    row = ask_information(case)
    assert notifications.deliver(row.pk) is True

    [push] = line.pushes
    assert push["to"] == SOMCHAI
    [message] = push["messages"]
    assert message["type"] == "text"
    assert case.reference in message["text"]
    assert "/track/?reference=" in message["text"]
    request = line.requests[-1]
    assert request["path"] == "/v2/bot/message/push"
    assert request["headers"]["authorization"] == f"Bearer {TOKEN}"
    assert uuid.UUID(request["headers"]["x-line-retry-key"])
    assert fresh(row).status == Notification.Status.SENT


def test_news_in_english_for_a_case_asked_in_english(client, line):
    case = linked_case(client, language="en")
    row = ask_information(case)
    notifications.deliver(row.pk)
    assert "Request" in line.pushes[0]["messages"][0]["text"]


def test_after_stop_no_news_is_pushed(client, line):
    case = linked_case(client)
    call(client, says("stop"))
    boss = staff(case.lead_agency.code, Role.SUPERVISOR)
    services.accept_case(case, boss)
    services.request_information(fresh(case), boss, "ขอสำเนาสัญญาจ้าง")
    assert not Notification.objects.filter(channel=LINE).exists()


def test_line_down_then_up_the_news_is_retried_and_arrives_once(client, line):
    case = linked_case(client)
    row = ask_information(case)
    line.down = True

    assert notifications.deliver(row.pk) is False
    row = fresh(row)
    assert row.status == Notification.Status.PENDING and row.attempts == 1
    assert "500" in row.last_error

    line.down = False
    Notification.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert notifications.deliver(row.pk) is True
    assert notifications.deliver(row.pk) is False  # already sent
    assert len(line.pushes) == 1
    keys = {r["headers"]["x-line-retry-key"] for r in line.requests if "push" in r["path"]}
    assert len(keys) == 1  # every attempt of one message carries the same retry key


def test_a_push_line_already_accepted_counts_as_sent(client, line):
    """The answer to a push was lost after LINE took it: the retry's 409 means "sent"."""
    case = linked_case(client)
    row = ask_information(case)
    notifications.deliver(row.pk)
    Notification.objects.filter(pk=row.pk).update(
        status=Notification.Status.PENDING, next_attempt_at=None
    )

    assert notifications.deliver(row.pk) is True
    assert len(line.pushes) == 1
    assert [r["path"] for r in line.requests].count("/v2/bot/message/push") == 2


def test_a_discreet_case_is_pushed_without_its_kind_of_help(client, line):
    case = linked_case(client, category="domestic-violence", safe_channel=SafeChannel.LINE)
    row = ask_information(case)
    notifications.deliver(row.pk)
    text = line.pushes[0]["messages"][0]["text"]
    assert case.reference in text
    assert "ความรุนแรง" not in text and "พม" not in text


# --- QR codes ----------------------------------------------------------------------------


def qr_of(text: str) -> str:
    """The path segno draws for ``text``, as the page should carry it."""
    drawn = segno.make(text, error="m", micro=False).svg_inline(scale=4, border=4)
    return re.search(r' d="([^"]+)"', drawn).group(1)


def test_the_answer_page_carries_a_qr_code_of_the_tracking_address(client, settings):
    settings.SITE_URL = "https://referral.example.go.th"
    answer = client.post(reverse("public:new_request"), request_form())["Location"]
    case = Case.objects.get()

    page = client.get(answer).text

    address = f"https://referral.example.go.th/track/?reference={case.reference}"
    assert f'href="{address}"' in page
    assert '<svg role="img"' in page and qr_of(address) in page
    assert "line.me" not in page  # no LINE account, no LINE code


def test_the_answer_page_offers_line_to_a_citizen_who_chose_it(client, line):
    answer = client.post(reverse("public:new_request"), request_form())["Location"]
    case = Case.objects.get()
    Case.objects.filter(pk=case.pk).update(notify_line=True)

    page = client.get(answer).text

    secret = re.search(r'class="code">([0-9A-Z]{4}-[0-9A-Z]{4})<', page).group(1)
    chat = f"https://line.me/R/oaMessage/@referral/?{quote(f'{case.reference} {secret}', safe='')}"
    assert f'href="{chat}"' in page
    assert qr_of(chat) in page
    assert "@referral" in page


def test_a_citizen_who_did_not_choose_line_is_not_offered_it(client, line):
    answer = client.post(reverse("public:new_request"), request_form())["Location"]
    assert "line.me" not in client.get(answer).text


def test_the_printed_slip_carries_the_codes(client, line):
    intake = staff("MOJ", Role.INTAKE_OFFICER)
    client.force_login(intake)
    response = client.post("/staff/intake/", intake_post())
    case = Case.objects.get()
    Case.objects.filter(pk=case.pk).update(notify_line=True)

    slip = client.get(response["Location"]).text

    tracking = f"{notifications.settings.SITE_URL}/track/?reference={case.reference}"
    assert qr_of(tracking) in slip
    secret = re.search(r'class="code">([0-9A-Z]{4}-[0-9A-Z]{4})<', slip).group(1)
    chat = f"https://line.me/R/oaMessage/@referral/?{quote(f'{case.reference} {secret}', safe='')}"
    assert qr_of(chat) in slip
    # Printed again later, without the secret: the tracking code only, no LINE code.
    again = client.get(response["Location"]).text
    assert qr_of(tracking) in again and "line.me" not in again


def test_the_chat_code_opens_a_chat_that_links_the_request(client, line):
    """What the QR code types in is what the webhook reads."""
    answer = client.post(reverse("public:new_request"), request_form())["Location"]
    case = Case.objects.get()
    Case.objects.filter(pk=case.pk).update(notify_line=True)
    page = Client()  # the phone
    text = client.get(answer).text
    secret = re.search(r'class="code">([0-9A-Z]{4}-[0-9A-Z]{4})<', text).group(1)
    call(page, says(f"{case.reference} {secret}"))
    assert LineLink.objects.filter(case=case).exists()


def test_the_deployment_check_warns_of_half_a_line_account(settings):
    settings.LINE_CHANNEL_SECRET, settings.LINE_CHANNEL_ACCESS_TOKEN = "s", ""
    [warning] = line_half_configured(None)
    assert warning.id == "referrals.W010"
    settings.LINE_CHANNEL_ACCESS_TOKEN = "t"
    assert line_half_configured(None) == []
    settings.LINE_CHANNEL_SECRET = settings.LINE_CHANNEL_ACCESS_TOKEN = ""
    assert line_half_configured(None) == []
