from django.utils.functional import SimpleLazyObject

from agencies.permissions import (
    administered_agency_ids,
    approval_agency_ids,
    dashboard_scope,
    is_inspector,
    is_staff_member,
    member_audit_agency_ids,
)
from referrals.models import Notification


def notifications(request):
    """The unread count of the bell, whether the user works cases (the queue in the
    header), reads dashboards, approves declines and transfers (the approvals tab), keeps
    their agency's members, API keys and ready-made replies, and reads the log of changes
    to members, each read only when a page shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # An agency's administrators keep its members, API keys and ready-made replies.
    administers = SimpleLazyObject(lambda: bool(administered_agency_ids(user)))
    return {
        # An inspector works no case; asked first, as the dashboards ask it too (cached).
        "works_cases": SimpleLazyObject(lambda: not is_inspector(user) and is_staff_member(user)),
        "reads_dashboards": SimpleLazyObject(lambda: dashboard_scope(user) is not None),
        "manages_members": administers,
        "reads_member_changes": SimpleLazyObject(lambda: bool(member_audit_agency_ids(user))),
        "manages_api_keys": administers,
        "manages_replies": administers,
        "approves": SimpleLazyObject(lambda: bool(approval_agency_ids(user))),
        "unread_notifications": SimpleLazyObject(
            lambda: Notification.objects.filter(
                user=user, channel=Notification.Channel.IN_PORTAL, read_at__isnull=True
            ).count()
        ),
    }
