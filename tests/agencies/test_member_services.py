"""The services that change an agency's members: who may call them, what each writes to
the log, the last-administrator rule, and the one-time set-password link."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from agencies.members import links, services
from agencies.models import MemberChange, Membership, Role
from referrals.models import Notification
from tests.agencies.member_helpers import emailed, link_in
from tests.referrals.factories import agency, fresh, office, staff

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

User = get_user_model()
NEW = "somsak@labour.go.th"


def invite(admin, email=NEW, role=Role.CASE_OFFICER, **fields):
    return services.invite_member(
        agency("MOL"),
        admin,
        email=email,
        first_name=fields.pop("first_name", "สมศักดิ์"),
        last_name=fields.pop("last_name", "ขยันงาน"),
        role=role,
        **fields,
    )


def membership(user, code="MOL"):
    return Membership.objects.get(user=user, agency__code=code)


def test_an_invitation_makes_an_account_without_password_and_queues_a_link():
    admin = staff("MOL", Role.AGENCY_ADMIN)
    bangkok = office("MOL")

    made = invite(admin, email="  SomSak@Labour.go.th ", office=bangkok)

    user = made.user
    assert (user.username, user.email) == (NEW, NEW)
    assert not user.has_usable_password()
    assert (made.role, made.office, made.is_active) == (Role.CASE_OFFICER, bangkok, True)
    assert user.groups.filter(pk=agency("MOL").group_id).exists()
    [change] = MemberChange.objects.all()
    assert (change.agency.code, change.actor, change.member, change.action) == (
        "MOL",
        admin,
        user,
        "invited",
    )
    assert change.before is None
    assert change.after == {
        "role": "case_officer",
        "office": {"id": bangkok.pk, "th": bangkok.name_th, "en": bangkok.name_en},
        "active": True,
    }
    [row] = Notification.objects.filter(recipient=NEW)
    assert "token" not in str(row.context) and link_in(emailed(NEW))
    assert fresh(row).context.get("code_encrypted") is None  # the link is not kept once sent


def test_the_link_works_once():
    made = invite(staff("MOL", Role.AGENCY_ADMIN))
    uid, token = link_in(emailed(NEW)).strip("/").split("/")[-2:]

    assert services.set_password_with_link(uid, token, "ม้าลายกินหญ้า-2569") == made.user
    assert services.set_password_with_link(uid, token, "another-Secret-2569") is None
    user = User.objects.get(pk=made.user.pk)
    assert user.check_password("ม้าลายกินหญ้า-2569")


def test_the_link_stops_working_after_the_days_set(monkeypatch, settings):
    made = invite(staff("MOL", Role.AGENCY_ADMIN))
    uid, token = link_in(emailed(NEW)).strip("/").split("/")[-2:]
    later = links.tokens._now() + timedelta(days=settings.MEMBER_INVITATION_DAYS, minutes=1)
    monkeypatch.setattr(links.tokens, "_now", lambda: later)

    assert services.set_password_with_link(uid, token, "ม้าลายกินหญ้า-2569") is None
    assert not User.objects.get(pk=made.user.pk).has_usable_password()


def test_a_weak_password_is_refused_and_the_link_still_works():
    invite(staff("MOL", Role.AGENCY_ADMIN))
    uid, token = link_in(emailed(NEW)).strip("/").split("/")[-2:]

    with pytest.raises(ValidationError):
        services.set_password_with_link(uid, token, "12345678")
    assert links.account_for(uid, token) is not None


def test_a_member_of_another_agency_keeps_their_account_and_is_told():
    moph = staff("MOPH", Role.SUPERVISOR)

    made = invite(staff("MOL", Role.AGENCY_ADMIN), email=moph.email.upper(), first_name="อื่น")

    assert made.user == moph and fresh(moph).first_name == "สมศรี"
    assert fresh(moph).has_usable_password()
    assert MemberChange.objects.get().action == "added"
    body = emailed(moph.email)
    assert "/staff/members/password/" not in body and moph.username in body


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"email": "not-an-address"}, "email"),
        ({"role": "boss"}, "role"),
    ],
)
def test_bad_input_changes_nothing(fields, field):
    admin = staff("MOL", Role.AGENCY_ADMIN)
    with pytest.raises(ValidationError) as error:
        invite(admin, **fields)
    assert field in error.value.message_dict
    assert not User.objects.filter(email=NEW).exists()
    assert not MemberChange.objects.exists() and not Notification.objects.exists()


def test_an_office_of_another_agency_is_refused():
    with pytest.raises(ValidationError) as error:
        invite(staff("MOL", Role.AGENCY_ADMIN), office=office("MOPH"))
    assert "office" in error.value.message_dict
    assert not User.objects.filter(email=NEW).exists()


def test_a_member_already_there_is_refused():
    admin = staff("MOL", Role.AGENCY_ADMIN)
    officer = staff("MOL", Role.CASE_OFFICER)
    with pytest.raises(ValidationError) as error:
        invite(admin, email=officer.email, role=Role.SUPERVISOR)
    assert "email" in error.value.message_dict
    assert Membership.objects.filter(user=officer).count() == 1
    assert not MemberChange.objects.exists()


def test_an_administrator_of_another_agency_may_change_nothing():
    officer = membership(staff("MOL", Role.CASE_OFFICER))
    stranger = staff("MOPH", Role.AGENCY_ADMIN)
    with pytest.raises(PermissionDenied):
        invite(stranger)
    for change in (
        lambda: services.change_member(officer, stranger, role=Role.SUPERVISOR, office=None),
        lambda: services.suspend_member(officer, stranger),
        lambda: services.remove_member(officer, stranger),
        lambda: services.reset_member_password(officer, stranger),
    ):
        with pytest.raises(PermissionDenied):
            change()
    officer = fresh(officer)
    assert (officer.role, officer.is_active) == (Role.CASE_OFFICER, True)
    assert not MemberChange.objects.exists()


def test_changing_role_and_office_is_logged_with_before_and_after():
    admin = staff("MOL", Role.AGENCY_ADMIN)
    officer = membership(staff("MOL", Role.CASE_OFFICER))
    chiang_mai = office("MOL", "50")

    services.change_member(officer, admin, role=Role.SUPERVISOR, office=chiang_mai)
    services.change_member(officer, admin, role=Role.SUPERVISOR, office=chiang_mai)

    officer = fresh(officer)
    assert (officer.role, officer.office) == (Role.SUPERVISOR, chiang_mai)
    [change] = MemberChange.objects.all()  # the second call changed nothing
    assert change.action == "changed"
    assert change.before == {"role": "case_officer", "office": None, "active": True}
    assert change.after["role"] == "supervisor" and change.after["office"]["id"] == chiang_mai.pk


def test_suspending_ends_the_members_sessions_and_reactivating_restores_the_role(client):
    admin = staff("MOL", Role.AGENCY_ADMIN)
    officer = membership(staff("MOL", Role.SUPERVISOR))
    client.force_login(officer.user)
    assert client.get("/staff/").status_code == 200

    services.suspend_member(officer, admin)

    assert not fresh(officer).is_active
    assert client.get("/staff/").status_code == 302  # signed out: sent to sign in
    assert not officer.user.groups.filter(pk=agency("MOL").group_id).exists()
    services.reactivate_member(officer, admin)
    assert fresh(officer).is_active
    assert [c.action for c in MemberChange.objects.order_by("pk")] == [
        "suspended",
        "reactivated",
    ]


def test_removing_keeps_the_account_and_the_log():
    admin = staff("MOL", Role.AGENCY_ADMIN)
    officer = membership(staff("MOL", Role.CASE_OFFICER))

    services.remove_member(officer, admin)

    assert not Membership.objects.filter(pk=officer.pk).exists()
    assert User.objects.filter(pk=officer.user_id).exists()
    change = MemberChange.objects.get()
    assert (change.action, change.member_id, change.after) == ("removed", officer.user_id, None)


def test_a_password_reset_stops_the_old_password_and_sends_a_link(client):
    admin = staff("MOL", Role.AGENCY_ADMIN)
    officer = membership(staff("MOL", Role.CASE_OFFICER))
    client.force_login(officer.user)

    services.reset_member_password(officer, admin)

    assert not fresh(officer.user).has_usable_password()
    assert client.get("/staff/").status_code == 302
    uid, token = link_in(emailed(officer.user.email)).strip("/").split("/")[-2:]
    assert services.set_password_with_link(uid, token, "ม้าลายกินหญ้า-2569")
    assert MemberChange.objects.get().action == "password_reset"


@pytest.mark.parametrize(
    "change",
    [
        lambda m, by: services.suspend_member(m, by),
        lambda m, by: services.remove_member(m, by),
        lambda m, by: services.change_member(m, by, role=Role.SUPERVISOR, office=None),
    ],
    ids=["suspend", "remove", "demote"],
)
def test_the_last_administrator_cannot_leave_the_agency_without_one(change):
    admin = staff("MOL", Role.AGENCY_ADMIN)
    own = membership(admin)
    suspended = membership(staff("MOL", Role.AGENCY_ADMIN))
    services.suspend_member(suspended, admin)  # a suspended administrator does not count
    MemberChange.objects.all().delete()

    with pytest.raises(ValidationError, match="ผู้ดูแลระบบ"):
        change(own, admin)

    own = fresh(own)
    assert (own.role, own.is_active) == (Role.AGENCY_ADMIN, True)
    assert not MemberChange.objects.exists()


def test_with_another_administrator_one_may_step_down():
    admin = staff("MOL", Role.AGENCY_ADMIN)
    staff("MOL", Role.AGENCY_ADMIN)
    own = membership(admin)

    services.change_member(own, admin, role=Role.SUPERVISOR, office=None)

    assert fresh(own).role == Role.SUPERVISOR


def test_the_log_is_not_changed_through_the_admin(client, superuser):
    admin = staff("MOL", Role.AGENCY_ADMIN)
    services.suspend_member(membership(staff("MOL", Role.CASE_OFFICER)), admin)
    change = MemberChange.objects.get()
    client.force_login(superuser)

    assert client.get("/admin/agencies/memberchange/").status_code == 200
    page = client.get(f"/admin/agencies/memberchange/{change.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.text
    assert client.post(f"/admin/agencies/memberchange/{change.pk}/delete/").status_code == 403
    assert MemberChange.objects.filter(pk=change.pk, action="suspended").exists()
    assert timezone.now() - change.at < timedelta(minutes=1)


def test_resetting_the_password_of_someone_invited_sends_the_invitation_again():
    admin = staff("MOL", Role.AGENCY_ADMIN)
    made = invite(admin)
    first = link_in(emailed(NEW))

    services.reset_member_password(made, admin)

    body = emailed(NEW)
    again = link_in(body)
    assert again != first and "รีเซ็ต" not in body and "ตั้งรหัสผ่านของท่าน" in body
    uid, token = first.strip("/").split("/")[-2:]
    assert services.set_password_with_link(uid, token, "ม้าลายกินหญ้า-2569") is None  # replaced


def test_no_password_is_reset_without_an_address_to_send_the_link_to():
    admin = staff("MOL", Role.AGENCY_ADMIN)
    officer = membership(staff("MOL", Role.CASE_OFFICER))
    User.objects.filter(pk=officer.user_id).update(email="")

    with pytest.raises(ValidationError, match="อีเมล"):
        services.reset_member_password(officer, admin)

    assert fresh(officer.user).has_usable_password()
    assert not MemberChange.objects.exists() and not Notification.objects.exists()
