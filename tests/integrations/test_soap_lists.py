"""1111's lists of values (types, states, organisations, provinces) are read into the values
an administrator maps, by a command or from the admin: each value once, its name kept up to
date, what was mapped kept, the plain ones mapped already; a complaint then reads through
them."""

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from zeep import Client

from integrations.gcc1111 import poller, soap
from integrations.models import Exchange, ExternalCase, System, ValueMapping
from referrals.models import Category
from tests.helpers import signed_in
from tests.integrations.soap_double import PASSWORD, complaint
from tests.referrals.factories import fresh

pytestmark = pytest.mark.django_db

Kind = ValueMapping.Kind


def values(kind):
    return {
        row.code: row
        for row in ValueMapping.objects.filter(system=System.GCC_1111, kind=kind).select_related(
            "agency", "province", "category"
        )
    }


def test_the_command_reads_every_list_and_maps_what_is_plain(soap_link, double, capsys):
    call_command("sync_1111_lists")

    assert set(values(Kind.CATEGORY)) == {"0304", "0901"}
    assert set(values(Kind.STATUS)) == {"1", "5"}
    provinces = values(Kind.PROVINCE)
    assert {code: row.province_id for code, row in provinces.items()} == {"P01": "10", "P38": "50"}
    organisations = values(Kind.AGENCY)
    assert organisations["110"].label == "กระทรวงแรงงาน"  # the one mapped before, named now
    assert organisations["120"].agency.code == "MOPH"  # by its Thai name
    assert organisations["999"].agency is None  # for a person to decide
    out = capsys.readouterr().out
    assert "· agency: 3 read, 2 new, 1 renamed" in out  # 110 was there, without its name
    logged = Exchange.objects.filter(connection=soap_link, ok=True).values_list(
        "operation", flat=True
    )
    assert sorted(logged) == ["GetCaseStatus", "GetCaseType", "GetOrganization", "GetProvinces"]
    assert double.tokens == set()


def test_reading_again_adds_nothing_keeps_what_was_mapped_and_renames(soap_link, double):
    call_command("sync_1111_lists")
    wages = Category.objects.get(code="unpaid-wages")
    ValueMapping.objects.filter(kind=Kind.CATEGORY, code="0304").update(category=wages)
    double.lists["GetCaseType"][0]["type_name"] = "ค่าจ้างและค่าชดเชย"

    call_command("sync_1111_lists")

    types = values(Kind.CATEGORY)
    assert len(types) == 2 and ValueMapping.objects.filter(system=System.GCC_1111).count() == 9
    assert types["0304"].label == "ค่าจ้างและค่าชดเชย" and types["0304"].category == wages


def test_a_list_that_cannot_be_read_is_a_failure_and_the_lists_before_it_are_kept(
    soap_link, double
):
    double.fail("500", "GetOrganization")

    with pytest.raises(CommandError):
        call_command("sync_1111_lists")

    failure = Exchange.objects.get(connection=soap_link, ok=False)
    assert failure.operation == "GetOrganization" and "HTTP 500" in failure.detail
    assert set(values(Kind.CATEGORY)) == {"0304", "0901"}
    assert set(values(Kind.PROVINCE)) == set()


def test_without_a_connection_to_read_the_command_says_so(db):
    with pytest.raises(CommandError, match="No 1111 connection"):
        call_command("sync_1111_lists")


def test_an_administrator_reads_the_lists_from_the_admin(soap_link, double, client, superuser):
    signed_in(client, superuser, language="en")
    page = reverse("admin:integrations_connection_changelist")

    answer = client.post(
        page, {"action": "read_1111_lists", "_selected_action": [soap_link.pk]}, follow=True
    )

    assert answer.status_code == 200
    assert len(values(Kind.PROVINCE)) == 2
    assert "values read: 9, of which new: 8." in answer.content.decode()


def test_a_complaint_reads_through_the_mapped_values(soap_link, double):
    call_command("sync_1111_lists")
    ValueMapping.objects.filter(kind=Kind.CATEGORY, code="0304").update(
        category=Category.objects.get(code="unpaid-wages")
    )
    double.cases = [complaint("6712-000601", type_id="0304", province_id="P38", district_id="")]

    assert poller.poll(soap_link).created == 1

    case = ExternalCase.objects.get(external_id="6712-000601").case
    assert (case.category.code, case.province_id) == ("unpaid-wages", "50")


def test_an_administrator_sets_the_cursor_back_to_read_again(soap_link, client, superuser):
    signed_in(client, superuser, language="en")
    page = reverse("admin:integrations_connection_change", args=[soap_link.pk])

    answer = client.post(
        page,
        {
            "system": soap_link.system,
            "agency": soap_link.agency_id,
            "endpoint": soap_link.endpoint,
            "username": soap_link.username,
            "is_enabled": "on",
            "read_up_to_0": "2026-11-30",
            "read_up_to_1": "08:00:00",
        },
    )

    assert answer.status_code == 302
    connection = fresh(soap_link)
    assert soap.written(connection.read_up_to) == "2026-11-30 08:00:00"
    assert connection.credential("password") == PASSWORD  # left empty: kept


OPERATIONS = {
    "Officer": {"GetToken", "ReleaseToken", "AddOperating", "SetOrgSummaryResult"},
    "ManageCenter": {"GetCases"},
    "ListOfValues": {"GetCaseType", "GetCaseStatus", "GetOrganization", "GetProvinces"},
}


def test_the_double_serves_the_wsdl_the_client_is_built_on(double):
    for name, operations in OPERATIONS.items():
        port = Client(f"{double.url}/{name}.asmx?WSDL").wsdl.services[name].ports[f"{name}Soap"]
        assert set(port.binding.all()) == operations
        assert port.binding_options["address"] == f"{double.url}/{name}.asmx"
