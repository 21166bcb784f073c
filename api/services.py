"""State changes of the API's own: agencies' keys, and cases created once per request.

Cases, referrals and files change only through ``referrals.services``, as from the pages.
"""

import hashlib
import json
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from agencies import permissions
from agencies.models import AgencyApiKey
from agencies.permissions import SystemCaller
from api.models import IdempotentRequest
from referrals import identity
from referrals.errors import NotPermitted
from referrals.services import NewCase, create_case

# A key's use is written at most this often: a busy system must not make its key's row
# the hottest in the database.
USE_RECORDED_EVERY = timedelta(minutes=1)


def note_use(key: AgencyApiKey) -> None:
    """Record when the key was last used (to the minute)."""
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at >= USE_RECORDED_EVERY:
        AgencyApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now


def issue_key(
    agency,
    by,
    name: str,
    *,
    can_write: bool = False,
    can_see_restricted: bool = False,
    expires_at=None,
) -> tuple[AgencyApiKey, str]:
    """Make a key for ``agency``'s system; returns it and the key itself, shown once (only
    its hash is kept). The agency's administrators make its keys."""
    if not permissions.may_manage_api_keys(by, agency.pk):
        raise NotPermitted()
    return AgencyApiKey.objects.create_key(
        agency=agency,
        name=name,
        can_write=can_write,
        can_see_restricted=can_see_restricted,
        expiry_date=expires_at,
        created_by=by,
    )


def revoke_key(key: AgencyApiKey, by) -> AgencyApiKey:
    """Stop a key at once and for good (a revoked key cannot be restored)."""
    if not permissions.may_manage_api_keys(by, key.agency_id):
        raise NotPermitted()
    if not key.revoked:
        key.revoked, key.revoked_at = True, timezone.now()
        key.save(update_fields=["revoked", "revoked_at"])
    return key


def fingerprint(data: dict) -> str:
    """The body of a request, as the idempotency key must find it again."""
    return hashlib.sha256(
        json.dumps(data, sort_keys=True, default=str, ensure_ascii=False).encode()
    ).hexdigest()


class IdempotencyMismatch(Exception):
    """The idempotency key was used before with another body."""


def _caller_columns(by) -> dict:
    if isinstance(by, SystemCaller):
        return {"api_key_id": by.key_id}
    return {"user": by}


def _earlier(by, key: str):
    since = timezone.now() - timedelta(hours=settings.API_IDEMPOTENCY_HOURS)
    return (
        IdempotentRequest.objects.filter(key=key, created_at__gte=since, **_caller_columns(by))
        .select_related("case")
        .first()
    )


def create_case_once(by, key: str, body_fingerprint: str, data: NewCase):
    """Create the case, unless this caller already did with this idempotency key.

    Returns (case, secret, created). The same key with the same body answers the first
    case and its secret again; with another body it raises IdempotencyMismatch. Two
    identical requests at once make one case: the second waits on the key's unique index
    and then answers the first's case.
    """
    if not key:
        case, secret = create_case(data, by=by)
        return case, secret, True
    earlier = _earlier(by, key)
    if earlier is None:
        try:
            with transaction.atomic():
                case, secret = create_case(data, by=by)
                IdempotentRequest.objects.create(
                    key=key,
                    fingerprint=body_fingerprint,
                    case=case,
                    secret_encrypted=identity.encrypt(secret),
                    created_at=timezone.now(),
                    **_caller_columns(by),
                )
            return case, secret, True
        except IntegrityError:
            earlier = _earlier(by, key)
            if earlier is None:
                raise
    if earlier.fingerprint != body_fingerprint:
        raise IdempotencyMismatch()
    return earlier.case, identity.decrypt(earlier.secret_encrypted), False


def forget_idempotency_keys() -> int:
    """Delete the requests older than API_IDEMPOTENCY_HOURS, with the secrets they keep."""
    since = timezone.now() - timedelta(hours=settings.API_IDEMPOTENCY_HOURS)
    deleted, _kinds = IdempotentRequest.objects.filter(created_at__lt=since).delete()
    return deleted
