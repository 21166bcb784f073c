"""Traffy Fondue's periodic work (thin: see ``catch_up``); scheduled in portal/settings.py."""

from celery import shared_task

from integrations.models import Connection
from integrations.traffy import catch_up


@shared_task(name="integrations.traffy.tasks.catch_up_traffy")
def catch_up_traffy() -> int:
    return catch_up.catch_up_all()


@shared_task(name="integrations.traffy.tasks.forget_traffy_deliveries")
def forget_traffy_deliveries() -> int:
    return catch_up.forget_old_deliveries()


@shared_task
def catch_up_one_traffy(connection_id: int) -> int:
    """One connection's issues that no webhook brought, read at once (the supervisors'
    page)."""
    connection = Connection.objects.filter(pk=connection_id, is_enabled=True).first()
    return catch_up.catch_up(connection) if connection is not None else 0
