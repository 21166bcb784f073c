"""The lists of places people choose from, in the order of a Thai dictionary (an English
reader's in alphabetical order): the provinces of the citizens' form, of the staff's intake
form and of the queue's filter, and the districts and subdistricts that follow a choice."""

import re
from html import unescape

import pytest

from agencies.collation import dictionary_key
from agencies.models import District, Role
from tests.referrals.factories import staff

pytestmark = pytest.mark.django_db

CHIANG_MAI = "50"


@pytest.fixture(autouse=True)
def own_cache(settings):
    """The empty request form is kept in the cache: a memory of this test's own."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "order"}
    }


def options(html: str, name: str) -> list[str]:
    """The names offered by the select ``name`` (its empty choice left out)."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, name
    return [
        unescape(text).strip()
        for value, text in re.findall(r'<option value="([^"]*)"[^>]*>(.*?)</option>', select[1])
        if value
    ]


def in_dictionary_order(names: list[str]) -> bool:
    return names == sorted(names, key=dictionary_key)


def assert_thai_provinces(names: list[str]) -> None:
    assert len(names) == 77
    assert names[:2] == ["กระบี่", "กรุงเทพมหานคร"]
    # Under ช: ชุมพร, then เชียงราย and เชียงใหม่ (the leading vowel is read after ช).
    assert names.index("ชุมพร") + 1 == names.index("เชียงราย") == names.index("เชียงใหม่") - 1
    assert names[-1] == "อุบลราชธานี"


def test_the_citizens_form_offers_the_provinces_in_dictionary_order(client):
    assert_thai_provinces(options(client.get("/requests/new/").text, "province"))


def test_an_english_reader_gets_them_in_alphabetical_order(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    names = options(client.get("/requests/new/").text, "province")

    assert names[:3] == ["Amnat Charoen", "Ang Thong", "Bangkok"]
    assert names.index("Phrae") < names.index("Phra Nakhon Si Ayutthaya")  # spaces pass over


def test_the_districts_and_subdistricts_that_follow_a_choice_are_in_dictionary_order(client):
    in_code_order = [d.name_th for d in District.objects.filter(province_id=CHIANG_MAI)]

    swapped = client.get("/places/", {"province": CHIANG_MAI}).text
    districts = options(f'<select name="district">{swapped}</select>', "district")
    swapped = client.get("/places/", {"district": f"{CHIANG_MAI}01"}).text
    subdistricts = options(f'<select name="subdistrict">{swapped}</select>', "subdistrict")

    assert sorted(districts) == sorted(in_code_order)
    assert districts != in_code_order
    assert in_dictionary_order(districts)
    assert len(subdistricts) > 10
    assert in_dictionary_order(subdistricts)


def test_the_staff_intake_form_and_the_queue_filter_too(client):
    client.force_login(staff("MOL", Role.INTAKE_OFFICER))

    # Without JavaScript, "Show districts" sends the form back with the province chosen.
    intake = client.post("/staff/intake/", {"province": CHIANG_MAI, "refresh": "1"}).text
    queue = client.get("/staff/").text

    assert_thai_provinces(options(intake, "province"))
    districts = options(intake, "district")
    assert len(districts) == District.objects.filter(province_id=CHIANG_MAI).count()
    assert in_dictionary_order(districts)
    assert_thai_provinces(options(queue, "province"))
