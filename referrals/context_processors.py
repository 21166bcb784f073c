from django.utils.functional import SimpleLazyObject

from agencies.permissions import administered_agency_ids, dashboard_scope
from referrals.models import Notification


def notifications(request):
    """The unread count of the bell, whether the user reads dashboards, and whether they
    manage their agency's API keys, each read only when a page shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "reads_dashboards": SimpleLazyObject(lambda: dashboard_scope(user) is not None),
        "manages_api_keys": SimpleLazyObject(lambda: bool(administered_agency_ids(user))),
        "unread_notifications": SimpleLazyObject(
            lambda: Notification.objects.filter(
                user=user, channel=Notification.Channel.IN_PORTAL, read_at__isnull=True
            ).count()
        ),
    }
