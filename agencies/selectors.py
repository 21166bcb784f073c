from django.db.models import QuerySet

from agencies.models import Membership


def memberships_of(user) -> QuerySet[Membership] | list:
    """The active memberships of a signed-in user, with agency and office loaded."""
    if not user.is_authenticated:
        return []
    return Membership.objects.filter(user=user, is_active=True).select_related("agency", "office")
