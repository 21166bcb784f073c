"""The channels a citizen hears of their request on: chosen on the form (email by default,
SMS, LINE, or none of them: the tracking page alone), by an intake officer for a caller,
changed on the tracking page; and who ``citizen_addresses`` really reaches."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from agencies.models import Role
from agencies.permissions import CitizenAccess
from referrals import notifications, selectors, services
from referrals.errors import CaseNotFound, TransitionNotAllowed
from referrals.models import Case, CaseEvent, EventKind, LineLink, Notification, SafeChannel
from tests.referrals.factories import fresh, intake_post, staff, submit
from tests.referrals.public_helpers import (
    field_errors,
    find,
    in_thai,
    isolate,
    messages_shown,
    page,
    request_form,
    tracked,
)

pytestmark = pytest.mark.django_db

NEW_REQUEST = "/requests/new/"
EMAIL = "somchai@example.org"
MOBILE = "0812345678"
LANDLINE = "021234567"
C = Notification.Channel
EMAILED = (
    "We sent an email to the address you gave. Open the link in it to receive news of your "
    "request by email. The email does not contain your secret: keep it yourself."
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path, monkeypatch):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    yield from isolate(settings, tmp_path, monkeypatch)


def confirmed(case: Case) -> Case:
    Case.objects.filter(pk=case.pk).update(citizen_email_confirmed_at=timezone.now())
    return fresh(case)


def has(element, name: str) -> bool:
    """Whether an element carries a boolean attribute (checked, disabled)."""
    return name in dict(element.attributes)


def channels_action(case: Case) -> str:
    return f"/track/{case.reference}/choose_channels/"


def choose(**chosen) -> dict:
    """The tracking page's channels form as posted: ticked boxes are sent, others not."""
    data = {f"choose_channels-{name}": "on" for name, on in chosen.items() if on is True}
    data["choose_channels-language"] = chosen.get("language", "th")
    return data


# --- Who is reached: citizen_addresses -----------------------------------------------------


def test_each_chosen_channel_that_can_reach_the_person_is_used():
    case, _secret = submit(
        citizen_email=EMAIL, citizen_phone=MOBILE, notify_sms=True, notify_line=True
    )
    case = confirmed(case)
    LineLink.objects.create(case=case, line_user_id="U" + "a" * 32)

    assert notifications.citizen_addresses(case) == [
        (C.EMAIL, EMAIL),
        (C.SMS, MOBILE),
        (C.LINE, "U" + "a" * 32),
    ]


def test_a_channel_not_chosen_is_not_used():
    case, _secret = submit(citizen_email=EMAIL, citizen_phone=MOBILE, notify_email=False)
    case = confirmed(case)

    assert notifications.citizen_addresses(case) == []


def test_an_unconfirmed_address_gets_no_news():
    case, _secret = submit(citizen_email=EMAIL, citizen_phone=MOBILE, notify_sms=True)

    assert notifications.citizen_addresses(case) == [(C.SMS, MOBILE)]


def test_a_landline_gets_no_sms_even_when_the_choice_is_stored():
    case, _secret = submit(citizen_phone=LANDLINE)
    Case.objects.filter(pk=case.pk).update(notify_sms=True)

    assert notifications.citizen_addresses(fresh(case)) == []


def test_line_chosen_but_not_linked_reaches_nobody():
    case, _secret = submit(notify_line=True)

    assert notifications.citizen_addresses(case) == []


@pytest.mark.parametrize(
    ("safe_way", "reached"),
    [
        (SafeChannel.SMS, [(C.SMS, MOBILE)]),
        (SafeChannel.EMAIL, [(C.EMAIL, EMAIL)]),
        (SafeChannel.PHONE, []),
        (SafeChannel.TRACKING_PAGE, []),
    ],
)
def test_a_safe_way_to_contact_overrides_the_choice(safe_way, reached):
    # Chosen: email and LINE, not SMS; the safe way decides alone.
    case, _secret = submit(
        "domestic-violence",
        citizen_email=EMAIL,
        citizen_phone=MOBILE,
        notify_line=True,
        safe_channel=safe_way,
    )
    case = confirmed(case)
    LineLink.objects.create(case=case, line_user_id="U" + "b" * 32)

    assert notifications.citizen_addresses(case) == reached


def test_an_anonymised_case_reaches_nobody():
    case, _secret = submit(citizen_email=EMAIL, citizen_phone=MOBILE, notify_sms=True)
    case = confirmed(case)
    services.anonymise_case(case)

    assert notifications.citizen_addresses(fresh(case)) == []


# --- The request form ---------------------------------------------------------------------


def test_the_form_asks_for_the_channels_with_email_ticked(client):
    form = page(client.get(NEW_REQUEST))

    assert has(find(form, "input", name="notify_email"), "checked")
    assert not has(find(form, "input", name="notify_sms"), "checked")
    assert not has(find(form, "input", name="notify_line"), "checked")
    assert in_thai("How should we tell you the news of your request?") in str(
        client.get(NEW_REQUEST).content.decode()
    )


def test_the_channels_chosen_on_the_form_are_stored_with_the_page_s_language(client):
    client.cookies["django_language"] = "en"
    sent = client.post(
        NEW_REQUEST,
        request_form(citizen_email=EMAIL, notify_email="on", notify_sms="on", notify_line="on"),
    )

    assert sent.status_code == 302
    case = Case.objects.get()
    assert (case.notify_email, case.notify_sms, case.notify_line) == (True, True, True)
    assert case.language == "en"


def test_none_ticked_means_the_tracking_page_only(client):
    sent = client.post(NEW_REQUEST, request_form(citizen_email=EMAIL))

    assert sent.status_code == 302
    answer = client.get(sent["Location"]).content.decode()
    assert in_thai(EMAILED) not in answer  # no link was sent
    case = Case.objects.get()
    assert (case.notify_email, case.notify_sms, case.notify_line) == (False, False, False)
    assert notifications.citizen_addresses(confirmed(case)) == []
    # Not chosen: the address is not sent the link either.
    assert mail.outbox == [] and not Notification.objects.filter(channel=C.EMAIL).exists()


def test_email_left_ticked_without_an_address_does_not_hold_back_the_request(client):
    """Email is ticked at first; a person with no address (many of those this serves)
    sends their request without unticking it, and hears by the ways that reach them."""
    sent = client.post(NEW_REQUEST, request_form(notify_email="on", notify_sms="on"))

    assert sent.status_code == 302
    answer = client.get(sent["Location"]).content.decode()
    assert in_thai(EMAILED) not in answer
    case = Case.objects.get()
    assert notifications.citizen_addresses(case) == [(C.SMS, case.citizen_phone)]
    assert not Notification.objects.filter(channel=C.EMAIL).exists()


def test_sms_to_a_landline_is_refused_on_the_sms_box(client):
    refused = client.post(NEW_REQUEST, request_form(citizen_phone=LANDLINE, notify_sms="on"))

    assert refused.status_code == 200
    assert field_errors(refused, "notify_sms") == [
        in_thai(
            "SMS reach only a mobile number: give one starting 06, 08 or 09, or choose another way."
        )
    ]
    assert not Case.objects.exists()


def test_sms_chosen_on_the_form_tells_the_phone_the_request_was_received(client, sms_outbox):
    sent = client.post(NEW_REQUEST, request_form(notify_sms="on"))
    assert sent.status_code == 302
    case = Case.objects.get()
    [row] = Notification.objects.filter(case=case, channel=C.SMS)

    assert notifications.deliver(row.pk)
    assert {message["to"] for message in sms_outbox} == {MOBILE}
    assert case.reference in "\n".join(message["text"] for message in sms_outbox)


# --- Intake by an officer ---------------------------------------------------------------------


def test_the_intake_officer_records_the_caller_s_channels_and_language(client):
    client.force_login(staff("MOL", Role.INTAKE_OFFICER))
    form = page(client.get("/staff/intake/"))
    # Nothing ticked before the caller is asked.
    assert not any(
        has(find(form, "input", name=name), "checked")
        for name in ("notify_email", "notify_sms", "notify_line")
    )

    recorded = client.post(
        "/staff/intake/",
        intake_post("unpaid-wages", notify_sms="on", notify_line="on", language="en"),
    )

    assert recorded.status_code == 302
    case = Case.objects.get()
    assert (case.notify_email, case.notify_sms, case.notify_line, case.language) == (
        False,
        True,
        True,
        "en",
    )


def test_the_intake_form_refuses_sms_to_a_landline(client):
    client.force_login(staff("MOL", Role.INTAKE_OFFICER))

    refused = client.post(
        "/staff/intake/", intake_post("unpaid-wages", citizen_phone=LANDLINE, notify_sms="on")
    )

    assert refused.status_code == 200
    assert field_errors(refused, "notify_sms")
    assert not Case.objects.exists()


def test_a_case_from_another_system_is_told_by_email_once_an_address_is_confirmed():
    # Not asked: no choice to refuse, and email by default.
    with_address, _secret = submit(citizen_email=EMAIL, channel="api")
    without, _secret = submit(channel="api")

    assert (with_address.notify_email, without.notify_email) == (True, True)
    assert notifications.citizen_addresses(without) == []
    assert notifications.citizen_addresses(confirmed(with_address)) == [(C.EMAIL, EMAIL)]


# --- The service -------------------------------------------------------------------------------


def test_the_citizen_changes_channels_and_language_and_staff_see_it():
    case, _secret = submit(citizen_email=EMAIL, citizen_phone=MOBILE)
    case = confirmed(case)

    services.set_citizen_channels(
        case,
        CitizenAccess(case.pk),
        notify_email=False,
        notify_sms=True,
        notify_line=True,
        language="en",
    )

    case = fresh(case)
    assert (case.notify_email, case.notify_sms, case.notify_line, case.language) == (
        False,
        True,
        True,
        "en",
    )
    event = CaseEvent.objects.filter(case=case).latest("pk")
    assert (event.kind, event.by_citizen, event.is_public) == (
        EventKind.CHANNELS_CHANGED,
        True,
        True,
    )
    assert event.payload == {"channels": ["sms", "line"], "language": "en"}
    assert notifications.citizen_addresses(case) == [(C.SMS, MOBILE)]


def test_choosing_what_was_chosen_records_nothing():
    case, _secret = submit(citizen_email=EMAIL)
    events = CaseEvent.objects.filter(case=case).count()

    services.set_citizen_channels(
        case, CitizenAccess(case.pk), notify_email=True, notify_sms=False, notify_line=False
    )

    assert CaseEvent.objects.filter(case=case).count() == events


def test_email_chosen_later_sends_the_confirmation_link_once():
    case, _secret = submit(citizen_email=EMAIL, notify_email=False)
    assert not Notification.objects.filter(case=case, channel=C.EMAIL).exists()

    for _time in range(2):
        services.set_citizen_channels(
            case, CitizenAccess(case.pk), notify_email=True, notify_sms=False, notify_line=False
        )
        services.set_citizen_channels(
            case, CitizenAccess(case.pk), notify_email=False, notify_sms=False, notify_line=False
        )
        services.set_citizen_channels(
            case, CitizenAccess(case.pk), notify_email=True, notify_sms=False, notify_line=False
        )

    [link] = Notification.objects.filter(case=case, channel=C.EMAIL)
    assert (link.kind, link.recipient) == ("case_received", EMAIL)


@pytest.mark.parametrize(
    ("given", "chosen", "field"),
    [
        ({}, {"notify_email": True}, "notify_email"),
        ({"citizen_phone": LANDLINE}, {"notify_sms": True}, "notify_sms"),
        ({}, {"language": "fr"}, "language"),
    ],
)
def test_a_choice_that_cannot_reach_the_person_is_refused(given, chosen, field):
    case, _secret = submit(**given)
    choice = {"notify_email": False, "notify_sms": False, "notify_line": False, **chosen}

    with pytest.raises(ValidationError) as refused:
        services.set_citizen_channels(case, CitizenAccess(case.pk), **choice)

    assert list(refused.value.message_dict) == [field]
    after = fresh(case)
    assert (after.notify_email, after.notify_sms, after.language) == (
        case.notify_email,
        case.notify_sms,
        case.language,
    )


def test_only_the_case_s_own_citizen_chooses():
    case, _secret = submit()
    other, _secret = submit()

    with pytest.raises(CaseNotFound):
        services.set_citizen_channels(
            case, CitizenAccess(other.pk), notify_email=False, notify_sms=True, notify_line=False
        )
    with pytest.raises(CaseNotFound):
        services.set_citizen_channels(
            case,
            staff("MOL", Role.SUPERVISOR),
            notify_email=False,
            notify_sms=True,
            notify_line=False,
        )
    assert fresh(case).notify_sms is False


def test_a_safe_way_decides_and_the_choice_is_neither_offered_nor_taken():
    case, _secret = submit("domestic-violence", safe_channel=SafeChannel.TRACKING_PAGE)

    assert "choose_channels" not in selectors.citizen_actions(case)
    with pytest.raises(TransitionNotAllowed):
        services.set_citizen_channels(
            case, CitizenAccess(case.pk), notify_email=False, notify_sms=True, notify_line=False
        )
    assert fresh(case).notify_sms is False


# --- The tracking page -------------------------------------------------------------------------


def test_the_tracking_page_shows_the_choice_and_changes_it_without_javascript(client):
    case, _secret = submit(citizen_email=EMAIL, citizen_phone=MOBILE)
    tracked(client, case)
    shown = page(client.get(f"/track/{case.reference}/"))
    assert has(find(shown, "input", name="choose_channels-notify_email"), "checked")
    assert find(shown, "form", id="action-choose_channels") is not None

    sent = client.post(channels_action(case), choose(notify_sms=True, language="en"))

    assert sent.status_code == 302
    case = fresh(case)
    assert (case.notify_email, case.notify_sms, case.language) == (False, True, "en")
    after = client.get(f"/track/{case.reference}/")
    assert in_thai("Saved: this is how we will tell you the news of your request.") in (
        messages_shown(after)
    )
    # The line on the timeline, for the citizen and for the lead agency's staff.
    assert in_thai("Ways of sending news changed") in after.content.decode()
    client.force_login(staff("MOL", Role.SUPERVISOR))
    staff_page = client.get(f"/staff/cases/{case.reference}/").content.decode()
    assert in_thai("Ways of sending news changed") in staff_page


def test_a_landline_s_sms_box_cannot_be_ticked_on_the_tracking_page(client):
    case, _secret = submit(citizen_phone=LANDLINE)
    tracked(client, case)
    shown = page(client.get(f"/track/{case.reference}/"))
    # A landline: the SMS box is there, and cannot be ticked.
    assert has(find(shown, "input", name="choose_channels-notify_sms"), "disabled")

    sent = client.post(channels_action(case), choose(notify_sms=True, notify_line=True))

    assert sent.status_code == 302
    assert fresh(case).notify_line is True
    assert fresh(case).notify_sms is False
