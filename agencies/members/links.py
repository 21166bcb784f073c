"""The one-time links with which a member sets their password: after an invitation, or
after an administrator reset it.

A link carries the account's id and a token made by Django's password-reset token
generator (with a salt of its own): it stops working once the password is set (the token
signs the password hash and the last sign-in), and ``MEMBER_INVITATION_DAYS`` after it
was made (``PASSWORD_RESET_TIMEOUT`` follows that setting).
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode


class SetPasswordTokens(PasswordResetTokenGenerator):
    key_salt = "agencies.members.links.SetPasswordTokens"


tokens = SetPasswordTokens()


def link_path(user) -> str:
    """The path of a new link for ``user`` (the email puts the site's address before it)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("members:set_password", args=[uid, tokens.make_token(user)])


def account_for(uidb64: str, token: str, *, lock: bool = False):
    """The active account a link is for while the link works; None otherwise. With
    ``lock`` (inside a transaction) the account's row is locked, so that a link used twice
    at once sets one password."""
    try:
        pk = int(urlsafe_base64_decode(uidb64).decode())
    except (TypeError, ValueError, OverflowError, UnicodeDecodeError):
        return None
    accounts = get_user_model().objects.filter(pk=pk, is_active=True)
    if lock:
        accounts = accounts.select_for_update()
    user = accounts.first()
    if user is None or not tokens.check_token(user, token):
        return None
    return user
