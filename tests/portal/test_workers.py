"""A real Celery worker and a real beat, on the embedded broker and on the real Redis."""

import os
import uuid
from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from kombu import Connection

from portal.tasks import clear_expired_sessions
from tests.processes import celery_process, filesystem_broker, wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def redis_broker(tmp_path):
    return os.environ["REDIS_URL"], {}


@pytest.mark.parametrize(
    "broker",
    [
        pytest.param(filesystem_broker, id="embedded-filesystem-broker"),
        pytest.param(redis_broker, id="redis", marks=pytest.mark.redis),
    ],
)
def test_a_worker_runs_the_session_cleanup_sent_through_the_broker(tmp_path, broker):
    url, options = broker(tmp_path)
    queue = f"test-{uuid.uuid4().hex[:8]}"
    live = SessionStore()
    live.create()
    Session.objects.create(
        session_key="expired" + uuid.uuid4().hex,
        session_data="",
        expire_date=timezone.now() - timedelta(days=1),
    )
    log = tmp_path / "worker.log"

    with Connection(url, transport_options=options) as connection:
        clear_expired_sessions.apply_async(connection=connection, queue=queue)
    with celery_process(
        "worker",
        "--pool=solo",
        "--without-gossip",
        "--without-mingle",
        "-Q",
        queue,
        "--loglevel=INFO",
        broker_url=url,
        var_dir=tmp_path / "var",
        log=log,
    ):
        wait_until(
            lambda: not Session.objects.filter(expire_date__lt=timezone.now()).exists(),
            what="the worker to delete the expired session",
            log=log,
        )
    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]
    assert "portal.tasks.clear_expired_sessions" in log.read_text()


def test_beat_starts_and_schedules_the_nightly_session_cleanup(tmp_path):
    url, _options = filesystem_broker(tmp_path)
    log = tmp_path / "beat.log"
    with celery_process(
        "beat",
        "--loglevel=INFO",
        f"--pidfile={tmp_path / 'beat.pid'}",
        broker_url=url,
        var_dir=tmp_path / "var",
        log=log,
    ):
        wait_until(
            lambda: PeriodicTask.objects.filter(name="clear-expired-sessions").exists(),
            what="beat to record its schedule",
            log=log,
        )
    task = PeriodicTask.objects.select_related("crontab").get(name="clear-expired-sessions")
    assert task.task == "portal.tasks.clear_expired_sessions"
    assert (task.crontab.hour, task.crontab.minute) == ("3", "17")
    assert str(task.crontab.timezone) == "Asia/Bangkok"
