"""Limits on the citizens' pages: rates per client address and per phone number, and the
growing wait, then lock-out, after wrong tracking codes.

Counters live in the cache (Redis in production, shared by every web process). If the
cache cannot be reached, the limits open rather than turn citizens away: losing a
request is worse than letting a few more through for a while.
"""

import logging
import time

from django.conf import settings
from django.core.cache import cache
from django_ratelimit.core import get_usage

from referrals import identity

logger = logging.getLogger(__name__)


def client_address(request) -> str:
    """The client's IP address: the peer, or the entry a trusted proxy appended for it."""
    hops = settings.TRUSTED_PROXY_COUNT
    if hops:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR") or "0.0.0.0"  # noqa: S104 (an address, not a bind)


def _usage(request, group: str, rate: str, key, increment: bool) -> dict | None:
    if not settings.RATELIMIT_ENABLE:
        return None
    try:
        return get_usage(request, group=group, key=key, rate=rate, increment=increment)
    except Exception:
        logger.warning("Rate limit %s not checked: the cache is unreachable", group, exc_info=True)
        return None


def over_limit(request, group: str, rate: str, key) -> bool:
    """Count this request against ``rate`` for ``key`` ("ip" or a function of the
    request); True once the limit is passed. Disabled by RATELIMIT_ENABLE=0."""
    usage = _usage(request, group, rate, key, increment=True)
    return usage is not None and usage["should_limit"]


def limit_reached(request, group: str, rate: str, key) -> bool:
    """Whether ``rate`` for ``key`` is used up, without counting this request: for limits
    that count only what succeeds (``count`` it then)."""
    usage = _usage(request, group, rate, key, increment=False)
    return usage is not None and usage["count"] >= usage["limit"]


def count(request, group: str, rate: str, key) -> None:
    _usage(request, group, rate, key, increment=True)


def phone_key(group: str, request) -> str:
    """The phone number as stored, so that spacing or +66 does not dodge the limit.

    (django-ratelimit calls a key function with the limit's group and the request.)"""
    raw = request.POST.get("citizen_phone", "")
    try:
        return identity.keyed_hash(identity.normalise_phone(raw))
    except Exception:
        return identity.keyed_hash(raw.strip())


class TrackingGuard:
    """Wrong reference codes or secrets from one client address.

    After ``TRACK_FREE_FAILURES`` wrong tries, each next try waits, twice as long after
    each further failure (2, 4, 8 ... seconds); at ``TRACK_LOCK_FAILURES`` the address is
    locked for ``TRACK_LOCK_MINUTES``. A right code does not reset the count, so that knowing one
    case does not help guess others.
    """

    def __init__(self, request):
        self.key = "track-failures:" + identity.keyed_hash(client_address(request))

    def _state(self) -> tuple[int, float]:
        try:
            return cache.get(self.key) or (0, 0.0)
        except Exception:
            logger.warning("Tracking lock-out not checked: the cache is unreachable")
            return (0, 0.0)

    def wait_seconds(self) -> int:
        """Seconds before this client may try again (0: now)."""
        if not settings.RATELIMIT_ENABLE:
            return 0
        failures, last = self._state()
        if failures >= settings.TRACK_LOCK_FAILURES:
            wait = settings.TRACK_LOCK_MINUTES * 60
        elif failures >= settings.TRACK_FREE_FAILURES:
            wait = 2 ** (failures - settings.TRACK_FREE_FAILURES + 1)
        else:
            return 0
        return max(0, int(last + wait - time.time() + 0.999))

    def failed(self) -> None:
        failures, _last = self._state()
        try:
            cache.set(self.key, (failures + 1, time.time()), settings.TRACK_LOCK_MINUTES * 60)
        except Exception:
            logger.warning("Tracking failure not counted: the cache is unreachable")
