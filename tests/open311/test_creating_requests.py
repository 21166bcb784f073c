"""POST requests: an agency's system sends a citizen's request as the standard's form; the
portal makes an ordinary case of it (channel API, named on the timeline by the key), and
answers the request id with the secret the citizen needs to follow it."""

import pytest
from django.utils import timezone, translation

from referrals.models import Case, CaseEvent, Channel
from referrals.selectors import case_for_citizen
from referrals.services.intake import MAX_DESCRIPTION
from tests.api.helpers import api_key
from tests.open311.helpers import FORMATS, NEW_REQUEST, errors, get, post, read, root_of

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_system_creates_an_ordinary_case_and_reads_it_back(fmt):
    key, raw = api_key("MOL")
    sent = {
        **NEW_REQUEST,
        "api_key": raw,
        "attribute[district]": "1001",
        "attribute[subdistrict]": "100101",
        "device_id": "tt222111",
        "account_id": "123456",
    }

    answer = post(fmt, sent)

    assert answer.status_code == 200
    assert "no-store" in answer["Cache-Control"]  # it holds the person's secret
    [created] = read(answer)
    if fmt == "xml":
        assert root_of(answer) == "service_requests"
    assert set(created) == {
        "service_request_id",
        "service_notice",
        "account_id",
        "token",
        "secret",
    }
    assert created["account_id"] is None and created["token"] is None
    case = Case.objects.get()
    assert created["service_request_id"] == case.reference
    assert case_for_citizen(case.reference, created["secret"]) == case
    assert created["secret"] in created["service_notice"]
    assert f"/track/?reference={case.reference}" in created["service_notice"]
    assert case.citizen_name == "สมชาย ใจดี"
    assert case.citizen_phone == "0812345678"
    assert case.citizen_email == "somchai@example.com"
    assert case.description == NEW_REQUEST["description"]
    assert (case.province_id, case.district_id, case.subdistrict_id) == ("10", "1001", "100101")
    assert case.category.code == "unpaid-wages"
    assert case.lead_agency.code == "MOL"
    assert case.channel == Channel.API
    assert case.created_by is None and case.created_by_key == key
    assert CaseEvent.objects.get(case=case, kind="created").actor_key == key

    [listed] = read(get(f"requests.{fmt}"))
    [one] = read(get(f"requests/{case.reference}.{fmt}"))
    assert listed == one
    assert one["service_request_id"] == case.reference
    assert one["status"] == "open"
    assert one["service_code"] == "unpaid-wages"
    assert one["agency_responsible"] == "กระทรวงแรงงาน"


def test_the_key_may_come_in_the_api_header_instead():
    _key, raw = api_key("MOL")
    answer = post("json", NEW_REQUEST, HTTP_AUTHORIZATION=f"Api-Key {raw}")

    assert answer.status_code == 200
    assert Case.objects.count() == 1


def test_the_location_sent_is_added_to_the_end_of_the_description_in_the_callers_language():
    _key, raw = api_key("MOL")
    where = {"lat": "13.7563309", "long": "100.5017651", "address_string": "ถนนราชดำเนินกลาง"}
    place = "ถนนราชดำเนินกลาง, 13.756331, 100.501765"

    post("json", {**NEW_REQUEST, **where, "api_key": raw})
    post("json", {**NEW_REQUEST, **where, "api_key": raw}, language="en")

    thai, english = Case.objects.order_by("created_at")
    with translation.override("th"):
        line = translation.gettext("Location: %(where)s") % {"where": place}
    assert thai.description == f"{NEW_REQUEST['description']}\n{line}"
    assert english.description == f"{NEW_REQUEST['description']}\nLocation: {place}"


def test_a_location_alone_is_no_description():
    _key, raw = api_key("MOL")

    answer = post(
        "json",
        {**NEW_REQUEST, "description": "", "address_string": "ถนนราชดำเนินกลาง", "api_key": raw},
    )

    assert answer.status_code == 400
    assert errors(answer)[0].startswith("description:")
    assert Case.objects.count() == 0


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_location_that_would_make_the_description_too_long_is_refused(fmt):
    _key, raw = api_key("MOL")
    description = "ก" * MAX_DESCRIPTION

    answer = post(
        fmt,
        {**NEW_REQUEST, "description": description, "lat": "13.7", "long": "100.5", "api_key": raw},
    )

    assert answer.status_code == 400
    assert errors(answer)[0].startswith("description:")
    assert Case.objects.count() == 0


def test_a_description_at_the_limit_without_a_location_is_taken():
    _key, raw = api_key("MOL")

    answer = post("json", {**NEW_REQUEST, "description": "ก" * MAX_DESCRIPTION, "api_key": raw})

    assert answer.status_code == 200


def test_sensitive_help_needs_the_persons_consent():
    _key, raw = api_key("MOPH")
    sent = {**NEW_REQUEST, "service_code": "healthcare-access", "api_key": raw}

    refused = post("json", sent)
    taken = post("json", {**sent, "attribute[sensitive_consent]": "true"})

    assert refused.status_code == 400
    assert errors(refused)[0].startswith("attribute[sensitive_consent]:")
    assert taken.status_code == 200
    case = Case.objects.get()
    assert case.sensitive_consent_at is not None
    assert case.sensitive_consent_at <= timezone.now()


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "kind", ["missing", "unknown", "revoked", "expired", "read-only", "malformed"]
)
def test_a_key_that_may_not_write_is_refused_with_403_and_nothing_is_saved(fmt, kind):
    if kind == "missing":
        raw = ""
    elif kind == "unknown":
        _key, raw = api_key("MOL")
        raw = raw[:-4] + ("AAAA" if not raw.endswith("AAAA") else "BBBB")
    elif kind == "malformed":
        raw = "not-a-key"
    else:
        _key, raw = api_key(
            "MOL",
            revoked=kind == "revoked",
            expired=kind == "expired",
            write=kind != "read-only",
        )

    answer = post(fmt, {**NEW_REQUEST, "api_key": raw})

    assert answer.status_code == 403
    [description] = errors(answer)
    assert description.startswith("api_key:")
    assert Case.objects.count() == 0


def test_a_key_of_a_closed_agency_is_refused():
    key, raw = api_key("MOL")
    key.agency.is_active = False
    key.agency.save()

    answer = post("json", {**NEW_REQUEST, "api_key": raw})

    assert answer.status_code == 403
    assert Case.objects.count() == 0


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_key_over_its_rate_is_answered_429_with_retry_after(fmt, settings):
    settings.API_RATE_PER_CALLER = "2/m"
    _key, raw = api_key("MOL")

    codes = [post(fmt, {**NEW_REQUEST, "api_key": raw}).status_code for _ in range(2)]
    refused = post(fmt, {**NEW_REQUEST, "api_key": raw})

    assert codes == [200, 200]
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    assert errors(refused)
    assert Case.objects.count() == 2
    _other, other_raw = api_key("MOL")
    assert post(fmt, {**NEW_REQUEST, "api_key": other_raw}).status_code == 200
