from django.db.models import QuerySet

from agencies import permissions
from agencies.models import Agency, Membership


def memberships_of(user) -> QuerySet[Membership] | list:
    """The active memberships of a signed-in user, with agency and office loaded."""
    if not user.is_authenticated:
        return []
    return Membership.objects.filter(user=user, is_active=True).select_related("agency", "office")


def administered_agencies(user) -> QuerySet[Agency]:
    """The agencies whose settings (keys, ready-made replies) ``user`` keeps on the staff
    pages, in the portal's order."""
    return Agency.objects.filter(pk__in=permissions.administered_agency_ids(user))
