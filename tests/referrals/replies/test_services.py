"""The services that keep an agency's ready-made replies: who may write, change, archive and
restore them, what a reply may hold, and how it is filled in for a case."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from agencies.models import Role
from referrals import services
from referrals.errors import NotPermitted
from referrals.models import ReplyKind, ReplyTemplate
from tests.factories import InspectorFactory
from tests.referrals.factories import agency, case_in, fresh, reply_template, staff, submit

pytestmark = pytest.mark.django_db


def write(by, agency_code="MOL", **fields):
    return services.create_reply_template(
        agency(agency_code),
        by,
        **{"kind": ReplyKind.PUBLIC_NOTE, "title": "รับเรื่องแล้ว", "body": "ได้รับเรื่องแล้ว", **fields},
    )


def test_an_agency_admin_writes_a_reply_in_use_at_once():
    admin = staff("MOL", Role.AGENCY_ADMIN)

    template = write(admin, kind=ReplyKind.OUTCOME, title="จ่ายค่าจ้างครบ", body="นายจ้างจ่ายแล้ว")

    template = fresh(template)
    assert (template.agency.code, template.kind, template.title) == (
        "MOL",
        ReplyKind.OUTCOME,
        "จ่ายค่าจ้างครบ",
    )
    assert template.is_active and template.category is None
    assert template.created_by == template.updated_by == admin


def test_the_system_administrator_writes_for_any_agency(superuser):
    assert write(superuser, "RTP").agency.code == "RTP"


@pytest.mark.parametrize("role", [role for role in Role if role != Role.AGENCY_ADMIN])
def test_staff_who_do_not_administer_the_agency_write_none(role):
    with pytest.raises(NotPermitted):
        write(staff("MOL", role))
    assert not ReplyTemplate.objects.exists()


def test_another_agencys_admin_and_an_inspector_write_none():
    for person in (staff("MOJ", Role.AGENCY_ADMIN), InspectorFactory().user):
        with pytest.raises(NotPermitted):
            write(person)
    assert not ReplyTemplate.objects.exists()


def test_a_change_keeps_the_agency_and_names_who_made_it():
    template = reply_template("MOL", category="unpaid-wages")
    other_admin = staff("MOL", Role.AGENCY_ADMIN)

    services.update_reply_template(
        template, other_admin, kind=ReplyKind.PUBLIC_NOTE, title="ใหม่", body="ข้อความใหม่"
    )

    template = fresh(template)
    assert (template.kind, template.title, template.body) == (
        ReplyKind.PUBLIC_NOTE,
        "ใหม่",
        "ข้อความใหม่",
    )
    assert template.category is None and template.agency.code == "MOL"
    assert template.updated_by == other_admin and template.created_by != other_admin


def test_another_agencys_admin_cannot_change_archive_or_restore_a_reply():
    template = reply_template("MOL")
    stranger = staff("MOJ", Role.AGENCY_ADMIN)
    for attempt in (
        lambda: services.update_reply_template(
            template, stranger, kind=ReplyKind.OUTCOME, title="x", body="x"
        ),
        lambda: services.archive_reply_template(template, stranger),
        lambda: services.restore_reply_template(template, stranger),
    ):
        with pytest.raises(NotPermitted):
            attempt()
    assert fresh(template).title == template.title and fresh(template).is_active


def test_an_archived_reply_can_be_restored():
    admin = staff("MOL", Role.AGENCY_ADMIN)
    template = reply_template("MOL", by=admin)

    assert not services.archive_reply_template(template, admin).is_active
    assert not fresh(template).is_active
    assert services.restore_reply_template(template, admin).is_active
    assert fresh(template).is_active and fresh(template).updated_by == admin


@pytest.mark.parametrize(
    ("kind", "longest"),
    [
        (ReplyKind.REQUEST_INFORMATION, 2000),
        (ReplyKind.PUBLIC_NOTE, 5000),
        (ReplyKind.OUTCOME, 5000),
    ],
)
def test_a_reply_is_no_longer_than_the_box_it_fills(kind, longest):
    admin = staff("MOL", Role.AGENCY_ADMIN)
    assert write(admin, kind=kind, body="ก" * longest).pk

    with translation.override("en"), pytest.raises(ValidationError) as refused:
        write(admin, kind=kind, body="ก" * (longest + 1))

    assert f"{longest:,} characters or fewer" in refused.value.message_dict["body"][0]
    assert ReplyTemplate.objects.count() == 1


def test_an_unknown_placeholder_is_refused_in_the_persons_language():
    admin = staff("MOL", Role.AGENCY_ADMIN)
    with translation.override("th"), pytest.raises(ValidationError) as thai:
        write(admin, body="เรียน {name} เรื่อง {reference}")
    with translation.override("en"), pytest.raises(ValidationError) as english:
        write(admin, body="Dear {name}")

    message = "%(unknown)s cannot be filled in: use {reference}, {agency} or {citizen_name}."
    with translation.override("th"):
        in_thai = translation.gettext(message) % {"unknown": "{name}"}
    assert in_thai != message % {"unknown": "{name}"}  # translated
    assert thai.value.message_dict["body"] == [in_thai]
    assert english.value.message_dict["body"] == [message % {"unknown": "{name}"}]
    assert not ReplyTemplate.objects.exists()


def test_a_reply_is_filled_in_for_the_case_in_one_pass():
    case, _secret = submit(citizen_name="สมชาย {reference} <b>")
    template = reply_template(
        "MOL", body="เรียน คุณ{citizen_name}\nเรื่อง {reference} ของ{agency} {unknown"
    )

    with translation.override("th"):
        thai = template.filled_for(case)
    with translation.override("en"):
        english = template.filled_for(case)

    assert thai == (
        f"เรียน คุณสมชาย {{reference}} <b>\nเรื่อง {case.reference} ของกระทรวงแรงงาน {{unknown"
    )
    assert "Ministry of Labour" in english


def test_a_case_without_the_persons_name_fills_in_nothing_for_it():
    case = case_in("closed")
    services.anonymise_case(case)
    template = reply_template("MOL", body="เรียน คุณ{citizen_name}")
    assert template.filled_for(fresh(case)) == "เรียน คุณ"
