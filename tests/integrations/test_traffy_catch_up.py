"""The issues no webhook brought are read back from Traffy Fondue's get-issues every few
minutes and received once, like a webhook's; old delivery ids are forgotten."""

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations import services
from integrations.models import Exchange, ExternalCase, WebhookDelivery
from integrations.traffy import tasks
from referrals.models import Attachment, Case, Channel
from tests.integrations.traffy_double import jpeg
from tests.referrals.factories import fresh, new_case_data

pytestmark = pytest.mark.django_db


def listed(traffy, ticket, **changes):
    """An issue as get-issues lists it (docs/query-apis.md): one photo, place names."""
    traffy.photos["listed.jpeg"] = (jpeg(), "image/jpeg")
    return {
        "ticket_id": ticket,
        "type": "ทางเท้า",
        "organization": "กระทรวงแรงงาน",
        "description": "ทางเท้าชำรุดเป็นหลุมลึก คนเดินตกได้",
        "photo": traffy.photo_url("listed.jpeg"),
        "latitude": 14.060383,
        "longitude": 100.596114,
        "address": "ตำบลคลองหนึ่ง อำเภอคลองหลวง จังหวัดปทุมธานี",
        "subdistrict": "คลองหนึ่ง",
        "district": "คลองหลวง",
        "province": "ปทุมธานี",
        "timestamp": "2026-08-20 22:25:37.433959",
        "photo_after": "https://storage.googleapis.com/traffy_public_bucket/",
        "status": "รอรับเรื่อง",
        "star": 0,
        **changes,
    }


def test_issues_no_webhook_brought_become_cases_once(traffy):
    services.receive_case(
        traffy.connection, "2026-KNOWN1", new_case_data(channel=Channel.TRAFFY), "รอรับเรื่อง"
    )
    for issue in (
        listed(traffy, "2026-KNOWN1"),
        listed(traffy, "2026-MISSED"),
        listed(traffy, "2026-BROKEN", latitude=None),
    ):
        traffy.issues[issue["ticket_id"]] = issue

    assert tasks.catch_up_traffy() == 1
    assert tasks.catch_up_traffy() == 0

    case = Case.objects.get(external_links__external_id="2026-MISSED")
    assert (case.province_id, case.district_id, case.subdistrict_id) == ("13", "1302", "130201")
    assert Attachment.objects.filter(case=case).count() == 1
    assert Case.objects.count() == 2
    durations = [call["query"]["duration"] for call in traffy.called("get-issues")]
    assert durations == ["3days", "today"]
    assert fresh(traffy.connection).read_up_to is not None
    broken = Exchange.objects.filter(ok=False, external_id="2026-BROKEN")
    assert broken.count() == 2 and "latitude" in broken.first().detail


def test_a_traffy_that_does_not_answer_is_logged_and_nothing_read(traffy):
    traffy.failing = 502

    assert tasks.catch_up_traffy() == 0

    failure = Exchange.objects.get(ok=False)
    assert failure.operation == "get-issues" and "HTTP 502" in failure.detail
    assert fresh(traffy.connection).read_up_to is None
    assert not ExternalCase.objects.exists()


def test_delivery_ids_older_than_a_month_are_forgotten(traffy):
    old = WebhookDelivery.objects.create(
        connection=traffy.connection,
        delivery_id="issue:old",
        received_at=timezone.now() - timedelta(days=31),
    )
    recent = WebhookDelivery.objects.create(connection=traffy.connection, delivery_id="issue:new")

    assert tasks.forget_traffy_deliveries() == 1
    assert list(WebhookDelivery.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not WebhookDelivery.objects.filter(pk=old.pk).exists()
