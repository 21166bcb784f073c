from django.utils.functional import SimpleLazyObject

from referrals.models import Notification


def notifications(request):
    """The unread count of the bell, counted only when a page shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "unread_notifications": SimpleLazyObject(
            lambda: Notification.objects.filter(
                user=user, channel=Notification.Channel.IN_PORTAL, read_at__isnull=True
            ).count()
        )
    }
