from django.utils.functional import SimpleLazyObject

from agencies.permissions import dashboard_scope
from referrals.models import Notification


def notifications(request):
    """The unread count of the bell, and whether the user reads dashboards, each read only
    when a page shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "reads_dashboards": SimpleLazyObject(lambda: dashboard_scope(user) is not None),
        "unread_notifications": SimpleLazyObject(
            lambda: Notification.objects.filter(
                user=user, channel=Notification.Channel.IN_PORTAL, read_at__isnull=True
            ).count()
        ),
    }
