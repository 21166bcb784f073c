"""The REST API's cases through HTTP, as an agency's back office uses them: create once,
read with ETags, act with the version seen, files, errors in one shape and language."""

from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings

from agencies.models import Role
from api import actions as api_actions
from api import serializers
from referrals import actions
from referrals.models import Case, CaseEvent, CaseStatus, PersonalDataAccess
from tests.api.helpers import NEW_CASE, api_key, key_client, staff_client
from tests.referrals.factories import case_in, fresh, referral_in, staff
from tests.referrals.public_helpers import png_bytes

pytestmark = pytest.mark.django_db


def test_the_api_offers_every_action_of_the_registry_and_no_other():
    assert set(api_actions.CASE_ACTIONS) == set(actions.CASE) - actions.STAFF_PAGES_ONLY
    assert set(api_actions.REFERRAL_ACTIONS) == set(actions.REFERRAL)


def test_a_system_creates_a_case_named_on_the_timeline_by_its_key():
    key, raw = api_key("MOL")

    answer = key_client(raw).post("/api/v1/cases/", NEW_CASE, format="json")

    assert answer.status_code == 201
    body = answer.json()
    case = Case.objects.get(reference=body["reference"])
    assert body["channel"] == case.channel == "api"
    assert body["lead_agency"] == "MOL"
    assert body["secret"]  # for the citizen, shown only here
    assert case.created_by is None
    assert case.created_by_key == key
    created = CaseEvent.objects.get(case=case, kind="created")
    assert created.actor is None and created.actor_key == key
    timeline = key_client(raw).get(f"/api/v1/cases/{case.reference}/events/").json()
    assert timeline[0]["who"] == "api:mol-backoffice"


def test_a_retried_create_with_the_same_idempotency_key_makes_one_case():
    _key, raw = api_key("MOL")
    client = key_client(raw)

    first = client.post("/api/v1/cases/", NEW_CASE, format="json", HTTP_IDEMPOTENCY_KEY="req-1")
    again = client.post("/api/v1/cases/", NEW_CASE, format="json", HTTP_IDEMPOTENCY_KEY="req-1")

    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["reference"] == first.json()["reference"]
    assert again.json()["secret"] == first.json()["secret"]
    assert Case.objects.count() == 1


def test_an_idempotency_key_used_with_another_body_is_refused_and_nothing_is_made():
    _key, raw = api_key("MOL")
    client = key_client(raw)
    client.post("/api/v1/cases/", NEW_CASE, format="json", HTTP_IDEMPOTENCY_KEY="req-1")

    other = {**NEW_CASE, "citizen_name": "สมหญิง ใจดี"}
    answer = client.post("/api/v1/cases/", other, format="json", HTTP_IDEMPOTENCY_KEY="req-1")

    assert answer.status_code == 409
    assert answer.json()["code"] == "idempotency_key"
    assert Case.objects.count() == 1


def test_two_systems_may_use_the_same_idempotency_key():
    _key, mol = api_key("MOL")
    _key, other = api_key("MOL")
    for raw in (mol, other):
        answer = key_client(raw).post(
            "/api/v1/cases/", NEW_CASE, format="json", HTTP_IDEMPOTENCY_KEY="same"
        )
        assert answer.status_code == 201
    assert Case.objects.count() == 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"category": "no-such-help"}, "category"),
        ({"province": "99"}, "province"),
        ({"description": "สั้น"}, "description"),
        ({"description": ["not", "text"]}, "description"),
        ({"citizen_phone": "abc"}, "citizen_phone"),
        ({"citizen_email": "not-an-address"}, "citizen_email"),
        ({"priority": "urgentest"}, "priority"),
        ({"district": "1201"}, "district"),  # a district of Nonthaburi, not Bangkok
        ({"channel": "web"}, "channel"),  # a system records its own channel only
        ({"category": "crime-victim-compensation"}, "sensitive_consent"),
    ],
)
def test_bad_input_is_answered_beside_its_field_and_nothing_is_saved(change, field):
    _key, raw = api_key("MOL")

    answer = key_client(raw).post("/api/v1/cases/", {**NEW_CASE, **change}, format="json")

    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == "invalid"
    assert field in body["fields"]
    assert Case.objects.count() == 0


def test_messages_follow_accept_language_thai_by_default():
    _key, raw = api_key("MOL")
    bad = {**NEW_CASE, "description": "สั้น"}

    thai = key_client(raw, "th").post("/api/v1/cases/", bad, format="json").json()
    english = key_client(raw, "en").post("/api/v1/cases/", bad, format="json").json()

    assert thai["fields"]["description"] != english["fields"]["description"]
    assert "10" in english["fields"]["description"][0]
    assert english["message"] == "Some of what was sent is not valid: see the fields."


def test_a_read_only_key_cannot_create():
    _key, raw = api_key("MOL", write=False)

    answer = key_client(raw).post("/api/v1/cases/", NEW_CASE, format="json")

    assert answer.status_code == 403
    assert answer.json()["code"] == "permission_denied"
    assert Case.objects.count() == 0


def test_the_case_is_read_with_an_etag_and_unchanged_answers_304():
    case = case_in(CaseStatus.NEW)
    key, raw = api_key("MOL")
    client = key_client(raw)

    first = client.get(f"/api/v1/cases/{case.reference}/")
    again = client.get(f"/api/v1/cases/{case.reference}/", HTTP_IF_NONE_MATCH=first["ETag"])

    assert first.status_code == 200 and again.status_code == 304
    assert first.json()["citizen"]["name"] == case.citizen_name
    assert "accept" in first.json()["actions"]
    read = PersonalDataAccess.objects.get(case=case)
    assert read.api_key == key and read.user is None

    client.post(f"/api/v1/cases/{case.reference}/accept/", {}, format="json")
    changed = client.get(f"/api/v1/cases/{case.reference}/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200
    assert changed["ETag"] != first["ETag"]


def test_an_action_on_a_stale_version_answers_409_and_changes_nothing():
    case = case_in(CaseStatus.IN_PROGRESS)
    _key, raw = api_key("MOL")
    events = CaseEvent.objects.filter(case=case).count()

    answer = key_client(raw).post(
        f"/api/v1/cases/{case.reference}/resolve/",
        {"answer": "จ่ายแล้ว", "version": case.version - 1},
        format="json",
    )

    assert answer.status_code == 409
    assert answer.json()["code"] == "stale"
    assert fresh(case).status == CaseStatus.IN_PROGRESS
    assert CaseEvent.objects.filter(case=case).count() == events


def test_if_match_with_an_old_etag_answers_412_and_the_current_one_acts():
    case = case_in(CaseStatus.IN_PROGRESS)
    _key, raw = api_key("MOL")
    client = key_client(raw)
    seen = client.get(f"/api/v1/cases/{case.reference}/")["ETag"]
    client.post(
        f"/api/v1/cases/{case.reference}/classify/",
        {"category": "unpaid-wages", "priority": "urgent"},
    )

    stale = client.post(
        f"/api/v1/cases/{case.reference}/resolve/", {"answer": "จ่ายแล้ว"}, HTTP_IF_MATCH=seen
    )
    assert stale.status_code == 412
    assert fresh(case).status == CaseStatus.IN_PROGRESS

    current = client.get(f"/api/v1/cases/{case.reference}/")["ETag"]
    done = client.post(
        f"/api/v1/cases/{case.reference}/resolve/", {"answer": "จ่ายแล้ว"}, HTTP_IF_MATCH=current
    )
    assert done.status_code == 200
    assert done.json()["status"] == CaseStatus.RESOLVED


def test_an_action_the_status_does_not_allow_answers_409():
    case = case_in(CaseStatus.RESOLVED)
    _key, raw = api_key("MOL")

    answer = key_client(raw).post(f"/api/v1/cases/{case.reference}/accept/", {}, format="json")

    assert answer.status_code == 409
    assert answer.json()["code"] == "not_allowed_now"


def test_a_domain_error_about_an_input_is_shown_beside_it():
    case = case_in(CaseStatus.IN_PROGRESS)
    _key, raw = api_key("MOL")

    answer = key_client(raw).post(
        f"/api/v1/cases/{case.reference}/refer/",
        {"to_agencies": ["MOL"], "reason": "ช่วยด้วย"},
        format="json",
    )

    assert answer.status_code == 400
    assert "to_agencies" in answer.json()["fields"]
    assert not fresh(case).referrals.exists()


def test_a_case_the_caller_may_not_see_answers_404_for_every_verb():
    case = case_in(CaseStatus.NEW)
    _key, raw = api_key("MOPH")  # not involved
    client = key_client(raw)

    for answer in (
        client.get(f"/api/v1/cases/{case.reference}/"),
        client.get(f"/api/v1/cases/{case.reference}/events/"),
        client.get(f"/api/v1/cases/{case.reference}/files/"),
        client.post(f"/api/v1/cases/{case.reference}/accept/", {}, format="json"),
    ):
        assert answer.status_code == 404
        assert answer.json()["code"] == "not_found"
    assert fresh(case).status == CaseStatus.NEW


def test_a_referred_agency_answers_its_referral_through_the_api():
    referral = referral_in("pending")
    _key, raw = api_key("MOPH")
    client = key_client(raw)

    listed = client.get("/api/v1/referrals/?direction=incoming").json()["results"]
    assert [row["id"] for row in listed] == [referral.pk]

    accepted = client.post(f"/api/v1/referrals/{referral.pk}/accept/", {"version": 1})
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    done = client.post(f"/api/v1/referrals/{referral.pk}/complete/", {"outcome": "ตรวจแล้ว"})
    assert done.status_code == 200 and done.json()["status"] == "completed"
    stale = client.post(f"/api/v1/referrals/{referral.pk}/cancel/", {"reason": "x", "version": 1})
    assert stale.status_code in (403, 409)


def test_files_are_checked_added_listed_and_read_with_the_read_log(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    case = case_in(CaseStatus.IN_PROGRESS)
    key, raw = api_key("MOL")
    client = key_client(raw)
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile("a.png", b"not a picture at all", "image/png")
    refused = client.post(f"/api/v1/cases/{case.reference}/attach/", {"file": bad})
    assert refused.status_code == 400 and "file" in refused.json()["fields"]

    good = SimpleUploadedFile("slip.png", png_bytes(), "image/png")
    added = client.post(f"/api/v1/cases/{case.reference}/attach/", {"file": good})
    assert added.status_code == 200
    [row] = client.get(f"/api/v1/cases/{case.reference}/files/").json()
    assert row["original_name"] == "slip.png"

    content = client.get(f"/api/v1/cases/{case.reference}/files/{row['id']}/")
    assert content.status_code == 200
    assert b"".join(content.streaming_content).startswith(b"\x89PNG")
    assert PersonalDataAccess.objects.filter(case=case, api_key=key).exists()


def test_a_non_json_body_answers_415_in_the_one_shape():
    _key, raw = api_key("MOL")

    answer = key_client(raw).post("/api/v1/cases/", "category=x", content_type="text/plain")

    assert answer.status_code == 415
    assert answer.json()["code"] == "unsupported_media_type"


def test_a_body_over_the_limit_answers_413_in_the_one_shape(settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    _key, raw = api_key("MOL")
    client = key_client(raw)

    answer = client.post("/api/v1/cases/", {"description": "x" * (8 * 1024 * 1024)}, format="json")

    assert answer.status_code == 413
    assert answer.json()["code"] == "too_large"
    assert Case.objects.count() == 0


def test_no_credentials_or_a_bad_key_answer_401():
    from rest_framework.test import APIClient

    assert APIClient().get("/api/v1/cases/").status_code == 401
    bad = key_client("abc.def").get("/api/v1/cases/")
    assert bad.status_code == 401
    assert bad["WWW-Authenticate"] == "Api-Key"
    for revoked_or_expired in ({"revoked": True}, {"expired": True}):
        _key, raw = api_key("MOL", **revoked_or_expired)
        assert key_client(raw).get("/api/v1/cases/").status_code == 401


def test_staff_use_the_api_with_their_session():
    case = case_in(CaseStatus.NEW)
    officer = staff("MOL", Role.INTAKE_OFFICER)
    client = staff_client(officer)

    listed = client.get("/api/v1/cases/?tab=new").json()["results"]
    assert [row["reference"] for row in listed] == [case.reference]
    accepted = client.post(f"/api/v1/cases/{case.reference}/accept/", {}, format="json")
    assert accepted.status_code == 200
    assert CaseEvent.objects.get(case=case, kind="accepted").actor == officer


def test_the_case_list_costs_the_same_queries_for_few_or_many(django_assert_max_num_queries):
    _key, raw = api_key("MOL")
    client = key_client(raw)
    for _ in range(3):
        case_in(CaseStatus.NEW)
    with django_assert_max_num_queries(12) as few:
        client.get("/api/v1/cases/")
    for _ in range(12):
        case_in(CaseStatus.NEW)
    with django_assert_max_num_queries(len(few.captured_queries)):
        answer = client.get("/api/v1/cases/")
    assert len(answer.json()["results"]) == 15


@pytest.mark.redis
def test_a_key_over_its_rate_is_answered_429_with_retry_after(real_cache):
    _key, raw = api_key("MOL")
    client = key_client(raw)
    with override_settings(API_RATE_PER_CALLER="3/m"):
        codes = [client.get("/api/v1/provinces/").status_code for _ in range(4)]
        refused = client.get("/api/v1/provinces/")
    assert codes == [200, 200, 200, 429]
    assert refused.json()["code"] == "throttled"
    assert int(refused["Retry-After"]) >= 1
    _other, other = api_key("MOL")
    with override_settings(API_RATE_PER_CALLER="3/m"):
        assert key_client(other).get("/api/v1/provinces/").status_code == 200


@pytest.mark.parametrize(
    "path", ["/api/v1/referrals/0.5/", "/api/v1/no-such-thing/", "/api/v1/cases/x/files/y/"]
)
def test_an_api_address_that_matches_nothing_answers_404_in_the_one_shape(path):
    _key, raw = api_key("MOL")

    answer = key_client(raw).get(path)

    assert answer.status_code == 404
    assert answer["Content-Type"] == "application/json"
    assert answer.json()["code"] == "not_found"


def test_a_case_is_written_with_exactly_the_fields_the_schema_describes():
    case = case_in(CaseStatus.IN_PROGRESS)
    referral_in("pending", case)
    _key, raw = api_key("MOL")
    client = key_client(raw)

    listed = client.get("/api/v1/cases/").json()["results"][0]
    detail = client.get(f"/api/v1/cases/{case.reference}/").json()
    created = client.post("/api/v1/cases/", NEW_CASE, format="json").json()

    assert list(listed) == serializers.CaseSerializer.Meta.fields
    assert list(detail) == serializers.CaseDetailSerializer.Meta.fields
    assert list(created) == serializers.CreatedCaseSerializer.Meta.fields
    assert detail["referrals"][0]["to_agency"] == "MOPH"
    submitted = fresh(case).created_at.astimezone(ZoneInfo("Asia/Bangkok"))
    assert detail["created_at"] == submitted.isoformat()


def test_a_system_asks_each_agency_in_words_of_its_own():
    case = case_in(CaseStatus.IN_PROGRESS)
    _key, raw = api_key("MOL")

    answer = key_client(raw).post(
        f"/api/v1/cases/{case.reference}/refer/",
        {
            "version": case.version,
            "asks": [
                {"agency": "MOPH", "reason": "ตรวจสุขภาพผู้ร้อง"},
                {"agency": "MSDHS", "reason": "หาที่พักชั่วคราว"},
            ],
        },
        format="json",
    )

    assert answer.status_code == 200, answer.json()
    assert dict(case.referrals.values_list("to_agency__code", "reason")) == {
        "MOPH": "ตรวจสุขภาพผู้ร้อง",
        "MSDHS": "หาที่พักชั่วคราว",
    }


@pytest.mark.parametrize(
    ("sent", "field"),
    [
        ({"asks": [{"agency": "MOPH", "reason": "ตรวจ"}], "reason": "ช่วย"}, "asks"),
        ({"asks": [{"agency": "XX", "reason": "ตรวจ"}]}, "asks.0.agency"),
        ({"asks": [{"agency": "MOPH", "reason": "ก"}, {"agency": "MOPH", "reason": "ข"}]}, "asks"),
        ({"asks": "MOPH"}, "asks"),
        ({"to_agencies": ["MOPH"]}, "reason"),
    ],
)
def test_a_referral_sent_wrong_is_refused_with_the_field_named_and_nothing_changes(sent, field):
    case = case_in(CaseStatus.IN_PROGRESS)
    _key, raw = api_key("MOL")

    answer = key_client(raw).post(
        f"/api/v1/cases/{case.reference}/refer/", {"version": case.version, **sent}, format="json"
    )

    assert answer.status_code == 400
    assert all(isinstance(m, str) for m in answer.json()["fields"][field])
    assert not case.referrals.exists()
