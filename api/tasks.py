from celery import shared_task

from api import services


@shared_task
def forget_idempotency_keys() -> int:
    """Hourly: drop the create requests older than API_IDEMPOTENCY_HOURS, with the secrets
    they keep for a retry (idempotent)."""
    return services.forget_idempotency_keys()
