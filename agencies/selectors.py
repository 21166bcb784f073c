from django.db.models import QuerySet

from agencies.models import Inspector, Membership


def memberships_of(user) -> QuerySet[Membership] | list:
    """The active memberships of a signed-in user, with agency and office loaded."""
    if not user.is_authenticated:
        return []
    return Membership.objects.filter(user=user, is_active=True).select_related("agency", "office")


def is_inspector(user) -> bool:
    """Whether the user is an active ministry inspector."""
    return user.is_authenticated and Inspector.objects.filter(user=user, is_active=True).exists()
