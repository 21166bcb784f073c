"""The outbox: every message to send is a row first, written with the change that causes it.

A Celery task sends it after the transaction commits; a periodic task sends what is still
pending, so a broker or worker outage delays messages but loses none.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from referrals.models.cases import Case


def _unique_key() -> str:
    return uuid.uuid4().hex


class Notification(models.Model):
    class Channel(models.TextChoices):
        IN_PORTAL = "in_portal", _("In the portal")
        EMAIL = "email", _("Email")
        WEBHOOK = "webhook", _("Agency system (webhook)")
        SMS = "sms", _("SMS")
        LINE = "line", _("LINE")
        EXCHANGE = "exchange", _("Outside system (1111, Traffy Fondue)")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("message"), max_length=40)
    case = models.ForeignKey(
        Case,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("case"),
    )
    # The built-in channels; an app may register more (``notifications.register_channel``).
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    # Who receives it: a member of staff (portal, email), an agency's system (webhook), or
    # a citizen (``recipient`` alone: an email address, a phone number, a LINE user id).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("user"),
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agency"),
    )
    recipient = models.CharField(_("recipient"), max_length=500, blank=True)
    # Loop guard: the outside system the change came from (blank: the portal). A row
    # never goes to the system named here, whatever else it is linked to.
    origin = models.CharField(_("came from"), max_length=20, blank=True, default="", db_default="")
    # One message per event, recipient and channel, whoever queues it and however often.
    idempotency_key = models.CharField(
        max_length=200, unique=True, default=_unique_key, editable=False
    )
    language = models.CharField(_("language"), max_length=10)
    # What the message's template needs; a secret in it is encrypted, and erased once sent.
    context = models.JSONField(_("details"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("sending since"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(status="pending"),
                name="notification_pending",
            ),
            # The bell: a user's unread notifications in the portal, newest first.
            models.Index(
                fields=["user", "-created_at"],
                condition=models.Q(channel="in_portal", read_at__isnull=True),
                name="notification_unread",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient} ({self.status})"


class NotificationPreferences(models.Model):
    """A member of staff's choices: the language of their emails, and the kinds of
    notification they do not want by email (they still see them in the portal)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        verbose_name=_("user"),
    )
    language = models.CharField(
        _("language of emails"), max_length=10, choices=settings.LANGUAGES, default="th"
    )
    email_off = models.JSONField(_("kinds not sent by email"), default=list, blank=True)

    class Meta:
        verbose_name = _("notification preferences")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.user)


class LineLink(models.Model):
    """A LINE account that follows a case: the citizen sent the case's reference and secret
    to the portal's LINE Official Account, and the case's news is pushed there until they
    send "stop" (or block the account)."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="line_links", verbose_name=_("case")
    )
    # LINE's id of the user for this provider: "U" and 32 hexadecimal digits.
    line_user_id = models.CharField(_("LINE user"), max_length=40)
    linked_at = models.DateTimeField(_("linked"), default=timezone.now)

    class Meta:
        verbose_name = _("LINE link")
        verbose_name_plural = _("LINE links")
        constraints = [
            models.UniqueConstraint(fields=["case", "line_user_id"], name="one_line_link"),
        ]
        indexes = [models.Index(fields=["line_user_id"], name="line_link_user")]

    def __str__(self) -> str:
        return f"{self.case_id} ~ {self.line_user_id[:6]}…"


class LineWebhookEvent(models.Model):
    """A LINE webhook event already handled, by LINE's ``webhookEventId``: LINE sends an
    event again when our answer did not reach it, and the second copy must change nothing.
    Kept a week (``referrals.services.line_links.forget_old_events``)."""

    event_id = models.CharField(_("LINE event"), max_length=64, unique=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("LINE webhook event")
        verbose_name_plural = _("LINE webhook events")

    def __str__(self) -> str:
        return self.event_id
