"""The outbox: the email that gives the citizen their reference and secret, sent once.

The row is written with the case; ``notifications.deliver`` sends it (a Celery task calls
it after commit, the periodic ``deliver_pending`` catches what that missed). Tests call
``deliver`` directly and read ``django.core.mail.outbox``.
"""

import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.utils import timezone, translation

from referrals import notifications
from referrals.models import Case, Notification
from tests.referrals.factories import submit

pytestmark = pytest.mark.django_db

EMAIL = "somchai@example.org"


class RefusingBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("mail server went away")


@pytest.fixture
def outbox(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    return mail.outbox


@pytest.fixture
def mail_server_down(settings):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"


def submitted(language: str = "th", email: str = EMAIL):
    """A case submitted with an email address, under ``language``: (case, secret, row)."""
    with translation.override(language):
        case, secret = submit(citizen_email=email)
    return case, secret, Notification.objects.get(case=case)


def row_text(notification) -> str:
    return str(Notification.objects.filter(pk=notification.pk).values().get())


def spellings(secret: str) -> list[str]:
    return [secret, secret.replace("-", ""), secret.lower(), secret.replace("-", "").lower()]


# --- Written with the case -------------------------------------------------------------------


def test_a_request_with_an_email_address_queues_one_email_to_it():
    case, _secret, notification = submitted()

    assert (notification.recipient, notification.status) == (EMAIL, Notification.Status.PENDING)
    assert notification.case == case
    assert notification.sent_at is None


def test_a_request_without_an_email_address_queues_nothing():
    submit()

    assert not Notification.objects.exists()


def test_the_email_is_not_queued_when_the_case_is_not_saved(django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        submit(citizen_email=EMAIL)
        assert Notification.objects.exists()
        raise RuntimeError("the request failed after the case was written")

    assert not Case.objects.exists()
    assert not Notification.objects.exists()
    assert callbacks == []


def test_the_email_waits_in_the_outbox_after_commit_until_it_is_delivered(
    outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case, _secret = submit(citizen_email=EMAIL)

    notification = Notification.objects.get(case=case)
    assert notification.status == Notification.Status.PENDING
    assert notifications.deliver(notification.pk) is True
    assert len(outbox) == 1


def test_nothing_is_sent_before_the_transaction_commits(outbox):
    submit(citizen_email=EMAIL)

    assert outbox == []


# --- Sent once: the reference and the link that confirms the address ---------------------------


def test_delivering_sends_one_email_with_the_reference_and_the_confirmation_link(outbox):
    case, secret, notification = submitted("en")

    assert notifications.deliver(notification.pk) is True

    [email] = outbox
    assert email.to == [EMAIL]
    assert case.reference in email.subject
    assert case.reference in email.body
    assert f"/track/{case.reference}/confirm-email/" in email.body
    # An address typed into a form may be anyone's: nothing the sender wrote reaches it,
    # and neither does the secret that opens the request.
    assert case.citizen_name not in email.body
    assert case.description not in email.body
    assert not any(spelling in email.body for spelling in spellings(secret))
    notification = Notification.objects.get(pk=notification.pk)
    assert notification.status == Notification.Status.SENT
    assert notification.sent_at is not None


def test_an_email_queued_in_english_is_written_in_english(outbox):
    _case, _secret, notification = submitted("en")

    notifications.deliver(notification.pk)

    [email] = outbox
    assert "confirm that this address is yours" in email.body
    assert "Reference code" in email.body
    assert "confirm your email address" in email.subject
    assert "เลขที่คำขอ" not in email.body


def test_an_email_queued_in_thai_is_written_in_thai(outbox):
    case, secret, notification = submitted("th")

    with translation.override("en"):  # whoever delivers it, in whatever language
        notifications.deliver(notification.pk)

    [email] = outbox
    assert "เลขที่คำขอ" in email.body
    assert (case.reference in email.body, secret in email.body) == (True, False)
    for english in ("Reference code", "confirm that", "If you did not send this request"):
        assert english not in email.body
    assert "confirm your email address" not in email.subject
    assert any("\u0e00" <= character <= "\u0e7f" for character in email.subject)


def test_the_secret_is_neither_in_the_outbox_nor_in_the_email(outbox):
    _case, secret, notification = submitted()

    assert not any(spelling in row_text(notification) for spelling in spellings(secret))

    notifications.deliver(notification.pk)

    notification = Notification.objects.get(pk=notification.pk)
    assert not any(spelling in row_text(notification) for spelling in spellings(secret))
    assert not any(spelling in outbox[0].body for spelling in spellings(secret))


def test_delivering_twice_sends_once(outbox):
    _case, _secret, notification = submitted()

    assert notifications.deliver(notification.pk) is True
    assert notifications.deliver(notification.pk) is False

    assert len(outbox) == 1
    assert Notification.objects.get(pk=notification.pk).attempts == 1


# --- When the mail server fails --------------------------------------------------------------


def test_a_mail_server_failure_leaves_the_email_waiting_with_the_error(mail_server_down):
    _case, _secret, notification = submitted()

    assert notifications.deliver(notification.pk) is False

    notification = Notification.objects.get(pk=notification.pk)
    assert notification.status == Notification.Status.PENDING
    assert "mail server went away" in notification.last_error
    assert notification.attempts == 1
    assert notification.context, "the link is still needed for the next attempt"


def test_the_email_waiting_after_a_failure_is_sent_when_the_server_is_back(
    settings, mail_server_down
):
    case, _secret, notification = submitted()
    notifications.deliver(notification.pk)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    assert notifications.deliver(notification.pk) is False, "the retry waits its turn"
    Notification.objects.filter(pk=notification.pk).update(next_attempt_at=timezone.now())

    assert notifications.deliver(notification.pk) is True

    assert len(mail.outbox) == 1
    assert f"/track/{case.reference}/confirm-email/" in mail.outbox[0].body


def test_after_the_last_attempt_the_email_fails_and_is_not_tried_again(mail_server_down):
    _case, _secret, notification = submitted()

    results = []
    for _attempt in range(notifications.MAX_ATTEMPTS):
        Notification.objects.filter(pk=notification.pk).update(next_attempt_at=None)
        results.append(notifications.deliver(notification.pk))

    assert results == [False] * notifications.MAX_ATTEMPTS
    notification = Notification.objects.get(pk=notification.pk)
    assert notification.status == Notification.Status.FAILED
    assert notification.attempts == notifications.MAX_ATTEMPTS
    assert "mail server went away" in notification.last_error
    assert notifications.deliver(notification.pk) is False
    assert Notification.objects.get(pk=notification.pk).attempts == notifications.MAX_ATTEMPTS


def test_one_attempt_before_the_last_the_email_still_waits(mail_server_down):
    _case, _secret, notification = submitted()

    for _ in range(notifications.MAX_ATTEMPTS - 1):
        notifications.deliver(notification.pk)

    notification = Notification.objects.get(pk=notification.pk)
    assert notification.status == Notification.Status.PENDING
    assert notification.context


# --- The periodic sender ---------------------------------------------------------------------


def aged(notification, seconds: float) -> Notification:
    Notification.objects.filter(pk=notification.pk).update(
        created_at=timezone.now() - timedelta(seconds=seconds)
    )
    return Notification.objects.get(pk=notification.pk)


def test_the_periodic_sender_sends_only_what_waited_over_30_seconds(outbox):
    old = aged(submitted(email="old@example.org")[2], 31)
    young = aged(submitted(email="young@example.org")[2], 20)
    failed = aged(submitted(email="failed@example.org")[2], 600)
    Notification.objects.filter(pk=failed.pk).update(status=Notification.Status.FAILED)
    sent = aged(submitted(email="sent@example.org")[2], 600)
    assert notifications.deliver(sent.pk)
    outbox.clear()

    assert notifications.deliver_pending() == 1

    assert [email.to for email in outbox] == [["old@example.org"]]
    statuses = dict(
        Notification.objects.filter(pk__in=[old.pk, young.pk, failed.pk]).values_list(
            "recipient", "status"
        )
    )
    assert statuses == {
        "old@example.org": Notification.Status.SENT,
        "young@example.org": Notification.Status.PENDING,
        "failed@example.org": Notification.Status.FAILED,
    }
    assert notifications.deliver_pending() == 0
    assert len(outbox) == 1


def test_emails_queued_with_a_secret_before_this_release_lose_it_and_are_not_sent():
    from importlib import import_module

    from django.apps import apps

    case, _secret = submit(citizen_email=EMAIL)
    old = Notification.objects.get(case=case)
    Notification.objects.filter(pk=old.pk).update(context={"secret_encrypted": "gAAAA-old"})
    sent = Notification.objects.create(
        kind="citizen_update",
        case=case,
        channel=Notification.Channel.EMAIL,
        recipient=EMAIL,
        status=Notification.Status.SENT,
        context={"secret_encrypted": "gAAAA-older", "event_kind": "accepted"},
        idempotency_key="old-update",
    )

    import_module("referrals.migrations.0012_no_secret_in_the_outbox").forget_secrets(apps, None)

    old, sent = Notification.objects.get(pk=old.pk), Notification.objects.get(pk=sent.pk)
    assert "secret_encrypted" not in old.context and "secret_encrypted" not in sent.context
    assert (old.status, sent.status) == (Notification.Status.FAILED, Notification.Status.SENT)
    assert notifications.deliver(old.pk) is False
