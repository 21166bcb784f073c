from celery import shared_task

from referrals import notifications


@shared_task
def deliver_notification(notification_id: int) -> bool:
    """Send one message of the outbox; a second run finds it sent and does nothing."""
    return notifications.deliver(notification_id)


@shared_task
def deliver_pending_notifications() -> int:
    """Every minute: send what a broker or worker outage left in the outbox."""
    return notifications.deliver_pending()
