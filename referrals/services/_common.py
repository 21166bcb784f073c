"""What every workflow service does: lock, check permission and state, record the event."""

from django.core.exceptions import ValidationError

from agencies import permissions
from agencies.permissions import Action, SystemCaller
from referrals.errors import CaseNotFound, NotPermitted, StaleObject
from referrals.models import Case, CaseEvent, Referral
from referrals.services import deadlines
from referrals.transitions import next_status


def lock_case(case: Case, expected_version: int | None = None) -> Case:
    """The case row, locked until the transaction ends (PostgreSQL ``SELECT ... FOR UPDATE``).

    With ``expected_version`` (the version the user saw), a case changed in between is
    refused: of two people acting on the same case at once, exactly one wins.
    """
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleObject()
    return locked


def lock_referral(referral: Referral, expected_version: int | None = None) -> Referral:
    locked = Referral.objects.select_for_update().select_related("case").get(pk=referral.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleObject()
    return locked


def require(user, action: Action, case: Case, referral: Referral | None = None) -> None:
    """404 for a case the user may not see, a clear refusal for an action beyond the role."""
    if not permissions.can(user, Action.VIEW, case):
        raise CaseNotFound()
    if not permissions.can(user, action, case, referral):
        raise NotPermitted()


def move(case: Case, action: str, table: dict) -> None:
    case.status = next_status(table, action, case.status, case.get_status_display())


def save_case(case: Case, *fields: str) -> None:
    """Save the changed fields with a new version, and bring the deadlines in line."""
    case.version += 1
    case.save(update_fields=[*fields, "version", "updated_at"])
    deadlines.follow(case)


def save_referral(referral: Referral, *fields: str) -> None:
    referral.version += 1
    referral.save(update_fields=[*fields, "version"])


def record(
    case: Case,
    kind: str,
    by,
    *,
    agency=None,
    public: bool = False,
    by_citizen: bool = False,
    message: str = "",
    referral: Referral | None = None,
    **payload,
) -> CaseEvent:
    """Append a line to the case's timeline, in the caller's transaction."""
    return CaseEvent.objects.create(
        case=case,
        kind=kind,
        actor=person(by),
        actor_key_id=by.key_id if isinstance(by, SystemCaller) else None,
        actor_agency=agency,
        is_public=public,
        by_citizen=by_citizen,
        message=message,
        referral=referral,
        payload=payload,
    )


def person(by):
    """The account behind ``by``, for the columns that name a person: None for the
    citizen and for an agency's system (whose key the timeline names instead)."""
    return by if by is not None and by.is_authenticated else None


def required_text(value: str, message) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError(message)
    return text
