"""Discovery, the service list and the service definitions, in XML and JSON, shaped as
the GeoReport v2 specification's examples."""

import pytest

from agencies.models import Agency, Province
from referrals.models import Category
from referrals.selectors import help_categories
from tests.open311.helpers import FORMATS, client, errors, flag, get, read, root_of

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery_names_the_one_production_endpoint_and_both_formats(fmt):
    Agency.objects.filter(code="MOJ").update(email="mou@moj.go.th", is_coordinator=True)

    answer = get(f"discovery.{fmt}")

    assert answer.status_code == 200
    body = read(answer)
    assert set(body) >= {"changeset", "contact", "key_service", "endpoints"}
    assert "mou@moj.go.th" in body["contact"]
    assert "th.mou-referral" in body["key_service"]
    assert body["jurisdiction_id"] == "th.mou-referral"
    [endpoint] = body["endpoints"]
    assert endpoint == {
        "specification": "http://wiki.open311.org/GeoReport_v2",
        "url": "http://testserver/open311/v2",
        "changeset": body["changeset"],
        "type": "production",
        "formats": ["text/xml", "application/json"],
    }
    if fmt == "xml":
        assert root_of(answer) == "discovery"


def test_the_endpoint_url_is_where_a_client_appends_the_methods():
    url = read(get("discovery.json"))["endpoints"][0]["url"]

    answer = client().get(url.removeprefix("http://testserver") + "/services.xml")

    assert answer.status_code == 200
    assert root_of(answer) == "services"


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_service_list_is_the_active_help_categories(fmt):
    Category.objects.filter(code="legal-aid").update(is_active=False)

    answer = get(f"services.{fmt}")

    assert answer.status_code == 200
    services = read(answer)
    assert [s["service_code"] for s in services] == [c.code for c in help_categories()]
    assert "legal-aid" not in {s["service_code"] for s in services}
    wages = next(s for s in services if s["service_code"] == "unpaid-wages")
    category = Category.objects.get(code="unpaid-wages")
    assert wages["service_name"] == category.name_th
    assert wages["description"] == category.description_th
    assert wages["group"] == category.lead_agency.name_th == "กระทรวงแรงงาน"
    assert flag(wages["metadata"])
    assert wages["type"] == "realtime"
    assert category.name_en in wages["keywords"] and "MOL" in wages["keywords"]
    if fmt == "xml":
        assert root_of(answer) == "services"


def test_the_service_list_is_in_english_when_asked():
    services = read(get("services.json", language="en"))

    wages = next(s for s in services if s["service_code"] == "unpaid-wages")
    assert wages["service_name"] == Category.objects.get(code="unpaid-wages").name_en
    assert wages["group"] == "Ministry of Labour"


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_service_definition_asks_the_province_district_subdistrict_and_consent(fmt):
    answer = get(f"services/unpaid-wages.{fmt}")

    assert answer.status_code == 200
    definition = read(answer)
    assert definition["service_code"] == "unpaid-wages"
    attributes = {a["code"]: a for a in definition["attributes"]}
    assert list(attributes) == ["province", "district", "subdistrict", "sensitive_consent"]
    assert [int(a["order"]) for a in attributes.values()] == [1, 2, 3, 4]
    province = attributes["province"]
    assert province["datatype"] == "singlevaluelist" and flag(province["required"])
    assert flag(province["variable"])
    assert len(province["values"]) == 77 == Province.objects.count()
    assert {"key": "10", "name": "กรุงเทพมหานคร"} in province["values"]
    for place in ("district", "subdistrict"):
        assert attributes[place]["datatype"] == "string"
        assert not flag(attributes[place]["required"])
    consent = attributes["sensitive_consent"]
    assert [v["key"] for v in consent["values"]] == ["true", "false"]
    assert not flag(consent["required"])  # unpaid wages hold no sensitive data
    # The person's data travels in the standard's own fields, never as attributes.
    assert not {"first_name", "last_name", "phone", "email", "description"} & set(attributes)
    if fmt == "xml":
        assert root_of(answer) == "service_definition"


def test_consent_is_required_for_the_kinds_of_help_that_hold_sensitive_data():
    definition = read(get("services/healthcare-access.json"))

    consent = next(a for a in definition["attributes"] if a["code"] == "sensitive_consent")
    assert consent["required"] is True


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("code", ["no-such-help", "legal-aid"])
def test_an_unknown_or_withdrawn_service_code_is_404(fmt, code):
    Category.objects.filter(code="legal-aid").update(is_active=False)

    answer = get(f"services/{code}.{fmt}")

    assert answer.status_code == 404
    assert errors(answer)[0].startswith("service_code:")


@pytest.mark.parametrize("jurisdiction", ["th.mou-referral", "sfgov.org", ""])
def test_any_jurisdiction_id_is_taken(jurisdiction):
    assert get("services.json", jurisdiction_id=jurisdiction).status_code == 200


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_absurdly_long_jurisdiction_id_is_refused(fmt):
    answer = get(f"services.{fmt}", jurisdiction_id="x" * 101)

    assert answer.status_code == 400
    assert errors(answer)[0].startswith("jurisdiction_id:")
