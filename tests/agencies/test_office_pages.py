"""The offices' pages: an agency's administrators keep its offices (contacts, working or
not, the provinces a regional office also serves), which route its new cases and
referrals; nobody else reaches them, and bad input changes nothing."""

import pytest
from django.urls import reverse

from agencies.models import Office, Role
from tests.factories import InspectorFactory, UserFactory
from tests.helpers import signed_in
from tests.referrals.factories import fresh, office, staff, submit

pytestmark = pytest.mark.django_db

LIST = reverse("offices:list")
BANGKOK, CHIANG_MAI, LAMPHUN, MAE_HONG_SON = "10", "50", "51", "58"


@pytest.fixture
def north():
    return office("MOL", CHIANG_MAI)


def edit(of):
    return reverse("offices:office", args=[of.pk])


WHO = [
    *[("MOL", role) for role in Role],
    ("MOE", Role.AGENCY_ADMIN),
    ("MOE", Role.SUPERVISOR),
    "inspector",
    "superuser",
    "anonymous",
]


def person(who):
    if who == "inspector":
        return InspectorFactory().user
    if who == "superuser":
        return UserFactory(is_staff=True, is_superuser=True)
    if who == "anonymous":
        return None
    return staff(*who)


@pytest.mark.parametrize("who", WHO, ids=str)
def test_only_the_agencys_administrators_reach_its_offices(client, north, who):
    user = person(who)
    if user is not None:
        signed_in(client, user)
    listed = client.get(LIST)
    page = client.get(edit(north))
    changed = client.post(edit(north), {"is_active": "on", "serves": [LAMPHUN]})

    if who == ("MOL", Role.AGENCY_ADMIN):
        assert (listed.status_code, page.status_code, changed.status_code) == (200, 200, 302)
        assert north.name in listed.text
        assert 'href="/staff/"' not in listed.text  # no queue for one who works no case
        assert list(fresh(north).serves.values_list("code", flat=True)) == [LAMPHUN]
        return
    if user is None:
        assert listed.status_code == page.status_code == changed.status_code == 302  # sign in
    elif who == ("MOE", Role.AGENCY_ADMIN):
        assert listed.status_code == 200 and north.name not in listed.text
        assert page.status_code == changed.status_code == 404
    else:
        assert listed.status_code == page.status_code == changed.status_code == 404
    assert not fresh(north).serves.exists()


def test_a_province_the_office_serves_sends_its_new_cases_there(client, north):
    signed_in(client, staff("MOL", Role.AGENCY_ADMIN))
    before, _ = submit(province=MAE_HONG_SON)

    client.post(edit(north), {"is_active": "on", "serves": [MAE_HONG_SON, LAMPHUN]})
    after, _ = submit(province=MAE_HONG_SON)

    assert before.lead_office is None  # the central office, before
    assert after.lead_office == north
    page = client.get(LIST).text
    assert "แม่ฮ่องสอน" in page


def test_an_office_that_stops_working_receives_nothing_new(client, north):
    signed_in(client, staff("MOL", Role.AGENCY_ADMIN))

    client.post(edit(north), {"phone": "053 112 233"})  # the box "active" left empty
    case, _ = submit(province=CHIANG_MAI)

    assert not fresh(north).is_active
    assert fresh(north).phone == "053 112 233"
    assert case.lead_office is None


@pytest.mark.parametrize(
    "data",
    [
        {"is_active": "on", "serves": [CHIANG_MAI]},  # its own province
        {"is_active": "on", "serves": ["99"]},  # no such province
        {"is_active": "on", "email": "not an address"},
        {"is_active": "on", "phone": "0" * 41},
    ],
    ids=["its seat", "unknown province", "bad email", "long phone"],
)
def test_bad_input_is_refused_beside_the_field_and_changes_nothing(client, north, data):
    signed_in(client, staff("MOL", Role.AGENCY_ADMIN))
    before = Office.objects.filter(pk=north.pk).values().get()

    page = client.post(edit(north), data)

    assert page.status_code == 200
    assert 'class="errorlist' in page.text
    assert Office.objects.filter(pk=north.pk).values().get() == before
    assert not fresh(north).serves.exists()


def test_the_pages_read_in_english_too(client, north):
    signed_in(client, staff("MOL", Role.AGENCY_ADMIN), language="en")

    assert "Offices of your agency" in client.get(LIST).text
    assert "Also serves" in client.get(edit(north)).text
    assert f'href="{LIST}"' in client.get(reverse("members:list")).text
    assert f'href="{LIST}"' in client.get("/").text
