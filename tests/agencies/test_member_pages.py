"""The members' pages, through HTTP: who reaches which page and button (a table of every
role of every agency, an inspector, the system administrator and a visitor), each flow,
bad input that changes nothing, the last-administrator rule, and the set-password page."""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse

from agencies.members import services
from agencies.models import Agency, MemberChange, Membership, Role
from referrals.models import Notification
from tests.agencies.member_helpers import emailed, link_in
from tests.helpers import signed_in
from tests.matrix import Person, matrix_rows
from tests.referrals.factories import agency, fresh, office, staff

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

User = get_user_model()
LIST = reverse("members:list")
INVITE = reverse("members:invite")
LOG = reverse("members:changes")
NEW = "somsak@labour.go.th"


def page_of(membership):
    return reverse("members:member", args=[membership.pk])


def act(membership, action):
    return reverse("members:act", args=[membership.pk, action])


def invitation(**fields):
    return {
        "email": NEW,
        "first_name": "สมศักดิ์",
        "last_name": "ขยันงาน",
        "role": Role.CASE_OFFICER,
        "office": "",
        **fields,
    }


def member_of(code, role=Role.CASE_OFFICER, **fields):
    user = staff(code, role)
    if fields:
        User.objects.filter(pk=user.pk).update(**fields)
    return Membership.objects.select_related("user").get(user=user, agency__code=code)


def alert_text(response) -> str:
    return response.text.split('id="error-summary"', 1)[1].split("</div>", 1)[0]


# --- Who reaches what ---------------------------------------------------------------------

MEMBER_PAGES = """
The pages and buttons of MOL's members, and the log of their changes.
                      list    invite  member  change  suspend revive  remove  reset   log
moj intake officer    404     404     404     404     404     404     404     404     404
moj case officer      404     404     404     404     404     404     404     404     404
moj supervisor        404     404     404     404     404     404     404     404     404
moj cceo              404     404     404     404     404     404     404     404     -
moj agency admin      -       -       404     404     404     404     404     404     -
mdes intake officer   404     404     404     404     404     404     404     404     404
mdes case officer     404     404     404     404     404     404     404     404     404
mdes supervisor       404     404     404     404     404     404     404     404     404
mdes cceo             404     404     404     404     404     404     404     404     -
mdes agency admin     -       -       404     404     404     404     404     404     -
msdhs intake officer  404     404     404     404     404     404     404     404     404
msdhs case officer    404     404     404     404     404     404     404     404     404
msdhs supervisor      404     404     404     404     404     404     404     404     404
msdhs cceo            404     404     404     404     404     404     404     404     -
msdhs agency admin    -       -       404     404     404     404     404     404     -
moi intake officer    404     404     404     404     404     404     404     404     404
moi case officer      404     404     404     404     404     404     404     404     404
moi supervisor        404     404     404     404     404     404     404     404     404
moi cceo              404     404     404     404     404     404     404     404     -
moi agency admin      -       -       404     404     404     404     404     404     -
mol intake officer    404     404     404     404     404     404     404     404     404
mol case officer      404     404     404     404     404     404     404     404     404
mol supervisor        404     404     404     404     404     404     404     404     404
mol cceo              404     404     404     404     404     404     404     404     Y
mol agency admin      Y       Y       Y       Y       Y       Y       Y       Y       Y
moe intake officer    404     404     404     404     404     404     404     404     404
moe case officer      404     404     404     404     404     404     404     404     404
moe supervisor        404     404     404     404     404     404     404     404     404
moe cceo              404     404     404     404     404     404     404     404     -
moe agency admin      -       -       404     404     404     404     404     404     -
moph intake officer   404     404     404     404     404     404     404     404     404
moph case officer     404     404     404     404     404     404     404     404     404
moph supervisor       404     404     404     404     404     404     404     404     404
moph cceo             404     404     404     404     404     404     404     404     -
moph agency admin     -       -       404     404     404     404     404     404     -
rtp intake officer    404     404     404     404     404     404     404     404     404
rtp case officer      404     404     404     404     404     404     404     404     404
rtp supervisor        404     404     404     404     404     404     404     404     404
rtp cceo              404     404     404     404     404     404     404     404     -
rtp agency admin      -       -       404     404     404     404     404     404     -
inspector             404     404     404     404     404     404     404     404     404
superuser             404     404     404     404     404     404     404     404     404
anonymous             login   login   login   login   login   login   login   login   login
"""


def test_the_table_names_every_role_of_every_agency():
    named = {param.values[0] for param in matrix_rows(MEMBER_PAGES, Person.called)}
    codes = list(Agency.objects.values_list("code", flat=True))
    assert len(codes) == 8
    assert {Person(code, role) for code in codes for role in Role} <= named


REQUESTS = {
    "list": lambda client, target, suspended: client.get(LIST),
    "invite": lambda client, target, suspended: client.post(INVITE, invitation()),
    "member": lambda client, target, suspended: client.get(page_of(target)),
    "change": lambda client, target, suspended: client.post(
        page_of(target), {"role": Role.SUPERVISOR, "office": ""}
    ),
    "suspend": lambda client, target, suspended: client.post(act(target, "suspend")),
    "revive": lambda client, target, suspended: client.post(act(suspended, "reactivate")),
    "remove": lambda client, target, suspended: client.post(act(target, "remove")),
    "reset": lambda client, target, suspended: client.post(act(target, "reset-password")),
    "log": lambda client, target, suspended: client.get(LOG),
}


@pytest.mark.parametrize(
    ("who", "page", "expected"), list(matrix_rows(MEMBER_PAGES, Person.called))
)
def test_only_the_agencys_admins_keep_its_members_and_its_cceo_reads_the_log(
    client, who, page, expected
):
    target = member_of("MOL", first_name="เป้าหมาย", last_name="ทดสอบ")
    suspended = member_of("MOL", first_name="พักงาน", last_name="ทดสอบ")
    mol_admin = staff("MOL", Role.AGENCY_ADMIN)
    services.suspend_member(suspended, mol_admin)
    user = who.make()
    if user is not None:
        client.force_login(user)

    response = REQUESTS[page](client, target, suspended)

    if expected == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(f"{reverse(settings.LOGIN_URL)}?next=")
    elif expected == "404":
        assert response.status_code == 404
    else:
        assert response.status_code in (200, 302)
        shown = "เป้าหมาย" in response.text or "พักงาน" in response.text
        assert shown is (expected == "Y" and page in ("list", "member", "log"))
    allowed = expected == "Y"
    invited = Membership.objects.filter(user__email=NEW)
    assert invited.filter(agency__code="MOL").exists() is (allowed and page == "invite")
    assert invited.exists() is (expected in ("Y", "-") and page == "invite")
    still = Membership.objects.filter(pk=target.pk).first()
    assert (still is None) is (allowed and page == "remove")
    if still is not None:
        assert (still.role == Role.SUPERVISOR) is (allowed and page == "change")
        assert (not still.is_active) is (allowed and page == "suspend")
    assert fresh(suspended).is_active is (allowed and page == "revive")
    assert (not fresh(target.user).has_usable_password()) is (allowed and page == "reset")


# --- An administrator's pages ------------------------------------------------------------


def test_the_list_shows_role_office_status_and_last_sign_in(client, django_assert_max_num_queries):
    admin = staff("MOL", Role.AGENCY_ADMIN)
    chiang_mai = office("MOL", "50")
    officer = member_of("MOL", first_name="สมพร", last_name="ตั้งใจ")
    services.change_member(officer, admin, role=Role.SUPERVISOR, office=chiang_mai)
    User.objects.filter(pk=officer.user_id).update(last_login="2026-11-29T07:05:00Z")
    services.invite_member(
        agency("MOL"), admin, email=NEW, first_name="สมศักดิ์", last_name="", role="cceo"
    )
    for _n in range(5):
        member_of("MOL")
    member_of("MOPH", first_name="คนอื่น")

    client = signed_in(client, admin)
    with django_assert_max_num_queries(12):
        response = client.get(LIST)

    assert response.status_code == 200
    text = response.text
    assert "สมพร ตั้งใจ" in text and "หัวหน้างาน" in text and chiang_mai.name_th in text
    assert "29 พ.ย. 2569 14:05" in text  # Bangkok time, Buddhist Era
    assert "เชิญแล้ว ยังไม่ได้ตั้งรหัสผ่าน" in text  # the invitee has no password yet
    assert "คนอื่น" not in text


def test_an_admin_invites_and_the_invitee_sets_a_password_and_signs_in(client):
    admin = staff("MOL", Role.AGENCY_ADMIN)
    bangkok = office("MOL")

    response = signed_in(client, admin).post(INVITE, invitation(office=bangkok.pk))

    assert response.status_code == 302 and response["Location"] == LIST
    assert NEW in client.get(LIST).text
    body = emailed(NEW)
    assert "กระทรวงแรงงาน" in body and NEW in body
    link = link_in(body)
    client.logout()
    page = client.get(link)
    assert page.status_code == 200 and NEW in page.text
    done = client.post(
        link, {"new_password1": "ม้าลายกินหญ้า-2569", "new_password2": "ม้าลายกินหญ้า-2569"}
    )
    assert done.status_code == 302 and done["Location"] == reverse("login")
    signed = client.post(reverse("login"), {"username": NEW, "password": "ม้าลายกินหญ้า-2569"})
    assert signed.status_code == 302 and signed["Location"] == reverse("staff:queue")
    client.logout()
    used = client.get(link)  # it works once
    assert "ลิงก์นี้ใช้ไม่ได้แล้ว" in used.text and 'name="new_password1"' not in used.text


def test_the_set_password_page_refuses_a_weak_or_mismatched_password_and_changes_nothing(client):
    services.invite_member(
        agency("MOL"),
        staff("MOL", Role.AGENCY_ADMIN),
        email=NEW,
        first_name="สมศักดิ์",
        last_name="",
        role=Role.CASE_OFFICER,
    )
    link = link_in(emailed(NEW))

    weak = client.post(link, {"new_password1": "12345678", "new_password2": "12345678"})
    mismatched = client.post(link, {"new_password1": "ม้าลายกินหญ้า-2569", "new_password2": "x"})

    assert weak.status_code == mismatched.status_code == 200
    assert 'id="error-summary"' in weak.text and 'id="error-summary"' in mismatched.text
    assert not User.objects.get(email=NEW).has_usable_password()
    assert client.get(link).status_code == 200  # the link still works


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"email": "not-an-address"}, "โปรดระบุที่อยู่อีเมลที่ถูกต้อง"),
        ({"email": ""}, "โปรดระบุที่อยู่อีเมลของบุคคลนี้"),
        ({"first_name": ""}, "โปรดระบุชื่อของบุคคลนี้"),
        ({"role": "boss"}, "โปรดเลือกบทบาทจากที่มีให้เลือก"),
        ({"office": "999999"}, "โปรดเลือกสำนักงานของหน่วยงานของท่าน"),
    ],
)
def test_bad_input_on_the_invitation_changes_nothing_and_says_why_in_thai(client, fields, message):
    admin = staff("MOL", Role.AGENCY_ADMIN)
    before = Membership.objects.count()

    response = signed_in(client, admin).post(INVITE, invitation(**fields))

    assert response.status_code == 200
    assert message in alert_text(response)
    assert Membership.objects.count() == before
    assert not User.objects.filter(email=NEW).exists()
    assert not MemberChange.objects.exists() and not Notification.objects.exists()


def test_an_office_of_another_agency_or_a_present_member_is_refused(client):
    admin = staff("MOL", Role.AGENCY_ADMIN)
    officer = member_of("MOL")
    client = signed_in(client, admin)

    other_office = client.post(INVITE, invitation(office=office("MOPH").pk))
    present = client.post(INVITE, invitation(email=officer.user.email))

    assert "โปรดเลือกสำนักงานของหน่วยงานของท่าน" in alert_text(other_office)
    assert "เป็นสมาชิกของหน่วยงานอยู่แล้ว" in alert_text(present)
    assert Membership.objects.filter(user=officer.user).count() == 1
    assert not MemberChange.objects.exists()


def test_bad_input_on_a_members_page_changes_nothing(client):
    admin = staff("MOL", Role.AGENCY_ADMIN)
    officer = member_of("MOL")
    client = signed_in(client, admin)

    for data in ({"role": "boss", "office": ""}, {"role": "cceo", "office": office("MOPH").pk}):
        response = client.post(page_of(officer), data)
        assert response.status_code == 200 and 'id="error-summary"' in response.text

    officer = fresh(officer)
    assert (officer.role, officer.office) == (Role.CASE_OFFICER, None)
    assert not MemberChange.objects.exists()


def test_the_buttons_of_a_members_page(client):
    admin = staff("MOL", Role.AGENCY_ADMIN)
    officer = member_of("MOL", first_name="สมพร", last_name="ตั้งใจ")
    client = signed_in(client, admin)

    client.post(page_of(officer), {"role": Role.INTAKE_OFFICER, "office": ""})
    assert fresh(officer).role == Role.INTAKE_OFFICER
    client.post(act(officer, "suspend"))
    assert "ระงับไว้" in client.get(page_of(officer)).text
    client.post(act(officer, "reactivate"))
    client.post(act(officer, "reset-password"))
    assert link_in(emailed(officer.user.email))
    response = client.post(act(officer, "remove"), follow=True)
    assert "สมพร ตั้งใจ ไม่ได้เป็นสมาชิกของหน่วยงานแล้ว" in response.text
    assert [c.action for c in MemberChange.objects.order_by("pk")] == [
        "changed",
        "suspended",
        "reactivated",
        "password_reset",
        "removed",
    ]
    assert client.post(act(officer, "reactivate")).status_code == 404  # gone
    assert client.post(act(fresh(Membership.objects.get(user=admin)), "promote")).status_code == 404


def test_the_last_administrator_is_told_why_and_nothing_changes(client):
    admin = staff("MOL", Role.AGENCY_ADMIN)
    own = Membership.objects.get(user=admin)
    client = signed_in(client, admin)

    for request in (
        lambda: client.post(act(own, "suspend"), follow=True),
        lambda: client.post(act(own, "remove"), follow=True),
        lambda: client.post(page_of(own), {"role": Role.SUPERVISOR, "office": ""}),
    ):
        response = request()
        assert response.status_code == 200
        assert "ผู้ดูแลระบบ" in response.text and "หน่วยงานของท่านจะไม่มีผู้ดูแล" in response.text

    own = fresh(own)
    assert (own.role, own.is_active) == (Role.AGENCY_ADMIN, True)
    assert not MemberChange.objects.exists()


def test_the_log_lists_changes_of_the_readers_agencies_only(client, django_assert_max_num_queries):
    admin = staff("MOL", Role.AGENCY_ADMIN)
    for _n in range(5):
        services.suspend_member(member_of("MOL", first_name="สมพร"), admin)
    services.suspend_member(member_of("MOPH", first_name="คนอื่น"), staff("MOPH", "agency_admin"))
    cceo = staff("MOL", Role.CCEO)

    client = signed_in(client, cceo)
    with django_assert_max_num_queries(12):
        response = client.get(LOG)

    assert response.status_code == 200
    assert response.text.count("ระงับไว้ · สมพร") == 5 and "คนอื่น" not in response.text
    english = signed_in(client, cceo, "en").get(LOG).text
    assert "Suspended · สมพร" in english and "Case officer · The agency as a whole" in english


def test_the_navigation_leads_admins_to_members_and_the_cceo_to_the_log(client):
    admin = staff("MOL", Role.AGENCY_ADMIN)
    cceo = staff("MOL", Role.CCEO)
    officer = staff("MOL", Role.CASE_OFFICER)

    assert f'href="{LIST}"' in signed_in(client, admin).get("/").text
    assert f'href="{LOG}"' in signed_in(client, cceo).get("/staff/").text
    home = signed_in(client, officer).get("/staff/").text
    assert f'href="{LIST}"' not in home and f'href="{LOG}"' not in home


def test_an_administrator_who_steps_down_goes_home(client):
    admin = staff("MOL", Role.AGENCY_ADMIN)
    staff("MOL", Role.AGENCY_ADMIN)
    own = Membership.objects.get(user=admin)

    response = signed_in(client, admin).post(act(own, "remove"))

    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert not Membership.objects.filter(pk=own.pk).exists()


def test_an_administrator_of_two_agencies_chooses_the_agency_and_its_office(client):
    admin = staff("MOL", Role.AGENCY_ADMIN)
    Membership.objects.create(user=admin, agency=agency("MOPH"), role=Role.AGENCY_ADMIN)
    mol_office = office("MOL")
    client = signed_in(client, admin)
    moph = agency("MOPH")

    mixed = client.post(INVITE, invitation(agency=moph.pk, office=mol_office.pk))
    assert "โปรดเลือกสำนักงานของหน่วยงานที่เลือกไว้ด้านบน" in alert_text(mixed)
    assert not User.objects.filter(email=NEW).exists()

    client.post(INVITE, invitation(agency=moph.pk, office=office("MOPH").pk))
    assert Membership.objects.get(user__email=NEW).agency == moph
    listed = client.get(LIST).text
    assert "กระทรวงแรงงาน" in listed and "กระทรวงสาธารณสุข" in listed
