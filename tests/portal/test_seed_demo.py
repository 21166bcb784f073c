import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from agencies.models import Agency, Inspector, Membership, Office, Role
from agencies.offices import office_for
from referrals.models import ReplyKind, ReplyTemplate

pytestmark = pytest.mark.django_db
User = get_user_model()


def seed(**options) -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def snapshot():
    return {
        "users": sorted(User.objects.values_list("id", "username", "password")),
        "memberships": sorted(Membership.objects.values_list("id", "user_id", "agency_id", "role")),
        "offices": sorted(Office.objects.values_list("id", "agency_id", "province_id", "name_th")),
        "inspectors": sorted(Inspector.objects.values_list("id", "user_id")),
        "groups": sorted(User.groups.through.objects.values_list("user_id", "group_id")),
        "replies": sorted(
            ReplyTemplate.objects.values_list("id", "agency_id", "title", "body", "updated_at")
        ),
    }


def test_refuses_without_debug_or_demo_flag(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        seed()
    assert not User.objects.exists()


def test_creates_every_role_of_every_agency_plus_inspector_and_admin():
    output = seed(demo=True)

    for agency in Agency.objects.all():
        for slug, role in [
            ("intake", Role.INTAKE_OFFICER),
            ("officer", Role.CASE_OFFICER),
            ("supervisor", Role.SUPERVISOR),
            ("cceo", Role.CCEO),
            ("admin", Role.AGENCY_ADMIN),
        ]:
            username = f"{agency.code.lower()}-{slug}"
            user = User.objects.get(username=username)
            assert user.check_password("demo1234")
            assert Membership.objects.filter(user=user, agency=agency, role=role).exists()
            assert user.groups.filter(name=f"agency:{agency.code}").exists()
            assert username in output
    assert Inspector.objects.filter(user__username="inspector").exists()
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff and admin.check_password("demo1234")
    assert not User.objects.get(username="moj-supervisor").is_staff
    assert "demo1234" in output
    # Each agency has an office in each province, named the way that agency names them,
    # but for the three southern border provinces that MOJ serves from Songkhla.
    assert Office.objects.count() == 8 * 77 - 3
    chiang_mai = Office.objects.get(agency__code="MOL", province__code="50")
    assert chiang_mai.name_th == "สำนักงานแรงงานจังหวัดเชียงใหม่"
    assert chiang_mai.name_en == "Chiang Mai Provincial Labour Office"
    bangkok_police = Office.objects.get(agency__code="RTP", province__code="10")
    assert bangkok_police.name_en == "Metropolitan Police Bureau"


def test_running_twice_gives_the_same_rows(settings):
    settings.DEBUG = True
    seed()
    first = snapshot()
    seed()
    assert snapshot() == first


def test_every_agency_has_ready_made_replies_written_by_its_administrator():
    output = seed(demo=True)

    assert f"Ready-made replies of the agencies: {ReplyTemplate.objects.count()}." in output
    for agency in Agency.objects.all():
        replies = ReplyTemplate.objects.filter(agency=agency, is_active=True)
        assert {reply.kind for reply in replies} == set(ReplyKind), agency.code
        assert {reply.created_by.username for reply in replies} == {f"{agency.code.lower()}-admin"}
        for reply in replies:
            reply.full_clean()
            assert "ค่ะ" not in reply.body and "ครับ" not in reply.body


def test_an_administrators_change_to_a_demo_reply_is_kept(settings):
    settings.DEBUG = True
    seed()
    reply = ReplyTemplate.objects.filter(agency__code="MOL").first()
    ReplyTemplate.objects.filter(pk=reply.pk).update(body="ข้อความที่แก้แล้ว")
    count = ReplyTemplate.objects.count()

    seed()

    assert ReplyTemplate.objects.count() == count
    assert ReplyTemplate.objects.get(pk=reply.pk).body == "ข้อความที่แก้แล้ว"


def test_a_regional_office_and_members_of_offices_work_their_offices_cases():
    output = seed(demo=True)

    songkhla = Office.objects.get(agency__code="MOJ", province__code="90")
    assert set(songkhla.serves.values_list("code", flat=True)) == {"94", "95", "96"}
    assert office_for(Agency.objects.get(code="MOJ"), "95") == songkhla
    for username, code, province in [
        ("mol-bkk-intake", "MOL", "10"),
        ("mol-cnx-supervisor", "MOL", "50"),
        ("moph-bkk-supervisor", "MOPH", "10"),
        ("moj-south-intake", "MOJ", "90"),
    ]:
        membership = Membership.objects.get(user__username=username)
        assert (membership.agency.code, membership.office.province_id) == (code, province)
        assert username in output
    assert Membership.objects.get(user__username="mol-intake").office is None  # central
    assert snapshot() == (seed(demo=True) and snapshot())
