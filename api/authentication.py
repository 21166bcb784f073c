"""Who calls the API: an agency's system with one of its keys, or staff in their browser.

A key is sent as ``Authorization: Api-Key <key>`` (or ``X-Api-Key: <key>``). A valid
key — not revoked, not expired, its agency active — makes the request's caller a
``SystemCaller`` of ``agencies.permissions``: every rule after that is the permission
module's, as for a person.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from agencies.models import AgencyApiKey
from agencies.permissions import SystemCaller
from api import services

KEYWORD = "Api-Key"


def caller_for(key: AgencyApiKey) -> SystemCaller:
    return SystemCaller(
        agency_id=key.agency_id,
        group_id=key.agency.group_id,
        key_id=key.pk,
        name=key.name,
        can_write=key.can_write,
        can_see_restricted=key.can_see_restricted,
    )


def key_from(raw: str) -> AgencyApiKey | None:
    """The usable key that ``raw`` is, or None (unknown, revoked, expired, agency closed)."""
    prefix, _dot, _rest = raw.partition(".")
    key = AgencyApiKey.objects.select_related("agency").filter(prefix=prefix, revoked=False).first()
    if key is None or not key.is_valid(raw) or not key.is_usable:
        return None
    return key


def raw_key(request) -> str | None:
    header = authentication.get_authorization_header(request).decode("latin-1").split()
    if header and header[0].lower() == KEYWORD.lower():
        return header[1] if len(header) == 2 else ""
    return request.META.get("HTTP_X_API_KEY")


class AgencyKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        raw = raw_key(request)
        if raw is None:
            return None
        key = key_from(raw) if raw else None
        if key is None:
            raise exceptions.AuthenticationFailed(
                _("This API key is not valid: it is unknown, revoked or expired.")
            )
        services.note_use(key)
        return caller_for(key), key

    def authenticate_header(self, request):
        return KEYWORD


class StaffSessionAuthentication(authentication.SessionAuthentication):
    """Staff signed in to the portal, for the browsable API (with the CSRF check)."""
