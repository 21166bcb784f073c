"""The workflow services, by what a citizen or an officer would notice."""

import contextlib
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import ExifTags, Image
from pypdf import PdfWriter

from agencies import permissions
from agencies.models import District, Role, Subdistrict
from agencies.permissions import Action
from referrals import identity, services
from referrals.errors import NotPermitted, StaleObject, TransitionNotAllowed
from referrals.identity import secret_hash
from referrals.models import (
    AppendOnlyError,
    Attachment,
    Case,
    CaseEvent,
    CaseStatus,
    Channel,
    EventKind,
    Referral,
    ReferralStatus,
    Transfer,
)
from tests.referrals.factories import (
    agency,
    case_in,
    fresh,
    new_case_data,
    offered_transfer,
    office,
    referral_in,
    resolved_days_ago,
    staff,
    submit,
    transfer_accepted,
)

pytestmark = pytest.mark.django_db

REFERENCE = re.compile(r"^RP-\d{4}-[23456789ABCDEFGHJKMNPQRSTVWXYZ]{6}$")


def sees(user, case) -> bool:
    return permissions.can(user, Action.VIEW, fresh(case))


def last_event(case) -> CaseEvent:
    return CaseEvent.objects.filter(case=case).order_by("-id").first()


def kinds(case) -> list[str]:
    return list(CaseEvent.objects.filter(case=case).order_by("id").values_list("kind", flat=True))


def with_check_digit(first_twelve: str) -> str:
    total = sum(int(d) * w for d, w in zip(first_twelve, range(13, 1, -1), strict=True))
    return first_twelve + str((11 - total % 11) % 10)


def with_wrong_check_digit(first_twelve: str) -> str:
    right = with_check_digit(first_twelve)[-1]
    return first_twelve + str((int(right) + 1) % 10)


# --- Creating a case ---------------------------------------------------------------------


def test_a_new_case_is_led_by_the_lead_agency_of_its_category():
    case, _secret = submit("healthcare-access")

    assert case.lead_agency.code == "MOPH"
    assert case.status == CaseStatus.NEW
    assert case.version == 1
    assert sees(staff("MOPH", Role.INTAKE_OFFICER), case)
    assert not sees(staff("MOL", Role.INTAKE_OFFICER), case)
    created = last_event(case)
    assert (created.kind, created.is_public, created.actor) == (EventKind.CREATED, True, None)


def test_a_new_case_goes_to_the_lead_agencys_office_in_its_province():
    chiang_mai = office("MOL", "50")
    office("MOL", "20", is_active=False)

    assert submit(province="50")[0].lead_office == chiang_mai
    assert submit(province="10")[0].lead_office is None
    assert submit(province="20")[0].lead_office is None


@pytest.mark.parametrize(
    ("category", "restricted"),
    [
        ("witness-protection", True),
        ("human-trafficking", True),
        ("domestic-violence", True),
        ("legal-aid", False),
        ("unpaid-wages", False),
    ],
)
def test_the_category_decides_whether_a_case_is_restricted(category, restricted):
    assert submit(category)[0].is_restricted is restricted


def test_the_reference_is_readable_and_carries_the_buddhist_era_year():
    case, _secret = submit()

    assert REFERENCE.match(case.reference)
    assert case.reference.startswith(f"RP-{timezone.localtime().year + 543}-")


def test_the_buddhist_era_year_of_the_reference_follows_bangkok_time(monkeypatch):
    # 31 December 2024 at 17:30 UTC is already 1 January 2025 (B.E. 2568) in Bangkok.
    monkeypatch.setattr(timezone, "now", lambda: datetime(2024, 12, 31, 17, 30, tzinfo=UTC))

    case, _secret = submit()

    assert case.reference.startswith("RP-2568-")


def test_the_secret_verifies_against_its_hash_and_is_not_stored_in_clear():
    case, secret = submit()

    assert re.fullmatch(r"[23456789A-Z]{4}-[23456789A-Z]{4}", secret)
    assert case.secret_hash == secret_hash(secret)
    assert case.secret_hash == secret_hash(secret.lower().replace("-", " "))
    assert case.secret_hash != secret_hash(submit()[1])
    stored = [*Case.objects.filter(pk=case.pk).values().get().values(), last_event(case).payload]
    assert not any(secret.replace("-", "") in str(value).replace("-", "") for value in stored)


def test_the_national_id_is_stored_encrypted_with_a_keyed_hash_for_look_ups():
    national_id = with_check_digit("110170020345")
    written_otherwise = (
        f"{national_id[0]}-{national_id[1:5]}-{national_id[5:10]}-{national_id[10:]}"
    )

    case, _secret = submit(national_id=national_id)
    same_person, _secret = submit(national_id=written_otherwise)
    someone_else, _secret = submit(national_id=with_check_digit("310170020345"))

    assert identity.decrypt(case.national_id_encrypted) == national_id
    assert case.national_id_hash == same_person.national_id_hash
    assert case.national_id_hash != someone_else.national_id_hash
    row = Case.objects.filter(pk=case.pk).values().get()
    assert not any(national_id in str(value) for value in row.values())
    assert not any(national_id in str(e.payload) + e.message for e in case.events.all())


def test_a_case_without_national_id_stores_nothing_for_it():
    case, _secret = submit()

    assert (case.national_id_encrypted, case.national_id_hash) == ("", "")


def _other_province_district():
    return District.objects.filter(province_id="50").first()


BAD_INPUT = [
    pytest.param("citizen_phone", lambda: {"citizen_phone": "12345"}, id="bad phone"),
    pytest.param(
        "national_id",
        lambda: {"national_id": with_wrong_check_digit("110170020345")},
        id="bad national ID check digit",
    ),
    pytest.param("national_id", lambda: {"national_id": "12345"}, id="short national ID"),
    pytest.param("description", lambda: {"description": "   "}, id="empty description"),
    pytest.param("citizen_name", lambda: {"citizen_name": "  "}, id="empty name"),
    pytest.param(
        "district", lambda: {"district": _other_province_district()}, id="district not in province"
    ),
    pytest.param(
        "subdistrict",
        lambda: {
            "district": District.objects.get(code="1001"),
            "subdistrict": Subdistrict.objects.exclude(district_id="1001").first(),
        },
        id="subdistrict not in district",
    ),
]


@pytest.mark.parametrize(("field", "changes"), BAD_INPUT)
def test_bad_input_is_refused_field_by_field_and_nothing_is_saved(field, changes):
    data = new_case_data(**changes())

    with pytest.raises(ValidationError) as error:
        services.create_case(data)

    assert set(error.value.message_dict) == {field}
    assert all(message.strip() for message in error.value.message_dict[field])
    assert not Case.objects.exists()
    assert not CaseEvent.objects.exists()


def test_every_bad_field_is_reported_at_once():
    with pytest.raises(ValidationError) as error:
        submit(citizen_phone="abc", description="", district=_other_province_district())

    assert set(error.value.message_dict) == {"citizen_phone", "description", "district"}


def test_a_district_and_subdistrict_of_the_province_are_kept():
    district = District.objects.get(code="1001")
    subdistrict = district.subdistricts.first()

    case, _secret = submit(district=district, subdistrict=subdistrict)

    assert (case.district, case.subdistrict) == (district, subdistrict)


def test_a_phone_number_is_kept_in_one_form():
    assert submit(citizen_phone="+66 81-234-5678")[0].citizen_phone == "0812345678"


def test_a_bad_email_address_is_refused():
    with pytest.raises(ValidationError) as error:
        submit(citizen_email="not-an-email")

    assert set(error.value.message_dict) == {"citizen_email"}


def test_a_name_too_long_is_refused_with_a_message():
    with pytest.raises(ValidationError) as error:
        submit(citizen_name="ก" * 201)

    assert set(error.value.message_dict) == {"citizen_name"}


def test_an_intake_officer_records_a_phone_call_but_not_a_web_form():
    officer = staff("MOL", Role.INTAKE_OFFICER)

    case, _secret = submit(by=officer, channel=Channel.PHONE)
    assert case.created_by == officer
    assert last_event(case).actor == officer

    with pytest.raises(ValidationError) as refused:
        submit(by=officer, channel=Channel.WEB)
    assert list(refused.value.message_dict) == ["channel"]
    with pytest.raises(NotPermitted):
        submit(by=staff("MOL", Role.CASE_OFFICER), channel=Channel.PHONE)


# --- Triage ------------------------------------------------------------------------------


def test_accepting_a_case_starts_work_on_it():
    case = case_in(CaseStatus.NEW)

    services.accept_case(case, staff("MOL", Role.INTAKE_OFFICER))

    case = fresh(case)
    assert case.status == CaseStatus.IN_PROGRESS
    assert case.acknowledged_at is not None


def test_a_rejection_needs_a_reason():
    case = case_in(CaseStatus.NEW)

    with pytest.raises(ValidationError):
        services.reject_case(case, staff("MOL", Role.INTAKE_OFFICER), "  ")

    assert fresh(case).status == CaseStatus.NEW
    assert kinds(case) == [EventKind.CREATED]


def test_a_rejected_case_tells_the_citizen_why_and_is_closed():
    case = case_in(CaseStatus.NEW)

    services.reject_case(case, staff("MOL", Role.INTAKE_OFFICER), "โปรดติดต่อศาลแรงงานกลาง")

    case = fresh(case)
    assert case.status == CaseStatus.REJECTED
    assert case.public_answer == "โปรดติดต่อศาลแรงงานกลาง"
    assert case.closed_at is not None
    assert last_event(case).message == "โปรดติดต่อศาลแรงงานกลาง"


def test_a_duplicate_is_joined_to_the_original_case():
    original = case_in(CaseStatus.IN_PROGRESS)
    case = case_in(CaseStatus.NEW)

    services.mark_duplicate(case, staff("MOL", Role.INTAKE_OFFICER), original)

    case = fresh(case)
    assert case.status == CaseStatus.DUPLICATE
    assert case.duplicate_of == original
    assert case.closed_at is not None
    assert last_event(case).payload["duplicate_of"] == original.reference


def test_a_case_is_not_a_duplicate_of_itself_nor_of_a_case_the_officer_cannot_see():
    officer = staff("MOL", Role.INTAKE_OFFICER)
    case = case_in(CaseStatus.NEW)
    elsewhere = case_in(CaseStatus.NEW, category="healthcare-access")

    for original in (case, elsewhere):
        with pytest.raises(TransitionNotAllowed):
            services.mark_duplicate(case, officer, original)

    assert fresh(case).status == CaseStatus.NEW


def test_a_transfer_hands_the_case_to_the_new_lead_who_triages_it_anew():
    moph_bangkok = office("MOPH")
    mol_supervisor = staff("MOL", Role.SUPERVISOR)
    mol_officer = staff("MOL", Role.CASE_OFFICER)
    mol_intake = staff("MOL", Role.INTAKE_OFFICER)
    moph_intake = staff("MOPH", Role.INTAKE_OFFICER)
    case = case_in(CaseStatus.IN_PROGRESS, by=mol_supervisor)
    services.assign_case(case, mol_supervisor, mol_officer)

    services.transfer_case(case, mol_supervisor, agency("MOPH"), "เป็นเรื่องสิทธิการรักษา")
    assert fresh(case).lead_agency.code == "MOL", "offered: the lead changes once accepted"
    services.accept_transfer(offered_transfer(case), moph_intake)

    case = fresh(case)
    assert case.status == CaseStatus.NEW
    assert (case.lead_agency.code, case.lead_office) == ("MOPH", moph_bangkok)
    assert case.assigned_to is None
    assert sees(moph_intake, case)
    assert sees(mol_intake, case), "the former lead keeps seeing the case's history"
    with pytest.raises(NotPermitted):
        services.accept_case(case, mol_intake)
    services.accept_case(case, moph_intake)
    transferred = case.events.get(kind=EventKind.TRANSFERRED)
    assert transferred.actor == moph_intake
    assert transferred.payload == {"from_agency": "MOL", "to_agency": "MOPH"}
    assert transferred.message == "เป็นเรื่องสิทธิการรักษา"


def test_a_transfer_needs_a_reason_and_another_agency():
    supervisor = staff("MOL", Role.SUPERVISOR)
    case = case_in(CaseStatus.NEW, by=supervisor)

    with pytest.raises(ValidationError):
        services.transfer_case(case, supervisor, agency("MOPH"), "")
    with pytest.raises(TransitionNotAllowed):
        services.transfer_case(case, supervisor, agency("MOL"), "ลองดู")

    assert fresh(case).lead_agency.code == "MOL"


# --- Assignment ----------------------------------------------------------------------------


def test_a_supervisor_assigns_an_officer_of_the_lead_agency_and_can_take_it_back():
    supervisor = staff("MOL", Role.SUPERVISOR)
    officer = staff("MOL", Role.CASE_OFFICER)
    case = case_in(CaseStatus.IN_PROGRESS, by=supervisor)

    services.assign_case(case, supervisor, officer)
    assert fresh(case).assigned_to == officer
    assert last_event(case).payload == {"officer": officer.username, "previous": None}

    services.assign_case(case, supervisor, None)
    assert fresh(case).assigned_to is None
    assert last_event(case).payload == {"officer": None, "previous": officer.username}


def _inactive_officer():
    user = staff("MOL", Role.CASE_OFFICER)
    user.memberships.update(is_active=False)
    return user


@pytest.mark.parametrize(
    "make_officer",
    [
        pytest.param(lambda: staff("MOPH", Role.CASE_OFFICER), id="officer of another agency"),
        pytest.param(lambda: staff("MOL", Role.AGENCY_ADMIN), id="agency administrator"),
        pytest.param(_inactive_officer, id="former officer"),
    ],
)
def test_only_an_active_officer_of_the_lead_agency_can_be_assigned(make_officer):
    supervisor = staff("MOL", Role.SUPERVISOR)
    case = case_in(CaseStatus.IN_PROGRESS, by=supervisor)

    with pytest.raises(TransitionNotAllowed):
        services.assign_case(case, supervisor, make_officer())

    assert fresh(case).assigned_to is None
    assert fresh(case).version == case.version


# --- Notes and questions to the citizen ----------------------------------------------------


def test_an_internal_note_stays_between_agencies_and_a_public_note_reaches_the_citizen():
    officer = staff("MOL", Role.CASE_OFFICER)
    case = case_in(CaseStatus.IN_PROGRESS)

    services.add_note(case, officer, "โทรหานายจ้างแล้ว ไม่รับสาย")
    internal = last_event(case)
    services.add_note(case, officer, "เราได้ติดต่อนายจ้างของท่านแล้ว", public=True)
    public = last_event(case)

    assert (internal.kind, internal.is_public) == (EventKind.NOTE, False)
    assert (public.kind, public.is_public) == (EventKind.NOTE, True)
    assert public.message == "เราได้ติดต่อนายจ้างของท่านแล้ว"


def test_a_note_from_a_referred_agency_is_signed_with_that_agency():
    referral = referral_in(ReferralStatus.PENDING)
    helper = staff("MOPH", Role.CASE_OFFICER)

    services.add_note(referral.case, helper, "นัดตรวจสุขภาพวันจันทร์")

    assert last_event(referral.case).actor_agency.code == "MOPH"


def test_an_empty_note_is_refused():
    case = case_in(CaseStatus.IN_PROGRESS)

    with pytest.raises(ValidationError):
        services.add_note(case, staff("MOL"), " \n ")

    assert EventKind.NOTE not in kinds(case)


def test_asking_the_citizen_for_information_makes_the_case_wait_until_the_answer():
    officer = staff("MOL", Role.INTAKE_OFFICER)
    case = case_in(CaseStatus.IN_PROGRESS)

    services.request_information(case, officer, "ขอสำเนาสลิปเงินเดือน")
    assert fresh(case).status == CaseStatus.WAITING_CITIZEN
    assert last_event(case).message == "ขอสำเนาสลิปเงินเดือน"

    services.receive_information(case, officer, "ผู้ร้องส่งสลิปทางไลน์แล้ว")
    assert fresh(case).status == CaseStatus.IN_PROGRESS
    assert last_event(case).message == "ผู้ร้องส่งสลิปทางไลน์แล้ว"


def test_a_question_and_an_answer_must_say_something():
    officer = staff("MOL", Role.INTAKE_OFFICER)

    with pytest.raises(ValidationError):
        services.request_information(case_in(CaseStatus.IN_PROGRESS), officer, "")
    with pytest.raises(ValidationError):
        services.receive_information(case_in(CaseStatus.WAITING_CITIZEN), officer, "")


# --- Referrals ---------------------------------------------------------------------------


def test_a_case_is_referred_to_several_agencies_at_once():
    moph_bangkok = office("MOPH")
    office("MSDHS", "50")
    supervisor = staff("MOL", Role.SUPERVISOR)
    case = case_in(CaseStatus.IN_PROGRESS, by=supervisor)

    referrals = services.refer_case(
        case, supervisor, dict.fromkeys([agency("MOPH"), agency("MSDHS")], "ต้องการตรวจสุขภาพและที่พัก")
    )

    assert [(r.to_agency.code, r.to_office) for r in referrals] == [
        ("MOPH", moph_bangkok),
        ("MSDHS", None),
    ]
    assert {r.status for r in referrals} == {ReferralStatus.PENDING}
    assert {r.from_agency.code for r in referrals} == {"MOL"}
    assert sees(staff("MOPH", Role.INTAKE_OFFICER), case)
    assert sees(staff("MSDHS", Role.CASE_OFFICER), case)
    assert not sees(staff("MOE", Role.SUPERVISOR), case)
    referred = case.events.filter(kind=EventKind.REFERRED).order_by("id")
    assert [e.payload["to_agency"] for e in referred] == ["MOPH", "MSDHS"]
    assert [e.referral for e in referred] == referrals
    assert fresh(case).status == CaseStatus.IN_PROGRESS


def test_a_case_is_not_referred_to_its_own_lead_agency():
    supervisor = staff("MOL", Role.SUPERVISOR)
    case = case_in(CaseStatus.IN_PROGRESS, by=supervisor)

    with pytest.raises(TransitionNotAllowed):
        services.refer_case(
            case, supervisor, dict.fromkeys([agency("MOPH"), agency("MOL")], "ช่วยด้วย")
        )

    assert not Referral.objects.exists()


def test_an_agency_already_helping_is_not_referred_again_until_its_referral_closes():
    supervisor = staff("MOL", Role.SUPERVISOR)
    case = case_in(CaseStatus.IN_PROGRESS, by=supervisor)
    first = referral_in(ReferralStatus.ACCEPTED, case, by=supervisor)

    with pytest.raises(TransitionNotAllowed, match="MOPH"):
        services.refer_case(
            case, supervisor, dict.fromkeys([agency("MSDHS"), agency("MOPH")], "อีกครั้ง")
        )
    assert list(Referral.objects.all()) == [first]

    services.complete_referral(first, staff("MOPH"), "ตรวจแล้ว")
    services.refer_case(case, supervisor, {agency("MOPH"): "ขอตรวจซ้ำ"})
    assert case.referrals.filter(to_agency__code="MOPH").count() == 2


def test_a_referral_needs_a_reason_and_an_agency():
    supervisor = staff("MOL", Role.SUPERVISOR)
    case = case_in(CaseStatus.IN_PROGRESS, by=supervisor)

    with pytest.raises(ValidationError):
        services.refer_case(case, supervisor, {agency("MOPH"): " "})
    with pytest.raises(ValidationError):
        services.refer_case(case, supervisor, {})

    assert not Referral.objects.exists()


def test_the_referred_agency_accepts_and_then_reports_the_help_given():
    helper = staff("MOPH", Role.CASE_OFFICER)
    referral = referral_in(ReferralStatus.PENDING)

    services.accept_referral(referral, helper)
    accepted = fresh(referral)
    assert accepted.status == ReferralStatus.ACCEPTED
    assert (accepted.answered_by, accepted.closed_at) == (helper, None)
    assert accepted.answered_at is not None

    services.complete_referral(referral, helper, "ตรวจสุขภาพและออกใบรับรองแพทย์แล้ว")
    completed = fresh(referral)
    assert completed.status == ReferralStatus.COMPLETED
    assert completed.outcome == "ตรวจสุขภาพและออกใบรับรองแพทย์แล้ว"
    assert completed.closed_at is not None


def test_a_decline_needs_a_reason():
    referral = referral_in(ReferralStatus.PENDING)

    with pytest.raises(ValidationError):
        services.decline_referral(referral, staff("MOPH"), "")

    assert fresh(referral).status == ReferralStatus.PENDING


def test_a_declined_referral_tells_the_lead_agency_why():
    referral = referral_in(ReferralStatus.PENDING)

    services.decline_referral(referral, staff("MOPH", Role.SUPERVISOR), "ไม่มีโรงพยาบาลในพื้นที่")

    declined = fresh(referral)
    assert declined.status == ReferralStatus.DECLINED
    assert declined.decline_reason == "ไม่มีโรงพยาบาลในพื้นที่"
    assert declined.closed_at is not None
    assert last_event(referral.case).message == "ไม่มีโรงพยาบาลในพื้นที่"


def test_a_completion_needs_an_outcome():
    referral = referral_in(ReferralStatus.ACCEPTED)

    with pytest.raises(ValidationError):
        services.complete_referral(referral, staff("MOPH"), "   ")

    assert fresh(referral).status == ReferralStatus.ACCEPTED


def test_the_lead_agency_cancels_a_referral_no_longer_needed_with_a_reason():
    supervisor = staff("MOL", Role.SUPERVISOR)
    referral = referral_in(ReferralStatus.ACCEPTED, by=supervisor)

    with pytest.raises(ValidationError):
        services.cancel_referral(referral, supervisor, "")
    services.cancel_referral(referral, supervisor, "ผู้ร้องไปโรงพยาบาลเองแล้ว")

    cancelled = fresh(referral)
    assert cancelled.status == ReferralStatus.CANCELLED
    assert cancelled.cancel_reason == "ผู้ร้องไปโรงพยาบาลเองแล้ว"
    assert cancelled.closed_at is not None


# --- Resolution, closure, reopening --------------------------------------------------------


def test_resolving_tells_the_citizen_what_was_done():
    case = case_in(CaseStatus.IN_PROGRESS)

    services.resolve_case(case, staff("MOL", Role.INTAKE_OFFICER), "ได้รับค่าจ้างครบแล้ว")

    case = fresh(case)
    assert case.status == CaseStatus.RESOLVED
    assert case.public_answer == "ได้รับค่าจ้างครบแล้ว"
    assert case.resolved_at is not None


def test_a_resolution_needs_an_answer():
    case = case_in(CaseStatus.IN_PROGRESS)

    with pytest.raises(ValidationError):
        services.resolve_case(case, staff("MOL", Role.SUPERVISOR), "")


def test_a_case_with_open_referrals_is_not_resolved():
    supervisor = staff("MOL", Role.SUPERVISOR)
    referral = referral_in(ReferralStatus.PENDING, by=supervisor)

    with pytest.raises(TransitionNotAllowed):
        services.resolve_case(referral.case, supervisor, "เสร็จแล้ว")

    assert fresh(referral.case).status == CaseStatus.IN_PROGRESS
    assert fresh(referral).status == ReferralStatus.PENDING


def test_an_assigned_case_officer_cannot_override_open_referrals():
    supervisor = staff("MOL", Role.SUPERVISOR)
    officer = staff("MOL", Role.CASE_OFFICER)
    referral = referral_in(ReferralStatus.PENDING, by=supervisor)
    services.assign_case(referral.case, supervisor, officer)

    with pytest.raises(NotPermitted):
        services.resolve_case(referral.case, officer, "เสร็จแล้ว", override_reason="รอไม่ไหว")

    assert fresh(referral).status == ReferralStatus.PENDING
    assert fresh(referral.case).status == CaseStatus.IN_PROGRESS


def test_a_supervisor_overrides_open_referrals_which_are_cancelled_with_the_reason():
    supervisor = staff("MOL", Role.SUPERVISOR)
    case = case_in(CaseStatus.IN_PROGRESS, by=supervisor)
    pending = referral_in(ReferralStatus.PENDING, case, to="MOPH", by=supervisor)
    accepted = referral_in(ReferralStatus.ACCEPTED, case, to="MSDHS", by=supervisor)
    completed = referral_in(ReferralStatus.COMPLETED, case, to="MOI", by=supervisor)

    services.resolve_case(case, supervisor, "ได้รับค่าจ้างแล้ว", override_reason="ผู้ร้องขอปิดเรื่อง")

    assert fresh(case).status == CaseStatus.RESOLVED
    for referral in (pending, accepted):
        referral = fresh(referral)
        assert referral.status == ReferralStatus.CANCELLED
        assert referral.cancel_reason == "ผู้ร้องขอปิดเรื่อง"
        assert referral.closed_at is not None
    assert fresh(completed).status == ReferralStatus.COMPLETED
    assert kinds(case)[-3:] == [
        EventKind.REFERRAL_CANCELLED,
        EventKind.REFERRAL_CANCELLED,
        EventKind.RESOLVED,
    ]
    assert last_event(case).payload == {"override_reason": "ผู้ร้องขอปิดเรื่อง"}


def test_closing_a_resolved_case():
    case = case_in(CaseStatus.RESOLVED)

    services.close_case(case, staff("MOL", Role.INTAKE_OFFICER))

    case = fresh(case)
    assert case.status == CaseStatus.CLOSED
    assert case.closed_at is not None


@pytest.mark.parametrize("status", [CaseStatus.RESOLVED, CaseStatus.CLOSED])
def test_a_case_is_reopened_within_the_reopen_window(settings, status):
    settings.CASE_REOPEN_DAYS = 5
    supervisor = staff("MOL", Role.SUPERVISOR)
    case = resolved_days_ago(case_in(status, by=supervisor), 4.9)

    services.reopen_case(case, supervisor, "นายจ้างจ่ายไม่ครบ")

    case = fresh(case)
    assert case.status == CaseStatus.IN_PROGRESS
    assert (case.resolved_at, case.closed_at) == (None, None)
    assert last_event(case).message == "นายจ้างจ่ายไม่ครบ"


@pytest.mark.parametrize("status", [CaseStatus.RESOLVED, CaseStatus.CLOSED])
def test_a_case_is_not_reopened_after_the_reopen_window(settings, status):
    settings.CASE_REOPEN_DAYS = 5
    supervisor = staff("MOL", Role.SUPERVISOR)
    case = resolved_days_ago(case_in(status, by=supervisor), 5.1)

    with pytest.raises(TransitionNotAllowed, match="5"):
        services.reopen_case(case, supervisor, "นายจ้างจ่ายไม่ครบ")

    assert fresh(case).status == status


def test_a_reopening_needs_a_reason():
    supervisor = staff("MOL", Role.SUPERVISOR)

    with pytest.raises(ValidationError):
        services.reopen_case(case_in(CaseStatus.RESOLVED, by=supervisor), supervisor, "")


# --- Restriction -------------------------------------------------------------------------


def test_restricting_a_case_hides_it_from_all_but_the_assigned_officer_and_managers():
    supervisor = staff("MOL", Role.SUPERVISOR)
    officer = staff("MOL", Role.CASE_OFFICER)
    intake = staff("MOL", Role.INTAKE_OFFICER)
    case = case_in(CaseStatus.IN_PROGRESS, by=supervisor)
    services.assign_case(case, supervisor, officer)

    services.set_restricted(case, supervisor, True, "ผู้ร้องถูกข่มขู่")

    assert fresh(case).is_restricted
    assert last_event(case).payload == {"restricted": True}
    assert sees(officer, case)
    assert sees(staff("MOL", Role.CCEO), case)
    assert not sees(intake, case)

    services.set_restricted(case, supervisor, False, "พ้นอันตรายแล้ว")
    assert sees(staff("MOL", Role.INTAKE_OFFICER), case)


def test_restricting_needs_a_reason_and_a_change():
    supervisor = staff("MOL", Role.SUPERVISOR)
    case = case_in(CaseStatus.IN_PROGRESS, by=supervisor)

    with pytest.raises(ValidationError):
        services.set_restricted(case, supervisor, True, "")
    with pytest.raises(TransitionNotAllowed):
        services.set_restricted(case, supervisor, False, "ไม่มีอะไร")


# --- The timeline and versions -------------------------------------------------------------


@dataclass
class Scene:
    """A case led by MOL and, when the change needs one, its referral to MOPH."""

    case: Case
    referral: Referral | None
    transfer: Transfer | None = None


def _png_upload():
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (0, 128, 0)).save(buffer, "PNG")
    return SimpleUploadedFile("photo.png", buffer.getvalue())


DO = {
    "accept": lambda s, by: services.accept_case(s.case, by),
    "reject": lambda s, by: services.reject_case(s.case, by, "นอกขอบเขต"),
    "mark duplicate": lambda s, by: services.mark_duplicate(s.case, by, submit()[0]),
    "transfer": lambda s, by: services.transfer_case(s.case, by, agency("MOPH"), "สิทธิรักษา"),
    "accept transfer": lambda s, by: services.accept_transfer(s.transfer, by),
    "return transfer": lambda s, by: services.return_transfer(s.transfer, by, "ไม่ใช่เรื่องเรา"),
    "assign": lambda s, by: services.assign_case(s.case, by, staff("MOL")),
    "request information": lambda s, by: services.request_information(s.case, by, "ขอเอกสาร"),
    "receive information": lambda s, by: services.receive_information(s.case, by, "ได้แล้ว"),
    "refer": lambda s, by: services.refer_case(s.case, by, {agency("MOPH"): "ตรวจสุขภาพ"}),
    "accept referral": lambda s, by: services.accept_referral(s.referral, by),
    "decline referral": lambda s, by: services.decline_referral(s.referral, by, "ไม่มีบริการ"),
    "complete referral": lambda s, by: services.complete_referral(s.referral, by, "ตรวจแล้ว"),
    "cancel referral": lambda s, by: services.cancel_referral(s.referral, by, "ไม่ต้องแล้ว"),
    "resolve": lambda s, by: services.resolve_case(s.case, by, "เสร็จแล้ว"),
    "close": lambda s, by: services.close_case(s.case, by),
    "reopen": lambda s, by: services.reopen_case(s.case, by, "ยังไม่ได้รับเงิน"),
    "restrict": lambda s, by: services.set_restricted(s.case, by, True, "ถูกข่มขู่"),
    "internal note": lambda s, by: services.add_note(s.case, by, "ภายใน"),
    "public note": lambda s, by: services.add_note(s.case, by, "ถึงผู้ร้อง", public=True),
    "note of a referred agency": lambda s, by: services.add_note(s.case, by, "จาก สธ."),
    "attachment": lambda s, by: services.add_attachment(s.case, by, _png_upload()),
}
S, R, K = CaseStatus, ReferralStatus, EventKind
# Who acts is a supervisor of the agency named; the event must name that agency.
CHANGES = {
    # change: (case status before, referral before, event kind, shown to the citizen, agency)
    "accept": (S.NEW, None, K.ACCEPTED, True, "MOL"),
    "reject": (S.NEW, None, K.REJECTED, True, "MOL"),
    "mark duplicate": (S.NEW, None, K.MARKED_DUPLICATE, True, "MOL"),
    "transfer": (S.IN_PROGRESS, None, K.TRANSFER_OFFERED, False, "MOL"),
    "accept transfer": (S.IN_PROGRESS, "offered", K.TRANSFERRED, True, "MOPH"),
    "return transfer": (S.IN_PROGRESS, "offered", K.TRANSFER_RETURNED, False, "MOPH"),
    "assign": (S.IN_PROGRESS, None, K.ASSIGNED, False, "MOL"),
    "request information": (S.IN_PROGRESS, None, K.INFORMATION_REQUESTED, True, "MOL"),
    "receive information": (S.WAITING_CITIZEN, None, K.INFORMATION_RECEIVED, True, "MOL"),
    "refer": (S.IN_PROGRESS, None, K.REFERRED, True, "MOL"),
    "accept referral": (S.IN_PROGRESS, R.PENDING, K.REFERRAL_ACCEPTED, True, "MOPH"),
    "decline referral": (S.IN_PROGRESS, R.PENDING, K.REFERRAL_DECLINED, False, "MOPH"),
    "complete referral": (S.IN_PROGRESS, R.ACCEPTED, K.REFERRAL_COMPLETED, True, "MOPH"),
    "cancel referral": (S.IN_PROGRESS, R.PENDING, K.REFERRAL_CANCELLED, False, "MOL"),
    "resolve": (S.IN_PROGRESS, None, K.RESOLVED, True, "MOL"),
    "close": (S.RESOLVED, None, K.CLOSED, True, "MOL"),
    "reopen": (S.RESOLVED, None, K.REOPENED, True, "MOL"),
    "restrict": (S.IN_PROGRESS, None, K.RESTRICTION_CHANGED, False, "MOL"),
    "internal note": (S.IN_PROGRESS, None, K.NOTE, False, "MOL"),
    "public note": (S.IN_PROGRESS, None, K.NOTE, True, "MOL"),
    "note of a referred agency": (S.IN_PROGRESS, R.PENDING, K.NOTE, False, "MOPH"),
    "attachment": (S.IN_PROGRESS, None, K.ATTACHMENT_ADDED, False, "MOL"),
}
# Notes and files add to the timeline without changing the case.
STATE_CHANGES = [name for name in CHANGES if "note" not in name and name != "attachment"]


def scene(name: str):
    """The scene for a change and the supervisor who makes it."""
    status, referral_status, _kind, _public, acting_agency = CHANGES[name]
    boss, helper = staff("MOL", Role.SUPERVISOR), staff("MOPH", Role.SUPERVISOR)
    case = case_in(status, by=boss)
    referral = transfer = None
    if referral_status == "offered":  # the lead offered to MOPH, which answers
        services.transfer_case(case, boss, agency("MOPH"), "เป็นเรื่องสุขภาพ")
        transfer = offered_transfer(case)
        return Scene(fresh(case), None, transfer), helper
    if referral_status:
        referral = referral_in(referral_status, case, by=boss, helper=helper)
    return Scene(fresh(case), referral), boss if acting_agency == "MOL" else helper


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.mark.parametrize("name", CHANGES)
def test_every_change_appends_one_event_saying_what_who_and_for_whom(name, media):
    s, by = scene(name)
    _status, _referral, kind, public, acting_agency = CHANGES[name]
    before = CaseEvent.objects.filter(case=s.case).count()

    DO[name](s, by)

    assert CaseEvent.objects.filter(case=s.case).count() == before + 1
    event = last_event(s.case)
    assert (event.kind, event.is_public) == (kind, public)
    assert (event.actor, event.actor_agency.code) == (by, acting_agency)
    if kind.startswith("referral_"):
        assert event.referral == s.referral


@pytest.mark.parametrize(
    "name",
    STATE_CHANGES,
)
def test_every_change_bumps_the_version_of_what_it_changed(name, media):
    s, by = scene(name)
    target = s.referral if name.endswith("referral") else s.case
    if name.endswith(" transfer"):
        DO[name](s, by)
        assert fresh(s.transfer).version == s.transfer.version + 1
        assert fresh(s.case).version == s.case.version + 1
        return

    DO[name](s, by)

    assert fresh(target).version == target.version + 1


def test_a_change_based_on_an_old_version_is_refused_and_changes_nothing():
    supervisor = staff("MOL", Role.SUPERVISOR)
    case = case_in(CaseStatus.NEW, by=supervisor)
    seen = case.version
    services.accept_case(case, supervisor, expected_version=seen)

    with pytest.raises(StaleObject):
        services.assign_case(case, supervisor, staff("MOL"), expected_version=seen)

    assert fresh(case).assigned_to is None
    assert kinds(case) == [EventKind.CREATED, EventKind.ACCEPTED]


def test_an_answer_based_on_an_old_version_of_the_referral_is_refused():
    referral = referral_in(ReferralStatus.PENDING)
    seen = referral.version
    services.accept_referral(referral, staff("MOPH"), expected_version=seen)

    with pytest.raises(StaleObject):
        services.complete_referral(referral, staff("MOPH"), "ตรวจแล้ว", expected_version=seen)


def _save_again(event):
    event.message = "แก้ไข"
    event.save()


def _bulk_update(event):
    event.message = "แก้ไข"
    CaseEvent.objects.bulk_update([event], ["message"])


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(_save_again, id="save an event again"),
        pytest.param(lambda event: event.delete(), id="delete an event"),
        pytest.param(
            lambda event: CaseEvent.objects.filter(pk=event.pk).update(message="x"),
            id="update a queryset",
        ),
        pytest.param(lambda event: CaseEvent.objects.filter(pk=event.pk).delete(), id="delete"),
        pytest.param(lambda event: event.case.events.update(is_public=False), id="related update"),
        pytest.param(_bulk_update, id="bulk update"),
    ],
)
def test_the_timeline_cannot_be_changed_or_deleted(change):
    case = case_in(CaseStatus.NEW)
    event = last_event(case)

    with pytest.raises(AppendOnlyError), transaction.atomic():
        change(event)

    assert fresh(event).message == ""
    assert fresh(event).is_public


# --- Attachments -------------------------------------------------------------------------


def _photo_with_location(format_: str) -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (13.0, 45.0, 7.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (100.0, 30.0, 5.0)
    buffer = io.BytesIO()
    Image.new("RGB", (16, 12), (200, 30, 30)).save(buffer, format_, exif=exif.tobytes())
    data = buffer.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    return data


def _stored(attachment: Attachment) -> bytes:
    with attachment.file.open("rb") as file:
        return file.read()


@pytest.mark.parametrize(
    ("format_", "name", "content_type"),
    [("JPEG", "IMG_0001.jpg", "image/jpeg"), ("PNG", "screen.png", "image/png")],
)
def test_a_photo_is_stored_without_its_location_and_other_metadata(
    media, format_, name, content_type
):
    case = case_in(CaseStatus.IN_PROGRESS)
    upload = SimpleUploadedFile(name, _photo_with_location(format_))

    attachment = services.add_attachment(case, staff("MOL"), upload)

    stored = _stored(fresh(attachment))
    image = Image.open(io.BytesIO(stored))
    assert (image.format, image.size) == (format_, (16, 12))
    assert not image.getexif()
    assert b"Exif" not in stored and b"eXIf" not in stored and b"PhoneMaker" not in stored
    assert (attachment.content_type, attachment.original_name) == (content_type, name)
    assert attachment.size == len(stored)
    assert name not in attachment.file.name
    assert last_event(case).payload == {"file": name, "attachment": attachment.pk}


def test_a_one_page_pdf_is_accepted_as_it_is(media):
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    case = case_in(CaseStatus.IN_PROGRESS)

    attachment = services.add_attachment(
        case, staff("MOL"), SimpleUploadedFile("สัญญาจ้าง.pdf", buffer.getvalue())
    )

    assert attachment.content_type == "application/pdf"
    assert attachment.file.name.endswith(".pdf")
    assert _stored(attachment) == buffer.getvalue()


@pytest.mark.parametrize(
    ("upload", "code"),
    [
        pytest.param(
            SimpleUploadedFile("photo.jpg", b"just some text, not a picture\n" * 10),
            "file_type",
            id="text file named .jpg",
        ),
        pytest.param(
            SimpleUploadedFile("report.pdf", b"%PDF-1.4\nnot really a pdf\n%%EOF"),
            "damaged",
            id="damaged PDF",
        ),
        pytest.param(
            SimpleUploadedFile("photo.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 64),
            "damaged",
            id="damaged JPEG",
        ),
    ],
)
def test_a_file_that_is_not_what_it_claims_is_refused_and_nothing_is_kept(media, upload, code):
    case = case_in(CaseStatus.IN_PROGRESS)

    with pytest.raises(ValidationError) as error:
        services.add_attachment(case, staff("MOL"), upload)

    [refusal] = error.value.error_dict["file"]  # shown beside the form's file field
    assert refusal.code == code
    assert not Attachment.objects.exists()
    assert EventKind.ATTACHMENT_ADDED not in kinds(case)
    assert not any(media.rglob("*.*"))


def test_a_file_over_the_size_limit_is_refused(media, settings):
    settings.ATTACHMENT_MAX_BYTES = 200
    case = case_in(CaseStatus.IN_PROGRESS)
    photo = _photo_with_location("JPEG")
    assert len(photo) > 200

    with pytest.raises(ValidationError) as error:
        services.add_attachment(case, staff("MOL"), SimpleUploadedFile("big.jpg", photo))

    [refusal] = error.value.error_dict["file"]
    assert refusal.code == "too_large"
    assert not Attachment.objects.exists()


def test_a_palette_png_keeps_its_colours(media):
    buffer = io.BytesIO()
    red = Image.new("RGB", (8, 8), (200, 30, 30)).convert("P", palette=Image.Palette.ADAPTIVE)
    red.save(buffer, "PNG")
    case = case_in(CaseStatus.IN_PROGRESS)

    attachment = services.add_attachment(
        case, staff("MOL"), SimpleUploadedFile("screen.png", buffer.getvalue())
    )

    stored = Image.open(io.BytesIO(_stored(attachment))).convert("RGB")
    assert stored.getpixel((0, 0)) == (200, 30, 30)


def test_a_photo_taken_upright_stays_upright(media):
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # the camera was turned: rotate 90° to view
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), (0, 0, 255)).save(buffer, "JPEG", exif=exif.tobytes())
    case = case_in(CaseStatus.IN_PROGRESS)

    attachment = services.add_attachment(
        case, staff("MOL"), SimpleUploadedFile("portrait.jpg", buffer.getvalue())
    )

    assert Image.open(io.BytesIO(_stored(attachment))).size == (20, 40)


# --- A case that stops being worked leaves no referral open ---------------------------------


def _still_helping(case) -> bool:
    return case.referrals.filter(
        status__in=[ReferralStatus.PENDING, ReferralStatus.ACCEPTED]
    ).exists()


def test_a_case_marked_duplicate_leaves_no_referral_open():
    supervisor = staff("MOL", Role.SUPERVISOR)
    referral = referral_in(ReferralStatus.ACCEPTED, by=supervisor)
    original = case_in(CaseStatus.IN_PROGRESS, by=supervisor)

    with contextlib.suppress(TransitionNotAllowed):  # refusing is as good as cancelling
        services.mark_duplicate(referral.case, supervisor, original)

    case = fresh(referral.case)
    assert not (case.status == CaseStatus.DUPLICATE and _still_helping(case))


def test_a_transferred_case_rejected_by_its_new_lead_leaves_no_referral_open():
    mol_supervisor, moi_intake = staff("MOL", Role.SUPERVISOR), staff("MOI", Role.INTAKE_OFFICER)
    referral = referral_in(ReferralStatus.PENDING, by=mol_supervisor)
    transfer_accepted(referral.case, mol_supervisor, "MOI", "เป็นเรื่องหนี้", taker=moi_intake)

    with contextlib.suppress(TransitionNotAllowed):
        services.reject_case(referral.case, moi_intake, "นอกขอบเขต")

    case = fresh(referral.case)
    assert not (case.status == CaseStatus.REJECTED and _still_helping(case))


def test_a_transfer_never_leaves_the_new_lead_referred_to_itself():
    supervisor = staff("MOL", Role.SUPERVISOR)
    referral = referral_in(ReferralStatus.ACCEPTED, by=supervisor)

    with contextlib.suppress(TransitionNotAllowed):
        transfer_accepted(referral.case, supervisor, "MOPH", "เป็นเรื่องสุขภาพ")

    case = fresh(referral.case)
    assert not case.referrals.filter(
        to_agency=case.lead_agency, status__in=[ReferralStatus.PENDING, ReferralStatus.ACCEPTED]
    ).exists()
