"""How the citizen hears of their case: the channels they choose (email, SMS, LINE; none
of them means the tracking page alone) and the language of the messages.

The choice is made on the request form or by the intake officer (``create_case``) and
changed on the tracking page (``set_citizen_channels``); both hold it to ``unreachable``.
Who is really reached, and when a safe way to be contacted overrides the choice, is
``referrals.notifications.citizen_addresses``.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from agencies import permissions
from agencies.permissions import Action
from referrals.errors import CaseNotFound, TransitionNotAllowed
from referrals.models import Case, EventKind
from referrals.notifications import is_mobile
from referrals.services import email_link
from referrals.services._common import lock_case, record


def unreachable(*, email: str, phone: str, notify_email: bool, notify_sms: bool) -> set[str]:
    """The channels chosen that cannot reach the person: email without an address, SMS
    to a number that is not a mobile one (06, 08, 09). (LINE reaches whoever links it.)"""
    found = set()
    if notify_email and not (email or "").strip():
        found.add("email")
    if notify_sms and not is_mobile(phone or ""):
        found.add("sms")
    return found


def language_of(value: str, default: str = "") -> str:
    """``value`` when it is a language the portal speaks, else ``default`` or the portal's."""
    return value if value in dict(settings.LANGUAGES) else default or settings.LANGUAGE_CODE


@transaction.atomic
def set_citizen_channels(
    case: Case,
    by,
    *,
    notify_email: bool,
    notify_sms: bool,
    notify_line: bool,
    language: str = "",
) -> Case:
    """The citizen changes how they hear of their case (``by``: their ``CitizenAccess``).

    Email needs the address given with the request, SMS a mobile number (a ValidationError
    names the field otherwise, and nothing changes). A person who named a safe way to be
    contacted is reached that way alone, so the choice is refused for them, as it is once
    their personal data is erased. Email newly chosen with an address not yet confirmed
    gets the link that confirms it (once). A real change is a timeline line, which the
    citizen and the agency's staff see; choosing what was already chosen changes nothing.
    """
    if not permissions.can(by, Action.CHOOSE_CHANNELS, case):
        raise CaseNotFound()
    case = lock_case(case)
    if case.anonymised_at is not None:
        raise TransitionNotAllowed(_("The personal data of this request is already erased."))
    if case.safe_channel:
        raise TransitionNotAllowed(
            _(
                "You chose a safe way for us to contact you: news of this request reaches "
                "you that way alone. To change it, call the agency."
            )
        )
    errors = {}
    missing = unreachable(
        email=case.citizen_email,
        phone=case.citizen_phone,
        notify_email=notify_email,
        notify_sms=notify_sms,
    )
    if "email" in missing:
        errors["notify_email"] = [
            _("No email address was given with this request: choose another way.")
        ]
    if "sms" in missing:
        errors["notify_sms"] = [
            _(
                "SMS reach only a mobile number (starting 06, 08 or 09), and the number "
                "given with this request is not one: choose another way."
            )
        ]
    if language and language not in dict(settings.LANGUAGES):
        errors["language"] = [_("Choose one of the languages offered.")]
    if errors:
        raise ValidationError(errors)
    chosen = {
        "notify_email": bool(notify_email),
        "notify_sms": bool(notify_sms),
        "notify_line": bool(notify_line),
        "language": language or case.language,
    }
    changed = [name for name, value in chosen.items() if getattr(case, name) != value]
    if not changed:
        return case
    for name in changed:
        setattr(case, name, chosen[name])
    # Not a change of the case's handling: its version stays, so that no officer's open
    # form is refused as out of date.
    case.save(update_fields=changed)
    record(
        case,
        EventKind.CHANNELS_CHANGED,
        None,
        public=True,
        by_citizen=True,
        channels=[
            code
            for code, on in (
                ("email", case.notify_email),
                ("sms", case.notify_sms),
                ("line", case.notify_line),
            )
            if on
        ],
        language=case.language,
    )
    if email_link.awaits_confirmation(case):
        email_link.queue(case, f"case_received:c{case.pk}")
    return case
