"""Deployment checks: the keys that protect citizens' identifiers are set explicitly, and
the limits that protect the citizens' pages are on."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


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
