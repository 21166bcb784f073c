from celery import shared_task

from referrals import notifications
from referrals.services import escalation, line_links, parts


@shared_task
def deliver_notification(notification_id: int) -> bool:
    """Send one message of the outbox; a second run finds it sent and does nothing."""
    return notifications.deliver(notification_id)


@shared_task
def deliver_notifications(notification_ids: list[int]) -> int:
    """Send a chunk of the outbox (a sweep's reminders); each row still at most once."""
    return sum(notifications.deliver(pk) for pk in notification_ids)


@shared_task
def deliver_pending_notifications() -> int:
    """Every minute: send what a broker or worker outage left in the outbox (the messages
    to people and agencies; the exchanges with outside systems have their own)."""
    return notifications.deliver_pending(queue=notifications.QUEUE)


@shared_task
def give_up_stalled_notifications() -> int:
    """Every few minutes: report as failed what a lost worker left half-sent."""
    return notifications.give_up_stalled()


@shared_task
def sweep_deadlines() -> int:
    """Every minute: record the reminders and escalations whose time has come, and hand
    their telling to the deadlines workers (``tell_deadlines``)."""
    return escalation.sweep(tell_later=True)


@shared_task
def tell_deadlines(deadline_ids: list[int]) -> int:
    """Tell the people of the levels these deadlines reached; each level once."""
    return escalation.tell(deadline_ids)


@shared_task
def escalate_overdue_approvals() -> int:
    """Every minute: the proposals not decided in time, told to the agency's CCEO once."""
    return escalation.escalate_overdue_approvals()


@shared_task
def send_daily_digest() -> int:
    """08:00 on weekdays (nothing on holidays): each agency's figures to its managers."""
    return escalation.send_daily_digest()


@shared_task
def anonymise_expired_cases() -> int:
    """Nightly: erase personal data kept past RETENTION_YEARS."""
    return escalation.anonymise_expired()


@shared_task
def end_finished_parts() -> int:
    """Nightly: agencies whose help was completed more than CASE_REOPEN_DAYS ago stop
    reading the person's data of those cases (PDPA sections 22, 37)."""
    return parts.end_finished_parts()


@shared_task
def forget_line_events() -> int:
    """Nightly: drop the ids of LINE webhook events older than LINE's redeliveries."""
    return line_links.forget_old_events()
