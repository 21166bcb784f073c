from celery import shared_task

from integrations import imports
from referrals import notifications

# The Celery queue of the exchanges with outside systems (settings.CELERY_TASK_QUEUES).
EXCHANGES = "exchanges"


@shared_task
def import_file(run_id: int) -> bool:
    """Read an uploaded 1111 file into cases; run again, it goes on where it stopped."""
    return imports.import_rows(run_id)


@shared_task
def resume_imports() -> int:
    """Every minute: go on with the imports whose worker stopped or whose task was lost."""
    runs = imports.stalled_runs()
    for run_id in runs:
        imports.import_rows(run_id)
    return len(runs)


@shared_task
def send_pending_exchanges() -> int:
    """Every minute: send the lines for outside systems that a broker or worker outage
    left in the outbox, on the exchanges' own workers."""
    return notifications.deliver_pending(queue=EXCHANGES)
