"""A lost verification secret replaced: by a one-time code sent to the phone or email of
the request ("Forgot the secret?" on the tracking page), or by an intake officer who has
heard the caller prove who they are. Either way the old secret stops opening the request
(the browsers signed in with it are signed out: ``referrals.public.browser``), the
timeline records it, and the citizen is told on their channels.

Where the code may go, decided here once:

- to the request's phone by SMS, when the number given is the request's and a mobile;
- to the request's email, when the address given is the request's and the citizen has
  confirmed it (an address not confirmed may be anyone's: it receives only the link that
  confirms it, never a way into the request);
- for a person at risk who named a safe way to be contacted (a restricted kind of help),
  only that way: SMS when it is SMS, email when it is email. When it is a phone call, LINE
  or the tracking page alone, no code is sent at all. The person asked for it, but so
  may the one they fear, who may know the reference and the number, and a message where
  they said none may come could put them in danger. They are refused neutrally, with
  the same answer as everyone (which says that an officer of the 1111 center or the
  agency gives a new secret to a caller who proves who they are);
- nowhere for a request whose personal data was erased.

Whatever is given, the answer is the same: ``send_secret_code`` returns nothing, hashes a
code and looks the request up whether or not it exists, and a wrong code, an expired one,
one tried too often and one for a request that does not exist are refused alike.
"""

import hmac
import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies.permissions import CitizenAccess
from referrals import actions, identity
from referrals.errors import WorkflowError
from referrals.models import Case, EventKind, Notification, SecretRecovery
from referrals.notifications import (
    citizen_messages,
    hide_code,
    is_mobile,
    save_and_dispatch,
    save_messages,
)
from referrals.selectors import REFERENCE
from referrals.services._common import lock_case, record
from referrals.services.cases import acting_agency

CODE_DIGITS = 6
_NO_CODE = "0" * 64
Channel = Notification.Channel


class IdentityQuestion:
    """What an officer may ask a caller to prove the request is theirs."""

    NATIONAL_ID = "national_id"
    SUBMITTED_ON = "submitted_on"
    DESCRIPTION = "description"
    OTHER = "other"
    CHOICES = (
        (NATIONAL_ID, gettext_lazy("Digits of their national ID")),
        (SUBMITTED_ON, gettext_lazy("The date the request was sent")),
        (DESCRIPTION, gettext_lazy("A detail of what they asked help for")),
        (OTHER, gettext_lazy("Something else recorded on the request")),
    )


def normalise_reference(reference: str) -> str:
    return re.sub(r"\s", "", reference or "").upper()


def contact_of(value: str) -> tuple[str, str] | None:
    """A phone number or email address as typed, as (channel, value) the way the request
    keeps it; None when it is neither."""
    value = (value or "").strip()
    if "@" in value:
        return Channel.EMAIL, value.lower()
    try:
        return Channel.SMS, identity.normalise_phone(value)
    except ValidationError:
        return None


def code_destination(case: Case, contact: str) -> tuple[str, str] | None:
    """Where the code for ``case`` goes when ``contact`` is given: (channel, recipient),
    or None (see the module's docstring)."""
    given = contact_of(contact)
    if given is None or case.anonymised_at is not None:
        return None
    channel, value = given
    if case.safe_channel and case.safe_channel != channel:
        return None  # a safe way chosen: that way alone, and no message at all for a call
    if channel == Channel.SMS:
        return (
            (channel, case.citizen_phone)
            if value == case.citizen_phone and is_mobile(value)
            else None
        )
    confirmed = case.citizen_email_confirmed_at is not None
    if confirmed and case.citizen_email and value == case.citizen_email.strip().lower():
        return channel, case.citizen_email
    return None


def _code_hash(case_id: int | None, code: str) -> str:
    return identity.keyed_hash(f"secret-code:{case_id}:{code}")


def _case_by_reference(reference: str) -> Case | None:
    reference = normalise_reference(reference)
    if not REFERENCE.match(reference):
        return None
    return Case.objects.select_for_update(of=("self",)).filter(reference=reference).first()


def send_secret_code(reference: str, contact: str) -> None:
    """Send a one-time code to ``contact`` when it is where the code of the request
    ``reference`` may go; else nothing. It supersedes the request's earlier codes and
    works for SECRET_CODE_MINUTES. Returns nothing either way: the caller answers alike."""
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    with transaction.atomic():
        case = _case_by_reference(reference)
        code_hash = _code_hash(case.pk if case else None, code)  # hashed either way
        destination = code_destination(case, contact) if case is not None else None
        if destination is None:
            return
        channel, recipient = destination
        now = timezone.now()
        _supersede_codes(case, now)
        minutes = settings.SECRET_CODE_MINUTES
        recovery = SecretRecovery.objects.create(
            case=case,
            code_hash=code_hash,
            sent_to=channel,
            created_at=now,
            expires_at=now + timedelta(minutes=minutes),
        )
        save_and_dispatch(
            [
                Notification(
                    kind="secret_code",
                    case=case,
                    channel=channel,
                    recipient=recipient,
                    language=case.language,
                    context={**hide_code(code), "minutes": minutes},
                    idempotency_key=f"secret_code:r{recovery.pk}:{channel}:{recipient}",
                )
            ]
        )


def _supersede_codes(case: Case, now) -> None:
    SecretRecovery.objects.filter(
        case=case, used_at__isnull=True, superseded_at__isnull=True
    ).update(superseded_at=now)


def reset_secret_with_code(reference: str, code: str) -> tuple[Case, str] | None:
    """A new secret for the request ``reference`` when ``code`` is its latest code, not
    expired, not used and tried fewer than SECRET_CODE_TRIES times wrongly: (case, the new
    secret, to show once). None for any other answer, alike; a wrong code counts a try."""
    code = re.sub(r"\s", "", code or "")
    now = timezone.now()
    with transaction.atomic():
        case = _case_by_reference(reference)
        recovery = (
            SecretRecovery.objects.select_for_update()
            .filter(case=case, used_at__isnull=True, superseded_at__isnull=True)
            .order_by("-created_at")
            .first()
            if case is not None
            else None
        )
        expected = recovery.code_hash if recovery is not None else _NO_CODE
        right = hmac.compare_digest(_code_hash(case.pk if case else None, code), expected)
        alive = (
            recovery is not None
            and recovery.expires_at > now
            and recovery.attempts < settings.SECRET_CODE_TRIES
        )
        if not alive:
            return None
        if not right:
            recovery.attempts += 1
            recovery.save(update_fields=["attempts"])
            return None
        recovery.used_at = now
        recovery.save(update_fields=["used_at"])
        citizen = CitizenAccess(case.pk)
        told = (recovery.sent_to, _recipient(case, recovery.sent_to))
        secret = _replace_secret(
            case, citizen, now, by_citizen=True, sent_to=recovery.sent_to, not_to=told
        )
        return case, secret


def _recipient(case: Case, channel: str) -> str:
    return case.citizen_phone if channel == Channel.SMS else case.citizen_email


@transaction.atomic
def reissue_secret(case: Case, by, question: str, asked: str, answered: bool) -> tuple[Case, str]:
    """An officer gives a caller a new secret, having asked ``question`` (one of
    ``IdentityQuestion``; ``asked`` is its words, recorded on the timeline, never the
    answer) and heard it ``answered`` rightly. Returns (case, the new secret, for the slip
    only). The lead agency's intake officers, supervisors and CCEOs may (the registry's
    "reissue_secret")."""
    asked = (asked or "").strip()
    errors = {}
    if question not in dict(IdentityQuestion.CHOICES):
        errors["question"] = _("Choose the question you asked.")
    if not asked:
        errors["asked"] = _("Write what you asked the caller.")
    if not answered:
        errors["answered"] = _(
            "Give a new secret only to a caller who answered rightly: tick the box once they have."
        )
    case = lock_case(case)
    actions.take(by, "reissue_secret", case)
    if errors:
        raise ValidationError(errors)
    if case.anonymised_at is not None:
        raise WorkflowError(_("This request's personal data was erased: it has no secret."))
    label = dict(IdentityQuestion.CHOICES)[question]
    secret = _replace_secret(
        case,
        by,
        timezone.now(),
        message=_("Identity checked by asking: %(question)s: %(asked)s")
        % {"question": label, "asked": asked},
        question=question,
        asked=asked,
    )
    return case, secret


def _replace_secret(case: Case, by, now, *, not_to=None, by_citizen=False, message="", **payload):
    """The new secret in place of the old, with its line on the timeline; the citizen
    told on each of their channels but ``not_to`` (the one the code just went to). Any
    code still waiting stops working."""
    secret = identity.new_secret()
    case.secret_hash = identity.secret_hash(secret)
    case.save(update_fields=["secret_hash", "updated_at"])
    _supersede_codes(case, now)
    event = record(
        case,
        EventKind.SECRET_CHANGED,
        by,
        agency=None if by_citizen else acting_agency(by, case),
        public=True,
        by_citizen=by_citizen,
        message=message,
        **payload,
    )
    rows = citizen_messages(
        "secret_changed", f"secret_changed:e{event.pk}", case, {"changed_at": now.isoformat()}
    )
    save_messages([row for row in rows if (row["channel"], row["recipient"]) != not_to])
    return secret
