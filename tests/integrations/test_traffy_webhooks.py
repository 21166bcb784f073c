"""Traffy Fondue's webhooks: a new issue forwarded to an agency becomes one case, placed
where Traffy says it is, with its photos checked like any upload; a call not signed with
the connection's secret, a second copy, or a body that is not an issue changes nothing."""

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from agencies.models import Role
from integrations.models import Exchange, ExternalCase, System, ValueMapping
from integrations.traffy.webhooks import signature
from referrals.models import Attachment, Case, Category, Channel, EventKind
from tests.helpers import signed_in
from tests.integrations.traffy_double import call_webhook, jpeg, thai
from tests.referrals.factories import fresh, staff

pytestmark = pytest.mark.django_db


def new_issue(traffy, ticket="2026-ABCDEF", **changes):
    """The new-issue webhook's body as docs/webhooks.md gives it."""
    traffy.photos.setdefault("example.jpeg", (jpeg(), "image/jpeg"))
    return {
        "timestamp": "2026-08-31 10:00:00.000000",
        "ticket_id": ticket,
        "description": "พบฝาท่อระบายน้ำชำรุด อาจเกิดอันตรายกับผู้สัญจร",
        "type_id": 12,
        "type": "ถนน",
        "photo": [traffy.photo_url("example.jpeg")],
        "latitude": 14.0603834,
        "longitude": 100.5961149,
        "address": "112 ถ.พหลโยธิน ต.คลองหนึ่ง อ.คลองหลวง จ.ปทุมธานี",
        "orgs": [{"org_id": 151, "org": "กระทรวงแรงงาน"}],
        **changes,
    }


def test_a_new_issue_becomes_a_case_placed_where_traffy_says(client, traffy):
    answer = call_webhook(client, traffy.connection, new_issue(traffy))

    assert answer.status_code == 200 and answer.json() == {"status": "done"}
    link = ExternalCase.objects.get(system=System.TRAFFY, external_id="2026-ABCDEF")
    case = link.case
    assert case.channel == Channel.TRAFFY and link.state_in == "รอรับเรื่อง"
    assert (case.province_id, case.district_id, case.subdistrict_id) == ("13", "1302", "130201")
    assert (case.latitude, case.longitude) == (Decimal("14.060383"), Decimal("100.596115"))
    assert case.category.code == "other"  # type 12 is not mapped: the row for any type
    assert "พบฝาท่อระบายน้ำชำรุด" in case.description and "ถนน" in case.description
    assert case.citizen_phone == "" and case.citizen_name == thai("Reporter on Traffy Fondue")
    (photo,) = Attachment.objects.filter(case=case)
    assert photo.content_type == "image/jpeg"
    created = case.events.get(kind=EventKind.CREATED)
    assert created.actor_key.name == "Traffy Fondue (MOL)"


def test_the_type_is_made_a_help_category_by_its_id_before_its_name(client, traffy):
    ValueMapping.objects.create(
        system=System.TRAFFY,
        kind=ValueMapping.Kind.CATEGORY,
        code="ถนน",
        category=Category.objects.get(code="official-complaint"),
    )
    call_webhook(client, traffy.connection, new_issue(traffy, ticket="2026-BYNAME"))
    ValueMapping.objects.create(
        system=System.TRAFFY,
        kind=ValueMapping.Kind.CATEGORY,
        code="12",
        category=Category.objects.get(code="unpaid-wages"),
    )
    call_webhook(client, traffy.connection, new_issue(traffy, ticket="2026-BYID"))

    assert Case.objects.get(external_links__external_id="2026-BYNAME").category.code == (
        "official-complaint"
    )
    assert Case.objects.get(external_links__external_id="2026-BYID").category.code == (
        "unpaid-wages"
    )


def test_a_bangkok_address_is_placed_by_its_khwaeng_and_khet(client, traffy):
    issue = new_issue(traffy, address="ซอยพหลโยธิน 18 แขวงจอมพล เขตจตุจักร กรุงเทพมหานคร 10900")
    call_webhook(client, traffy.connection, issue)

    case = Case.objects.get()
    assert (case.province_id, case.district_id, case.subdistrict_id) == ("10", "1030", "103004")


def test_the_same_issue_twice_is_one_case(client, traffy):
    first = call_webhook(client, traffy.connection, new_issue(traffy), delivery="d-1")
    again = call_webhook(client, traffy.connection, new_issue(traffy), delivery="d-1")
    other_delivery = call_webhook(client, traffy.connection, new_issue(traffy), delivery="d-2")

    assert [first.json(), again.json(), other_delivery.json()] == [
        {"status": "done"},
        {"status": "duplicate"},
        {"status": "duplicate"},
    ]
    assert Case.objects.count() == 1 and Attachment.objects.count() == 1
    assert traffy.fetched == ["example.jpeg"]


def test_a_photo_that_is_not_an_image_is_refused_and_the_case_made_without_it(client, traffy):
    traffy.photos["fake.jpeg"] = (b"MZ\x90\x00 not a picture at all", "image/jpeg")
    issue = new_issue(traffy, photo=[traffy.photo_url("fake.jpeg")])

    answer = call_webhook(client, traffy.connection, issue)

    assert answer.status_code == 200
    case = Case.objects.get()
    assert not Attachment.objects.filter(case=case).exists()
    refused = Exchange.objects.get(ok=False, operation="photo")
    assert refused.case == case and "fake.jpeg" in refused.detail
    assert "รูปภาพ" in refused.detail  # the intake's own message, in Thai


def test_a_photo_that_cannot_be_fetched_is_logged_and_the_case_made(client, traffy):
    issue = new_issue(traffy, photo=[traffy.photo_url("gone.jpeg")])
    assert call_webhook(client, traffy.connection, issue).status_code == 200
    assert Case.objects.count() == 1
    assert "HTTP 404" in Exchange.objects.get(ok=False, operation="photo").detail


@pytest.mark.parametrize(
    ("secret", "header"),
    [("wrong-secret", True), ("", False)],
    ids=["wrong secret", "no signature"],
)
def test_a_call_not_signed_with_the_connections_secret_is_refused(client, traffy, secret, header):
    body = json.dumps(new_issue(traffy)).encode()
    if header:
        answer = call_webhook(client, traffy.connection, body, secret=secret)
    else:
        answer = client.post(
            f"/exchanges/traffy/{traffy.connection.agency.code}/webhook/",
            body,
            content_type="application/json",
        )
    assert answer.status_code == 403
    assert answer.json()["message"] == thai("The signature of this call is missing or wrong.")
    assert not Case.objects.exists()


def test_a_body_changed_after_signing_is_refused(client, traffy):
    signed = json.dumps(new_issue(traffy)).encode()
    answer = client.post(
        f"/exchanges/traffy/{traffy.connection.agency.code}/webhook/",
        signed.replace(b"14.06", b"13.75"),
        content_type="application/json",
        HTTP_X_TRAFFY_SIGNATURE=signature("hook-secret", signed),
    )
    assert answer.status_code == 403 and not Case.objects.exists()


def test_an_unknown_or_disabled_connection_answers_404(client, traffy):
    connection = traffy.connection
    connection.is_enabled = False
    connection.save()
    assert call_webhook(client, connection, new_issue(traffy)).status_code == 404
    unknown = client.post("/exchanges/traffy/NOPE/webhook/", b"{}", "application/json")
    assert unknown.status_code == 404
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"latitude": "north"}, "latitude"),
        ({"longitude": 200}, "longitude"),
        ({"ticket_id": ""}, "ticket_id"),
        ({"photo": [1, 2]}, "photo"),
        ({"address": "ที่ไหนสักแห่ง", "province": None}, "address"),
        ({"description": ["not", "text"]}, "description"),
    ],
    ids=lambda value: str(value),
)
def test_a_body_that_is_not_an_issue_is_refused_with_a_reason(client, traffy, changes, field):
    answer = call_webhook(client, traffy.connection, new_issue(traffy, **changes))

    assert answer.status_code == 400
    body = answer.json()
    assert field in body["errors"]
    assert body["message"].startswith(thai("The call was not taken: %(reasons)s")[:12])
    assert not Case.objects.exists()
    failure = Exchange.objects.get(ok=False)
    assert failure.operation == "new-issue" and field in failure.detail


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]"], ids=["not JSON", "not an object"])
def test_a_body_that_is_not_a_json_object_is_refused(client, traffy, body):
    answer = call_webhook(client, traffy.connection, body)
    assert answer.status_code == 400 and answer.json()["status"] == "fail"
    assert not Case.objects.exists()


def test_a_case_made_from_traffy_shows_its_point_to_the_agency(client, traffy):
    call_webhook(client, traffy.connection, new_issue(traffy))
    case = fresh(Case.objects.get())
    signed_in(client, staff(case.lead_agency.code, Role.INTAKE_OFFICER))

    page = client.get(reverse("staff:case", args=[case.reference]))

    assert page.status_code == 200
    assert "geo:14.060383,100.596115" in page.content.decode()
