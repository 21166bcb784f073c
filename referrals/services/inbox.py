"""A member of staff's notifications in the portal, and what they want by email."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from referrals.models import Notification, NotificationPreferences
from referrals.notifications import STAFF_KINDS


def mark_read(user, pk: int | None = None) -> int:
    """Mark one notification of ``user`` as read, or all of them; how many changed."""
    unread = Notification.objects.filter(
        user=user, channel=Notification.Channel.IN_PORTAL, read_at__isnull=True
    )
    if pk is not None:
        unread = unread.filter(pk=pk)
    return unread.update(read_at=timezone.now())


@transaction.atomic
def save_preferences(user, language: str, by_email: set[str]) -> NotificationPreferences:
    """The language of the user's emails and the kinds they want by email."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose Thai or English.")})
    unknown = set(by_email) - set(STAFF_KINDS)
    if unknown:
        raise ValidationError({"by_email": _("Unknown kind of notification.")})
    preferences, _created = NotificationPreferences.objects.update_or_create(
        user=user,
        defaults={
            "language": language,
            "email_off": sorted(set(STAFF_KINDS) - set(by_email)),
        },
    )
    return preferences
