"""The system administrator keeps every agency's ready-made replies in the Django admin,
through the same services as the agencies' own pages."""

import pytest
from django.urls import reverse

from referrals.models import ReplyKind, ReplyTemplate
from tests.referrals.factories import agency, fresh, reply_template

pytestmark = pytest.mark.django_db

ADD = reverse("admin:referrals_replytemplate_add")


def fields(**changes):
    return {
        "agency": agency("RTP").pk,
        "kind": ReplyKind.OUTCOME,
        "category": "",
        "title": "รับแจ้งความแล้ว",
        "body": "สถานีตำรวจรับแจ้งความเรื่อง {reference} แล้ว",
        "is_active": "on",
        **changes,
    }


def test_a_reply_written_in_the_admin_names_who_wrote_it(client, superuser):
    client.force_login(superuser)

    response = client.post(ADD, fields())

    assert response.status_code == 302
    template = ReplyTemplate.objects.get()
    assert (template.agency.code, template.created_by, template.updated_by) == (
        "RTP",
        superuser,
        superuser,
    )
    assert template.is_active


def test_unticking_in_use_archives_and_the_agency_stays(client, superuser):
    template = reply_template("MOL")
    client.force_login(superuser)
    change = reverse("admin:referrals_replytemplate_change", args=[template.pk])

    response = client.post(change, fields(title="ชื่อใหม่", is_active=""))

    assert response.status_code == 302
    template = fresh(template)
    assert (template.title, template.is_active, template.agency.code) == ("ชื่อใหม่", False, "MOL")
    assert template.updated_by == superuser
    assert "delete" not in client.get(change).text.lower().split("<form")[1]


def test_a_text_too_long_for_its_box_is_refused_in_thai(client, superuser):
    client.force_login(superuser)

    response = client.post(ADD, fields(kind=ReplyKind.REQUEST_INFORMATION, body="ก" * 2001))

    assert response.status_code == 200
    assert "2,000" in response.text and "Keep the text" not in response.text
    assert not ReplyTemplate.objects.exists()
