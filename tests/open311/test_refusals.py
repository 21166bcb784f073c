"""Bad input of every kind is answered with the standard's error list, in the format the
path asks for, with the right status, in the caller's language, and saves nothing."""

import pytest
from django.utils import translation

from referrals.models import Case
from tests.api.helpers import api_key
from tests.open311.helpers import FORMATS, NEW_REQUEST, ROOT, client, errors, get, post, read

pytestmark = pytest.mark.django_db


@pytest.fixture
def raw_key():
    return api_key("MOL")[1]


def sent(raw_key, **changes) -> dict:
    data = {**NEW_REQUEST, "api_key": raw_key, **changes}
    return {name: value for name, value in data.items() if value is not None}


BAD_REQUESTS = {
    # what is wrong: (what changes in the valid form, status, the field the error names)
    "no service_code": ({"service_code": None}, 400, "service_code"),
    "unknown service_code": ({"service_code": "potholes"}, 404, "service_code"),
    "no province": ({"attribute[province]": None}, 400, "attribute[province]"),
    "unknown province": ({"attribute[province]": "99"}, 400, "attribute[province]"),
    "two provinces": ({"attribute[province]": ["10", "50"]}, 400, "attribute[province]"),
    "unknown district": ({"attribute[district]": "9999"}, 400, "attribute[district]"),
    "district elsewhere": ({"attribute[district]": "5001"}, 400, "attribute[district]"),
    "subdistrict without district": (
        {"attribute[subdistrict]": "100101"},
        400,
        "attribute[subdistrict]",
    ),
    "consent neither true nor false": (
        {"attribute[sensitive_consent]": "maybe"},
        400,
        "attribute[sensitive_consent]",
    ),
    "unknown attribute": ({"attribute[colour]": "red"}, 400, "attribute[colour]"),
    "no name": ({"first_name": None, "last_name": None}, 400, "first_name"),
    "name too long": ({"first_name": "ก" * 300}, 400, "first_name"),
    "no phone": ({"phone": None}, 400, "phone"),
    "not a phone": ({"phone": "12345"}, 400, "phone"),
    "not an email": ({"email": "somchai-at-example"}, 400, "email"),
    "email too long": ({"email": "a" * 250 + "@example.com"}, 400, "email"),
    "description too short": ({"description": "ช่วยด้วย"}, 400, "description"),
    "description too long": ({"description": "ก" * 5001}, 400, "description"),
    "lat not a number": ({"lat": "north", "long": "100.5"}, 400, "lat"),
    "lat out of range": ({"lat": "91", "long": "100.5"}, 400, "lat"),
    "lat not finite": ({"lat": "nan", "long": "100.5"}, 400, "lat"),
    "lat without long": ({"lat": "13.7"}, 400, "long"),
    "long without lat": ({"long": "100.5"}, 400, "lat"),
    "address too long": ({"address_string": "ถ" * 501}, 400, "address_string"),
    "media_url not a url": ({"media_url": "not a url"}, 400, "media_url"),
    "jurisdiction_id too long": ({"jurisdiction_id": "x" * 101}, 400, "jurisdiction_id"),
}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("case", list(BAD_REQUESTS), ids=list(BAD_REQUESTS))
def test_bad_input_is_refused_in_the_standards_format_and_nothing_is_saved(fmt, case, raw_key):
    changes, status, field = BAD_REQUESTS[case]

    answer = post(fmt, sent(raw_key, **changes))

    assert answer.status_code == status
    descriptions = errors(answer)
    assert any(d.startswith(f"{field}:") for d in descriptions), descriptions
    assert Case.objects.count() == 0


def test_every_mistake_is_its_own_entry(raw_key):
    form = post("json", sent(raw_key, lat="north", long="east", **{"attribute[province]": "99"}))
    person = post("json", sent(raw_key, first_name=None, last_name=None, phone="1", email="x"))

    assert form.status_code == person.status_code == 400
    assert [d.split(":")[0] for d in errors(form)] == ["lat", "long", "attribute[province]"]
    assert [d.split(":")[0] for d in errors(person)] == ["first_name", "email", "phone"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_body_over_the_limit_is_413(fmt, raw_key):
    answer = post(fmt, sent(raw_key, address_id="x" * 70_000))

    assert answer.status_code == 413
    assert errors(answer)
    assert Case.objects.count() == 0


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_body_over_the_portals_own_limit_is_413_in_the_standards_format(fmt, raw_key, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024  # the portal's guard: about 1 MB here

    answer = post(fmt, sent(raw_key, description="x" * 2_000_000))

    assert answer.status_code == 413
    assert errors(answer)
    assert Case.objects.count() == 0


@pytest.mark.parametrize("fmt", FORMATS)
def test_too_many_fields_are_refused(fmt, raw_key):
    many = {f"extra{number}": "1" for number in range(1100)}

    answer = post(fmt, sent(raw_key, **many))

    assert answer.status_code == 400
    assert errors(answer)
    assert Case.objects.count() == 0


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("field", ["first_name", "description", "attribute[province]", "x\x00"])
def test_a_nul_character_is_refused_and_nothing_is_saved(fmt, field, raw_key):
    data = sent(raw_key)
    data[field] = data.get(field, "") + "\x00"

    answer = post(fmt, data)

    assert answer.status_code == 400
    assert errors(answer)  # the standard's error list, in the format asked
    assert Case.objects.count() == 0


@pytest.mark.parametrize("fmt", FORMATS)
def test_open311_refuses_a_nul_character_itself_in_its_format(fmt, raw_key, settings):
    """Whatever guards stand before it (the portal's request limits answer first)."""
    settings.MIDDLEWARE = [
        m for m in settings.MIDDLEWARE if m != "portal.middleware.RequestLimitsMiddleware"
    ]

    posted = post(fmt, sent(raw_key, description=NEW_REQUEST["description"] + "\x00"))
    asked = get(f"requests.{fmt}", status="open\x00")

    for answer in (posted, asked):
        assert answer.status_code == 400
        assert errors(answer)
    assert Case.objects.count() == 0


BAD_QUERIES = {
    "not a date": ({"start_date": "yesterday"}, "start_date"),
    "no such month": ({"end_date": "2026-13-01T00:00:00Z"}, "end_date"),
    "end before start": (
        {"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"},
        "end_date",
    ),
    "more than 90 days": (
        {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},
        "end_date",
    ),
    "unknown status": ({"status": "pending"}, "status"),
    "unknown service_code": ({"service_code": "unpaid-wages,potholes"}, "service_code"),
    "not a request id": ({"service_request_id": "RP-2569-ABC123,DROP TABLE"}, "service_request_id"),
    "too many request ids": (
        {"service_request_id": ",".join(f"RP-2569-{n:06d}" for n in range(1001))},
        "service_request_id",
    ),
    "date too long": ({"start_date": "2026-01-01T00:00:00Z" + "0" * 50}, "start_date"),
    "jurisdiction_id too long": ({"jurisdiction_id": "x" * 101}, "jurisdiction_id"),
}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("case", list(BAD_QUERIES), ids=list(BAD_QUERIES))
def test_bad_parameters_of_get_requests_are_400(fmt, case):
    params, field = BAD_QUERIES[case]

    answer = get(f"requests.{fmt}", **params)

    assert answer.status_code == 400
    assert any(d.startswith(f"{field}:") for d in errors(answer))


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("delete", "requests", "GET, POST"),
        ("put", "requests", "GET, POST"),
        ("post", "services", "GET"),
        ("post", "discovery", "GET"),
        ("post", "services/unpaid-wages", "GET"),
        ("post", "requests/RP-2569-ABCDEF", "GET"),
        ("post", "tokens/12345", "GET"),
    ],
)
def test_other_methods_are_405(fmt, method, path, allowed):
    answer = getattr(client(), method)(f"{ROOT}/{path}.{fmt}")

    assert answer.status_code == 405
    assert answer["Allow"] == allowed
    assert errors(answer)


@pytest.mark.parametrize("fmt", FORMATS)
def test_tokens_are_never_given_so_none_is_found(fmt):
    answer = get(f"tokens/12345.{fmt}")

    assert answer.status_code == 404
    [description] = errors(answer)
    assert description.startswith("token:")
    assert "service_request_id" in description


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("services.html", "text/xml; charset=utf-8"),
        ("nothing.json", "application/json; charset=utf-8"),
        ("", "text/xml; charset=utf-8"),
        ("requests/RP-2569-ABCDEF/extra.xml", "text/xml; charset=utf-8"),
    ],
)
def test_anything_else_is_404_in_the_standards_format(path, content_type):
    answer = get(path)

    assert answer.status_code == 404
    assert answer["Content-Type"] == content_type
    assert errors(answer)


@pytest.mark.parametrize("fmt", FORMATS)
def test_messages_are_in_thai_unless_english_is_asked(fmt, raw_key):
    data = sent(raw_key, first_name=None, last_name=None)
    with translation.override("th"):
        thai = translation.gettext("Enter the name of the person who needs help.")
    assert thai != "Enter the name of the person who needs help."

    in_thai = errors(post(fmt, data))
    by_default = errors(post(fmt, data, language="fr"))
    in_english = errors(post(fmt, data, language="en-GB,en;q=0.9"))

    assert in_thai == by_default == [f"first_name: {thai}"]
    assert in_english == ["first_name: Enter the name of the person who needs help."]


def test_django_s_own_messages_follow_the_language_too(raw_key):
    data = sent(raw_key, service_code=None)
    with translation.override("th"):
        thai = translation.gettext("This field is required.")

    assert errors(post("json", data)) == [f"service_code: {thai}"]
    assert errors(post("json", data, language="en")) == ["service_code: This field is required."]


def test_a_json_body_is_not_the_standards_form(raw_key):
    answer = client().post(
        f"{ROOT}/requests.json",
        {**NEW_REQUEST, "api_key": raw_key},
        content_type="application/json",
    )

    assert answer.status_code == 403  # the key is looked for in the form, and not found
    assert read(answer)[0]["code"] == 403
    assert Case.objects.count() == 0
