"""Who reads the dashboards, and what they read: the policy of agencies/permissions.py
(``dashboard_scope``) over HTTP.

- inspectors read every agency's figures;
- an agency's supervisors and CCEOs read their own agency's, and cannot widen the scope by
  the URL;
- every other member of staff (intake and case officers, agency administrators), a user
  with no membership and a former inspector read none (403); an anonymous visitor is sent
  to the login page;
- the public statistics are for everyone, signed in or not;
- the lists of cases behind a figure, and their downloads, never carry personal data;
- an inspector never sees a restricted case listed (the figures count it), nor opens a
  case from a list; the lead agency's supervisors and CCEOs see theirs, with a link.
"""

import html
import io
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext
from openpyxl import load_workbook

from agencies.models import Role
from referrals import services
from referrals.models import Case
from tests.factories import InspectorFactory, UserFactory
from tests.matrix import matrix_rows
from tests.portal.downloads import csv_download
from tests.referrals.factories import agency, staff, submit

pytestmark = pytest.mark.django_db

A, B = "MOL", "MOJ"  # agency A leads unpaid wages, agency B legal aid
CATEGORY_OF = {A: "unpaid-wages", B: "legal-aid"}
BANGKOK = "10"

PAGES = {
    "overview": lambda: reverse("dashboards:overview"),
    "agencies": lambda: reverse("dashboards:agencies"),
    "provinces": lambda: reverse("dashboards:provinces"),
    "province": lambda: reverse("dashboards:province", args=[BANGKOK]),
    "strategies": lambda: reverse("dashboards:strategies"),
    "cases": lambda: reverse("dashboards:cases") + "?figure=received",
    "export": lambda: reverse("dashboards:cases") + "?figure=received&export=csv&table=cases",
    "stats": lambda: reverse("public_stats"),
}

# 200: the page (or download).  403: refused.  login: sent to the login page.
ACCESS = """
Every dashboard page, a download of the cases behind a figure, and the public statistics.
                        overview agencies provinces province strategies cases export stats
A intake officer          403     403      403       403      403      403    403    200
A case officer            403     403      403       403      403      403    403    200
A supervisor              200     200      200       200      200      200    200    200
A cceo                    200     200      200       200      200      200    200    200
A agency admin            403     403      403       403      403      403    403    200
B intake officer          403     403      403       403      403      403    403    200
B case officer            403     403      403       403      403      403    403    200
B supervisor              200     200      200       200      200      200    200    200
B cceo                    200     200      200       200      200      200    200    200
B agency admin            403     403      403       403      403      403    403    200
inspector                 200     200      200       200      200      200    200    200
inactive inspector        403     403      403       403      403      403    403    200
no membership             403     403      403       403      403      403    403    200
anonymous                login   login    login     login    login    login  login  200
"""
OTHERS = ("inspector", "inactive inspector", "no membership", "anonymous")


@dataclass(frozen=True)
class Who:
    where: str  # "A", "B", or one of OTHERS
    role: str = ""

    @classmethod
    def called(cls, words: list[str]) -> "Who":
        if " ".join(words) in OTHERS:
            return cls(" ".join(words))
        return cls({"A": A, "B": B}[words[0]], Role("_".join(words[1:])))

    def __str__(self):
        return f"{self.where} {self.role.replace('_', ' ')}".strip()


def rows(table: str):
    return matrix_rows(table, Who.called)


def make_user(who: Who):
    if who.where == "inspector":
        return InspectorFactory().user
    if who.where == "inactive inspector":
        return InspectorFactory(is_active=False).user
    if who.where == "no membership":
        return UserFactory()
    if who.where == "anonymous":
        return None
    return staff(who.where, who.role)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def case_led_by(agency_code: str, **fields) -> Case:
    case, _secret = submit(CATEGORY_OF[agency_code], **fields)
    assert case.lead_agency.code == agency_code
    return case


def test_the_table_has_one_row_for_every_kind_of_user():
    everyone = {Who(where, role) for where in (A, B) for role in Role}
    everyone |= {Who(other) for other in OTHERS}
    lines = ACCESS.strip().splitlines()[2:]

    assert len(lines) == len(everyone)
    assert {param.values[0] for param in rows(ACCESS)} == everyone
    assert {param.values[1] for param in rows(ACCESS)} == set(PAGES)


@pytest.mark.parametrize(("who", "page", "expected"), list(rows(ACCESS)))
def test_who_reads_which_dashboard(client, who, page, expected):
    case_led_by(A)
    case_led_by(B)
    user = make_user(who)
    if user is not None:
        client.force_login(user)

    response = client.get(PAGES[page]())

    if expected == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login") + "?next=")
        return
    assert response.status_code == int(expected)
    if expected == "200" and page not in ("export", "stats"):
        scope = response.context["scope"]
        if who.where == "inspector":
            assert scope.is_national
        else:
            assert scope.agency_ids == {staff_agency_id(user)}


def staff_agency_id(user) -> int:
    [agency_id] = user.memberships.values_list("agency_id", flat=True)
    return agency_id


# --- Scope ----------------------------------------------------------------------------------


@pytest.fixture
def cases_of_both():
    """Two cases led by A and three by B, received this fiscal year."""
    return [case_led_by(A) for _ in range(2)], [case_led_by(B) for _ in range(3)]


def drill_down(client, **params):
    return client.get(reverse("dashboards:cases"), {"figure": "received", **params})


def listed_references(response) -> set[str]:
    return {row["reference"] for row in response.context["tables"]["cases"].rows}


def test_a_cceo_counts_only_the_cases_their_agency_leads(client, cases_of_both):
    of_a, of_b = cases_of_both
    client.force_login(staff(A, Role.CCEO))

    overview = client.get(reverse("dashboards:overview"))
    cases = drill_down(client)

    assert overview.context["cases"]["received"] == len(of_a)
    assert listed_references(cases) == {case.reference for case in of_a}
    for case in of_b:
        assert case.reference not in cases.text


def test_a_supervisor_reads_the_same_scope_as_a_cceo(client, cases_of_both):
    of_a, _of_b = cases_of_both
    client.force_login(staff(A, Role.SUPERVISOR))

    assert client.get(reverse("dashboards:overview")).context["cases"]["received"] == len(of_a)
    assert listed_references(drill_down(client)) == {case.reference for case in of_a}


def test_a_cceo_cannot_widen_the_scope_to_another_agency(client, cases_of_both):
    of_a, of_b = cases_of_both
    client.force_login(staff(A, Role.CCEO))

    overview = client.get(reverse("dashboards:overview"), {"agency": B})
    cases = drill_down(client, agency=B)
    download = drill_down(client, agency=B, export="csv", table="cases")

    for response in (overview, cases):
        assert response.status_code == 200
        assert "agency" in response.context["form"].errors
        error = str(response.context["form"].errors["agency"][0])
        assert 'role="alert"' in response.text
        assert error in html.unescape(response.text)
        with translation.override("th"):
            assert gettext("Some filters were left out:") in response.text
    assert overview.context["cases"]["received"] == len(of_a)
    assert listed_references(cases) == {case.reference for case in of_a}
    exported = download.content.decode("utf-8-sig")
    for case in of_b:
        assert case.reference not in cases.text
        assert case.reference not in exported
    for case in of_a:
        assert case.reference in exported


def test_an_agency_page_lists_only_the_readers_agency(client, cases_of_both):
    client.force_login(staff(A, Role.CCEO))

    response = client.get(reverse("dashboards:agencies"))

    assert [row["agency"].code for row in response.context["tables"]["agencies"].rows] == [A]


def test_an_inspector_counts_every_agencys_cases(client, cases_of_both):
    of_a, of_b = cases_of_both
    client.force_login(InspectorFactory().user)

    overview = client.get(reverse("dashboards:overview"))
    cases = drill_down(client)
    only_b = drill_down(client, agency=B)

    assert overview.context["cases"]["received"] == len(of_a) + len(of_b)
    assert listed_references(cases) == {case.reference for case in of_a + of_b}
    assert not only_b.context["form"].errors
    assert listed_references(only_b) == {case.reference for case in of_b}


def test_a_former_inspectors_leftover_membership_opens_no_dashboard(client):
    """An inspector works no case: a membership kept from a former post gives no scope
    while the inspector is active; once no longer an inspector, it counts again."""
    inspector = InspectorFactory()
    staff_membership = staff(A, Role.CCEO).memberships.get()
    staff_membership.user = inspector.user
    staff_membership.save()
    client.force_login(inspector.user)

    assert client.get(reverse("dashboards:overview")).context["scope"].is_national

    inspector.is_active = False
    inspector.save()
    assert client.get(reverse("dashboards:overview")).context["scope"].agency_ids == {
        staff_membership.agency_id
    }


# --- No personal data behind a figure -------------------------------------------------------

PERSONAL = {
    "citizen_name": "ประพันธ์ ลับเฉพาะกิจ",
    "citizen_phone": "089 765 4321",
    "citizen_email": "prapan.secret@example.org",
    "description": "รายละเอียดลับเฉพาะเรื่องนี้ อย่าให้ปรากฏบนแดชบอร์ด",
}
PERSONAL_TEXTS = [*PERSONAL.values(), "0897654321"]


@pytest.fixture
def cases_with_personal_data():
    return [
        case_led_by(A, **{**PERSONAL, "citizen_name": f"{PERSONAL['citizen_name']} หนึ่ง"}),
        case_led_by(B, **PERSONAL),
    ]


def xlsx_texts(response) -> str:
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    return "\n".join(
        str(value)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    )


@pytest.mark.parametrize("reader", ["inspector", "cceo"])
def test_the_cases_behind_a_figure_carry_no_personal_data(client, cases_with_personal_data, reader):
    user = InspectorFactory().user if reader == "inspector" else staff(A, Role.CCEO)
    client.force_login(user)
    expected = [
        case
        for case in cases_with_personal_data
        if reader == "inspector" or case.lead_agency.code == A
    ]

    page = drill_down(client)
    as_csv = drill_down(client, export="csv", table="cases")
    as_xlsx = drill_down(client, export="xlsx", table="cases")

    assert page.status_code == as_csv.status_code == as_xlsx.status_code == 200
    assert as_csv["Content-Type"].startswith("text/csv")
    exported_csv = as_csv.content.decode("utf-8-sig")
    exported_xlsx = xlsx_texts(as_xlsx)
    assert len(csv_download(as_csv)[2]) == len(expected)
    for text in (page.text, exported_csv, exported_xlsx):
        for case in expected:
            assert case.reference in text
        for personal in PERSONAL_TEXTS:
            assert personal not in text


def test_no_dashboard_page_shows_personal_data_to_an_inspector(client, cases_with_personal_data):
    client.force_login(InspectorFactory().user)

    for page in ("overview", "agencies", "provinces", "province", "strategies"):
        response = client.get(PAGES[page]())
        assert response.status_code == 200
        for personal in PERSONAL_TEXTS:
            assert personal not in response.text, page


def test_an_unknown_table_to_download_is_not_found(client):
    client.force_login(InspectorFactory().user)

    response = drill_down(client, export="csv", table="citizens")

    assert response.status_code == 404


def test_the_drill_down_costs_the_same_queries_for_one_case_or_many(
    client, django_assert_max_num_queries
):
    client.force_login(InspectorFactory().user)
    case_led_by(A)

    with CaptureQueriesContext(connection) as one:
        drill_down(client)
    for _ in range(6):
        case_led_by(A)
        case_led_by(B)

    with django_assert_max_num_queries(len(one.captured_queries)):
        response = drill_down(client)
    assert len(response.context["tables"]["cases"].rows) == 13


# --- Public statistics -----------------------------------------------------------------------


def test_the_public_statistics_download_for_anyone(client, workers):
    case_led_by(A)

    response = workers.read(client, reverse("public_stats"), {"export": "csv", "table": "stats"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")


# --- Restricted cases ------------------------------------------------------------------------


@pytest.fixture
def restricted_case():
    """A case of witness protection (a restricted kind of help, led by agency B) beside an
    ordinary case of each agency."""
    case_led_by(A)
    case_led_by(B)
    case, _secret = submit("witness-protection")
    assert (case.lead_agency.code, case.is_restricted) == (B, True)
    return case


def withheld_message(count: int) -> str:
    with translation.override("th"):
        return ngettext(
            "%(counter)s restricted case (witness protection, trafficking or violence) is"
            " counted in the figures but not listed.",
            "%(counter)s restricted cases (witness protection, trafficking or violence) "
            "are counted in the figures but not listed.",
            count,
        ) % {"counter": count}


def test_an_inspector_counts_a_restricted_case_but_does_not_see_it_listed(client, restricted_case):
    client.force_login(InspectorFactory().user)

    overview = client.get(reverse("dashboards:overview"))
    cases = drill_down(client)
    download = drill_down(client, export="csv", table="cases")
    exported = download.content.decode("utf-8-sig")

    assert overview.context["cases"]["received"] == 3
    assert len(listed_references(cases)) == 2
    assert cases.context["withheld"] == 1
    for text in (cases.text, exported):
        assert restricted_case.reference not in text
    assert len(csv_download(download)[2]) == 2
    assert withheld_message(1) in html.unescape(cases.text)


def test_an_inspector_opens_no_case_from_the_list(client, restricted_case):
    client.force_login(InspectorFactory().user)

    cases = drill_down(client)

    rows = cases.context["tables"]["cases"].rows
    assert rows and all(row["detail_url"] == "" for row in rows)
    assert "/staff/cases/" not in cases.text


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.CCEO])
def test_the_lead_agencys_managers_see_the_restricted_case_listed_with_a_link(
    client, restricted_case, role
):
    client.force_login(staff(B, role))

    cases = drill_down(client)
    download = drill_down(client, export="csv", table="cases")
    exported = download.content.decode("utf-8-sig")

    assert restricted_case.reference in listed_references(cases)
    assert cases.context["withheld"] == 0
    assert withheld_message(1) not in html.unescape(cases.text)
    detail_url = f"/staff/cases/{restricted_case.reference}/"
    [row] = [
        row
        for row in cases.context["tables"]["cases"].rows
        if row["reference"] == restricted_case.reference
    ]
    assert row["detail_url"] == detail_url
    assert f'href="{detail_url}"' in cases.text
    assert restricted_case.reference in exported


def test_the_contested_list_leaves_restricted_cases_out_for_an_inspector(client):
    """Both cases were declined by two agencies; the restricted one is listed only to the
    managers of the agency that leads it."""
    moj, moph, moi = (staff(code, Role.SUPERVISOR) for code in (B, "MOPH", "MOI"))
    declined = {}
    for category in ("legal-aid", "witness-protection"):
        case, _secret = submit(category)
        services.accept_case(case, moj)
        for referral in services.refer_case(
            case, moj, dict.fromkeys([agency("MOPH"), agency("MOI")], "ช่วย")
        ):
            helper = moph if referral.to_agency.code == "MOPH" else moi
            services.decline_referral(referral, helper, "ไม่มีบริการนี้")
        declined[category] = case.reference

    def contested(user):
        client.force_login(user)
        response = client.get(reverse("dashboards:agencies"))
        assert response.status_code == 200
        return response, {row["reference"] for row in response.context["tables"]["contested"].rows}

    as_inspector, listed = contested(InspectorFactory().user)
    assert listed == {declined["legal-aid"]}
    assert declined["witness-protection"] not in as_inspector.text
    assert contested(staff(B, Role.CCEO))[1] == set(declined.values())
