"""Limits on the citizens' pages: rates per client address and per phone number, and the
growing wait, then lock-out, after wrong tracking codes.

Counters live in the cache (Redis in production, shared by every web process). If the
cache cannot be reached, the limits open rather than turn citizens away: losing a
request is worse than letting a few more through for a while.
"""

import ipaddress
import logging
import time

from django.conf import settings
from django.core.cache import cache
from django_ratelimit.core import get_usage

from referrals import identity

logger = logging.getLogger(__name__)


def client_address(request) -> str:
    """The client's IP address: the peer, or the entry the trusted proxies (PROXY_COUNT)
    appended for it. Anything that is not an IP address is not believed."""
    peer = request.META.get("REMOTE_ADDR") or "0.0.0.0"  # noqa: S104 (an address, not a bind)
    hops = settings.TRUSTED_PROXY_COUNT
    if hops:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= hops:
            try:
                return str(ipaddress.ip_address(forwarded[-hops]))
            except ValueError:
                return peer
    return peer


def client_network(request) -> str:
    """The address, or its /64 for IPv6, where one subscriber holds many addresses."""
    address = ipaddress.ip_address(client_address(request))
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)
    return str(address)


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
        network = identity.keyed_hash(client_network(request))
        self.count_key = f"track-failures:{network}"
        self.last_key = f"track-last-failure:{network}"

    def _state(self) -> tuple[int, float]:
        try:
            found = cache.get_many([self.count_key, self.last_key])
        except Exception:
            logger.warning("Tracking lock-out not checked: the cache is unreachable")
            return (0, 0.0)
        return found.get(self.count_key, 0), found.get(self.last_key, 0.0)

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
        """Count a wrong try; an atomic increment, so that tries sent at once all count."""
        timeout = settings.TRACK_LOCK_MINUTES * 60
        try:
            if not cache.add(self.count_key, 1, timeout):
                cache.incr(self.count_key)
                cache.touch(self.count_key, timeout)
            cache.set(self.last_key, time.time(), timeout)
        except Exception:
            logger.warning("Tracking failure not counted: the cache is unreachable")
