"""The outbox delivered by a real Celery worker on a real Redis, to a real mail server
(aiosmtpd) and to an agency's system (an HTTP receiver that checks the signature), and the
SLA sweep raced by two runners.

Each test starts what it needs on free ports and stops it by its pid; a test that kills
Redis kills its own redis-server, never the machine's. The worker is another process and
reads the test database, so the tests commit (``transaction=True``).
"""

import json
import logging
import os
import re
import threading
import time
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from agencies.models import Role
from referrals import notifications, services
from referrals.models import CaseEvent, Deadline, EventKind, Notification
from referrals.services import escalation
from referrals.tasks import deliver_pending_notifications, sweep_deadlines
from tests.factories import MembershipFactory
from tests.processes import wait_until
from tests.referrals.factories import agency, case_in, fresh, new_case_data, staff
from tests.referrals.real_services import (
    broker_of_this_process,
    kill_process_group,
    private_queue,
    redis_server,
    smtp_server,
    webhook_receiver,
    worker,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

S = Notification.Status
C = Notification.Channel
CITIZEN_EMAIL = "somchai@example.org"
TIMEOUT = 30


def rows(**filters) -> list[Notification]:
    return list(Notification.objects.filter(**filters).order_by("pk"))


# --- 1. A referral, delivered by the worker by email and by webhook ---------------------------


@pytest.mark.redis
@pytest.mark.worker
def test_a_referral_reaches_the_agency_by_email_and_by_signed_webhook(tmp_path):
    secret = "moph-shared-secret-" + uuid.uuid4().hex
    # The machine's Redis, on a queue of this test alone: no other worker takes our tasks.
    with (
        private_queue(os.environ["REDIS_URL"]) as queue,
        smtp_server() as (email_url, mailbox),
        webhook_receiver(secret) as receiver,
        broker_of_this_process(os.environ["REDIS_URL"], queue),
        worker(
            tmp_path, "w1", broker_url=os.environ["REDIS_URL"], email_url=email_url, queue=queue
        ) as (_process, log),
    ):
        moph = agency("MOPH")
        moph.webhook_url, moph.webhook_secret = receiver.url, secret
        moph.save()
        member = MembershipFactory(
            agency=moph, role=Role.INTAKE_OFFICER, user__email="intake.moph@example.org"
        ).user
        supervisor = staff("MOL", Role.SUPERVISOR)
        case = case_in("in_progress", by=supervisor)

        services.refer_case(case, supervisor, {agency("MOPH"): "ขอให้ตรวจสุขภาพและเยียวยา"})

        referral_rows = rows(kind="referral_received", channel__in=[C.EMAIL, C.WEBHOOK])
        assert {(r.channel, r.recipient) for r in referral_rows} == {
            (C.EMAIL, member.email),
            (C.WEBHOOK, receiver.url),
        }
        wait_until(
            lambda: mailbox.to(member.email) and receiver.posts,
            TIMEOUT,
            "the worker to send the email and post to the agency's system",
            log,
        )
        wait_until(
            lambda: all(fresh(r).status == S.SENT for r in referral_rows), TIMEOUT, "sent", log
        )
        time.sleep(0.5)  # time for a second copy, if there were one

    [message] = mailbox.to(member.email)
    assert case.reference in message["Subject"]
    assert case.reference in message.get_content()
    [post] = receiver.posts
    assert post["valid"], "the X-Portal-Signature header does not match the body"
    assert post["headers"]["X-Portal-Event"] == "referral_received"
    assert post["json"]["event"] == "referral_received"
    assert post["json"]["case"] == case.reference
    assert post["json"]["agency"] == "MOPH"
    assert all(fresh(r).sent_at is not None for r in referral_rows)
    assert "deliver_notification" in log.read_text()


@pytest.mark.redis
@pytest.mark.worker
def test_a_citizen_who_chose_sms_gets_the_reference_by_sms_from_the_worker(tmp_path):
    """The worker, another process, finds the SMS sender in the outbox's registry of
    channels (registered when the app starts) and sends through the backend it is given."""
    sent = tmp_path / "sms.jsonl"
    with (
        private_queue(os.environ["REDIS_URL"]) as queue,
        smtp_server() as (email_url, _mailbox),
        broker_of_this_process(os.environ["REDIS_URL"], queue),
        worker(
            tmp_path,
            "w1",
            broker_url=os.environ["REDIS_URL"],
            email_url=email_url,
            queue=queue,
            environment={"SMS_BACKEND": "referrals.sms.FileBackend", "SMS_FILE_PATH": str(sent)},
        ),
    ):
        case, _secret = services.create_case(new_case_data(notify_sms=True))

        [row] = rows(case=case, channel=C.SMS)
        wait_until(lambda: fresh(row).status == S.SENT, TIMEOUT, "the SMS to be sent")

    # The Thai text in the parts that each fit one SMS, all to the citizen's mobile.
    messages = [json.loads(line) for line in sent.read_text(encoding="utf-8").splitlines()]
    assert {message["to"] for message in messages} == {"0812345678"}
    text = "\n".join(message["text"] for message in messages)
    assert case.reference in text
    assert "/track/" in text


# --- 2. Redis down while a citizen submits ----------------------------------------------------


@pytest.mark.worker
def test_a_case_submitted_while_redis_is_down_is_saved_and_its_email_sent_once_redis_is_back(
    tmp_path, caplog
):
    with (
        smtp_server() as (email_url, mailbox),
        redis_server(tmp_path) as own_redis,
        broker_of_this_process(own_redis.url),
        worker(tmp_path, "w1", broker_url=own_redis.url, email_url=email_url) as (_p, log),
    ):
        own_redis.kill()

        started = time.monotonic()
        with caplog.at_level(logging.WARNING, logger="referrals.notifications"):
            case, secret = services.create_case(new_case_data(citizen_email=CITIZEN_EMAIL))
        took = time.monotonic() - started

        assert took < 3, f"the citizen waited {took:.1f} s for a broker that is down"
        assert "left for the periodic sender" in caplog.text
        assert fresh(case).reference == case.reference
        [row] = rows(case=case)
        assert (row.channel, row.recipient, row.status) == (C.EMAIL, CITIZEN_EMAIL, S.PENDING)
        time.sleep(1)
        assert fresh(row).status == S.PENDING
        assert mailbox.messages == []

        own_redis.start()  # the same port; an empty Redis, as after a crash
        # The periodic sender takes only rows older than 30 s (younger ones have their
        # own task on the way); age the row instead of waiting.
        Notification.objects.filter(pk=row.pk).update(
            created_at=timezone.now() - timedelta(minutes=1)
        )
        deliver_pending_notifications.delay()  # what beat sends every minute

        wait_until(lambda: mailbox.to(CITIZEN_EMAIL), TIMEOUT, "the email after Redis", log)
        wait_until(lambda: fresh(row).status == S.SENT, TIMEOUT, "the row to be sent", log)
        time.sleep(0.5)

    [message] = mailbox.to(CITIZEN_EMAIL)
    assert case.reference in message.get_content()
    assert secret not in message.get_content()  # an unconfirmed address gets no secret


# --- 3. A worker killed mid-send ---------------------------------------------------------------


@pytest.mark.worker
def test_a_worker_killed_while_sending_leaves_no_duplicate_email(tmp_path):
    """At most once is the contract. The task is acknowledged late, so the message of a
    worker killed mid-task goes back to the queue and another worker runs it again; the
    claim ("sending", taken in its own transaction before talking to the mail server)
    refuses that second run. Whether the first copy arrived is unknown to the portal, so
    the row is reported failed for a person to check, never sent again."""
    # A short visibility timeout so that the next worker takes the lost task back at once.
    quick_redelivery = {"CELERY_VISIBILITY_TIMEOUT": "1"}
    with (
        smtp_server(delay=4) as (email_url, mailbox),
        redis_server(tmp_path) as own_redis,
        broker_of_this_process(own_redis.url),
    ):
        with worker(
            tmp_path,
            "w1",
            broker_url=own_redis.url,
            email_url=email_url,
            pool="prefork",
            environment=quick_redelivery,
        ) as (first, first_log):
            case, _secret = services.create_case(new_case_data(citizen_email=CITIZEN_EMAIL))
            [row] = rows(case=case)
            wait_until(
                lambda: fresh(row).status == S.SENDING and mailbox.messages,
                TIMEOUT,
                "the worker to claim the row and hand the message to the mail server",
                first_log,
            )
            kill_process_group(first)  # worker and pool child, before the mail server answers
            # The broker hands an unacknowledged task back once its visibility timeout has
            # passed, to the next worker that starts.
            time.sleep(1.5)

        claimed = fresh(row)
        assert (claimed.status, claimed.attempts) == (S.SENDING, 1)
        [task_id] = re.findall(
            r"deliver_notification\[([0-9a-f-]+)\] received", first_log.read_text()
        )

        with worker(
            tmp_path,
            "w2",
            broker_url=own_redis.url,
            email_url=email_url,
            environment=quick_redelivery,
        ) as (_second, second_log):
            # The same task, handed back by the broker, runs again and sends nothing.
            wait_until(
                lambda: f"deliver_notification[{task_id}] succeeded" in second_log.read_text(),
                TIMEOUT,
                "the second worker to run the lost task again",
                second_log,
            )
            time.sleep(1)

        assert re.search(rf"\[{task_id}\] succeeded in [0-9.e-]+s: False", second_log.read_text())
        assert len(mailbox.to(CITIZEN_EMAIL)) == 1
        assert (fresh(row).status, fresh(row).attempts) == (S.SENDING, 1)

        assert notifications.give_up_stalled(now=timezone.now() + timedelta(days=1)) == 1
        assert fresh(row).status == S.FAILED
        assert notifications.deliver(row.pk) is False
        assert notifications.deliver_pending(older_than=timedelta(0)) == 0
        assert len(mailbox.messages) == 1


# --- 4. Two sweeps at once ---------------------------------------------------------------------


def overdue_deadlines(cases: int, *levels: str):
    """Officers of the lead agency (without email, so nothing goes to a broker) and
    2 x ``cases`` deadlines (acknowledge, resolve) whose ``levels`` points have passed."""
    officers = [
        MembershipFactory(agency=agency("MOL"), role=role, user__email="").user
        for role in (Role.INTAKE_OFFICER, Role.SUPERVISOR)
    ]
    for _ in range(cases):
        services.create_case(new_case_data())
    past = timezone.now() - timedelta(hours=1)
    changed = Deadline.objects.filter(met_at__isnull=True).update(
        next_check_at=past, **dict.fromkeys(levels, past)
    )
    assert changed == 2 * cases
    return officers


def assert_told_once(level_kind: str, event: str, people: list, deadlines: int):
    """Each deadline: one timeline event and one bell notification per person, no more."""
    assert Deadline.objects.count() == deadlines
    for deadline in Deadline.objects.all():
        events = CaseEvent.objects.filter(
            case=deadline.case, kind=event, payload__deadline_kind=deadline.kind
        )
        assert events.count() == 1, (deadline.pk, event)
        told = Notification.objects.filter(
            kind=level_kind, channel=C.IN_PORTAL, idempotency_key__startswith=f"sla:{deadline.pk}:"
        )
        assert sorted(told.values_list("user_id", flat=True)) == [p.pk for p in people]


def test_two_sweeps_at_once_send_each_reminder_once():
    officers = overdue_deadlines(10, "reminder_at")
    barrier = threading.Barrier(2)
    handled, errors = [], []

    def sweep(batch):
        try:
            barrier.wait(10)
            # Small batches: the two sweeps take turns over the same rows.
            handled.append(escalation.sweep(batch=batch))
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep, args=(batch,)) for batch in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert len(handled) == 2 and sum(handled) == 20  # each deadline taken by one sweep
    assert set(Deadline.objects.values_list("level_reached", flat=True)) == {1}
    assert_told_once("sla_reminder", EventKind.DEADLINE_REMINDER, officers, 20)


def options(broker_url: str, email_url: str) -> dict:
    return {"broker_url": broker_url, "email_url": email_url, "ready": False}


@pytest.mark.worker
def test_two_workers_running_the_sweep_at_once_escalate_each_deadline_once(tmp_path):
    """As two beats would: two sweep tasks, each taken by its own worker process, which
    hand the telling to the workers in chunks (TELL_CHUNK is 500: one chunk here)."""
    intake, supervisor = overdue_deadlines(10, "reminder_at", "supervisor_at")
    with (
        smtp_server() as (email_url, _mailbox),
        redis_server(tmp_path) as own_redis,
        broker_of_this_process(own_redis.url),
        worker(tmp_path, "w1", **options(own_redis.url, email_url)) as (_a, log_1),
        worker(tmp_path, "w2", **options(own_redis.url, email_url)) as (_b, log_2),
    ):
        for log in (log_1, log_2):  # started together, to save a second
            wait_until(lambda log=log: " ready." in log.read_text(), TIMEOUT, "a worker", log)
        sweep_deadlines.delay()
        sweep_deadlines.delay()
        done = re.compile(r"sweep_deadlines\[[0-9a-f-]+\] succeeded in [0-9.e-]+s: (\d+)")
        wait_until(
            lambda: len(done.findall(log_1.read_text() + log_2.read_text())) == 2,
            TIMEOUT,
            "both sweeps",
            log_2,
        )
        handled = [int(n) for n in done.findall(log_1.read_text() + log_2.read_text())]
        told = re.compile(r"tell_deadlines\[[0-9a-f-]+\] succeeded in [0-9.e-]+s: (\d+)")

        def told_in_all() -> list[int]:
            return [int(n) for n in told.findall(log_1.read_text() + log_2.read_text())]

        wait_until(lambda: sum(told_in_all()) == 20, TIMEOUT, "the telling", log_2)

    assert [len(done.findall(log.read_text())) for log in (log_1, log_2)] == [1, 1]
    # Each sweep handed what it found as one chunk, and nothing when it found nothing.
    assert sorted(told_in_all()) == sorted(n for n in handled if n)
    assert sum(handled) == 20  # each deadline taken by one of them
    assert set(Deadline.objects.values_list("level_reached", flat=True)) == {2}
    assert_told_once("sla_reminder", EventKind.DEADLINE_REMINDER, [intake, supervisor], 20)
    assert_told_once("sla_supervisor", EventKind.DEADLINE_ESCALATED, [supervisor], 20)
