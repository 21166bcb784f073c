"""Deployment checks: the keys that protect citizens' identifiers are set explicitly and
valid, links in emails lead to the portal, and the limits that protect the citizens'
pages are on and count atomically."""

from urllib.parse import urlsplit

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

LOOPBACK_HOSTS = {"", "127.0.0.1", "localhost", "::1", "0.0.0.0"}  # noqa: S104 (names, not binds)


@register(Tags.security, deploy=True)
def explicit_identifier_keys(app_configs, **kwargs):
    """Keys derived from SECRET_KEY would make every stored national ID unreadable (and
    every look-up miss) the day SECRET_KEY is rotated."""
    return [
        Warning(
            f"{name} is not set: it is derived from SECRET_KEY, which then cannot be rotated.",
            hint=f"Set {name} in the environment (see README.md).",
            id=f"referrals.W00{number}",
        )
        for number, name in enumerate(("FIELD_ENCRYPTION_KEY", "LOOKUP_HASH_KEY"), start=1)
        if not getattr(settings, name)
    ]


@register(Tags.security, deploy=True)
def citizens_rate_limits_on(app_configs, **kwargs):
    """RATELIMIT_ENABLE=0 is for load tests: in production it opens the public form to
    floods and the tracking page to guessing secrets."""
    if settings.RATELIMIT_ENABLE:
        return []
    return [
        Warning(
            "RATELIMIT_ENABLE is off: the citizens' pages have no rate limit or lock-out.",
            hint="Unset RATELIMIT_ENABLE (it is on by default).",
            id="referrals.W003",
        )
    ]


@register(Tags.security)
def field_encryption_key_valid(app_configs, **kwargs):
    """A FIELD_ENCRYPTION_KEY that is not a Fernet key fails at the first national ID
    saved or read, as a server error in front of a citizen: refuse it at start-up."""
    key = settings.FIELD_ENCRYPTION_KEY
    if not key:
        return []
    try:
        Fernet(key.encode())
    except (ValueError, TypeError):
        return [
            Error(
                "FIELD_ENCRYPTION_KEY is not a valid Fernet key (32 random bytes, url-safe "
                "base64, 44 characters).",
                hint="Generate one with: python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'",
                id="referrals.E001",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def site_url_set(app_configs, **kwargs):
    """Links in emails are built from SITE_URL: left at its development value, every
    citizen and officer would be sent to a loopback address."""
    parsed = urlsplit(settings.SITE_URL)
    if (parsed.hostname or "") in LOOPBACK_HOSTS or parsed.scheme not in ("http", "https"):
        return [
            Warning(
                f"SITE_URL is {settings.SITE_URL!r}: links in emails would not reach the portal.",
                hint="Set SITE_URL to the portal's public address, e.g. "
                "https://referral.example.go.th (see README.md).",
                id="referrals.W004",
            )
        ]
    return []


ATOMIC_CACHES = (
    "django.core.cache.backends.redis.RedisCache",
    "django.core.cache.backends.memcached.PyMemcacheCache",
    "django.core.cache.backends.memcached.PyLibMCCache",
)


@register(Tags.security, deploy=True)
def limits_count_atomically(app_configs, **kwargs):
    """The rate limits and lock-outs count with the cache's increment: the file and
    database caches read and write back, so requests sent at once lose counts, and the
    in-memory cache counts per process."""
    backend = settings.CACHES["default"]["BACKEND"]
    if not settings.RATELIMIT_ENABLE or backend in ATOMIC_CACHES:
        return []
    return [
        Warning(
            f"The cache ({backend.rsplit('.', 1)[-1]}) cannot count atomically across "
            "processes: the citizens' rate limits and lock-outs can be passed by requests "
            "sent at once.",
            hint="Set REDIS_URL (the cache then runs on Redis).",
            id="referrals.W005",
        )
    ]


@register(Tags.security, deploy=True)
def line_half_configured(app_configs, **kwargs):
    """LINE needs both the channel secret (the webhook's signatures) and the access token
    (replies and pushes): with one alone, it is not offered, which is rarely meant."""
    given = [
        name
        for name in ("LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN")
        if getattr(settings, name)
    ]
    if len(given) != 1:
        return []
    return [
        Warning(
            f"Only {given[0]} is set: LINE is not offered without the other.",
            hint="Set both LINE_CHANNEL_SECRET and LINE_CHANNEL_ACCESS_TOKEN, or neither.",
            id="referrals.W010",
        )
    ]


GATEWAY_SETTINGS = ("SMS_GATEWAY_URL", "SMS_GATEWAY_KEY", "SMS_GATEWAY_SECRET", "SMS_SENDER")


@register(Tags.security, deploy=True)
def sms_gateway_configured(app_configs, **kwargs):
    """With the HTTP gateway chosen but not configured, every SMS fails at each attempt
    and is given up: citizens who chose SMS would hear nothing, and nothing says why
    until an administrator reads the outbox."""
    if settings.SMS_BACKEND != "referrals.sms.HttpGatewayBackend":
        return []
    missing = [name for name in GATEWAY_SETTINGS if not getattr(settings, name)]
    if not missing:
        return []
    return [
        Warning(
            f"SMS_BACKEND is the HTTP gateway, but {', '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not set: no SMS would reach citizens.",
            hint="Set the gateway's address, API key and secret, and the sender name its "
            "operator registered (see README.md, “Citizens' channels”).",
            id="referrals.W006",
        )
    ]
