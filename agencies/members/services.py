"""State changes of an agency's members, made by its administrators.

Each function takes the person acting (``by``), asks ``permissions.may_manage_members``
(``PermissionDenied`` otherwise), locks the agency's row, so that two administrators'
changes to one agency run one after the other and the last-administrator rule holds,
changes the membership, writes a ``MemberChange`` in the same transaction, and queues any
email through the outbox (sent after commit). A rule the change breaks raises
``ValidationError`` with a message for the person, and nothing changes.

Accounts are never deleted: removing a member deletes their membership, and the timeline
and this log keep naming the person.
"""

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from agencies import permissions
from agencies.members import links, mail
from agencies.members.sessions import end_sessions_of
from agencies.models import Agency, MemberChange, Membership, Office, Role

A = MemberChange.Action


def snapshot(membership: Membership) -> dict:
    """What the log keeps of a membership: role, office (with its names, which may change
    later) and whether it is active."""
    office = membership.office
    return {
        "role": membership.role,
        "office": None
        if office is None
        else {"id": office.pk, "th": office.name_th, "en": office.name_en},
        "active": membership.is_active,
    }


def _require(by, agency_id: int) -> None:
    if not permissions.may_manage_members(by, agency_id):
        raise PermissionDenied


def _locked(membership: Membership) -> Membership:
    """Lock the agency, then read the membership afresh (it may have changed or gone)."""
    Agency.objects.select_for_update().filter(pk=membership.agency_id).first()
    fresh = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("user", "agency", "office")
        .filter(pk=membership.pk)
        .first()
    )
    if fresh is None:
        raise ValidationError(_("This membership no longer exists."))
    return fresh


def _record(by, membership: Membership, action: str, before, after) -> MemberChange:
    return MemberChange.objects.create(
        agency_id=membership.agency_id,
        actor=by,
        member_id=membership.user_id,
        action=action,
        before=before,
        after=after,
    )


def _check_role_and_office(agency_id: int, role: str, office: Office | None) -> None:
    errors = {}
    if role not in Role.values:
        errors["role"] = [_("Choose one of the roles offered.")]
    if office is not None and (office.agency_id != agency_id or not office.is_active):
        errors["office"] = [_("Choose one of your agency's offices, or the agency as a whole.")]
    if errors:
        raise ValidationError(errors)


def _keeps_an_administrator(membership: Membership, *, role: str, active: bool) -> None:
    """Refuse a change that would leave the agency without an active administrator."""
    was_admin = membership.role == Role.AGENCY_ADMIN and membership.is_active
    if not was_admin or (role == Role.AGENCY_ADMIN and active):
        return
    others = (
        Membership.objects.filter(
            agency_id=membership.agency_id,
            role=Role.AGENCY_ADMIN,
            is_active=True,
            user__is_active=True,
        )
        .exclude(pk=membership.pk)
        .exists()
    )
    if not others:
        raise ValidationError(
            _(
                "Your agency would be left without an active administrator. "
                "Make another member an administrator first."
            )
        )


def _mail_context(membership: Membership) -> dict:
    user = membership.user
    return {
        "agency_name": membership.agency.name,
        "role_name": str(Role(membership.role).label),
        "member_name": user.get_full_name() or user.get_username(),
        "username": user.get_username(),
        "days": settings.MEMBER_INVITATION_DAYS,
    }


def _account_for_email(email: str):
    """The one account known by this address (as email or username), or None."""
    matches = list(
        get_user_model().objects.filter(Q(email__iexact=email) | Q(username__iexact=email))[:2]
    )
    if len(matches) > 1:
        raise ValidationError(
            {
                "email": [
                    _(
                        "Several accounts use this address. Ask the system administrator "
                        "to add this person."
                    )
                ]
            }
        )
    return matches[0] if matches else None


def invite_member(
    agency: Agency,
    by,
    *,
    email: str,
    first_name: str,
    last_name: str,
    role: str,
    office: Office | None = None,
) -> Membership:
    """Make ``email`` a member of ``agency`` in ``role`` (at ``office``, or the agency as a
    whole). Someone new gets an account without a password and an email with a one-time
    link to set one (``MEMBER_INVITATION_DAYS``); a person who already has an account (the
    same address, e.g. a member of another agency) keeps it, with its name, and is told
    by email; if they never set a password, they get the link too. A person already a
    member of the agency is refused (their page changes their role)."""
    _require(by, agency.pk)
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": [_("Enter a valid email address.")]}) from None
    _check_role_and_office(agency.pk, role, office)
    with transaction.atomic():
        Agency.objects.select_for_update().filter(pk=agency.pk).first()
        user = _account_for_email(email)
        if user is not None and not user.is_active:
            raise ValidationError(
                {"email": [_("This account is disabled. Ask the system administrator.")]}
            )
        if user is not None and Membership.objects.filter(user=user, agency=agency).exists():
            raise ValidationError(
                {
                    "email": [
                        _(
                            "This person is already a member of the agency: change their "
                            "role or office on their page instead."
                        )
                    ]
                }
            )
        action = A.ADDED
        if user is None:
            action = A.INVITED
            user = get_user_model()(
                username=email,
                email=email,
                first_name=first_name.strip(),
                last_name=last_name.strip(),
            )
            user.set_unusable_password()
            user.save()
        membership = Membership.objects.create(
            user=user, agency=agency, office=office, role=role, is_active=True
        )
        change = _record(by, membership, action, None, snapshot(membership))
        has_password = user.has_usable_password()
        mail.send(
            "member_added" if has_password else "member_invitation",
            user.email or email,
            key=f"member-change:{change.pk}",
            context=_mail_context(membership),
            link="" if has_password else links.link_path(user),
        )
    return membership


def change_member(membership: Membership, by, *, role: str, office: Office | None) -> Membership:
    """Give the member another role or office in the same agency. Nothing is written when
    nothing changes."""
    _require(by, membership.agency_id)
    _check_role_and_office(membership.agency_id, role, office)
    with transaction.atomic():
        membership = _locked(membership)
        if membership.role == role and membership.office_id == (office.pk if office else None):
            return membership
        _keeps_an_administrator(membership, role=role, active=membership.is_active)
        held = Membership.objects.filter(
            user_id=membership.user_id, agency_id=membership.agency_id, role=role
        ).exclude(pk=membership.pk)
        if held.exists():
            raise ValidationError(
                {"role": [_("This person already holds that role in the agency.")]}
            )
        before = snapshot(membership)
        membership.role, membership.office = role, office
        membership.save(update_fields=["role", "office"])
        _record(by, membership, A.CHANGED, before, snapshot(membership))
    return membership


def suspend_member(membership: Membership, by) -> Membership:
    """Stop the membership for now (it can be reactivated) and sign the person out
    everywhere: the next page they open asks them to sign in."""
    _require(by, membership.agency_id)
    with transaction.atomic():
        membership = _locked(membership)
        if not membership.is_active:
            return membership
        _keeps_an_administrator(membership, role=membership.role, active=False)
        before = snapshot(membership)
        membership.is_active = False
        membership.save(update_fields=["is_active"])
        end_sessions_of(membership.user)
        _record(by, membership, A.SUSPENDED, before, snapshot(membership))
    return membership


def reactivate_member(membership: Membership, by) -> Membership:
    """Let a suspended member work again in their role and office."""
    _require(by, membership.agency_id)
    with transaction.atomic():
        membership = _locked(membership)
        if membership.is_active:
            return membership
        before = snapshot(membership)
        membership.is_active = True
        membership.save(update_fields=["is_active"])
        _record(by, membership, A.REACTIVATED, before, snapshot(membership))
    return membership


def remove_member(membership: Membership, by) -> None:
    """End the membership for good and sign the person out. Their account stays: the
    timeline and this log keep naming them, and another agency may still count them."""
    _require(by, membership.agency_id)
    with transaction.atomic():
        membership = _locked(membership)
        _keeps_an_administrator(membership, role=membership.role, active=False)
        before = snapshot(membership)
        _record(by, membership, A.REMOVED, before, None)
        membership.delete()
        end_sessions_of(membership.user)


def reset_member_password(membership: Membership, by) -> Membership:
    """Make the member's password stop working, sign them out, and email them a one-time
    link to choose a new one (the invitation again, for someone who never chose one). No
    password is ever shown to the administrator."""
    _require(by, membership.agency_id)
    with transaction.atomic():
        membership = _locked(membership)
        user = membership.user
        if not user.email:
            raise ValidationError(
                _(
                    "This member has no email address to send the link to. "
                    "Ask the system administrator."
                )
            )
        kind = "member_password_reset" if user.has_usable_password() else "member_invitation"
        user.set_unusable_password()
        user.save(update_fields=["password"])
        end_sessions_of(user)
        change = _record(by, membership, A.PASSWORD_RESET, None, None)
        mail.send(
            kind,
            user.email,
            key=f"member-change:{change.pk}",
            context=_mail_context(membership),
            link=links.link_path(user),
        )
    return membership


def set_password_with_link(uidb64: str, token: str, password: str):
    """The member's own step: set the password their link is for, once. Returns the
    account, or None when the link no longer works (used, expired, or not a link). The
    password must pass the portal's validators (``AUTH_PASSWORD_VALIDATORS``)."""
    with transaction.atomic():
        user = links.account_for(uidb64, token, lock=True)
        if user is None:
            return None
        password_validation.validate_password(password, user)
        user.set_password(password)
        user.save(update_fields=["password"])
    return user
