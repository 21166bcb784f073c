from celery import shared_task

from integrations.gcc1111 import poller
from integrations.models import Connection


@shared_task
def poll_1111() -> int:
    """Every GCC_1111_POLL_MINUTES: the complaints 1111 forwarded since the last read, for
    each connection with the service's address; a second run at once skips the connections
    the first holds. How many complaints were read."""
    return sum(polled.read for polled in poller.poll_all())


@shared_task
def poll_one_1111(connection_id: int) -> int:
    """One connection read at once (the supervisors' page): as the periodic run, and
    skipped the same way while another run holds it."""
    connection = Connection.objects.filter(pk=connection_id, is_enabled=True).first()
    return poller.poll(connection).read if connection is not None else 0
