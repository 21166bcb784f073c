from celery import shared_task

from integrations.gcc1111 import poller


@shared_task
def poll_1111() -> int:
    """Every GCC_1111_POLL_MINUTES: the complaints 1111 forwarded since the last read, for
    each connection with the service's address; a second run at once skips the connections
    the first holds. How many complaints were read."""
    return sum(polled.read for polled in poller.poll_all())
