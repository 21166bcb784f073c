"""What the members' pages read, already filtered by ``agencies.permissions``: an
administrator's own agencies' members, and the log of changes for its readers."""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from agencies import permissions
from agencies.bilingual import pick
from agencies.models import Agency, MemberChange, Membership, Role
from agencies.selectors import administered_agencies


def members_of(user) -> QuerySet[Membership]:
    """The memberships of the agencies ``user`` administers, with the person, agency and
    office loaded; none for anyone else."""
    return Membership.objects.filter(
        agency_id__in=permissions.administered_agency_ids(user)
    ).select_related("user", "agency", "office")


def membership_of(user, pk: int) -> Membership | None:
    """The membership ``pk`` if ``user`` administers its agency; otherwise None (404)."""
    return members_of(user).filter(pk=pk).first()


def members_by_agency(user) -> list[tuple[Agency, list[Membership]]]:
    """Each agency ``user`` administers, with its members by name."""
    by_agency: dict[int, list[Membership]] = {}
    for membership in members_of(user).order_by("user__first_name", "user__last_name", "pk"):
        by_agency.setdefault(membership.agency_id, []).append(membership)
    return [(agency, by_agency.get(agency.pk, [])) for agency in administered_agencies(user)]


def status_of(membership: Membership) -> str:
    """The member's standing: "suspended", "invited" (no password yet) or "active"."""
    if not membership.is_active:
        return "suspended"
    if not membership.user.has_usable_password():
        return "invited"
    return "active"


def describe(state: dict | None) -> str:
    """A membership as the log kept it, in the reader's language."""
    if state is None:
        return "—"
    office = state.get("office")
    where = pick(office["th"], office["en"]) if office else _("The agency as a whole")
    role = Role(state["role"]).label if state.get("role") in Role.values else state.get("role")
    active = _("active") if state.get("active") else _("suspended")
    return f"{role} · {where} · {active}"


@dataclass(frozen=True)
class ChangeLine:
    change: MemberChange
    before: str
    after: str


def changes_for(user) -> QuerySet[MemberChange]:
    """The log of the agencies whose changes ``user`` reads (their CCEOs and
    administrators), newest first, with the people and agency loaded."""
    return MemberChange.objects.filter(
        agency_id__in=permissions.member_audit_agency_ids(user)
    ).select_related("agency", "actor", "member")


def change_lines(changes) -> list[ChangeLine]:
    return [ChangeLine(c, describe(c.before), describe(c.after)) for c in changes]
