"""The 1111 link with real workers on the real PostgreSQL: two pollers at once read each
complaint once (the second finds the connection held and stops); a worker killed while 1111
has its step loses nothing and sends nothing twice (the outbox reports it failed, for a
person to check), and one killed before it sent leaves the step to be sent later."""

import os
import signal
import subprocess
import sys
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from agencies.models import Role
from integrations.gcc1111 import poller, soap
from integrations.models import ExternalCase
from referrals import services as workflow
from referrals.models import Case, Notification
from referrals.notifications import STALLED_AFTER, deliver, deliver_pending, give_up_stalled
from tests import processes
from tests.integrations.soap_double import complaint
from tests.referrals.factories import at_once, fresh, staff

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

S = Notification.Status
# A worker of the outbox in a process of its own: it says when it is ready, then waits for
# a line before it delivers the row, so that the test can kill it before or during sending.
WORKER = """
import sys
import django
django.setup()
from referrals.notifications import deliver
print("ready", flush=True)
sys.stdin.readline()
print("sent" if deliver(int(sys.argv[1])) else "not sent", flush=True)
"""


def test_a_second_poller_finds_the_connection_held_and_stops(soap_link, double, settings):
    settings.GCC_1111_PAGE_SIZE = 2
    double.cases = [complaint(f"6712-0007{i:02d}", f"2026-12-01 09:{i:02d}:00") for i in range(5)]
    double.hold("GetCases")  # the first poller holds the connection while 1111 answers
    outcomes = {}

    def first():
        try:
            outcomes["first"] = poller.poll(soap_link)
        finally:
            connection.close()

    thread = threading.Thread(target=first)
    thread.start()
    processes.wait_until(double.held.is_set, what="the first poller reading")
    second = poller.poll(soap_link)
    double.release.set()
    thread.join(30)

    assert second.busy and second.read == 0
    assert not outcomes["first"].busy and outcomes["first"].created == 5
    assert Case.objects.count() == 5 and ExternalCase.objects.count() == 5
    assert len(double.called("GetToken")) == 1  # the second never asked for one
    assert soap.written(fresh(soap_link).read_up_to) == "2026-12-01 09:04:00"


def test_two_pollers_released_together_read_each_complaint_once(soap_link, double, settings):
    settings.GCC_1111_PAGE_SIZE = 2
    double.cases = [complaint(f"6712-0007{i:02d}", f"2026-12-01 10:{i:02d}:00") for i in range(5)]

    outcomes = at_once(lambda: poller.poll(soap_link), lambda: poller.poll(soap_link))

    assert not any(isinstance(outcome, Exception) for outcome in outcomes)
    assert sum(outcome.created for outcome in outcomes) == 5
    assert sorted(ExternalCase.objects.values_list("external_id", flat=True)) == [
        item["case_code"] for item in double.cases
    ]


def one_step_to_send(soap_link, double) -> Notification:
    double.cases = [complaint("6712-000801")]
    poller.poll(soap_link)
    case = ExternalCase.objects.get(external_id="6712-000801").case
    workflow.accept_case(case, staff("MOL", Role.SUPERVISOR))
    (row,) = Notification.objects.filter(case=case, channel=Notification.Channel.EXCHANGE)
    return row


def worker(row: Notification) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-c", WORKER, str(row.pk)],
        cwd=processes.ROOT,
        env={**os.environ, "DATABASE_URL": processes.test_database_url(), "DEBUG": "1"},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert process.stdout.readline().strip() == "ready"
    return process


def kill(process: subprocess.Popen) -> None:
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def test_a_worker_killed_while_1111_has_the_step_sends_nothing_twice(soap_link, double):
    row = one_step_to_send(soap_link, double)
    double.hold()
    process = worker(row)

    process.stdin.write("go\n")
    process.stdin.flush()
    processes.wait_until(double.held.is_set, what="1111 receiving the step")
    kill(process)

    assert fresh(row).status == S.SENDING  # it may have arrived: nobody knows
    assert len(double.operations) == 1
    assert give_up_stalled(now=timezone.now() + STALLED_AFTER + timedelta(minutes=1)) == 1
    row = fresh(row)
    assert row.status == S.FAILED and "worker stopped" in row.last_error
    # Not sent again by itself: a person checks 1111 and sends it again if it is missing.
    assert deliver_pending(older_than=timedelta(0)) == 0
    assert not deliver(row.pk)
    assert len(double.operations) == 1


def test_a_worker_killed_before_sending_leaves_the_step_to_be_sent_later(soap_link, double):
    row = one_step_to_send(soap_link, double)
    process = worker(row)

    kill(process)

    assert fresh(row).status == S.PENDING and double.operations == []
    assert deliver_pending(older_than=timedelta(0)) == 1
    assert fresh(row).status == S.SENT and len(double.operations) == 1
