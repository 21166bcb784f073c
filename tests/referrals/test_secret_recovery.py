"""A lost secret: "Forgot the secret?" sends a one-time code to the phone or email of the
request (6 digits, SECRET_CODE_MINUTES, SECRET_CODE_TRIES wrong tries), and the code sets a
new secret, shown once; the old one stops working, in every browser signed in with it.
Whoever asks gets the same answer whether or not the request, or its phone or email, exist;
the asking is limited per request, per contact and per client address. An intake officer
gives a caller who proved who they are a new secret on a new slip (who may: the "secret"
column of the tables in test_permissions.py)."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from agencies.models import Role
from referrals import notifications, services, sms
from referrals.models import Case, CaseEvent, EventKind, Notification, SafeChannel
from referrals.services.recovery import IdentityQuestion
from tests.referrals.factories import case_in, fresh, staff, submit
from tests.referrals.public_helpers import (
    SECRET,
    field_errors,
    in_thai,
    isolate,
    open_case,
    page,
    text,
)

pytestmark = pytest.mark.django_db

PHONE = "0812345678"
EMAIL = "somchai@example.org"
FORGOT = "/track/forgot/"
ENTER = "/track/forgot/code/"
WRONG = (
    "This code is not right, or it no longer works: a code works for %(minutes)s minutes "
    "and for %(tries)s tries, and only the latest one asked for. Check it, or ask for a new "
    "code."
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path, monkeypatch):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    yield from isolate(settings, tmp_path, monkeypatch)


def codes(case=None):
    rows = Notification.objects.filter(kind="secret_code")
    return rows.filter(case=case) if case is not None else rows


def delivered_code(case) -> str:
    """The code the citizen received, read from the message itself."""
    row = codes(case).latest("pk")
    sent_before = len(sms.outbox)
    assert notifications.deliver(row.pk)
    if row.channel == Notification.Channel.SMS:
        body = "".join(part["text"] for part in sms.outbox[sent_before:])
        assert len(sms.outbox) == sent_before + 1, "the code fits in one SMS"
    else:
        body = mail.outbox[-1].body
    found = re.search(r"\b\d{6}\b", body)
    assert found, body
    return found.group(0)


def ask(client, reference, contact, **extra):
    return client.post(FORGOT, {"reference": reference, "contact": contact}, **extra)


def enter(client, reference, code, **extra):
    return client.post(ENTER, {"reference": reference, "code": code}, **extra)


def wrong_code_message(settings) -> str:
    return in_thai(WRONG) % {
        "minutes": settings.SECRET_CODE_MINUTES,
        "tries": settings.SECRET_CODE_TRIES,
    }


# --- Asking for a code ---------------------------------------------------------------------


def test_a_code_goes_by_sms_to_the_mobile_of_the_request_and_sets_a_new_secret(client):
    case, old_secret = submit()

    response = ask(client, case.reference.lower(), "081-234-5678")
    assert response.status_code == 302
    answer = client.get(response["Location"])
    assert "10" in text(page(answer)) and answer.status_code == 200
    [row] = codes(case)
    assert (row.channel, row.recipient, row.language) == ("sms", PHONE, "th")
    code = delivered_code(case)
    assert "code_encrypted" not in fresh(row).context, "the code is not kept once sent"

    done = enter(client, case.reference, code)
    assert done.status_code == 302
    shown = client.get(done["Location"])
    [new_secret] = SECRET.findall(shown.content.decode())
    assert new_secret != old_secret
    assert client.get(done["Location"]).status_code == 404, "shown once"
    assert open_case(Client(), case.reference, old_secret).status_code == 200, "old: refused"
    assert open_case(Client(), case.reference, new_secret).status_code == 302
    assert client.get(f"/track/{case.reference}/").status_code == 200, "this browser is in"
    event = CaseEvent.objects.get(case=case, kind=EventKind.SECRET_CHANGED)
    assert event.by_citizen and event.is_public


def test_a_code_goes_by_email_only_to_the_confirmed_address_of_the_request(client):
    case, _secret = submit(citizen_email=EMAIL)

    ask(client, case.reference, EMAIL.upper())
    assert not codes(case).exists(), "an address not confirmed may be anyone's"

    Case.objects.filter(pk=case.pk).update(citizen_email_confirmed_at=timezone.now())
    ask(client, case.reference, f" {EMAIL.upper()} ")
    [row] = codes(case)
    assert (row.channel, row.recipient) == ("email", EMAIL)
    code = delivered_code(case)
    assert enter(client, case.reference, code).status_code == 302


def test_a_landline_gets_no_code():
    case, _secret = submit(citizen_phone="02 123 4567")

    ask(Client(), case.reference, "021234567")

    assert not codes(case).exists()


def test_the_answer_is_the_same_whether_or_not_the_request_or_contact_exist(client, settings):
    case, _secret = submit()
    unknown = "RP-2569-ZZZZZZ"
    tries = {
        "right": (case.reference, PHONE),
        "unknown reference": (unknown, PHONE),
        "other phone": (case.reference, "0899999999"),
        "email not given": (case.reference, EMAIL),
    }
    pages = {}
    for name, (reference, contact) in tries.items():
        response = ask(Client(), reference, contact)
        assert response.status_code == 302, name
        answer = Client().get(response["Location"])
        pages[name] = (answer.status_code, text(page(answer)).replace(reference, "REF"))

    assert len(set(pages.values())) == 1, pages
    assert codes().count() == 1, "only the right pair is sent anything"
    # A code for a request that does not exist is refused as a wrong code is.
    for reference in (unknown, case.reference):
        refused = enter(Client(), reference, "123456")
        assert refused.status_code == 200
        assert field_errors(refused, "code") == [wrong_code_message(settings)]


def test_wrong_codes_count_and_the_fifth_kills_the_code(client, settings):
    case, _secret = submit()
    ask(client, case.reference, PHONE)
    code = delivered_code(case)
    wrong = f"{(int(code) + 1) % 10**6:06d}"

    for _ in range(settings.SECRET_CODE_TRIES):
        refused = enter(client, case.reference, wrong)
        assert field_errors(refused, "code") == [wrong_code_message(settings)]

    refused = enter(client, case.reference, code)
    assert field_errors(refused, "code") == [wrong_code_message(settings)], "dead now"
    assert fresh(case).secret_hash == case.secret_hash


def test_a_code_works_for_ten_minutes_and_once(client, settings, clock):
    case, _secret = submit()
    ask(client, case.reference, PHONE)
    code = delivered_code(case)

    clock.now += timedelta(minutes=settings.SECRET_CODE_MINUTES, seconds=1)
    assert field_errors(enter(client, case.reference, code), "code")

    ask(client, case.reference, PHONE)
    code = delivered_code(case)
    clock.now += timedelta(minutes=settings.SECRET_CODE_MINUTES - 1)
    assert enter(client, case.reference, code).status_code == 302
    assert field_errors(enter(Client(), case.reference, code), "code"), "used once"


def test_a_new_code_supersedes_the_earlier_one(client):
    case, _secret = submit()
    ask(client, case.reference, PHONE)
    first = delivered_code(case)
    ask(client, case.reference, PHONE)
    second = delivered_code(case)

    if first != second:
        assert field_errors(enter(client, case.reference, first), "code")
    assert enter(client, case.reference, second).status_code == 302


def test_a_code_of_another_shape_is_refused_beside_the_field(client):
    case, _secret = submit()

    response = enter(client, case.reference, "12ab")

    assert field_errors(response, "code") == [in_thai("The code has 6 digits.")]
    response = ask(client, case.reference, "not a phone")
    assert field_errors(response, "contact")
    assert not codes().exists()


def test_thai_digits_are_read_as_the_code(client):
    case, _secret = submit()
    ask(client, case.reference, PHONE)
    code = delivered_code(case)

    thai = code.translate(str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙"))
    assert enter(client, case.reference, thai).status_code == 302


# --- Old sessions, and telling the citizen -------------------------------------------------


def test_a_browser_signed_in_with_the_old_secret_is_signed_out(client):
    case, old_secret = submit()
    elsewhere = Client()
    assert open_case(elsewhere, case.reference, old_secret).status_code == 302
    assert elsewhere.get(f"/track/{case.reference}/").status_code == 200

    ask(client, case.reference, PHONE)
    enter(client, case.reference, delivered_code(case))

    response = elsewhere.get(f"/track/{case.reference}/")
    assert response.status_code == 302 and response["Location"].startswith("/track/")


def test_the_citizen_is_told_on_their_other_channels(client):
    case, _secret = submit(citizen_email=EMAIL, notify_sms=True)
    Case.objects.filter(pk=case.pk).update(citizen_email_confirmed_at=timezone.now())
    ask(client, case.reference, PHONE)
    enter(client, case.reference, delivered_code(case))

    told = Notification.objects.filter(case=case, kind="secret_changed")
    assert {(row.channel, row.recipient) for row in told} == {("email", EMAIL)}
    assert notifications.deliver(told.get().pk)
    assert "1111" in mail.outbox[-1].body


def test_an_officers_new_secret_tells_the_citizen_on_every_channel():
    case, _secret = submit(notify_sms=True)
    officer = staff(case.lead_agency.code, Role.INTAKE_OFFICER)

    services.reissue_secret(case, officer, IdentityQuestion.NATIONAL_ID, "4 ตัวท้าย", True)

    told = Notification.objects.filter(case=case, kind="secret_changed")
    assert {(row.channel, row.recipient) for row in told} == {("sms", PHONE)}


# --- Restricted cases and safe contact -----------------------------------------------------


def test_the_code_of_a_restricted_case_names_neither_the_help_nor_the_agency(client):
    case, _secret = submit(
        "domestic-violence", safe_channel=SafeChannel.SMS, citizen_name="สมหญิง รักสงบ"
    )
    assert case.is_restricted or case.category.is_restricted
    ask(client, case.reference, PHONE)

    code = delivered_code(case)
    body = sms.outbox[-1]["text"]
    assert code in body and case.reference in body
    for word in (
        case.category.name_th,
        case.category.name_en,
        case.lead_agency.name_th,
        case.lead_agency.name_en,
        case.lead_agency.code,
        "สมหญิง",
        "ความรุนแรง",
    ):
        assert word not in body, word
    assert enter(client, case.reference, code).status_code == 302

    supervisor = staff(case.lead_agency.code, Role.SUPERVISOR)
    services.reissue_secret(fresh(case), supervisor, IdentityQuestion.OTHER, "ชื่อเล่น", True)
    [changed] = Notification.objects.filter(case=case, kind="secret_changed")
    assert notifications.deliver(changed.pk)
    told = notifications.render_text(changed)
    assert case.reference in told and "1111" in told
    assert case.category.name_th not in told and case.lead_agency.name_th not in told


@pytest.mark.parametrize(
    ("safe", "contact"),
    [
        (SafeChannel.PHONE, PHONE),
        (SafeChannel.TRACKING_PAGE, PHONE),
        (SafeChannel.LINE, PHONE),
        (SafeChannel.EMAIL, PHONE),
    ],
)
def test_no_code_goes_where_a_person_at_risk_said_no_message_may_go(client, safe, contact):
    case, _secret = submit("domestic-violence", safe_channel=safe, citizen_email=EMAIL)
    Case.objects.filter(pk=case.pk).update(citizen_email_confirmed_at=timezone.now())

    response = ask(client, case.reference, contact)

    assert response.status_code == 302, "the same answer as everyone"
    assert not codes().exists()


def test_a_person_at_risk_who_chose_email_gets_the_code_there(client):
    case, _secret = submit("domestic-violence", safe_channel=SafeChannel.EMAIL, citizen_email=EMAIL)
    Case.objects.filter(pk=case.pk).update(citizen_email_confirmed_at=timezone.now())

    ask(client, case.reference, EMAIL)

    code = delivered_code(case)
    body = mail.outbox[-1].body + mail.outbox[-1].subject
    assert code in body
    assert case.category.name_th not in body and case.lead_agency.name_th not in body


# --- Limits ----------------------------------------------------------------------------


def test_codes_asked_for_one_request_are_limited(client, settings):
    settings.SECRET_CODE_RATE_PER_CASE = "2/h"
    case, _secret = submit()

    for address in ("10.0.0.1", "10.0.0.2"):
        assert ask(Client(), case.reference, PHONE, REMOTE_ADDR=address).status_code == 302
    refused = ask(Client(), case.reference, PHONE, REMOTE_ADDR="10.0.0.3")

    assert refused.status_code == 429 and refused["Retry-After"]
    assert codes(case).count() == 2
    unknown = ["RP-2569-ZZZZZZ"] * 3
    answers = [ask(Client(), ref, PHONE, REMOTE_ADDR="10.0.1.9").status_code for ref in unknown]
    assert answers == [302, 302, 429], "an unknown request is limited alike"


def test_codes_asked_for_one_phone_are_limited_across_requests(client, settings):
    settings.SECRET_CODE_RATE_PER_CONTACT = "2/d"
    first, _secret = submit()
    second, _secret = submit()
    third, _secret = submit()

    answers = [
        ask(Client(), case.reference, "+66 81 234 5678", REMOTE_ADDR=f"10.0.2.{n}").status_code
        for n, case in enumerate((first, second, third))
    ]

    assert answers == [302, 302, 429]
    assert not codes(third).exists()


def test_codes_asked_from_one_address_are_limited(client, settings):
    settings.SECRET_CODE_RATE_PER_ADDRESS = "2/h"
    cases = [submit()[0] for _ in range(3)]

    answers = [ask(client, case.reference, PHONE).status_code for case in cases]

    assert answers == [302, 302, 429]
    assert codes().count() == 2


def test_codes_entered_from_one_address_are_limited(client, settings):
    settings.SECRET_CODE_CHECK_RATE_PER_ADDRESS = "3/h"
    case, _secret = submit()
    ask(client, case.reference, PHONE)
    code = delivered_code(case)

    for _ in range(3):
        enter(client, case.reference, "000000" if code != "000000" else "111111")

    assert enter(client, case.reference, code).status_code == 429
    assert fresh(case).secret_hash == case.secret_hash


def test_the_tracking_page_links_to_forgot_the_secret(client):
    response = client.get("/track/?reference=RP-2569-ABCDEF")

    assert 'href="/track/forgot/?reference=RP-2569-ABCDEF"' in response.content.decode()
    assert client.get(f"{FORGOT}?reference=RP-2569-ABCDEF").status_code == 200


# --- An officer gives a caller a new secret ----------------------------------------------


def test_an_intake_officer_gives_a_new_secret_on_a_new_slip(client):
    case, old_secret = submit()
    officer = staff(case.lead_agency.code, Role.INTAKE_OFFICER)
    client.force_login(officer)

    response = client.post(
        f"/staff/cases/{case.reference}/reissue_secret/",
        {
            "reissue_secret-question": IdentityQuestion.SUBMITTED_ON,
            "reissue_secret-asked": "ส่งคำขอวันที่เท่าไร",
            "reissue_secret-answered": "on",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == f"/staff/cases/{case.reference}/slip/"
    slip = client.get(response["Location"])
    [new_secret] = SECRET.findall(slip.content.decode())
    assert SECRET.findall(client.get(response["Location"]).content.decode()) == [], "once"
    assert open_case(Client(), case.reference, old_secret).status_code == 200
    assert open_case(Client(), case.reference, new_secret).status_code == 302
    event = CaseEvent.objects.get(case=case, kind=EventKind.SECRET_CHANGED)
    assert "ส่งคำขอวันที่เท่าไร" in event.message
    assert event.payload == {"question": "submitted_on", "asked": "ส่งคำขอวันที่เท่าไร"}
    assert event.actor == officer and event.actor_agency == case.lead_agency


def test_no_new_secret_unless_the_caller_answered_rightly(client):
    case, _secret = submit()
    client.force_login(staff(case.lead_agency.code, Role.INTAKE_OFFICER))

    url = f"/staff/cases/{case.reference}/reissue_secret/"
    question = {"reissue_secret-question": IdentityQuestion.NATIONAL_ID}

    not_said = client.post(url, {**question, "reissue_secret-asked": ""})
    not_answered = client.post(url, {**question, "reissue_secret-asked": "เลขบัตร 4 ตัวท้าย"})

    assert not_said.status_code == not_answered.status_code == 200
    assert field_errors(not_said, "reissue_secret-asked")
    assert field_errors(not_answered, "reissue_secret-answered") == [
        in_thai(
            "Give a new secret only to a caller who answered rightly: tick the box once they have."
        )
    ]
    assert fresh(case).secret_hash == case.secret_hash
    assert not CaseEvent.objects.filter(kind=EventKind.SECRET_CHANGED).exists()


def test_the_case_page_offers_the_new_secret_to_intake_not_to_a_case_officer(client):
    case = case_in("in_progress")
    form = f"/staff/cases/{case.reference}/reissue_secret/form/"
    client.force_login(staff(case.lead_agency.code, Role.INTAKE_OFFICER))
    assert 'id="action-reissue_secret"' in client.get(f"/staff/cases/{case.reference}/").text
    assert "reissue_secret-question" in client.get(form, HTTP_HX_REQUEST="true").text

    client.force_login(staff(case.lead_agency.code, Role.CASE_OFFICER))
    assert 'id="action-reissue_secret"' not in client.get(f"/staff/cases/{case.reference}/").text
    assert client.get(form, HTTP_HX_REQUEST="true").status_code == 404
