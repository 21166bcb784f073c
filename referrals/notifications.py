"""Sending what the outbox holds: queue a message in the caller's transaction, deliver it
after commit, at most once.

``queue_email`` writes the row; after commit a Celery task (or, if the broker is down,
the periodic ``deliver_pending`` a minute later) calls ``deliver``. ``deliver`` marks the
row as being sent in its own transaction before it talks to the mail server: a worker
that dies while sending leaves the row "sending", never sent twice; an administrator sees
it in the admin.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from referrals import identity
from referrals.models import Case, Notification

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
SECRET_FIELD = "secret_encrypted"  # noqa: S105 (a key name, not a secret)


def queue_email(
    kind: str, to: str, *, case: Case | None = None, language: str = "", secret: str = ""
) -> Notification:
    """Write an email to send once the caller's transaction commits.

    ``kind`` names the templates ``emails/<kind>_subject.txt`` and ``emails/<kind>.txt``;
    ``secret`` (a case's verification secret) is kept encrypted until the email is sent.
    """
    context = {SECRET_FIELD: identity.encrypt(secret)} if secret else {}
    notification = Notification.objects.create(
        kind=kind,
        case=case,
        channel=Notification.Channel.EMAIL,
        recipient=to,
        language=language or translation.get_language() or settings.LANGUAGE_CODE,
        context=context,
    )
    transaction.on_commit(lambda: _dispatch(notification.pk))
    return notification


def _dispatch(notification_id: int) -> None:
    from referrals.tasks import deliver_notification

    try:
        deliver_notification.delay(notification_id)
    except Exception:
        # The broker is down: the row waits in the outbox for the periodic sender.
        logger.warning("Notification %s queued for the periodic sender", notification_id)


def deliver(notification_id: int) -> bool:
    """Send one pending notification; True if this call sent it.

    Safe to run twice or at once in two workers: the row is claimed under a lock.
    """
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk=notification_id, status=Notification.Status.PENDING)
            .first()
        )
        if notification is None:
            return False
        notification.status = Notification.Status.SENDING
        notification.attempts += 1
        notification.save(update_fields=["status", "attempts"])
    try:
        subject, body = _render(notification)
        send_mail(subject, body, None, [notification.recipient])
    except Exception as error:
        failed = notification.attempts >= MAX_ATTEMPTS
        notification.status = Notification.Status.FAILED if failed else Notification.Status.PENDING
        notification.last_error = f"{type(error).__name__}: {error}"[:2000]
        if failed:
            notification.context = {}
        notification.save(update_fields=["status", "last_error", "context"])
        logger.warning("Notification %s not sent: %s", notification.pk, error)
        return False
    notification.status = Notification.Status.SENT
    notification.sent_at = timezone.now()
    notification.context = {}  # the secret is not kept once it has been sent
    notification.save(update_fields=["status", "sent_at", "context"])
    return True


def _render(notification: Notification) -> tuple[str, str]:
    context = {"case": notification.case, "site_url": settings.SITE_URL}
    if SECRET_FIELD in notification.context:
        context["secret"] = identity.decrypt(notification.context[SECRET_FIELD])
    with translation.override(notification.language):
        subject = render_to_string(f"emails/{notification.kind}_subject.txt", context)
        body = render_to_string(f"emails/{notification.kind}.txt", context)
    return " ".join(subject.split()), body


def deliver_pending(older_than: timedelta = timedelta(seconds=30), limit: int = 500) -> int:
    """Send what the after-commit task did not (broker down, worker lost); how many were sent.

    Rows younger than ``older_than`` are left to their own task.
    """
    ids = list(
        Notification.objects.filter(
            status=Notification.Status.PENDING, created_at__lt=timezone.now() - older_than
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(deliver(pk) for pk in ids)
