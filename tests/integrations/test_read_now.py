"""A supervisor reads a polled system at once from the links page: 1111's CoreService and
Traffy Fondue's list of issues, through the same tasks as the periodic runs."""

import pytest
from django.urls import reverse

from agencies.models import Role
from integrations.models import ExternalCase
from portal.celery import app
from tests.helpers import signed_in
from tests.integrations.soap_double import complaint
from tests.integrations.test_traffy_catch_up import listed
from tests.referrals.factories import staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def tasks_run_at_once():
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def read_now(client, connection, capture):
    signed_in(client, staff("MOL", Role.SUPERVISOR))
    with capture(execute=True):
        return client.post(reverse("integrations:read_now", args=[connection.pk]), follow=True)


def test_1111_is_read_at_once(
    client, soap_link, double, tasks_run_at_once, django_capture_on_commit_callbacks
):
    double.cases = [complaint("6712-000901", "2026-12-01 09:00:00")]

    answer = read_now(client, soap_link, django_capture_on_commit_callbacks)

    assert answer.status_code == 200
    assert ExternalCase.objects.filter(connection=soap_link, external_id="6712-000901").exists()
    assert len(double.called("GetCases")) == 1


def test_traffy_is_read_at_once(
    client, traffy, tasks_run_at_once, django_capture_on_commit_callbacks
):
    traffy.issues["2026-NOWNOW"] = listed(traffy, "2026-NOWNOW")

    read_now(client, traffy.connection, django_capture_on_commit_callbacks)

    assert ExternalCase.objects.filter(external_id="2026-NOWNOW").exists()
