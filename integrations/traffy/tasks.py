"""Traffy Fondue's periodic work (thin: see ``catch_up``); scheduled in portal/settings.py."""

from celery import shared_task

from integrations.traffy import catch_up


@shared_task(name="integrations.traffy.tasks.catch_up_traffy")
def catch_up_traffy() -> int:
    return catch_up.catch_up_all()


@shared_task(name="integrations.traffy.tasks.forget_traffy_deliveries")
def forget_traffy_deliveries() -> int:
    return catch_up.forget_old_deliveries()
