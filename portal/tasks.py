from importlib import import_module

from celery import shared_task
from django.conf import settings


@shared_task
def clear_expired_sessions() -> None:
    """Delete expired login sessions. Running it twice has the effect of running it once."""
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()


@shared_task
def refresh_dashboards() -> dict:
    """Recompute the dashboards' most read views that are getting old (idempotent)."""
    from portal.dashboards.snapshots import refresh_standard_views

    return refresh_standard_views()
