"""Two-factor sign-in for staff: who must use it, whether a session has passed it, and the
changes to a person's authenticator and recovery codes (django-otp's TOTP and static
devices behind them).

The rule:
- a person working in a role listed in ``TWO_FACTOR_REQUIRED_ROLES`` (by default
  supervisors, CCEOs and agency administrators; a working membership as
  ``permissions.working_memberships`` defines it) must sign in with a second step; so must
  the system administrator (a superuser) when the list holds ``"superuser"``;
- everyone else with an account may turn it on, and once on it is asked at every sign-in
  like a required one; only those for whom it is optional may turn it off again;
- the second step is a six-digit code from an authenticator app, or one of ten one-time
  recovery codes given when the authenticator is set up (or issued anew later);
- a session has passed it when django-otp's middleware finds a confirmed device of the user
  recorded in it (``user.is_verified()``); removing the device (the administrator, in the
  admin) ends that.
"""

import time
from base64 import b32encode
from enum import StrEnum

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import checks
from django.db import transaction
from django_otp import login as otp_login
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from agencies import permissions
from agencies.models import Role

RECOVERY_CODE_COUNT = 10
SYSTEM_ADMINISTRATOR = "superuser"  # in TWO_FACTOR_REQUIRED_ROLES: the system administrator
AUTHENTICATOR_NAME = "authenticator"
RECOVERY_CODES_NAME = "recovery codes"


class Step(StrEnum):
    """What a signed-in person must do before the guarded pages open."""

    SET_UP = "set_up"
    VERIFY = "verify"


class AlreadySetUp(Exception):
    """The person has an authenticator already: one at a time."""


class WrongCode(Exception):
    """The code given was not the authenticator's current one."""


class Required(Exception):
    """Two-factor sign-in cannot be turned off by someone whose role requires it."""


def required_roles() -> frozenset:
    return frozenset(settings.TWO_FACTOR_REQUIRED_ROLES)


@checks.register(checks.Tags.security)
def check_required_roles(app_configs, **kwargs) -> list:
    """A misspelt role would quietly let its members in with a password alone."""
    known = set(Role.values) | {SYSTEM_ADMINISTRATOR}
    return [
        checks.Error(
            f"TWO_FACTOR_REQUIRED_ROLES names an unknown role: {role!r}",
            hint=f"Use some of: {', '.join(sorted(known))}.",
            id="agencies.E001",
        )
        for role in settings.TWO_FACTOR_REQUIRED_ROLES
        if role not in known
    ]


def is_required(user) -> bool:
    """Whether ``user`` must sign in with a second step."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    roles = required_roles()
    if user.is_superuser and SYSTEM_ADMINISTRATOR in roles:
        return True
    return bool(permissions.staff_profile(user).agencies_with(roles))


def authenticator_of(user) -> TOTPDevice | None:
    """The person's confirmed authenticator, if they set one up."""
    if not getattr(user, "is_authenticated", False):
        return None
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def has_authenticator(user) -> bool:
    return authenticator_of(user) is not None


def is_verified(user) -> bool:
    """Whether this request's session passed the second step."""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def next_step(user) -> Step | None:
    """What stands between a signed-in person and the guarded pages: setting up an
    authenticator (required, none yet), entering a code (required or turned on, session not
    verified), or nothing."""
    if not getattr(user, "is_authenticated", False) or is_verified(user):
        return None
    if has_authenticator(user):
        return Step.VERIFY
    if is_required(user):
        return Step.SET_UP
    return None


SESSION_STEP = "two_factor_step"
STEP_RECHECK_SECONDS = 60


def step_for_session(request) -> Step | None:
    """``next_step`` for the signed-in person of ``request``, as the guard before every
    staff page asks it, without a query at each page: a verified session costs nothing
    more (django-otp loaded its device); for an unverified one the answer found at sign-in
    (``remember_step``) is kept in the session and found anew once a minute, so a role
    given or an authenticator set up elsewhere is asked for within a minute."""
    user = request.user
    if not getattr(user, "is_authenticated", False) or is_verified(user):
        return None
    kept = request.session.get(SESSION_STEP)
    if kept and kept.get("user") == user.pk and time.time() - kept["at"] < STEP_RECHECK_SECONDS:
        return Step(kept["step"]) if kept["step"] else None
    return remember_step(request, user)


def remember_step(request, user) -> Step | None:
    """Find and keep in the session what ``user`` must still do; also the receiver of
    ``user_logged_in``, as the session is being written then anyway."""
    step = next_step(user)
    request.session[SESSION_STEP] = {"user": user.pk, "at": time.time(), "step": step or ""}
    return step


def remember_step_at_sign_in(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        remember_step(request, user)


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(
        device__user=user, device__name=RECOVERY_CODES_NAME, device__confirmed=True
    ).count()


def new_key() -> str:
    """A fresh secret for an authenticator, in django-otp's hex form."""
    return random_hex(20)


PENDING_KEY = "two_factor_pending_key"


def pending_key(session) -> str:
    """The key being set up in this session: the same while the person scans and types, so
    that a wrong code or a reload does not change the QR code under them. Kept in the
    session, not the database, until a right code confirms it."""
    if not session.get(PENDING_KEY):
        session[PENDING_KEY] = new_key()
    return session[PENDING_KEY]


def forget_pending_key(session) -> None:
    session.pop(PENDING_KEY, None)


def provisional_authenticator(user, key: str) -> TOTPDevice:
    """The authenticator ``key`` would make, unsaved: its ``config_url`` (the otpauth://
    address in the QR code) and its key to type in."""
    return TOTPDevice(user=user, name=AUTHENTICATOR_NAME, key=key, confirmed=False)


def typed_key(device: TOTPDevice) -> str:
    """The key in base32 (as apps ask it typed), in groups of four for reading aloud."""
    text = b32encode(device.bin_key).decode()
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def _matching_step(device: TOTPDevice, code: str) -> int | None:
    """The time step at which ``code`` is the device's code (within its tolerance), without
    saving anything."""
    try:
        token = int(code)
    except (TypeError, ValueError):
        return None
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if totp.verify(token, device.tolerance, device.last_t + 1):
        return totp.t()
    return None


def _lock_user(user):
    """One change to a person's second step at a time (two tabs, a double click)."""
    return get_user_model().objects.select_for_update().get(pk=user.pk)


def confirm_authenticator(user, key: str, code: str, *, by) -> tuple[TOTPDevice, list[str]]:
    """Set up ``by``'s own authenticator from ``key`` once ``code`` shows the app holds it.

    Returns the device and the new recovery codes (shown once: only their use is kept).
    Raises ``WrongCode`` (nothing is saved) or ``AlreadySetUp``.
    """
    if by.pk != user.pk:
        raise PermissionError("Only the person themselves sets up their authenticator.")
    device = provisional_authenticator(user, key)
    matched = _matching_step(device, code)
    if matched is None:
        raise WrongCode
    with transaction.atomic():
        _lock_user(user)
        if has_authenticator(user):
            raise AlreadySetUp
        TOTPDevice.objects.filter(user=user).delete()
        device.confirmed = True
        device.last_t = matched  # the code that confirmed it opens nothing again
        device.save()
        codes = _issue_recovery_codes(user)
    return device, codes


def _issue_recovery_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_CODES_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def issue_recovery_codes(user, *, by) -> list[str]:
    """New recovery codes for ``by``'s own account; the old ones stop working."""
    if by.pk != user.pk:
        raise PermissionError("Only the person themselves receives their recovery codes.")
    with transaction.atomic():
        _lock_user(user)
        return _issue_recovery_codes(user)


def normalised_recovery_code(code: str) -> str:
    """As typed or copied: any case, spaces or dashes between the characters."""
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())


def check_code(user, code: str) -> TOTPDevice | None:
    """The authenticator, if ``code`` is its current code (each code opens once)."""
    device = authenticator_of(user)
    if device is None:
        return None
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        return device if device.verify_token(code) else None


def check_recovery_code(user, code: str) -> StaticDevice | None:
    """The recovery codes' device, if ``code`` is one of them; the code is used up."""
    if not has_authenticator(user):
        return None
    token = normalised_recovery_code(code)
    for device in StaticDevice.objects.devices_for_user(user, confirmed=True):
        with transaction.atomic():
            locked = StaticDevice.objects.select_for_update().get(pk=device.pk)
            if locked.verify_token(token):
                return locked
    return None


def mark_verified(request, device) -> None:
    """The session passed the second step with ``device``; a new session key, as at any
    change of what a session may do."""
    request.session.cycle_key()
    request.session.pop(SESSION_STEP, None)
    otp_login(request, device)


def turn_off(user, code: str, *, by) -> None:
    """Remove ``by``'s own authenticator and recovery codes, once a fresh ``code`` from the
    authenticator shows it is still theirs. Raises ``Required`` for someone whose role
    requires two-factor sign-in, ``WrongCode`` when the code is not right."""
    if by.pk != user.pk:
        raise PermissionError("Only the person themselves turns off their second step.")
    if is_required(user):
        raise Required
    if check_code(user, code) is None:
        raise WrongCode
    with transaction.atomic():
        _lock_user(user)
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
