"""What the citizen does on the tracking page, and the erasure of their data, as they notice it.

The citizen has no account: they act through ``CitizenAccess(case.pk)``, which the tracking
page makes once the reference and the secret match.
"""

import io
import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image
from pypdf import PdfWriter

from agencies.models import District, Role
from agencies.permissions import CitizenAccess
from referrals import selectors, services
from referrals.errors import CaseNotFound, TransitionNotAllowed
from referrals.models import (
    Attachment,
    Case,
    CaseEvent,
    CaseStatus,
    Category,
    ErasureRequest,
    EventKind,
    Notification,
    PossibleDuplicate,
    Rating,
    Referral,
    ReferralStatus,
)
from tests.factories import InspectorFactory
from tests.referrals.factories import (
    case_in,
    fresh,
    referral_in,
    resolved_days_ago,
    staff,
    submit,
)

pytestmark = pytest.mark.django_db


def citizen(case) -> CitizenAccess:
    return CitizenAccess(case.pk)


def last_event(case) -> CaseEvent:
    return CaseEvent.objects.filter(case=case).order_by("-id").first()


def kinds(case) -> list[str]:
    return list(CaseEvent.objects.filter(case=case).order_by("id").values_list("kind", flat=True))


def stored_files(media) -> list:
    return [path for path in media.rglob("*") if path.is_file()]


def png(name: str = "slip.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (6, 4), (20, 120, 200)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue())


def pdf(name: str = "สัญญาจ้าง.pdf"):
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def not_a_picture(name: str = "photo.jpg"):
    return SimpleUploadedFile(name, b"just some text, not a picture\n" * 10)


def with_check_digit(first_twelve: str) -> str:
    total = sum(int(d) * w for d, w in zip(first_twelve, range(13, 1, -1), strict=True))
    return first_twelve + str((11 - total % 11) % 10)


NATIONAL_ID = with_check_digit("110170020345")
OTHER_NATIONAL_ID = with_check_digit("310170020345")


def snapshot(case) -> dict:
    """What a citizen or an officer could see change on a case."""
    row = Case.objects.filter(pk=case.pk).values().get()
    return {
        "case": row,
        "events": list(CaseEvent.objects.filter(case=case).values_list("id", "message")),
        "attachments": Attachment.objects.filter(case=case).count(),
        "rating": list(Rating.objects.filter(case=case).values()),
        "erasures": list(ErasureRequest.objects.filter(case=case).values()),
        "referrals": list(Referral.objects.filter(case=case).values("id", "status")),
    }


# --- Adding information --------------------------------------------------------------------


@pytest.mark.parametrize("status", [CaseStatus.NEW, CaseStatus.IN_PROGRESS])
def test_information_added_while_the_case_is_worked_keeps_its_status(status):
    case = case_in(status)

    services.add_information(case, citizen(case), "นายจ้างชื่อบริษัท ตัวอย่าง จำกัด")

    assert fresh(case).status == status
    event = last_event(case)
    assert (event.kind, event.is_public, event.by_citizen) == (
        EventKind.INFORMATION_RECEIVED,
        True,
        True,
    )
    assert event.message == "นายจ้างชื่อบริษัท ตัวอย่าง จำกัด"
    assert event.actor is None
    assert event.payload == {"answer": False}


def test_the_answer_to_a_question_resumes_the_case():
    case = case_in(CaseStatus.WAITING_CITIZEN)

    services.add_information(case, citizen(case), "แนบสลิปเงินเดือนให้แล้ว")

    assert fresh(case).status == CaseStatus.IN_PROGRESS
    event = last_event(case)
    assert (event.kind, event.is_public, event.by_citizen) == (
        EventKind.INFORMATION_RECEIVED,
        True,
        True,
    )
    assert event.payload == {"answer": True}
    assert event.message == "แนบสลิปเงินเดือนให้แล้ว"


def test_files_sent_with_the_information_are_kept_with_the_case(media):
    case = case_in(CaseStatus.WAITING_CITIZEN)

    services.add_information(case, citizen(case), "", files=[png(), pdf()])

    attachments = Attachment.objects.filter(case=case).order_by("id")
    assert [(a.original_name, a.content_type) for a in attachments] == [
        ("slip.png", "image/png"),
        ("สัญญาจ้าง.pdf", "application/pdf"),
    ]
    assert all(a.uploaded_by is None for a in attachments)
    assert len(stored_files(media)) == 2
    assert fresh(case).status == CaseStatus.IN_PROGRESS
    added = CaseEvent.objects.filter(case=case, kind=EventKind.ATTACHMENT_ADDED)
    assert added.count() == 2
    assert all(event.by_citizen for event in added)


def test_one_bad_file_refuses_the_information_and_keeps_nothing(media):
    case = case_in(CaseStatus.WAITING_CITIZEN)
    before = snapshot(case)

    with pytest.raises(ValidationError) as error:
        services.add_information(case, citizen(case), "สลิปและรูปถ่าย", files=[png(), not_a_picture()])

    assert set(error.value.message_dict) == {"files"}
    assert any("photo.jpg" in message for message in error.value.message_dict["files"])
    assert snapshot(case) == before
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


@pytest.mark.parametrize("text", ["", "   \n "])
def test_information_without_words_or_files_is_refused(text):
    case = case_in(CaseStatus.IN_PROGRESS)
    before = snapshot(case)

    with pytest.raises(ValidationError) as error:
        services.add_information(case, citizen(case), text)

    assert set(error.value.message_dict) == {"text"}
    assert snapshot(case) == before


@pytest.mark.parametrize(
    "status", [CaseStatus.RESOLVED, CaseStatus.CLOSED, CaseStatus.REJECTED, CaseStatus.WITHDRAWN]
)
def test_no_information_is_added_to_a_finished_case(status, media):
    case = case_in(status)
    before = snapshot(case)

    with pytest.raises(TransitionNotAllowed):
        services.add_information(case, citizen(case), "ยังมีเรื่องจะเล่า", files=[png()])

    assert snapshot(case) == before
    assert stored_files(media) == []


# --- Withdrawing -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status", [CaseStatus.NEW, CaseStatus.IN_PROGRESS, CaseStatus.WAITING_CITIZEN]
)
def test_withdrawing_ends_the_case(status):
    case = case_in(status)

    services.withdraw_case(case, citizen(case), "ได้รับเงินแล้ว")

    case = fresh(case)
    assert case.status == CaseStatus.WITHDRAWN
    assert case.closed_at is not None
    event = last_event(case)
    assert (event.kind, event.is_public, event.by_citizen) == (EventKind.WITHDRAWN, True, True)
    assert event.message == "ได้รับเงินแล้ว"


def test_withdrawing_cancels_the_open_referrals_with_a_reason():
    supervisor = staff("MOL", Role.SUPERVISOR)
    pending = referral_in(ReferralStatus.PENDING, by=supervisor)
    case = pending.case
    accepted = referral_in(ReferralStatus.ACCEPTED, case, to="MOI", by=supervisor)

    services.withdraw_case(case, citizen(case))

    for referral in (pending, accepted):
        referral = fresh(referral)
        assert referral.status == ReferralStatus.CANCELLED
        assert referral.cancel_reason.strip()
        assert referral.closed_at is not None
    assert fresh(case).status == CaseStatus.WITHDRAWN


@pytest.mark.parametrize("status", [CaseStatus.RESOLVED, CaseStatus.CLOSED, CaseStatus.REJECTED])
def test_a_finished_case_is_not_withdrawn(status):
    case = case_in(status)
    before = snapshot(case)

    with pytest.raises(TransitionNotAllowed):
        services.withdraw_case(case, citizen(case), "ไม่ต้องการแล้ว")

    assert snapshot(case) == before


# --- Rating ----------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [CaseStatus.RESOLVED, CaseStatus.CLOSED])
def test_the_citizen_rates_the_help_once_it_is_given(status):
    case = case_in(status)

    rating = services.rate_case(case, citizen(case), 5, 1, "4", "  ช่วยได้มาก  ")

    rating = Rating.objects.get(pk=rating.pk)
    assert (rating.case, rating.usefulness, rating.clarity, rating.satisfaction) == (case, 5, 1, 4)
    assert rating.comment == "ช่วยได้มาก"
    assert fresh(case).status == status
    event = last_event(case)
    assert (event.kind, event.is_public, event.by_citizen) == (EventKind.RATED, True, True)


@pytest.mark.parametrize(
    "status", [CaseStatus.NEW, CaseStatus.IN_PROGRESS, CaseStatus.WAITING_CITIZEN]
)
def test_help_not_yet_given_is_not_rated(status):
    case = case_in(status)

    with pytest.raises(TransitionNotAllowed):
        services.rate_case(case, citizen(case), 5, 5, 5)

    assert not Rating.objects.exists()


def test_the_help_is_rated_only_once():
    case = case_in(CaseStatus.RESOLVED)
    services.rate_case(case, citizen(case), 4, 4, 4, "ดี")
    before = snapshot(case)

    with pytest.raises(TransitionNotAllowed):
        services.rate_case(case, citizen(case), 1, 1, 1, "แย่")

    assert snapshot(case) == before
    assert Rating.objects.get(case=case).comment == "ดี"


SCORES = ("usefulness", "clarity", "satisfaction")


@pytest.mark.parametrize("bad", [0, 6, "x", None, ""], ids=repr)
@pytest.mark.parametrize("field", SCORES)
def test_each_score_must_be_from_1_to_5(field, bad):
    case = case_in(CaseStatus.RESOLVED)
    scores = {"usefulness": 3, "clarity": 3, "satisfaction": 3, field: bad}
    before = snapshot(case)

    with pytest.raises(ValidationError) as error:
        services.rate_case(case, citizen(case), **scores)

    assert set(error.value.message_dict) == {field}
    assert snapshot(case) == before


def test_every_bad_score_is_reported_at_once():
    case = case_in(CaseStatus.RESOLVED)

    with pytest.raises(ValidationError) as error:
        services.rate_case(case, citizen(case), 0, 6, None)

    assert set(error.value.message_dict) == set(SCORES)
    assert not Rating.objects.exists()


# --- Confirming and reopening ----------------------------------------------------------------


def test_the_citizen_confirms_the_help_and_the_case_closes():
    case = case_in(CaseStatus.RESOLVED)

    services.confirm_close(case, citizen(case))

    case = fresh(case)
    assert case.status == CaseStatus.CLOSED
    assert case.closed_at is not None
    event = last_event(case)
    assert (event.kind, event.is_public, event.by_citizen) == (EventKind.CLOSED, True, True)


@pytest.mark.parametrize("status", [CaseStatus.IN_PROGRESS, CaseStatus.CLOSED])
def test_only_a_resolved_case_is_confirmed(status):
    case = case_in(status)
    before = snapshot(case)

    with pytest.raises(TransitionNotAllowed):
        services.confirm_close(case, citizen(case))

    assert snapshot(case) == before


def test_the_citizen_reopens_a_case_resolved_within_the_window(settings):
    settings.CASE_REOPEN_DAYS = 5
    case = resolved_days_ago(case_in(CaseStatus.RESOLVED), 4.9)

    services.ask_reopen(case, citizen(case), "นายจ้างจ่ายไม่ครบ")

    case = fresh(case)
    assert case.status == CaseStatus.IN_PROGRESS
    assert case.resolved_at is None
    event = last_event(case)
    assert (event.kind, event.is_public, event.by_citizen) == (EventKind.REOPENED, True, True)
    assert event.message == "นายจ้างจ่ายไม่ครบ"


def test_a_case_resolved_too_long_ago_is_not_reopened_by_the_citizen(settings):
    settings.CASE_REOPEN_DAYS = 5
    case = resolved_days_ago(case_in(CaseStatus.RESOLVED), 5.1)
    before = snapshot(case)

    with pytest.raises(TransitionNotAllowed):
        services.ask_reopen(case, citizen(case), "นายจ้างจ่ายไม่ครบ")

    assert snapshot(case) == before


def test_asking_to_reopen_needs_a_reason():
    case = case_in(CaseStatus.RESOLVED)
    before = snapshot(case)

    with pytest.raises(ValidationError):
        services.ask_reopen(case, citizen(case), "  ")

    assert snapshot(case) == before


def test_a_closed_case_is_not_reopened_by_the_citizen():
    case = case_in(CaseStatus.CLOSED)
    before = snapshot(case)

    with pytest.raises(TransitionNotAllowed):
        services.ask_reopen(case, citizen(case), "ยังไม่ได้รับเงิน")

    assert snapshot(case) == before


# --- Asking for erasure ----------------------------------------------------------------------

FINISHED = [
    CaseStatus.RESOLVED,
    CaseStatus.CLOSED,
    CaseStatus.REJECTED,
    CaseStatus.DUPLICATE,
    CaseStatus.WITHDRAWN,
]


@pytest.mark.parametrize("status", FINISHED)
def test_the_citizen_asks_to_erase_the_data_of_a_finished_case(status):
    case = case_in(status)

    erasure = services.request_erasure(case, citizen(case), "ไม่ต้องการให้เก็บข้อมูล")

    erasure = ErasureRequest.objects.get(pk=erasure.pk)
    assert (erasure.case, erasure.status) == (case, ErasureRequest.Status.PENDING)
    assert fresh(case).status == status
    assert fresh(case).citizen_name, "nothing is erased before the agency decides"
    event = last_event(case)
    assert (event.kind, event.is_public, event.by_citizen) == (
        EventKind.ERASURE_REQUESTED,
        True,
        True,
    )


@pytest.mark.parametrize(
    "status", [CaseStatus.NEW, CaseStatus.IN_PROGRESS, CaseStatus.WAITING_CITIZEN]
)
def test_the_data_of_a_case_still_worked_is_not_erased_on_request(status):
    case = case_in(status)

    with pytest.raises(TransitionNotAllowed):
        services.request_erasure(case, citizen(case))

    assert not ErasureRequest.objects.exists()


def test_only_one_request_for_erasure_waits_at_a_time():
    case = case_in(CaseStatus.CLOSED)
    services.request_erasure(case, citizen(case), "ครั้งแรก")
    before = snapshot(case)

    with pytest.raises(TransitionNotAllowed):
        services.request_erasure(case, citizen(case), "ครั้งที่สอง")

    assert snapshot(case) == before
    assert ErasureRequest.objects.filter(case=case).count() == 1


def test_after_a_refusal_the_citizen_may_ask_again():
    case = case_in(CaseStatus.CLOSED)
    first = services.request_erasure(case, citizen(case))
    services.decide_erasure(first, staff("MOL", Role.AGENCY_ADMIN), False, "คดียังอยู่ในศาล")

    second = services.request_erasure(case, citizen(case), "คดีจบแล้ว")

    assert fresh(second).status == ErasureRequest.Status.PENDING
    assert fresh(first).status == ErasureRequest.Status.REFUSED


# --- Deciding erasure ------------------------------------------------------------------------


def erasure_waiting(status=CaseStatus.CLOSED, **fields):
    case = case_in(status, **fields)
    return services.request_erasure(case, citizen(case), "ขอให้ลบข้อมูล")


def _inspector():
    return InspectorFactory().user


@pytest.mark.parametrize(
    "make_user",
    [
        pytest.param(lambda case: staff("MOPH", Role.AGENCY_ADMIN), id="another agency's admin"),
        pytest.param(lambda case: staff("MOL", Role.SUPERVISOR), id="lead supervisor"),
        pytest.param(lambda case: staff("MOL", Role.CCEO), id="lead cceo"),
        pytest.param(lambda case: staff("MOL", Role.CASE_OFFICER), id="lead case officer"),
        pytest.param(lambda case: staff("MOL", Role.INTAKE_OFFICER), id="lead intake officer"),
        pytest.param(lambda case: _inspector(), id="inspector"),
        pytest.param(lambda case: CitizenAccess(case.pk), id="the citizen"),
    ],
)
@pytest.mark.parametrize("approve", [True, False], ids=["approve", "refuse"])
def test_only_the_lead_agencys_administrator_decides_erasure(make_user, approve):
    erasure = erasure_waiting()
    case = erasure.case
    before = snapshot(case)

    with pytest.raises(CaseNotFound):
        services.decide_erasure(erasure, make_user(case), approve, "ต้องเก็บไว้ตามกฎหมาย")

    assert snapshot(case) == before
    assert fresh(erasure).status == ErasureRequest.Status.PENDING


def test_a_refusal_says_why_and_the_citizen_sees_it():
    erasure = erasure_waiting()
    admin = staff("MOL", Role.AGENCY_ADMIN)

    services.decide_erasure(erasure, admin, False, "ต้องเก็บไว้ตามกฎหมายแรงงาน 10 ปี")

    erasure = fresh(erasure)
    assert erasure.status == ErasureRequest.Status.REFUSED
    assert (erasure.decided_by, erasure.decision_note) == (admin, "ต้องเก็บไว้ตามกฎหมายแรงงาน 10 ปี")
    assert erasure.decided_at is not None
    case = fresh(erasure.case)
    assert case.citizen_name and case.anonymised_at is None
    event = last_event(case)
    assert (event.kind, event.is_public) == (EventKind.ERASURE_REFUSED, True)
    assert event.message == "ต้องเก็บไว้ตามกฎหมายแรงงาน 10 ปี"
    assert event in selectors.public_timeline(case)


def test_a_refusal_without_a_reason_is_refused():
    erasure = erasure_waiting()
    before = snapshot(erasure.case)

    with pytest.raises(ValidationError):
        services.decide_erasure(erasure, staff("MOL", Role.AGENCY_ADMIN), False, "  ")

    assert fresh(erasure).status == ErasureRequest.Status.PENDING
    assert snapshot(erasure.case) == before


def test_a_request_is_decided_once():
    erasure = erasure_waiting()
    admin = staff("MOL", Role.AGENCY_ADMIN)
    services.decide_erasure(erasure, admin, False, "ต้องเก็บไว้")

    with pytest.raises(TransitionNotAllowed):
        services.decide_erasure(erasure, admin, True)

    assert fresh(erasure).status == ErasureRequest.Status.REFUSED
    assert fresh(erasure.case).anonymised_at is None


def _rich_finished_case():
    """A resolved case holding every kind of personal data, linked both ways to others."""
    supervisor = staff("MOL", Role.SUPERVISOR)
    district = District.objects.get(code="1001")
    earlier, _secret = submit()
    case, _secret = submit(
        citizen_email="somchai@example.org",
        national_id=NATIONAL_ID,
        district=district,
        subdistrict=district.subdistricts.first(),
        files=[png(), pdf()],
    )
    later, _secret = submit()
    services.accept_case(case, supervisor)
    services.add_note(case, supervisor, "โทรหาคุณสมชายที่ 081 234 5678 แล้ว")
    services.request_information(case, supervisor, "ขอสำเนาสัญญาจ้าง")
    services.add_information(case, CitizenAccess(case.pk), "สัญญาจ้างของสมชาย", files=[png()])
    services.resolve_case(case, supervisor, "นายจ้างจ่ายค่าจ้างให้คุณสมชายครบแล้ว")
    services.rate_case(case, CitizenAccess(case.pk), 5, 4, 3, "ขอบคุณ จาก สมชาย")
    return fresh(case), earlier, later


def test_an_approved_erasure_anonymises_the_case_and_keeps_the_figures(
    media, django_capture_on_commit_callbacks
):
    case, earlier, later = _rich_finished_case()
    assert PossibleDuplicate.objects.filter(case=case, earlier=earlier).exists()
    assert PossibleDuplicate.objects.filter(case=later, earlier=case).exists()
    assert Notification.objects.filter(case=case, status=Notification.Status.PENDING).exists()
    assert len(stored_files(media)) == 3
    erasure = services.request_erasure(case, citizen(case), "ขอให้ลบข้อมูลของผม")
    kept = Case.objects.filter(pk=case.pk).values(
        "category", "province", "district", "status", "created_at", "resolved_at", "lead_agency"
    )
    before = kept.get()

    with django_capture_on_commit_callbacks(execute=True):  # files go after the commit
        services.decide_erasure(erasure, staff("MOL", Role.AGENCY_ADMIN), True)

    case = fresh(case)
    assert fresh(erasure).status == ErasureRequest.Status.APPROVED
    assert case.anonymised_at is not None
    assert (case.citizen_name, case.citizen_phone, case.citizen_email) == ("", "", "")
    assert (case.national_id_encrypted, case.national_id_hash) == ("", "")
    assert (case.description, case.public_answer, case.subdistrict) == ("", "", None)
    assert kept.get() == before
    assert not Attachment.objects.filter(case=case).exists()
    assert stored_files(media) == []
    events = CaseEvent.objects.filter(case=case)
    assert all(event.message == "" and event.payload == {} for event in events)
    assert EventKind.RESOLVED in {event.kind for event in events}, "what happened is kept"
    rating = Rating.objects.get(case=case)
    assert (rating.usefulness, rating.clarity, rating.satisfaction, rating.comment) == (5, 4, 3, "")
    assert not PossibleDuplicate.objects.filter(case=case).exists()
    assert not PossibleDuplicate.objects.filter(earlier=case).exists()
    assert Case.objects.filter(pk__in=[earlier.pk, later.pk]).count() == 2
    notifications = Notification.objects.filter(case=case, channel=Notification.Channel.EMAIL)
    assert notifications.exists()
    assert all(n.status == Notification.Status.FAILED for n in notifications)
    assert all(n.recipient == "" and n.context == {} for n in notifications)


def test_nothing_the_citizen_wrote_survives_an_approved_erasure(media):
    supervisor = staff("MOL", Role.SUPERVISOR)
    referral = referral_in(ReferralStatus.ACCEPTED, by=supervisor)
    case = referral.case
    words = "สมชายย้ายไปทำงานที่ระยองแล้ว โทร 089 111 2222"
    services.withdraw_case(case, citizen(case), words)
    erasure = services.request_erasure(case, citizen(case), "ขอให้ลบข้อมูล")

    services.decide_erasure(erasure, staff("MOL", Role.AGENCY_ADMIN), True)

    held = [
        *Case.objects.filter(pk=case.pk).values(),
        *CaseEvent.objects.filter(case=case).values(),
        *Referral.objects.filter(case=case).values(),
        *ErasureRequest.objects.filter(case=case).values(),
        *Notification.objects.filter(case=case).values(),
    ]
    assert not [row for row in held if words in str(row)]
    assert not [row for row in held if "สมชาย ใจดี" in str(row)]


def test_anonymising_twice_is_harmless(media):
    case = case_in(CaseStatus.CLOSED, citizen_email="somchai@example.org")
    admin = staff("MOL", Role.AGENCY_ADMIN)
    services.anonymise_case(case, admin)
    once = snapshot(case)

    services.anonymise_case(fresh(case), admin)

    assert snapshot(case) == once
    assert fresh(case).citizen_name == ""


def test_an_anonymised_case_takes_no_new_request_for_erasure():
    case = case_in(CaseStatus.CLOSED)
    services.anonymise_case(case)

    with pytest.raises(TransitionNotAllowed):
        services.request_erasure(case, citizen(case))

    assert not ErasureRequest.objects.exists()


# --- Another case's access -------------------------------------------------------------------

CITIZEN_SERVICES = {
    "add information": (
        CaseStatus.IN_PROGRESS,
        lambda case, who: services.add_information(case, who, "ข้อมูลเพิ่มเติม"),
    ),
    "withdraw": (CaseStatus.IN_PROGRESS, lambda case, who: services.withdraw_case(case, who)),
    "rate": (CaseStatus.RESOLVED, lambda case, who: services.rate_case(case, who, 5, 5, 5)),
    "confirm close": (CaseStatus.RESOLVED, lambda case, who: services.confirm_close(case, who)),
    "ask reopen": (
        CaseStatus.RESOLVED,
        lambda case, who: services.ask_reopen(case, who, "ยังไม่ได้รับเงิน"),
    ),
    "request erasure": (CaseStatus.CLOSED, lambda case, who: services.request_erasure(case, who)),
}


@pytest.mark.parametrize("name", CITIZEN_SERVICES)
def test_the_access_to_another_case_opens_nothing_here(name):
    status, do = CITIZEN_SERVICES[name]
    case = case_in(status)
    other, _secret = submit()
    before = snapshot(case)

    with pytest.raises(CaseNotFound):
        do(case, CitizenAccess(other.pk))

    assert snapshot(case) == before
    do(case, CitizenAccess(case.pk))  # while the case's own access may do it


@pytest.mark.parametrize("name", CITIZEN_SERVICES)
def test_no_member_of_staff_acts_in_the_citizens_name(name):
    status, do = CITIZEN_SERVICES[name]
    case = case_in(status)
    before = snapshot(case)

    with pytest.raises(CaseNotFound):
        do(case, staff("MOL", Role.SUPERVISOR))

    assert snapshot(case) == before


# --- Possible duplicates found at submission -------------------------------------------------


def created_days_ago(case, days: float) -> Case:
    Case.objects.filter(pk=case.pk).update(created_at=timezone.now() - timedelta(days=days))
    return fresh(case)


def links(case) -> dict[int, str]:
    return dict(PossibleDuplicate.objects.filter(case=case).values_list("earlier_id", "reason"))


def test_an_earlier_case_with_the_same_national_id_is_linked_however_old():
    earlier = created_days_ago(
        submit("legal-aid", national_id=NATIONAL_ID, citizen_phone="089 999 0000")[0],
        400,
    )

    case, _secret = submit(national_id=NATIONAL_ID)

    assert links(case) == {earlier.pk: PossibleDuplicate.Reason.NATIONAL_ID}


def test_an_earlier_case_with_the_same_phone_and_category_within_30_days_is_linked():
    earlier = created_days_ago(submit()[0], 29)

    case, _secret = submit()

    assert links(case) == {earlier.pk: PossibleDuplicate.Reason.PHONE_CATEGORY}


def test_the_same_phone_for_another_kind_of_help_or_long_ago_is_not_linked():
    submit("legal-aid")
    created_days_ago(submit()[0], 31)
    submit(national_id=OTHER_NATIONAL_ID, citizen_phone="089 999 0000")

    case, _secret = submit(national_id=NATIONAL_ID)

    assert links(case) == {}


def test_the_same_national_id_wins_over_the_same_phone_as_the_reason():
    earlier, _secret = submit(national_id=NATIONAL_ID)

    case, _secret = submit(national_id=NATIONAL_ID)

    assert links(case) == {earlier.pk: PossibleDuplicate.Reason.NATIONAL_ID}


def test_at_most_five_earlier_cases_are_linked_the_latest_first():
    earlier = [created_days_ago(submit()[0], days) for days in (7, 6, 5, 4, 3, 2, 1)]

    case, _secret = submit()

    assert set(links(case)) == {c.pk for c in earlier[2:]}


def test_at_most_five_links_whatever_the_reasons():
    for index in range(3):
        submit("legal-aid", national_id=NATIONAL_ID, citizen_phone=f"089 999 000{index}")
    for _ in range(3):
        submit()

    case, _secret = submit(national_id=NATIONAL_ID)

    assert len(links(case)) <= 5


def test_possible_duplicates_are_never_merged():
    earlier, _secret = submit(national_id=NATIONAL_ID)

    case, _secret = submit(national_id=NATIONAL_ID)

    assert links(case)
    for c in (fresh(earlier), fresh(case)):
        assert (c.status, c.duplicate_of) == (CaseStatus.NEW, None)


def test_a_known_phone_or_national_id_gets_the_same_answer_as_a_first_request():
    first = submit("legal-aid", national_id=NATIONAL_ID)
    again = submit("legal-aid", national_id=NATIONAL_ID)

    for case, secret in (first, again):
        assert isinstance(case, Case)
        assert re.fullmatch(r"[23456789A-Z]{4}-[23456789A-Z]{4}", secret)
        assert case.status == CaseStatus.NEW
    assert [e.kind for e in selectors.public_timeline(first[0])] == [
        e.kind for e in selectors.public_timeline(again[0])
    ]
    assert links(again[0]) and not links(first[0])


# --- Consent, privacy notice and files at submission -----------------------------------------


@pytest.mark.parametrize("category", ["drug-treatment", "healthcare-access"])
def test_a_sensitive_request_needs_explicit_consent(category, media):
    assert Category.objects.get(code=category).is_sensitive

    with pytest.raises(ValidationError) as error:
        submit(category, sensitive_consent=False, files=[png()])

    assert set(error.value.message_dict) == {"sensitive_consent"}
    assert not Case.objects.exists()
    assert not CaseEvent.objects.exists()
    assert stored_files(media) == []


@pytest.mark.parametrize("category", ["drug-treatment", "healthcare-access"])
def test_the_consent_to_a_sensitive_request_is_recorded(category):
    before = timezone.now()

    case, _secret = submit(category, sensitive_consent=True)

    assert before <= fresh(case).sensitive_consent_at <= timezone.now()


def test_a_request_that_is_not_sensitive_needs_no_consent():
    assert not Category.objects.get(code="unpaid-wages").is_sensitive

    case, _secret = submit(sensitive_consent=False)

    assert fresh(case).sensitive_consent_at is None


def test_the_privacy_notice_shown_is_recorded(settings):
    settings.PRIVACY_NOTICE_VERSION = "2099-01"

    case, _secret = submit()

    assert fresh(case).privacy_notice_version == "2099-01"


def test_files_sent_with_a_request_are_kept(media):
    case, _secret = submit(files=[png(), pdf()])

    assert sorted(Attachment.objects.filter(case=case).values_list("content_type", flat=True)) == [
        "application/pdf",
        "image/png",
    ]
    assert len(stored_files(media)) == 2


def test_more_than_five_files_are_refused(media):
    with pytest.raises(ValidationError) as error:
        submit(files=[png(f"{n}.png") for n in range(6)])

    assert set(error.value.message_dict) == {"files"}
    assert not Case.objects.exists()
    assert stored_files(media) == []


def test_a_bad_file_refuses_the_request_and_keeps_nothing(media):
    with pytest.raises(ValidationError) as error:
        submit(files=[png(), not_a_picture()])

    assert set(error.value.message_dict) == {"files"}
    assert not Case.objects.exists()
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


# --- What the tracking page reads ------------------------------------------------------------


def test_the_case_opens_with_its_reference_and_secret_however_typed():
    case, secret = submit()
    typed = [
        (case.reference, secret),
        (case.reference.lower(), secret.lower()),
        (f" {case.reference} ", secret.replace("-", " ")),
        (case.reference, secret.replace("-", "")),
        (case.reference, f" {secret.lower()} "),
    ]

    for reference, written in typed:
        assert selectors.case_for_citizen(reference, written) == case, (reference, written)


def test_any_mistake_opens_nothing():
    case, secret = submit()
    other, other_secret = submit()
    unknown = case.reference[:-1] + ("2" if case.reference[-1] != "2" else "3")

    assert selectors.case_for_citizen(case.reference, other_secret) is None
    assert selectors.case_for_citizen(case.reference, "") is None
    assert selectors.case_for_citizen(unknown, secret) is None
    assert selectors.case_for_citizen("RP-25-X", secret) is None
    assert selectors.case_for_citizen("not a reference", secret) is None
    assert selectors.case_for_citizen("", "") is None
    assert selectors.case_for_citizen(other.reference, other_secret) == other


def test_the_citizen_downloads_everything_held_about_them_and_no_internal_note(media):
    supervisor = staff("MOL", Role.SUPERVISOR)
    case, _secret = submit(
        national_id=NATIONAL_ID, citizen_email="somchai@example.org", safe_channel="phone"
    )
    services.accept_case(case, supervisor)
    services.add_note(case, supervisor, "ภายใน: นายจ้างเป็นญาติผู้บริหาร")
    services.add_note(case, supervisor, "เราติดต่อนายจ้างแล้ว", public=True)
    services.add_information(case, citizen(case), "สลิปเงินเดือน", files=[pdf("slip.pdf")])
    services.resolve_case(case, supervisor, "ได้รับค่าจ้างครบแล้ว")
    services.rate_case(case, citizen(case), 5, 4, 3, "ขอบคุณ")

    export = selectors.personal_data_export(fresh(case))

    assert export["reference"] == case.reference
    assert export["person"] == {
        "name": "สมชาย ใจดี",
        "phone": "0812345678",
        "email": "somchai@example.org",
        "national_id": NATIONAL_ID,
        "safe_contact": {  # how it is safe to reach them, as they answered
            "channel": "phone",
            "hours": "",
            "no_message": False,
            "safe_word": "",
            "in_danger_now": False,
        },
    }
    messages = [line["message"] for line in export["timeline"]]
    assert "เราติดต่อนายจ้างแล้ว" in messages
    assert "สลิปเงินเดือน" in messages
    assert "ได้รับค่าจ้างครบแล้ว" in messages
    assert "ภายใน: นายจ้างเป็นญาติผู้บริหาร" not in str(export)
    [file] = export["files"]
    assert (file["name"], file["type"]) == ("slip.pdf", "application/pdf")
    assert file["size"] == Attachment.objects.get(case=case).size
    assert export["rating"] == {
        "usefulness": 5,
        "clarity": 4,
        "satisfaction": 3,
        "comment": "ขอบคุณ",
    }


WHAT_THE_CITIZEN_MAY_DO = {
    CaseStatus.NEW: {"add_information", "withdraw"},
    CaseStatus.IN_PROGRESS: {"add_information", "withdraw"},
    CaseStatus.WAITING_CITIZEN: {"add_information", "withdraw"},
    CaseStatus.RESOLVED: {"rate", "confirm_close", "ask_reopen", "request_erasure"},
    CaseStatus.CLOSED: {"rate", "request_erasure"},
    CaseStatus.REJECTED: {"request_erasure"},
    CaseStatus.DUPLICATE: {"request_erasure"},
    CaseStatus.WITHDRAWN: {"request_erasure"},
}


@pytest.mark.parametrize("status", CaseStatus, ids=lambda status: status.value)
def test_the_tracking_page_offers_what_the_status_allows(status):
    # Choosing how to hear of the request is offered in every status.
    expected = WHAT_THE_CITIZEN_MAY_DO[status] | {"choose_channels"}
    assert selectors.citizen_actions(case_in(status)) == expected


def test_the_tracking_page_offers_nothing_already_done_or_too_late(settings):
    settings.CASE_REOPEN_DAYS = 5
    case = resolved_days_ago(case_in(CaseStatus.RESOLVED), 5.1)
    services.rate_case(case, citizen(case), 4, 4, 4)
    services.request_erasure(case, citizen(case))

    assert selectors.citizen_actions(fresh(case)) == {"confirm_close", "choose_channels"}


def test_the_tracking_page_offers_no_erasure_once_the_data_is_erased():
    case = case_in(CaseStatus.CLOSED)
    services.anonymise_case(case)

    assert "request_erasure" not in selectors.citizen_actions(fresh(case))
