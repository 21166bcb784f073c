"""Safe contact for those at risk: the questions of the form and of intake, the safe word
kept encrypted and its reading recorded, "I am in danger now" with the emergency numbers,
and citizens' messages on restricted cases that never name the kind of help, the agency
or what was written."""

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone, translation

from agencies.models import Role
from referrals import notifications, services
from referrals.models import (
    Case,
    Category,
    Notification,
    PersonalDataAccess,
    Priority,
    SafeChannel,
)
from tests.referrals.factories import agency, fresh, intake_post, staff, submit
from tests.referrals.public_helpers import (
    field_errors,
    find_all,
    in_thai,
    isolate,
    page,
    request_form,
)

pytestmark = pytest.mark.django_db

NEW_REQUEST = "/requests/new/"
EMAIL = "somchai@example.org"
SAFE_WORD = "มะม่วงสุก"
NOTE = "ผู้กระทำอยู่บ้านเลขที่ 99 ตอนกลางคืน"
CHOOSE_SAFE_WAY = "Choose how it is safe for us to contact you."


@pytest.fixture(autouse=True)
def media(settings, tmp_path, monkeypatch):
    yield from isolate(settings, tmp_path, monkeypatch)


@pytest.fixture
def outbox(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    return mail.outbox


def tel_links(response) -> set[str]:
    return {dict(a.attributes)["href"] for a in find_all(page(response), "a", class_="tel")}


# --- The form -----------------------------------------------------------------------------


def test_a_restricted_kind_of_help_needs_the_safe_way_to_contact(client):
    response = client.post(NEW_REQUEST, request_form("domestic-violence", sensitive_consent="on"))

    assert response.status_code == 200
    assert field_errors(response, "safe_channel") == [in_thai(CHOOSE_SAFE_WAY)]
    assert not Case.objects.exists()


def test_the_safe_contact_answers_are_kept_with_a_restricted_request(client):
    response = client.post(
        NEW_REQUEST,
        request_form(
            "domestic-violence",
            sensitive_consent="on",
            safe_channel=SafeChannel.SMS,
            safe_hours="  จันทร์–ศุกร์   9:00–12:00 ",
            no_message="on",
            safe_word=SAFE_WORD,
        ),
    )

    assert response.status_code == 302
    case = Case.objects.get()
    assert (case.safe_channel, case.safe_hours, case.no_message) == (
        SafeChannel.SMS,
        "จันทร์–ศุกร์ 9:00–12:00",
        True,
    )
    assert SAFE_WORD not in case.safe_word_encrypted, "kept encrypted, like the national ID"
    assert SAFE_WORD not in str(Case.objects.filter(pk=case.pk).values().get())


def test_other_kinds_of_help_do_not_need_the_safe_contact_answers(client):
    response = client.post(NEW_REQUEST, request_form("unpaid-wages"))

    assert response.status_code == 302
    assert Case.objects.get().safe_channel == ""


def test_the_form_asks_how_to_contact_safely_and_offers_the_danger_choice(client):
    form = page(client.get(NEW_REQUEST))

    names = {dict(e.attributes).get("name") for e in find_all(form, "input")} | {
        dict(e.attributes).get("name") for e in find_all(form, "select")
    }
    assert {"in_danger_now", "safe_channel", "safe_hours", "no_message", "safe_word"} <= names
    assert tel_links(client.get(NEW_REQUEST)) >= {"tel:191", "tel:1300"}


@pytest.mark.parametrize("language", ["th", "en"])
def test_in_danger_now_makes_the_case_urgent_and_shows_the_emergency_numbers(client, language):
    client.cookies["django_language"] = language
    sent = client.post(NEW_REQUEST, request_form(in_danger_now="on"))
    answer = client.get(sent["Location"])

    case = Case.objects.get()
    assert (case.in_danger_now, case.priority) == (True, Priority.URGENT)
    assert {"tel:191", "tel:1300"} <= tel_links(answer)
    with translation.override(language):
        said = translation.gettext("You said you are in danger now")
    assert said in answer.content.decode()


def test_without_danger_the_answer_page_has_no_emergency_box(client):
    sent = client.post(NEW_REQUEST, request_form())
    answer = client.get(sent["Location"])

    assert Case.objects.get().priority == Priority.NORMAL
    assert "tel:191" not in tel_links(answer)


# --- Intake and the staff case page -------------------------------------------------------


def test_the_intake_officer_records_the_safe_contact_answers(client):
    client.force_login(staff("MSDHS", Role.INTAKE_OFFICER))

    refused = client.post(
        "/staff/intake/", intake_post("domestic-violence", sensitive_consent="on")
    )
    assert CHOOSE_SAFE_WAY in refused.content.decode() or in_thai(CHOOSE_SAFE_WAY) in (
        refused.content.decode()
    )
    assert not Case.objects.exists()

    recorded = client.post(
        "/staff/intake/",
        intake_post(
            "domestic-violence",
            sensitive_consent="on",
            safe_channel=SafeChannel.TRACKING_PAGE,
            safe_hours="หลัง 20:00",
            no_message="on",
            safe_word=SAFE_WORD,
            in_danger_now="on",
        ),
    )
    assert recorded.status_code == 302
    case = Case.objects.get()
    assert (case.safe_channel, case.safe_hours, case.no_message, case.in_danger_now) == (
        SafeChannel.TRACKING_PAGE,
        "หลัง 20:00",
        True,
        True,
    )
    assert case.priority == Priority.URGENT


def test_the_case_page_shows_the_answers_and_records_the_reading_of_the_safe_word(client):
    case, _secret = submit(
        "domestic-violence",
        safe_channel=SafeChannel.SMS,
        safe_hours="หลัง 20:00",
        no_message=True,
        safe_word=SAFE_WORD,
    )
    supervisor = staff("MSDHS", Role.SUPERVISOR)
    client.force_login(supervisor)

    shown = client.get(f"/staff/cases/{case.reference}/").content.decode()

    for words in ("Do not leave a message", "SMS", "Safe word"):
        assert in_thai(words) in shown
    assert "หลัง 20:00" in shown and SAFE_WORD in shown
    assert PersonalDataAccess.objects.filter(case=case, user=supervisor).exists()


def test_the_safe_word_is_not_shown_to_those_who_may_not_read_the_persons_data(client):
    case, _secret = submit("domestic-violence", safe_word=SAFE_WORD)
    client.force_login(staff("MOL", Role.SUPERVISOR))

    assert client.get(f"/staff/cases/{case.reference}/").status_code == 404


# --- Messages to the citizen --------------------------------------------------------------

CITIZEN_KINDS = {"case_received", "citizen_update", "citizen_waiting"}


def every_citizen_email_of(case: Case) -> list:
    """Drive the case through every step that writes to the citizen, and send them all."""
    supervisor = staff(case.lead_agency.code, Role.SUPERVISOR)
    Case.objects.filter(pk=case.pk).update(citizen_email_confirmed_at=timezone.now())
    services.accept_case(fresh(case), supervisor)
    services.request_information(fresh(case), supervisor, NOTE)
    notifications.queue_email(
        "citizen_waiting", EMAIL, case=fresh(case), key=f"citizen_waiting:c{case.pk}"
    )
    services.resolve_case(fresh(case), supervisor, NOTE)
    rows = Notification.objects.filter(case=case, user=None, channel=Notification.Channel.EMAIL)
    for row in rows:
        notifications.deliver(row.pk)
    return list(rows)


@pytest.mark.parametrize("language", ["th", "en"])
def test_no_citizen_email_of_a_restricted_case_names_the_help_the_agency_or_the_note(
    outbox, language
):
    with translation.override(language):
        # Email is the way they said is safe: the messages come, and say nothing more.
        case, _secret = submit(
            "domestic-violence", citizen_email=EMAIL, safe_channel=SafeChannel.EMAIL
        )
        rows = every_citizen_email_of(case)

    assert {row.kind for row in rows} == CITIZEN_KINDS, "every kind of citizen email is tried"
    assert len(outbox) == len(rows) >= 4
    category, lead = Category.objects.get(code="domestic-violence"), agency("MSDHS")
    secrets = [category.name_th, category.name_en, lead.name_th, lead.name_en, lead.code, NOTE]
    with translation.override(language):
        news = translation.gettext("There is news on your request %(reference)s") % {
            "reference": case.reference
        }
    for message in outbox:
        assert message.subject == news
        for words in secrets:
            assert words not in message.subject and words not in message.body
        assert case.reference in message.body


def test_a_case_restricted_by_staff_is_discreet_too(outbox):
    case, _secret = submit(citizen_email=EMAIL)
    Case.objects.filter(pk=case.pk).update(is_restricted=True)
    every_citizen_email_of(case)

    lead = agency("MOL")
    for message in outbox:
        assert lead.name_th not in message.body and NOTE not in message.body


def test_other_cases_keep_their_full_messages(outbox):
    case, _secret = submit(citizen_email=EMAIL)
    every_citizen_email_of(case)

    assert any(NOTE in message.body for message in outbox)


# --- The API ------------------------------------------------------------------------------


def test_the_api_gives_the_safe_contact_to_callers_who_may_read_the_persons_data():
    case, _secret = submit(
        "domestic-violence", safe_channel=SafeChannel.LINE, no_message=True, safe_word=SAFE_WORD
    )
    supervisor = staff("MSDHS", Role.SUPERVISOR)
    api = Client()
    api.force_login(supervisor)

    citizen = api.get(f"/api/v1/cases/{case.reference}/").json()["citizen"]

    assert (citizen["safe_channel"], citizen["no_message"], citizen["safe_word"]) == (
        "line",
        True,
        SAFE_WORD,
    )
    assert PersonalDataAccess.objects.filter(case=case, user=supervisor).exists()


def test_the_api_accepts_the_safe_contact_answers():
    officer = staff("MSDHS", Role.INTAKE_OFFICER)
    api = Client()
    api.force_login(officer)
    body = {
        "category": "domestic-violence",
        "description": "ถูกสามีทำร้ายร่างกาย ต้องการที่พักที่ปลอดภัย",
        "citizen_name": "ประยูร แก้วมณี",
        "citizen_phone": "0895550101",
        "province": "10",
        "sensitive_consent": True,
        "channel": "phone",
        "safe_channel": "sms",
        "safe_word": SAFE_WORD,
        "in_danger_now": True,
    }

    created = api.post("/api/v1/cases/", body, content_type="application/json")

    assert created.status_code == 201, created.content
    case = Case.objects.get()
    assert (case.safe_channel, case.in_danger_now, case.priority) == ("sms", True, "urgent")
