"""Limits on what anyone may do without an account: rates per client address, per phone
number and per case, and the growing wait, then lock-out, after wrong tracking codes.

Every limit counts first and decides on the number its atomic increment returned, so that
requests sent at once are each counted before any is let through: of twelve submissions
sent together with one phone number, exactly the allowed five go in. A use that turns out
not to count (a submission the services refused, a right tracking code, a successful
sign-in) is given back afterwards.

Counters live in the cache, which must count atomically: Redis in production, shared by
every web process (``check --deploy`` warns about any other). If the cache cannot be
reached, the limits open rather than turn citizens away: losing a request is worse than
letting a few more through for a while.
"""

import ipaddress
import logging
import re
import secrets
import time
from contextlib import contextmanager
from time import monotonic, sleep

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.memcached import BaseMemcachedCache
from django.core.cache.backends.redis import RedisCache

from referrals import identity

logger = logging.getLogger(__name__)

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def client_address(request) -> str:
    """The client's IP address: the peer, or the entry the trusted proxies (PROXY_COUNT)
    appended for it. Anything that is not an IP address is not believed.

    The one answer to "who is this" for every limit of the portal, the sign-in lock-out
    (django-axes, through AXES_CLIENT_IP_CALLABLE) included."""
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
    try:
        address = ipaddress.ip_address(client_address(request))
    except ValueError:  # a test client or a unix socket: no address to speak of
        return "0.0.0.0"  # noqa: S104 (an address, not a bind)
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)
    return str(address)


# Caches whose incr and decr keep the key's lifetime; Django's others write the value back
# with their default timeout (five minutes), which would end a daily limit early.
KEEPS_LIFETIME = (RedisCache, BaseMemcachedCache, LocMemCache)


def _add(key: str, delta: int, timeout: int) -> int:
    """Add ``delta`` to a counter that exists, atomically where the cache can."""
    value = cache.incr(key, delta) if delta > 0 else cache.decr(key, -delta)
    if not isinstance(caches["default"], KEEPS_LIFETIME):
        cache.touch(key, timeout)
    return value


def parse_rate(rate: str) -> tuple[int, int]:
    """``"10/h"`` -> (10, 3600); ``"40/15m"`` -> (40, 900)."""
    found = re.fullmatch(r"\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*", rate or "")
    if not found:
        raise ValueError(f"Not a rate: {rate!r} (write it like 10/h, 5/d or 40/15m)")
    count, multiple, unit = found.groups()
    return int(count), int(multiple or 1) * PERIODS[unit]


class Allowance:
    """At most ``rate`` uses of ``group`` for one ``value`` (an address, a phone number, a
    case) in a fixed window of the rate's period.

    ``take()`` counts one use and says whether it was within the allowance; ``give_back()``
    returns a use that turned out not to count. Values are kept as keyed hashes, so the
    cache holds no phone number or address.
    """

    def __init__(self, group: str, rate: str, value: str):
        self.limit, self.period = parse_rate(rate)
        now = time.time()
        window = int(now // self.period)
        self.key = f"allowance:{group}:{identity.keyed_hash(str(value))[:40]}:{window}"
        self.retry_after = max(1, int((window + 1) * self.period - now + 0.999))
        self.counted = False

    def take(self) -> bool:
        if not settings.RATELIMIT_ENABLE:
            return True
        try:
            cache.add(self.key, 0, self.period + 60)
            used = _add(self.key, 1, self.period + 60)
        except Exception:
            logger.warning("Limit %s not checked: the cache is unreachable", self.key.split(":")[1])
            return True
        self.counted = True
        return used <= self.limit

    def give_back(self) -> None:
        if not self.counted:
            return
        self.counted = False
        try:
            _add(self.key, -1, self.period + 60)
        except Exception:
            logger.warning("A use of %s not given back", self.key.split(":")[1])


def per_address(request, group: str, rate: str) -> Allowance:
    return Allowance(group, rate, client_network(request))


def over_limit(request, group: str, rate: str) -> Allowance | None:
    """Count this request against ``rate`` for its client address: the spent allowance
    (read its ``retry_after``) once the limit is passed, else None."""
    allowance = per_address(request, group, rate)
    return None if allowance.take() else allowance


def phone_allowance(group: str, rate: str, phone: str) -> Allowance:
    """The phone number as stored, so that spacing or +66 does not dodge the limit."""
    try:
        value = identity.normalise_phone(phone)
    except Exception:
        value = (phone or "").strip()
    return Allowance(group, rate, f"phone:{value}")


@contextmanager
def one_at_a_time(name: str, wait_seconds: float = 3.0, hold_seconds: int = 30):
    """Run the block while no other request holds ``name``: waits up to ``wait_seconds``
    for the one before to finish, then yields False (the caller refuses). A holder that
    died frees ``name`` after ``hold_seconds``. An unreachable cache lets everyone in."""
    key = f"one-at-a-time:{identity.keyed_hash(name)[:40]}"
    mine = secrets.token_hex(8)  # so that a holder that outlived its hold frees only its own
    deadline = monotonic() + wait_seconds
    held = False
    while True:
        try:
            held = cache.add(key, mine, hold_seconds)
        except Exception:
            logger.warning("Not serialised: the cache is unreachable")
            yield True
            return
        if held or monotonic() >= deadline:
            break
        sleep(0.05)
    try:
        yield held
    finally:
        if held:
            try:
                if cache.get(key) == mine:
                    cache.delete(key)
            except Exception:
                logger.warning("%s left to expire: the cache is unreachable", key)


class TrackingGuard:
    """Wrong reference codes or secrets from one client network (or one LINE account).

    The first ``TRACK_FREE_FAILURES`` tries are checked at once. After as many wrong ones,
    each next try waits, twice as long after each further failure (2, 4, 8 ... seconds),
    and only one such try is checked at a time; from ``TRACK_LOCK_FAILURES`` wrong tries
    the network is locked out for ``TRACK_LOCK_MINUTES`` after the last one. A right code
    does not reset the count, so that knowing one case does not help guess others.

    Each try is counted by an atomic increment before its code is checked, and the
    decision rests on the number returned; a try that was refused, or whose code was
    right, is given back. So tries sent at once cannot all slip through before the first
    of them is counted.
    """

    IN_FLIGHT_SECONDS = 30  # a checked try that never finished (a crash) frees its place

    def __init__(self, request=None, *, holder: str = ""):
        """Tries from the request's client network, or from ``holder`` (a LINE account,
        say, where the network is LINE's own servers)."""
        network = identity.keyed_hash(holder or client_network(request))[:40]
        self.count_key = f"track-tries:{network}"
        self.last_key = f"track-last-failure:{network}"
        self.gate_key = f"track-gate:{network}"
        self.counted = self.gated = False

    @property
    def _timeout(self) -> int:
        return settings.TRACK_LOCK_MINUTES * 60

    def begin(self) -> int:
        """Count this try; 0 if its code may be checked now, else the seconds to wait
        (nothing counted). Call ``end`` after a try that may be checked."""
        if not settings.RATELIMIT_ENABLE:
            return 0
        try:
            cache.add(self.count_key, 0, self._timeout)
            tries = _add(self.count_key, 1, self._timeout)
            last = cache.get(self.last_key, 0.0)
        except Exception:
            logger.warning("Tracking lock-out not checked: the cache is unreachable")
            return 0
        self.counted = True
        before = tries - 1  # wrong tries counted before this one, and tries still in flight
        now = time.time()
        if before < settings.TRACK_FREE_FAILURES:
            return 0
        if before >= settings.TRACK_LOCK_FAILURES:
            if last and now >= last + self._timeout:
                return self._afresh()
            return self._refuse(last + self._timeout - now if last else 1)
        wait = last + 2 ** (before - settings.TRACK_FREE_FAILURES + 1) - now
        if wait > 0:
            return self._refuse(wait)
        try:
            self.gated = cache.add(self.gate_key, 1, self.IN_FLIGHT_SECONDS)
        except Exception:
            self.gated = True
        return 0 if self.gated else self._refuse(1)

    def _afresh(self) -> int:
        """The lock-out has run out: count again from this try. Of tries arriving together
        as it runs out, the one that takes the gate starts afresh; the others wait."""
        try:
            if not cache.add(self.gate_key, 1, self.IN_FLIGHT_SECONDS):
                return self._refuse(1)
            self.gated = True
            cache.set(self.count_key, 1, self._timeout)
            cache.delete(self.last_key)
        except Exception:
            logger.warning("Tracking lock-out not reset: the cache is unreachable")
        return 0

    def _refuse(self, wait: float) -> int:
        self.end(counted=False)
        return max(1, int(wait + 0.999))

    def end(self, counted: bool) -> None:
        """The try is over: ``counted`` if its code was wrong."""
        try:
            if counted and self.counted:
                cache.set(self.last_key, time.time(), self._timeout)
                cache.touch(self.count_key, self._timeout)
            elif self.counted:
                _add(self.count_key, -1, self._timeout)
        except Exception:  # unreachable, or the count expired meanwhile
            logger.warning("Tracking try not recorded", exc_info=True)
        if self.gated:
            try:
                cache.delete(self.gate_key)
            except Exception:
                logger.warning("Tracking gate left to expire: the cache is unreachable")
        self.counted = self.gated = False
