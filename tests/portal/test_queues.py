"""Celery work goes to named queues, so that each kind can have workers of its own
(README, "Deploying at scale"): messages to people, the timed steps of cases, the
dashboards, the exchanges with outside systems, the imports, and housekeeping."""

import base64
import json
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from portal.celery import app
from referrals import notifications
from referrals.models import Notification
from tests.processes import filesystem_broker
from tests.referrals.real_services import forget_broker_connections

ROUTED = {
    "referrals.tasks.deliver_notification": "notifications",
    "referrals.tasks.deliver_notifications": "notifications",
    "referrals.tasks.deliver_pending_notifications": "notifications",
    "referrals.tasks.send_daily_digest": "notifications",
    "referrals.tasks.sweep_deadlines": "deadlines",
    "referrals.tasks.escalate_overdue_approvals": "deadlines",
    "portal.tasks.refresh_dashboards": "dashboards",
    "portal.tasks.recount_dashboards": "dashboards",
    "integrations.gcc1111.tasks.poll_1111": "exchanges",
    "integrations.gcc1111.tasks.poll_one_1111": "exchanges",
    "integrations.traffy.tasks.catch_up_traffy": "exchanges",
    "integrations.tasks.send_pending_exchanges": "exchanges",
    "integrations.tasks.import_file": "imports",
    "integrations.tasks.resume_imports": "imports",
    "portal.tasks.clear_expired_sessions": "celery",
    "api.tasks.forget_idempotency_keys": "celery",
}


def queue_of_task(name: str) -> str:
    return app.amqp.router.route({}, name)["queue"].name


@pytest.mark.parametrize(("task", "queue"), ROUTED.items())
def test_each_task_goes_to_the_queue_of_its_kind_of_work(task, queue):
    assert queue_of_task(task) == queue


def test_every_task_and_every_periodic_task_has_a_declared_queue():
    app.loader.import_default_modules()  # the tasks of every app, as a worker loads them
    ours = [name for name in app.tasks if not name.startswith("celery.")]
    assert ours
    declared = set(settings.CELERY_QUEUE_NAMES)
    assert {name: queue_of_task(name) for name in ours if queue_of_task(name) not in declared} == {}
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks, entry["task"]


@pytest.fixture
def broker_folder(tmp_path, settings):
    """This process publishes to an embedded broker in the test's folder; the messages
    are files named after their queue. Celery reads the broker from the Django settings
    when it opens a connection: the settings change, and the pools it opened before are
    dropped, before and after (as tests/referrals/real_services.py does)."""
    url, options = filesystem_broker(tmp_path)
    settings.CELERY_BROKER_URL = url
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = options
    forget_broker_connections()
    yield tmp_path / "var" / "celery-broker" / "queue"
    forget_broker_connections()


def published(folder) -> list[tuple[str, str, str]]:
    """(queue, task, arguments) of each message waiting in the broker's folder."""
    found = []
    for path in sorted(folder.iterdir()):
        queue = path.name.removesuffix(".msg").rsplit(".", 1)[1]
        message = json.loads(path.read_text())
        body = json.loads(base64.b64decode(message["body"]))
        found.append((queue, message["headers"]["task"], json.dumps(body[0])))
    return sorted(found)


def test_lines_for_outside_systems_go_to_the_exchanges_workers_and_messages_to_people_not(
    broker_folder,
):
    notifications.dispatch([(11, "email"), (12, "exchange"), (13, "sms")])
    assert published(broker_folder) == [
        ("exchanges", "referrals.tasks.deliver_notification", "[12]"),
        ("notifications", "referrals.tasks.deliver_notification", "[11]"),
        ("notifications", "referrals.tasks.deliver_notification", "[13]"),
    ]


def test_a_sweeps_thousands_go_in_chunks_each_to_its_queue(broker_folder):
    rows = [(pk, "email") for pk in range(1, 101)] + [(1000, "exchange")]
    notifications.dispatch(rows)
    chunks = [m for m in published(broker_folder) if m[0] == "notifications"]
    assert [m[1] for m in chunks] == ["referrals.tasks.deliver_notifications"] * 2
    assert ("exchanges", "referrals.tasks.deliver_notification", "[1000]") in published(
        broker_folder
    )


@pytest.fixture
def channels():
    """Two channels of the test's own: "quick", sent by the workers of people's messages,
    and "slow", whose sending has workers of its own (as an outside system's has); what
    each sent, in order."""
    sent = {"quick": [], "slow": []}
    notifications.register_channel("quick", lambda row: sent["quick"].append(row.pk))
    notifications.register_channel(
        "slow", lambda row: sent["slow"].append(row.pk), queue="exchanges"
    )
    yield sent
    for channel in sent:
        notifications._SENDERS.pop(channel)
        notifications._QUEUES.pop(channel)


@pytest.mark.django_db
def test_each_queues_periodic_sender_catches_up_on_its_own_channels_only(channels):
    rows = {
        channel: Notification.objects.create(
            kind="new_case", channel=channel, idempotency_key=f"queues:{channel}"
        )
        for channel in channels
    }
    Notification.objects.update(created_at=timezone.now() - timedelta(minutes=5))

    assert notifications.deliver_pending(queue="exchanges") == 1
    assert channels == {"quick": [], "slow": [rows["slow"].pk]}
    assert notifications.deliver_pending(queue="notifications") == 1
    assert channels == {"quick": [rows["quick"].pk], "slow": [rows["slow"].pk]}
