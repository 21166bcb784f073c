"""What the pages of ready-made replies and the case page read of them, already filtered
by ``agencies.permissions``."""

from django.db.models import Q, QuerySet

from agencies import permissions
from agencies.models import Agency
from agencies.selectors import administered_agencies
from referrals.models import Case, ReplyTemplate


def kept_by(user) -> QuerySet[ReplyTemplate]:
    """The replies of the agencies ``user`` administers, archived ones too, with what the
    list shows of them loaded; none for anyone else."""
    return ReplyTemplate.objects.filter(
        agency_id__in=permissions.administered_agency_ids(user)
    ).select_related("agency", "category", "updated_by")


def reply_of(user, pk: int) -> ReplyTemplate | None:
    """The reply ``pk`` if ``user`` administers its agency; otherwise None (answered 404)."""
    return kept_by(user).filter(pk=pk).first()


def replies_by_agency(user) -> list[tuple[Agency, list[ReplyTemplate], list[ReplyTemplate]]]:
    """Each agency ``user`` administers, with its replies in use and its archived ones."""
    in_use: dict[int, list[ReplyTemplate]] = {}
    archived: dict[int, list[ReplyTemplate]] = {}
    for template in kept_by(user):
        (in_use if template.is_active else archived).setdefault(template.agency_id, []).append(
            template
        )
    return [
        (agency, in_use.get(agency.pk, []), archived.get(agency.pk, []))
        for agency in administered_agencies(user)
    ]


def replies_for_case(user, case: Case) -> list[ReplyTemplate]:
    """The replies ``user`` may insert on ``case``: in use, of the agencies they work for
    among those involved in it, written for the case's kind of help or for any; by
    agency, then title."""
    agencies = permissions.reply_template_agency_ids(user, case)
    if not agencies:
        return []
    return list(
        ReplyTemplate.objects.filter(agency_id__in=agencies, is_active=True)
        .filter(Q(category__isnull=True) | Q(category_id=case.category_id))
        .select_related("agency")
        .order_by("agency__sort_order", "agency__code", "title")
    )
