from importlib import import_module

from celery import shared_task
from django.conf import settings

from agencies.replica import replica_reads
from portal.dashboards import snapshots


@shared_task
def clear_expired_sessions() -> None:
    """Delete expired login sessions. Running it twice has the effect of running it once."""
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()


@shared_task
def refresh_dashboards() -> dict:
    """Recompute the dashboards' most read views that are getting old (idempotent); the
    cases are read on the replica when there is one."""
    with replica_reads():
        return snapshots.refresh_standard_views()


@shared_task
def recount_dashboards(pages: list[str], agency_ids: list[int] | None, query: str) -> int:
    """Count dashboard views again for a reader's scope and selection: asked by the first
    reader to find one past its lifetime, or by a reader's button. Running it twice
    counts them twice, to the same figures."""
    with replica_reads():
        return snapshots.recount(pages, agency_ids, query)
