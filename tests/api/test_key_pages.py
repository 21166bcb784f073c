"""The pages where an agency's administrators make and revoke their systems' API keys, and
the Django admin's page for keys, through HTTP.

The key itself is shown once, in the answer that made it; only its hash is kept. Nobody
but the agency's administrators learns the pages exist (404); signed-out visitors are sent
to sign in.
"""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib import messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies.models import AgencyApiKey, Role
from api import selectors, services
from tests.api.helpers import key_client
from tests.matrix import Person, matrix_rows
from tests.referrals.factories import agency, fresh, staff

pytestmark = pytest.mark.django_db

LIST = reverse("api_keys:list")
PROVINCES = "/api/v1/provinces/"
SHOWN_KEY = re.compile(r'<textarea id="new-key-text"[^>]*>([^<]+)</textarea>')


def signed_in(client, user):
    client.force_login(user)
    return client


def make_key(admin, name="ระบบงานคดี", **options):
    """A key of the agency ``admin`` administers, made through the service: (row, key)."""
    return services.issue_key(selectors.administered_agencies(admin).get(), admin, name, **options)


def form(name="ระบบรับเรื่องของกรม", **fields):
    return {"name": name, **fields}


def shown_key(response) -> str:
    match = SHOWN_KEY.search(response.text)
    assert match, "the new key is not shown"
    return match.group(1).strip()


# --- An administrator's own page --------------------------------------------------------


def test_an_admin_lists_the_keys_of_their_agency_and_never_the_keys_themselves(client):
    admin = staff("MOL", Role.AGENCY_ADMIN)
    ours, raw = make_key(admin, can_write=True)
    theirs, _raw = make_key(staff("MOJ", Role.AGENCY_ADMIN), name="ระบบของกระทรวงยุติธรรม")

    response = signed_in(client, admin).get(LIST)

    assert response.status_code == 200
    assert ours.name in response.text and ours.prefix in response.text
    assert theirs.name not in response.text and theirs.prefix not in response.text
    assert raw not in response.text and ours.hashed_key not in response.text
    assert "no-store" in response["Cache-Control"]


def test_making_a_key_shows_it_once_and_keeps_only_its_hash(client):
    admin = staff("MOL", Role.AGENCY_ADMIN)
    client = signed_in(client, admin)
    day = timezone.localdate() + timedelta(days=30)

    response = client.post(LIST, form(can_write="on", expires_on=day.isoformat()))

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    raw = shown_key(response)
    key = AgencyApiKey.objects.get()
    assert (key.agency, key.created_by, key.name) == (agency("MOL"), admin, "ระบบรับเรื่องของกรม")
    assert (key.can_write, key.can_see_restricted, key.revoked) == (True, False, False)
    ends = timezone.localtime(key.expiry_date)
    assert (ends.date(), ends.hour, ends.minute) == (day, 23, 59)
    assert str(ends.tzinfo) == "Asia/Bangkok"
    assert raw.startswith(f"{key.prefix}.")
    assert raw not in (key.id, key.hashed_key) and raw not in key.hashed_key
    assert key_client(raw).get(PROVINCES).status_code == 200
    # Shown once: the page afterwards lists the key by its prefix, never the key itself.
    again = client.get(LIST)
    assert key.prefix in again.text
    assert raw not in again.text
    assert not SHOWN_KEY.search(again.text)


def test_a_key_may_end_today_and_without_end_date(client):
    client = signed_in(client, staff("MOL", Role.AGENCY_ADMIN))

    client.post(LIST, form(name="today", expires_on=timezone.localdate().isoformat()))
    client.post(LIST, form(name="forever"))

    ends = dict(AgencyApiKey.objects.values_list("name", "expiry_date"))
    assert timezone.localtime(ends["today"]).date() == timezone.localdate()
    assert ends["forever"] is None


def test_revoking_a_key_stops_it_for_good(client):
    admin = staff("MOL", Role.AGENCY_ADMIN)
    key, raw = make_key(admin)
    assert key_client(raw).get(PROVINCES).status_code == 200
    client = signed_in(client, admin)
    assert reverse("api_keys:revoke", args=[key.prefix]) in client.get(LIST).text

    response = client.post(reverse("api_keys:revoke", args=[key.prefix]))

    assert response.status_code == 302 and response["Location"] == LIST
    key = fresh(key)
    assert key.revoked and key.revoked_at is not None
    assert key_client(raw).get(PROVINCES).status_code == 401
    page = client.get(LIST)
    assert key.prefix in page.text
    assert reverse("api_keys:revoke", args=[key.prefix]) not in page.text  # no way back


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (form(expires_on="2001-01-01"), "expires_on", "cannot expire in the past"),
        (form(name=""), "name", ""),
        (form(name="ก" * 51), "name", ""),
        (form(expires_on="not a date"), "expires_on", ""),
    ],
    ids=["past expiry", "no name", "long name", "not a date"],
)
def test_a_wrong_form_is_answered_beside_the_field_and_makes_no_key(
    client, settings, fields, field, message
):
    settings.LANGUAGE_CODE = "en"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client = signed_in(client, staff("MOL", Role.AGENCY_ADMIN))

    response = client.post(LIST, fields)

    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    assert response.context["form"].errors.keys() == {field}
    assert message in str(response.context["form"].errors[field])
    fields_in_error = re.findall(r'<div class="field has-error.*?</div>', response.text, re.DOTALL)
    # The field's input (or the first of a date's day, month and year) and its message.
    assert [html for html in fields_in_error if f'id="id_{field}' in html and "errorlist" in html]
    assert not AgencyApiKey.objects.exists()
    assert not SHOWN_KEY.search(response.text)


def test_an_admin_of_several_agencies_chooses_among_them_only(client):
    admin = staff("MOL", Role.AGENCY_ADMIN)
    moph = agency("MOPH")
    moph.memberships.create(user=admin, role=Role.AGENCY_ADMIN)
    client = signed_in(client, admin)

    page = client.get(LIST)
    assert list(page.context["form"].fields["agency"].queryset) == sorted(
        [agency("MOL"), moph], key=lambda a: (a.sort_order, a.code)
    )
    refused = client.post(LIST, form(agency=agency("MOJ").pk))
    made = client.post(LIST, form(agency=moph.pk))

    assert refused.status_code == 200 and "agency" in refused.context["form"].errors
    assert made.status_code == 200 and shown_key(made)
    assert list(AgencyApiKey.objects.values_list("agency__code", flat=True)) == ["MOPH"]


def test_the_list_costs_the_same_for_two_keys_as_for_twelve(client):
    admin = staff("MOL", Role.AGENCY_ADMIN)
    client = signed_in(client, admin)
    for number in range(2):
        make_key(admin, name=f"system {number}")
    with CaptureQueriesContext(connection) as few:
        assert client.get(LIST).status_code == 200
    for number in range(10):
        make_key(staff("MOL", Role.AGENCY_ADMIN) if number % 2 else admin, name=f"more {number}")
    with CaptureQueriesContext(connection) as many:
        assert client.get(LIST).text.count("<article") == 12
    assert len(many.captured_queries) == len(few.captured_queries) <= 12


# --- Who may open the pages: a table -----------------------------------------------------

# Columns: the list page showing MOL's keys, making a key of MOL, revoking a key of MOL.
# Y: done; -: the page answers, but for the person's own agency only (MOL's keys are neither
# shown nor made); 404: the page does not exist for them; login: sent to sign in.
KEY_PAGES = """
The pages of MOL's API keys.
                     list  make  revoke
mol agency admin      Y     Y     Y
mol intake officer   404   404   404
mol case officer     404   404   404
mol supervisor       404   404   404
mol cceo             404   404   404
moj agency admin      -     -    404
inspector            404   404   404
anonymous           login login login
"""


def test_the_table_names_every_role_of_the_agency():
    named = {param.values[0] for param in matrix_rows(KEY_PAGES, Person.called)}
    assert {Person("MOL", role) for role in Role} <= named


REQUESTS = {
    "list": lambda client, key: client.get(LIST),
    "make": lambda client, key: client.post(LIST, form(name="แอบทำ", agency=agency("MOL").pk)),
    "revoke": lambda client, key: client.post(reverse("api_keys:revoke", args=[key.prefix])),
}


@pytest.mark.parametrize(("who", "page", "expected"), list(matrix_rows(KEY_PAGES, Person.called)))
def test_only_the_agency_admins_reach_its_key_pages(client, who, page, expected):
    key, raw = make_key(staff("MOL", Role.AGENCY_ADMIN), name="ระบบของกรมเดิม")
    user = who.make()
    if user is not None:
        client.force_login(user)

    response = REQUESTS[page](client, key)

    mol_keys = AgencyApiKey.objects.filter(agency__code="MOL")
    if expected == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(f"{reverse(settings.LOGIN_URL)}?next=")
    elif expected == "404":
        assert response.status_code == 404
    elif expected == "-":
        assert response.status_code == 200
        assert key.prefix not in response.text
    else:
        assert response.status_code in (200, 302)
    if expected == "Y" and page == "list":
        assert key.prefix in response.text
    made = mol_keys.filter(name="แอบทำ").exists()
    assert made is (expected == "Y" and page == "make")
    revoked = fresh(key).revoked
    assert revoked is (expected == "Y" and page == "revoke")
    assert raw not in response.content.decode()


# --- The Django admin ---------------------------------------------------------------------


def test_the_admin_shows_a_new_key_once_and_keeps_only_its_hash(client, superuser):
    client = signed_in(client, superuser)
    add = reverse("admin:agencies_agencyapikey_add")
    assert client.get(add).status_code == 200

    response = client.post(
        add,
        {"name": "ระบบของสภา", "agency": agency("MOJ").pk, "can_write": "on"},
        follow=True,
    )

    assert response.status_code == 200
    key = AgencyApiKey.objects.get()
    warnings = [m for m in response.context["messages"] if m.level == messages.WARNING]
    [message] = [str(m) for m in warnings]
    raw = re.search(rf"{key.prefix}\.[A-Za-z0-9]+", message).group(0)
    assert raw in response.text
    assert (key.agency.code, key.created_by, key.can_write) == ("MOJ", superuser, True)
    assert raw not in key.hashed_key and raw != key.id
    assert key_client(raw).get(PROVINCES).status_code == 200
    changelist = client.get(reverse("admin:agencies_agencyapikey_changelist"))
    assert key.prefix in changelist.text and raw not in changelist.text
    change = client.get(reverse("admin:agencies_agencyapikey_change", args=[key.pk]))
    assert change.status_code == 200 and raw not in change.text


def test_revoking_in_the_admin_notes_when_and_cannot_be_undone(client, superuser):
    key, raw = make_key(staff("MOL", Role.AGENCY_ADMIN))
    client = signed_in(client, superuser)
    change = reverse("admin:agencies_agencyapikey_change", args=[key.pk])

    response = client.post(change, {"name": key.name, "revoked": "on"})

    assert response.status_code == 302
    key = fresh(key)
    assert key.revoked and key.revoked_at is not None
    assert key_client(raw).get(PROVINCES).status_code == 401
    page = client.get(change).text
    assert 'name="revoked"' not in page  # read only from now on
