"""What the key pages read: the agencies a person administers and their systems' keys.

Who may see them is ``agencies.permissions``' rule (an agency's administrators); these
functions only apply it.
"""

from django.db.models import QuerySet

from agencies import permissions
from agencies.models import Agency, AgencyApiKey
from agencies.selectors import administered_agencies


def keys_of(user) -> QuerySet[AgencyApiKey]:
    """The keys of the agencies ``user`` administers, newest first, with their agency and
    the person who made them loaded; none for anyone else."""
    return (
        AgencyApiKey.objects.filter(agency_id__in=permissions.administered_agency_ids(user))
        .select_related("agency", "created_by")
        .order_by("agency__sort_order", "agency__code", "-created")
    )


def key_of(user, prefix: str) -> AgencyApiKey | None:
    """The key with this prefix, if ``user`` administers its agency; otherwise None."""
    return keys_of(user).filter(prefix=prefix).first()


def keys_by_agency(user) -> list[tuple[Agency, list[AgencyApiKey]]]:
    """Each agency ``user`` administers with its keys (an agency without keys too)."""
    keys: dict[int, list[AgencyApiKey]] = {}
    for key in keys_of(user):
        keys.setdefault(key.agency_id, []).append(key)
    return [(agency, keys.get(agency.pk, [])) for agency in administered_agencies(user)]
