"""The link that confirms a citizen's email address.

An address typed into the request form may be anyone's. Until the citizen opens this link
in a browser that holds the request's secret (``services.confirm_email``), the address
receives this email alone: the reference and the link, nothing the sender wrote, and never
the secret.
"""

from datetime import timedelta

from django.core import signing

from referrals import identity
from referrals.models import Case
from referrals.notifications import queue_email

LINK_DAYS = 7
_SALT = "referrals.citizen-email"


def _digest(email: str) -> str:
    return identity.keyed_hash((email or "").strip().lower())[:24]


def token(case: Case) -> str:
    """Good for LINK_DAYS, for this case and its present address only."""
    return signing.dumps([case.pk, _digest(case.citizen_email)], salt=_SALT)


def confirms(value: str, case: Case) -> bool:
    """Whether ``value`` is a link of ``case`` for its present address, not too old."""
    try:
        case_id, digest = signing.loads(value, salt=_SALT, max_age=timedelta(days=LINK_DAYS))
    except (signing.BadSignature, ValueError, TypeError):
        return False
    return case_id == case.pk and bool(case.citizen_email) and digest == _digest(case.citizen_email)


def awaits_confirmation(case: Case) -> bool:
    """Whether the citizen chose email, gave an address not yet confirmed, and email is a
    safe way to reach them: the address then gets the link that confirms it, and nothing
    else until it is confirmed."""
    return bool(
        case.notify_email
        and case.citizen_email
        and case.citizen_email_confirmed_at is None
        and case.safe_channel in ("", "email")
    )


def queue(case: Case, key: str) -> None:
    """Queue the email with the link (``key`` makes it once), sent after commit."""
    queue_email(
        "case_received",
        case.citizen_email,
        case=case,
        language=case.language,
        key=key,
        context={"token": token(case), "link_days": LINK_DAYS},
    )
