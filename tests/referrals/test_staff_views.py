"""The staff pages over HTTP: queue, case page, actions, intake, files, bulk assignment."""

import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from agencies.models import Role
from referrals import services
from referrals.models import (
    Case,
    CaseEvent,
    CaseStatus,
    EventKind,
    PersonalDataAccess,
    ReferralStatus,
)
from tests.factories import InspectorFactory
from tests.referrals.factories import case_in, fresh, intake_post, referral_in, staff, submit

pytestmark = pytest.mark.django_db


def signed_in(client, user):
    client.force_login(user)
    return client


def case_url(case, action=None):
    if action is None:
        return reverse("staff:case", args=[case.reference])
    return reverse("staff:case_action", args=[case.reference, action])


def referral_url(referral, action):
    return reverse("staff:referral_action", args=[referral.pk, action])


def references(response) -> set[str]:
    return set(re.findall(r"RP-\d{4}-[0-9A-Z]{6}", response.content.decode()))


# --- The queue ------------------------------------------------------------------------


def test_the_new_tab_lists_the_agencys_new_cases_only(client):
    wages, _ = submit("unpaid-wages")  # led by MOL
    health, _ = submit("healthcare-access")  # led by MOPH
    accepted = case_in(CaseStatus.IN_PROGRESS, "unpaid-wages")
    response = signed_in(client, staff("MOL", Role.INTAKE_OFFICER)).get("/staff/")

    assert response.status_code == 200
    assert references(response) == {wages.reference}
    assert health.reference not in response.text and accepted.reference not in response.text


def test_the_queue_shows_what_people_wrote_as_text_never_as_markup(client):
    """The queue's rows are drawn by Jinja2: it escapes as Django's engine does."""
    case = case_in(CaseStatus.IN_PROGRESS, "unpaid-wages", citizen_name='<img src=x onerror="1">')
    response = signed_in(client, staff("MOL", Role.SUPERVISOR)).get("/staff/", {"tab": "all"})

    assert '<img src=x onerror="1">' not in response.text
    row = re.search(rf"<tr[^>]*>(?:(?!</tr>).)*{case.reference}.*?</tr>", response.text, re.S)[0]
    assert "&lt;img src=x onerror=&#34;1&#34;&gt;" in row
    assert f'<a href="/staff/cases/{case.reference}/">{case.reference}</a>' in row
    assert '<span class="meta">ยังไม่มี</span>' in row  # nobody works it yet, in Thai


def test_each_tab_shows_its_cases(client):
    officer = staff("MOL", Role.CASE_OFFICER)
    supervisor = staff("MOL", Role.SUPERVISOR)
    mine = case_in(CaseStatus.IN_PROGRESS, "unpaid-wages", by=supervisor)
    from referrals.services import assign_case

    assign_case(mine, supervisor, officer)
    waiting = case_in(CaseStatus.WAITING_CITIZEN, "unpaid-wages")
    referred = referral_in(
        ReferralStatus.PENDING, case_in(CaseStatus.IN_PROGRESS, "legal-aid"), to="MOL"
    )
    client = signed_in(client, officer)

    def tab(name):
        return references(client.get("/staff/", {"tab": name}))

    assert tab("mine") == {mine.reference}
    assert tab("waiting") == {waiting.reference}
    assert tab("referrals") == {referred.case.reference}
    assert {mine.reference, waiting.reference, referred.case.reference} <= tab("all")


def test_filters_search_and_sorting(client):
    bangkok, _ = submit("unpaid-wages", citizen_name="มาลี ศรีสุข", citizen_phone="0891112222")
    chiang_mai, _ = submit("unpaid-wages", province="50", priority="urgent")
    client = signed_in(client, staff("MOL", Role.INTAKE_OFFICER))

    assert references(client.get("/staff/", {"province": "50"})) == {chiang_mai.reference}
    assert references(client.get("/staff/", {"priority": "urgent"})) == {chiang_mai.reference}
    assert references(client.get("/staff/", {"q": "ศรีสุข"})) == {bangkok.reference}
    assert references(client.get("/staff/", {"q": "111 2222"})) == {bangkok.reference}
    assert references(client.get("/staff/", {"q": bangkok.reference.lower()})) == {
        bangkok.reference
    }
    newest = client.get("/staff/", {"sort": "newest"}, follow=True).text
    assert newest.index(chiang_mai.reference) < newest.index(bangkok.reference)
    urgent = client.get("/staff/", {"sort": "priority"}).text
    assert urgent.index(chiang_mai.reference) < urgent.index(bangkok.reference)


def test_bad_filter_values_are_ignored_not_an_error(client):
    client = signed_in(client, staff("MOL", Role.INTAKE_OFFICER))
    response = client.get(
        "/staff/", {"created_from": "not-a-date", "tab": "nope", "page": "x", "province": "99"}
    )
    assert response.status_code == 200


def test_pages_of_25_with_next_and_previous(client, settings):
    settings.STAFF_PAGE_SIZE = 3
    made = [submit("unpaid-wages")[0] for _ in range(4)]
    client = signed_in(client, staff("MOL", Role.INTAKE_OFFICER))
    first = client.get("/staff/")
    second = client.get("/staff/", {"page": 2})
    assert len(references(first)) == 3 and 'rel="next"' in first.text
    assert len(references(second)) == 1 and 'rel="next"' not in second.text
    assert references(first) | references(second) == {c.reference for c in made}


def test_htmx_requests_get_only_the_results(client):
    submit("unpaid-wages")
    client = signed_in(client, staff("MOL", Role.INTAKE_OFFICER))
    response = client.get("/staff/", HTTP_HX_REQUEST="true")
    assert "<html" not in response.text and "<table" in response.text


def test_the_queue_costs_the_same_queries_for_3_or_30_cases(client, django_assert_max_num_queries):
    client = signed_in(client, staff("MOL", Role.SUPERVISOR))
    for _ in range(3):
        submit("unpaid-wages")
    with django_assert_max_num_queries(12) as few:
        client.get("/staff/", {"tab": "all"})
    for _ in range(27):
        submit("unpaid-wages")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/staff/", {"tab": "all"})


def test_restricted_cases_are_hidden_from_intake_but_not_from_the_supervisor(client):
    restricted, _ = submit("domestic-violence")  # led by MSDHS, restricted
    assert restricted.is_restricted
    intake = signed_in(client, staff("MSDHS", Role.INTAKE_OFFICER)).get("/staff/")
    assert restricted.reference not in intake.text
    supervisor = signed_in(client, staff("MSDHS", Role.SUPERVISOR)).get("/staff/")
    assert restricted.reference in supervisor.text


@pytest.mark.parametrize(
    "who",
    ["anonymous", "inspector", "agency_admin", "no_agency"],
)
def test_the_queue_is_for_agency_staff_only(client, who):
    from tests.factories import UserFactory

    if who == "inspector":
        client.force_login(InspectorFactory().user)
    elif who == "agency_admin":
        client.force_login(staff("MOJ", Role.AGENCY_ADMIN))
    elif who == "no_agency":
        client.force_login(UserFactory())
    response = client.get("/staff/")
    if who == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == 403


# --- The case page --------------------------------------------------------------------


def test_the_case_page_shows_details_timeline_and_records_the_view(client):
    case, _ = submit("unpaid-wages", national_id="1101700203450")
    intake = staff("MOL", Role.INTAKE_OFFICER)
    response = signed_in(client, intake).get(case_url(case))

    assert response.status_code == 200
    assert "สมชาย ใจดี" in response.text
    assert "1101700203450" in response.text
    assert "ได้รับคำขอแล้ว" in response.text  # the timeline's first line
    assert PersonalDataAccess.objects.filter(
        user=intake, case=case, action=PersonalDataAccess.Action.VIEW_CASE
    ).exists()


@pytest.mark.parametrize(("code", "role"), [("MOPH", Role.SUPERVISOR), ("MOJ", Role.CCEO)])
def test_staff_of_an_uninvolved_agency_get_404(client, code, role):
    case, _ = submit("unpaid-wages")
    response = signed_in(client, staff(code, role)).get(case_url(case))
    assert response.status_code == 404
    assert "สมชาย" not in response.text


def test_an_agency_administrator_works_no_cases_whichever_exists(client):
    case, _ = submit("unpaid-wages")
    client = signed_in(client, staff("MOL", Role.AGENCY_ADMIN))
    existing = client.get(case_url(case))
    missing = client.get(reverse("staff:case", args=["RP-2569-ZZZZZZ"]))
    assert existing.status_code == missing.status_code == 403
    assert "สมชาย" not in existing.text


def test_an_inspector_gets_404_on_a_case(client):
    case, _ = submit("unpaid-wages")
    client.force_login(InspectorFactory().user)
    assert client.get(case_url(case)).status_code in (403, 404)
    assert "สมชาย" not in client.get(case_url(case)).text


def test_only_the_actions_the_user_may_take_are_offered(client):
    case, _ = submit("unpaid-wages")
    intake = signed_in(client, staff("MOL", Role.INTAKE_OFFICER)).get(case_url(case)).text
    assert case_url(case, "accept") in intake
    assert case_url(case, "resolve") not in intake  # not before it is accepted
    assert case_url(case, "assign") not in intake  # supervisors assign

    officer = signed_in(client, staff("MOL", Role.CASE_OFFICER)).get(case_url(case)).text
    assert case_url(case, "accept") not in officer
    assert case_url(case, "note") in officer


def test_the_case_page_costs_the_same_queries_with_many_events(
    client, django_assert_max_num_queries
):
    case = case_in(CaseStatus.IN_PROGRESS, "unpaid-wages")
    supervisor = staff("MOL", Role.SUPERVISOR)
    client = signed_in(client, supervisor)
    with django_assert_max_num_queries(40) as few:
        client.get(case_url(case))
    from referrals.services import add_note

    for n in range(15):
        add_note(case, supervisor, f"บันทึกที่ {n}")
    for code in ("MOPH", "MOE", "MSDHS"):
        referral_in(ReferralStatus.PENDING, case, to=code, by=supervisor)
    with django_assert_max_num_queries(len(few.captured_queries) + 3):
        client.get(case_url(case))


# --- Actions --------------------------------------------------------------------------


def test_accepting_a_case_moves_it_and_says_so(client):
    case, _ = submit("unpaid-wages")
    client = signed_in(client, staff("MOL", Role.INTAKE_OFFICER))
    response = client.post(case_url(case, "accept"), {"accept-version": case.version}, follow=True)
    assert fresh(case).status == CaseStatus.IN_PROGRESS
    assert "รับเรื่องเข้าหน่วยงานแล้ว" in response.text


def test_an_action_on_an_outdated_page_is_refused_with_a_clear_message(client):
    case, _ = submit("unpaid-wages")
    client = signed_in(client, staff("MOL", Role.INTAKE_OFFICER))
    seen = case.version
    client.post(case_url(case, "accept"), {"accept-version": seen})
    response = client.post(
        case_url(case, "reject"),
        {"reject-version": seen, "reject-reason": "ไม่ใช่เรื่องแรงงาน"},
        follow=True,
    )
    assert fresh(case).status == CaseStatus.IN_PROGRESS
    assert "มีผู้อื่นแก้ไขเรื่องนี้" in response.text


def test_a_decline_without_a_reason_shows_the_error_and_changes_nothing(client):
    referral = referral_in(ReferralStatus.PENDING, to="MOPH")
    client = signed_in(client, staff("MOPH", Role.SUPERVISOR))
    prefix = f"r{referral.pk}-decline"
    response = client.post(
        referral_url(referral, "decline"),
        {f"{prefix}-version": referral.version, f"{prefix}-reason": "  "},
    )
    assert response.status_code == 200
    assert "ฟิลด์นี้จำเป็น" in response.text  # Django's own Thai for a required field
    assert fresh(referral).status == ReferralStatus.PENDING


def test_an_impossible_move_is_explained(client):
    case = case_in(CaseStatus.RESOLVED, "unpaid-wages")
    client = signed_in(client, staff("MOL", Role.SUPERVISOR))
    response = client.post(case_url(case, "accept"), {"accept-version": case.version}, follow=True)
    assert "ดำเนินการนี้ไม่ได้ขณะที่สถานะเป็น" in response.text
    assert fresh(case).status == CaseStatus.RESOLVED


def test_posting_to_a_case_of_another_agency_answers_404_and_changes_nothing(client):
    case, _ = submit("unpaid-wages")
    client = signed_in(client, staff("MOPH", Role.SUPERVISOR))
    response = client.post(case_url(case, "accept"), {"accept-version": case.version})
    assert response.status_code == 404
    assert fresh(case).status == CaseStatus.NEW


def test_an_action_beyond_the_role_answers_403(client):
    case = case_in(CaseStatus.IN_PROGRESS, "unpaid-wages")
    officer = staff("MOL", Role.CASE_OFFICER)
    response = signed_in(client, officer).post(
        case_url(case, "assign"), {"assign-version": case.version, "assign-officer": officer.pk}
    )
    assert response.status_code == 403
    assert fresh(case).assigned_to is None


def test_an_unknown_action_answers_404(client):
    case, _ = submit("unpaid-wages")
    client = signed_in(client, staff("MOL", Role.SUPERVISOR))
    assert client.post(case_url(case, "delete")).status_code == 404


def test_referring_to_two_agencies_asks_each_in_words_of_its_own(client):
    case = case_in(CaseStatus.IN_PROGRESS, "unpaid-wages")
    client = signed_in(client, staff("MOL", Role.INTAKE_OFFICER))
    page = client.get(case_url(case)).text
    assert "สิ่งที่ขอให้กระทรวงสาธารณสุขดำเนินการ" in page  # a box beside each agency
    assert "สิ่งที่ขอให้กระทรวงแรงงานดำเนินการ" not in page  # not the lead agency itself

    response = client.post(
        case_url(case, "refer"),
        {
            "refer-version": case.version,
            "refer-to_MOPH": "on",
            "refer-ask_MOPH": "ตรวจสุขภาพผู้ร้อง",
            "refer-to_MSDHS": "on",
            "refer-ask_MSDHS": "หาที่พักชั่วคราว",
        },
        follow=True,
    )

    assert "ส่งต่อเรื่องแล้ว" in response.text
    assert dict(case.referrals.values_list("to_agency__code", "reason")) == {
        "MOPH": "ตรวจสุขภาพผู้ร้อง",
        "MSDHS": "หาที่พักชั่วคราว",
    }
    asked = CaseEvent.objects.filter(case=case, kind=EventKind.REFERRED)
    assert sorted(asked.values_list("message", flat=True)) == ["ตรวจสุขภาพผู้ร้อง", "หาที่พักชั่วคราว"]


@pytest.mark.parametrize(
    ("posted", "message"),
    [
        ({"refer-to_MOPH": "on", "refer-ask_MOPH": " "}, "โปรดระบุความช่วยเหลือที่ขอจากหน่วยงานนี้"),
        ({"refer-ask_MOPH": "ตรวจสุขภาพ"}, "โปรดเลือกหน่วยงานนี้เพื่อส่งคำขอ หรือลบข้อความออก"),
        ({}, "โปรดเลือกอย่างน้อยหนึ่งหน่วยงานและระบุสิ่งที่ขอให้ดำเนินการ"),
    ],
)
def test_a_referral_with_a_box_missing_or_unticked_is_sent_back_with_the_text_kept(
    client, posted, message
):
    case = case_in(CaseStatus.IN_PROGRESS, "unpaid-wages")
    client = signed_in(client, staff("MOL", Role.INTAKE_OFFICER))
    response = client.post(
        case_url(case, "refer"),
        {
            "refer-version": case.version,
            **({"refer-to_MSDHS": "on", "refer-ask_MSDHS": "หาที่พักชั่วคราว"} if posted else {}),
            **posted,
        },
    )
    assert response.status_code == 200
    assert message in response.text
    if posted:
        assert "หาที่พักชั่วคราว</textarea>" in response.text
    assert not case.referrals.exists()


def test_a_referred_agency_answers_and_completes_from_the_page(client):
    referral = referral_in(ReferralStatus.PENDING, to="MOPH")
    client = signed_in(client, staff("MOPH", Role.CASE_OFFICER))
    accept = f"r{referral.pk}-accept"
    client.post(referral_url(referral, "accept"), {f"{accept}-version": referral.version})
    referral = fresh(referral)
    assert referral.status == ReferralStatus.ACCEPTED
    complete = f"r{referral.pk}-complete"
    client.post(
        referral_url(referral, "complete"),
        {f"{complete}-version": referral.version, f"{complete}-outcome": "ตรวจสุขภาพแล้ว"},
    )
    assert fresh(referral).status == ReferralStatus.COMPLETED
    assert fresh(referral).outcome == "ตรวจสุขภาพแล้ว"


def test_the_lead_agency_cannot_answer_a_referral_for_the_other_agency(client):
    referral = referral_in(ReferralStatus.PENDING, to="MOPH")
    client = signed_in(client, staff("MOL", Role.SUPERVISOR))
    accept = f"r{referral.pk}-accept"
    response = client.post(
        referral_url(referral, "accept"), {f"{accept}-version": referral.version}
    )
    assert response.status_code == 403
    assert fresh(referral).status == ReferralStatus.PENDING


def test_a_note_can_be_shown_to_the_citizen(client):
    case, _ = submit("unpaid-wages")
    client = signed_in(client, staff("MOL", Role.CASE_OFFICER))
    client.post(case_url(case, "note"), {"note-text": "โทรแจ้งผู้ร้องแล้ว", "note-public": "on"})
    note = CaseEvent.objects.get(case=case, kind=EventKind.NOTE)
    assert note.is_public and note.message == "โทรแจ้งผู้ร้องแล้ว"


# --- Files ----------------------------------------------------------------------------


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return buffer.getvalue()


def test_a_file_is_added_and_served_only_to_involved_staff(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    from django.core.files.uploadedfile import SimpleUploadedFile

    case, _ = submit("unpaid-wages")
    officer = staff("MOL", Role.CASE_OFFICER)
    client = signed_in(client, officer)
    client.post(
        case_url(case, "attach"),
        {"attach-file": SimpleUploadedFile("payslip.png", png_bytes(), "image/png")},
    )
    file = case.attachments.get()
    url = reverse("staff:attachment", args=[case.reference, file.pk])

    response = client.get(url)
    assert response.status_code == 200
    assert 'filename="payslip.png"' in response["Content-Disposition"]
    assert response["Content-Type"] == "image/png"
    assert PersonalDataAccess.objects.filter(
        user=officer, case=case, action=PersonalDataAccess.Action.VIEW_ATTACHMENT
    ).exists()

    outsider = signed_in(client, staff("MOE", Role.SUPERVISOR))
    assert outsider.get(url).status_code == 404


def test_a_file_that_lies_about_its_type_is_refused_on_the_page(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    from django.core.files.uploadedfile import SimpleUploadedFile

    case, _ = submit("unpaid-wages")
    client = signed_in(client, staff("MOL", Role.CASE_OFFICER))
    response = client.post(
        case_url(case, "attach"),
        {"attach-file": SimpleUploadedFile("photo.jpg", b"#!/bin/sh\necho hi\n", "image/jpeg")},
    )
    assert response.status_code == 200
    assert "แนบได้เฉพาะรูปภาพ (JPEG, PNG) และเอกสาร PDF" in response.text
    assert not case.attachments.exists()


# --- Intake ---------------------------------------------------------------------------


def test_an_intake_officer_records_a_phone_request_and_prints_the_slip(client):
    intake = staff("MOJ", Role.INTAKE_OFFICER)
    client = signed_in(client, intake)
    response = client.post("/staff/intake/", intake_post())
    case = Case.objects.get()
    assert response["Location"] == reverse("staff:slip", args=[case.reference])
    assert (case.channel, case.created_by, case.lead_agency.code) == ("phone", intake, "MDES")
    assert case.citizen_phone == "0895550101"

    slip = client.get(response["Location"])
    assert slip.status_code == 200, slip.status_code
    secret = re.search(r"[0-9A-Z]{4}-[0-9A-Z]{4}", slip.text.split("รหัสลับ")[1]).group()
    from referrals.identity import secret_hash

    assert secret_hash(secret) == case.secret_hash
    assert secret not in client.get(response["Location"]).text  # shown once


def test_intake_with_bad_input_says_what_is_wrong_and_saves_nothing(client):
    client = signed_in(client, staff("MOJ", Role.INTAKE_OFFICER))
    response = client.post(
        "/staff/intake/",
        intake_post(citizen_phone="12", national_id="1234567890123", description="สั้น"),
    )
    assert response.status_code == 200
    assert "โปรดแก้ไขข้อมูลต่อไปนี้" in response.text
    assert "กรอกหมายเลขโทรศัพท์ 9 หรือ 10 หลัก" in response.text
    assert "เลขประจำตัวประชาชนไม่ถูกต้อง" in response.text
    assert "กรุณาเล่าปัญหาโดยย่อ (อย่างน้อย 10 ตัวอักษร)" in response.text
    assert not Case.objects.exists()


def test_intake_without_javascript_narrows_districts_by_reloading(client):
    client = signed_in(client, staff("MOJ", Role.INTAKE_OFFICER))
    response = client.post("/staff/intake/", intake_post(province="50", refresh="1"))
    assert response.status_code == 200
    assert "เมืองเชียงใหม่" in response.text
    assert "เขตพระนคร" not in response.text
    assert not Case.objects.exists()


def test_place_options_for_htmx(client):
    client.force_login(staff("MOJ", Role.INTAKE_OFFICER))
    response = client.get("/places/", {"province": "84"})
    assert "เกาะพะงัน" in response.text
    response = client.get("/places/", {"district": "8405"})
    assert "เกาะเต่า" in response.text


def test_case_officers_cannot_record_requests(client):
    client = signed_in(client, staff("MOJ", Role.CASE_OFFICER))
    assert client.get("/staff/intake/").status_code == 403
    assert client.post("/staff/intake/", intake_post()).status_code == 403
    assert not Case.objects.exists()


# --- Bulk assignment ------------------------------------------------------------------


def test_a_supervisor_assigns_several_cases_at_once(client):
    supervisor = staff("MOL", Role.SUPERVISOR)
    officer = staff("MOL", Role.CASE_OFFICER)
    cases = [submit("unpaid-wages")[0] for _ in range(3)]
    client = signed_in(client, supervisor)
    response = client.post(
        "/staff/assign/",
        {"cases": [c.reference for c in cases[:2]], "officer": officer.pk},
        follow=True,
    )
    assert "มอบหมายแล้ว 2 เรื่อง" in response.text
    assert [fresh(c).assigned_to for c in cases] == [officer, officer, None]


def test_bulk_assignment_refuses_cases_of_other_agencies_and_non_supervisors(client):
    officer = staff("MOL", Role.CASE_OFFICER)
    mine, _ = submit("unpaid-wages")
    theirs, _ = submit("healthcare-access")
    client = signed_in(client, staff("MOL", Role.SUPERVISOR))
    response = client.post(
        "/staff/assign/",
        {"cases": [mine.reference, theirs.reference], "officer": officer.pk},
        follow=True,
    )
    assert theirs.reference in response.text  # named as not assigned
    assert fresh(theirs).assigned_to is None

    client = signed_in(client, officer)
    client.post("/staff/assign/", {"cases": [mine.reference], "officer": officer.pk})
    assert fresh(mine).assigned_to == officer  # set by the supervisor above, unchanged


# --- Bad input on every form ----------------------------------------------------------

# (case status the form needs, action, the form's data without its prefix)
EMPTY_CASE_FORMS = [
    (CaseStatus.NEW, "reject", {"reason": " "}),
    (CaseStatus.NEW, "mark_duplicate", {"original": ""}),
    (CaseStatus.NEW, "transfer", {"to_agency": "", "reason": "เป็นเรื่องสุขภาพ"}),
    (CaseStatus.NEW, "transfer", {"to_agency": "999999", "reason": "เป็นเรื่องสุขภาพ"}),
    (CaseStatus.IN_PROGRESS, "assign", {"officer": "999999"}),
    (CaseStatus.IN_PROGRESS, "note", {"text": ""}),
    (CaseStatus.IN_PROGRESS, "attach", {}),
    (CaseStatus.IN_PROGRESS, "request_information", {"text": ""}),
    (CaseStatus.WAITING_CITIZEN, "receive_information", {"text": "  "}),
    (CaseStatus.IN_PROGRESS, "refer", {"ask_MOPH": "ช่วยด้วย"}),
    (CaseStatus.IN_PROGRESS, "refer", {"to_x": "on", "ask_x": "ช่วยด้วย"}),
    (CaseStatus.IN_PROGRESS, "resolve", {"answer": ""}),
    (CaseStatus.RESOLVED, "reopen", {"reason": ""}),
    (CaseStatus.IN_PROGRESS, "restrict", {"restricted": "on", "reason": ""}),
    (CaseStatus.IN_PROGRESS, "refer", {"to_MOPH": "on", "ask_MOPH": "x" * 2001}),
]


@pytest.mark.parametrize(
    ("status", "action", "data"),
    EMPTY_CASE_FORMS,
    ids=[f"{a}-{i}" for i, (_s, a, _d) in enumerate(EMPTY_CASE_FORMS)],
)
def test_every_case_form_refuses_bad_input_and_changes_nothing(client, status, action, data):
    case = case_in(status, "unpaid-wages")
    client = signed_in(client, staff("MOL", Role.SUPERVISOR))
    events = CaseEvent.objects.filter(case=case).count()
    posted = {f"{action}-{key}": value for key, value in data.items()}
    posted[f"{action}-version"] = case.version

    response = client.post(case_url(case, action), posted)

    assert response.status_code == 200
    assert 'class="errorlist' in response.text
    assert CaseEvent.objects.filter(case=case).count() == events
    assert fresh(case).version == case.version


@pytest.mark.parametrize(
    ("status", "action", "field"),
    [
        (ReferralStatus.PENDING, "decline", "reason"),
        (ReferralStatus.ACCEPTED, "complete", "outcome"),
        (ReferralStatus.PENDING, "cancel", "reason"),
    ],
)
def test_every_referral_form_refuses_an_empty_answer(client, status, action, field):
    referral = referral_in(status, to="MOPH")
    who = "MOL" if action == "cancel" else "MOPH"
    client = signed_in(client, staff(who, Role.SUPERVISOR))
    prefix = f"r{referral.pk}-{action}"

    response = client.post(
        referral_url(referral, action),
        {f"{prefix}-version": referral.version, f"{prefix}-{field}": ""},
    )

    assert response.status_code == 200
    assert 'class="errorlist' in response.text
    assert fresh(referral).status == status


def test_an_agency_already_helping_is_not_offered_and_a_page_from_before_is_told(client):
    case = case_in(CaseStatus.IN_PROGRESS)
    supervisor = staff("MOL", Role.SUPERVISOR)
    referral_in(ReferralStatus.PENDING, case, to="MOPH", by=supervisor)
    client = signed_in(client, supervisor)
    assert 'name="refer-to_MOPH"' not in client.get(case_url(case)).text

    response = client.post(  # sent from a page shown before MOPH was asked
        case_url(case, "refer"),
        {
            "refer-to_MOPH": "on",
            "refer-ask_MOPH": "ขอให้ตรวจสุขภาพอีกครั้ง",
            "refer-version": fresh(case).version,
        },
    )

    assert response.status_code == 200
    start = response.text.index('<div class="form-errors" role="alert">')
    assert "ส่งต่อไปแล้วและยังไม่ปิด: MOPH" in response.text[start : start + 300]
    assert case.referrals.count() == 1


# --- Who works the case, and what comes next --------------------------------------------


def test_an_intake_officer_takes_a_case_nobody_works_and_the_page_says_they_work_it(client):
    case = case_in(CaseStatus.IN_PROGRESS)
    intake = staff("MOL", Role.INTAKE_OFFICER)
    page = signed_in(client, intake).get(case_url(case)).text
    assert re.search(r"ผู้รับผิดชอบ:</strong>\s*ยังไม่มี", page)
    assert "รับเรื่องนี้ไว้ดำเนินการเอง" in page

    response = client.post(case_url(case, "take"), {"take-version": case.version}, follow=True)

    assert "ท่านเป็นผู้รับผิดชอบเรื่องนี้แล้ว" in response.text
    assert re.search(r"ผู้รับผิดชอบ:</strong>\s*ท่าน", response.text)
    assert "รับเรื่องนี้ไว้ดำเนินการเอง" not in response.text
    assert fresh(case).assigned_to == intake
    assert CaseEvent.objects.filter(case=case, kind=EventKind.ASSIGNED, actor=intake).exists()


def test_a_case_someone_works_is_not_taken_from_them(client):
    case = case_in(CaseStatus.IN_PROGRESS)
    officer = staff("MOL", Role.CASE_OFFICER)
    officer.first_name, officer.last_name = "มานะ", "ขยัน"
    officer.save()
    stale_version = case.version
    services.assign_case(case, staff("MOL", Role.SUPERVISOR), officer)
    intake = staff("MOL", Role.INTAKE_OFFICER)
    assert "รับเรื่องนี้ไว้ดำเนินการเอง" not in signed_in(client, intake).get(case_url(case)).text

    response = client.post(case_url(case, "take"), {"take-version": stale_version + 1}, follow=True)

    assert fresh(case).assigned_to == officer
    assert "มานะ ขยัน รับผิดชอบเรื่องนี้อยู่แล้ว" in response.text


def test_who_resolves_a_case_nobody_works_is_recorded_as_working_it(client):
    case = case_in(CaseStatus.IN_PROGRESS)
    intake = staff("MOL", Role.INTAKE_OFFICER)
    signed_in(client, intake).post(
        case_url(case, "resolve"),
        {"resolve-version": case.version, "resolve-answer": "นายจ้างจ่ายค่าจ้างครบแล้ว"},
    )
    case = fresh(case)
    assert case.status == CaseStatus.RESOLVED
    assert case.assigned_to == intake


def action_cards(html: str) -> tuple[list[str], list[str]]:
    """The headings of the leading action cards, and of those folded under "more"."""
    rest = html.partition('class="grid grid-2 next-steps"')[2]
    lead_part, _, folded = rest.partition('class="more-actions"')
    heading = re.compile(r"<h3>\s*([^<]+?)\s*</h3>")
    return heading.findall(lead_part), heading.findall(folded.partition("</details>")[0])


@pytest.mark.parametrize(
    ("status", "leading"),
    [
        (CaseStatus.NEW, ["รับเรื่องเข้าหน่วยงาน", "โอนหน่วยงานหลัก"]),
        (CaseStatus.IN_PROGRESS, ["ส่งต่อไปยังหน่วยงานอื่น", "ยุติเรื่อง"]),
        (CaseStatus.WAITING_CITIZEN, ["บันทึกคำตอบของผู้ร้อง"]),
    ],
)
def test_the_case_page_leads_with_the_next_steps_and_folds_the_rest(client, status, leading):
    case = case_in(status)
    page = signed_in(client, staff("MOL", Role.SUPERVISOR)).get(case_url(case)).text

    first, folded = action_cards(page)

    assert first == leading
    assert "เพิ่มบันทึก" in folded and len(folded) >= 3
    assert '<details class="more-actions">' in page  # folded until opened
    assert f"การดำเนินการอื่นอีก {len(folded)} รายการ" in page


def form_url(case, action):
    return reverse("staff:case_action_form", args=[case.reference, action])


def drawn_forms(html: str) -> set[str]:
    """The case actions whose forms the page draws (those it posts to)."""
    return set(re.findall(r'action="/staff/cases/RP-[^/]+/([a-z_]+)/"', html))


@pytest.mark.parametrize(
    ("status", "leading"),
    [
        (CaseStatus.NEW, {"take", "accept", "transfer"}),
        (CaseStatus.IN_PROGRESS, {"take", "refer", "resolve"}),
        (CaseStatus.WAITING_CITIZEN, {"take", "receive_information"}),
    ],
)
def test_the_folded_actions_forms_are_drawn_only_when_opened(client, status, leading):
    case = case_in(status)
    page = signed_in(client, staff("MOL", Role.SUPERVISOR)).get(case_url(case)).text

    assert drawn_forms(page) == leading  # the usual next steps (and taking the case) only
    folded = action_cards(page)[1]
    assert "เพิ่มบันทึก" in folded
    # Each folded action opens its form: in place with htmx, else with the page again.
    opens = re.search(r'<div class="card action folded" id="action-note">.*?</div>', page, re.S)[0]
    assert f'href="{case_url(case)}?for=note#action-note"' in opens
    assert f'hx-get="{form_url(case, "note")}"' in opens
    assert 'hx-target="closest .card" hx-swap="outerHTML"' in opens
    # Read out of its card (a screen reader's list of links), the link says which form.
    assert re.search(r'เปิดแบบฟอร์ม<span class="visually-hidden">: เพิ่มบันทึก\s*</span></a>', opens)


def test_an_opened_form_comes_alone_to_htmx_and_posts_as_before(client):
    case = case_in(CaseStatus.IN_PROGRESS)
    client = signed_in(client, staff("MOL", Role.SUPERVISOR))

    response = client.get(form_url(case, "classify"), HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert "<html" not in response.text and "<nav" not in response.text
    assert drawn_forms(response.text) == {"classify"}
    assert 'id="action-classify"' in response.text
    assert (
        'name="classify-priority"' in response.text
        and 'name="csrfmiddlewaretoken"' in response.text
    )
    assert f'name="classify-version" value="{case.version}"' in response.text
    assert "HX-Request" in response["Vary"]
    # What it posts is what the page's own form posted.
    after = client.post(
        case_url(case, "classify"),
        {
            "classify-version": case.version,
            "classify-category": case.category_id,
            "classify-priority": "urgent",
        },
    )
    assert after.status_code == 302 and fresh(case).priority == "urgent"


def test_without_javascript_opening_a_folded_form_opens_the_page_with_it(client):
    case = case_in(CaseStatus.IN_PROGRESS)
    client = signed_in(client, staff("MOL", Role.SUPERVISOR))

    response = client.get(form_url(case, "note"))

    assert response.status_code == 302
    assert response["Location"] == f"{case_url(case)}?for=note#action-note"
    page = client.get(f"{case_url(case)}?for=note").text
    assert drawn_forms(page) == {"take", "refer", "resolve", "note"}
    assert '<details class="more-actions" open>' in page
    assert (
        '<form method="post" action="{}" class="card action" id="action-note"'.format(
            case_url(case, "note")
        )
        in page
    )


@pytest.mark.parametrize(
    ("action", "who", "status"),
    [
        ("accept", Role.SUPERVISOR, CaseStatus.IN_PROGRESS),  # not from this status
        ("take", Role.SUPERVISOR, CaseStatus.IN_PROGRESS),  # beside who works it, no card
        ("classify", Role.CASE_OFFICER, CaseStatus.IN_PROGRESS),  # not this role's
        ("no_such_action", Role.SUPERVISOR, CaseStatus.IN_PROGRESS),
    ],
)
def test_a_form_not_offered_is_not_drawn(client, action, who, status):
    case = case_in(status)
    response = signed_in(client, staff("MOL", who)).get(
        form_url(case, action), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 404
    assert case.citizen_name not in response.text


def test_no_form_of_a_case_another_agency_handles(client):
    case = case_in(CaseStatus.IN_PROGRESS)  # MOL's
    response = signed_in(client, staff("MOE", Role.SUPERVISOR)).get(
        form_url(case, "note"), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 404


def test_the_case_page_asks_no_choices_of_the_folded_forms(client, django_assert_max_num_queries):
    """The folded forms' choices (officers, agencies, categories, projects) are asked for
    when a form is opened, not by every view of the page."""
    case = case_in(CaseStatus.IN_PROGRESS)
    client = signed_in(client, staff("MOL", Role.SUPERVISOR))
    client.get(case_url(case))
    with django_assert_max_num_queries(21) as plain:  # 25 when every form was drawn
        client.get(case_url(case))
    with CaptureQueriesContext(connection) as opened:
        client.get(case_url(case), {"for": "classify"})
    # The help categories and the projects of the plan, for the one form opened.
    assert len(opened.captured_queries) == len(plain.captured_queries) + 2


def test_a_folded_action_sent_with_a_mistake_comes_back_unfolded(client):
    case = case_in(CaseStatus.IN_PROGRESS)
    response = signed_in(client, staff("MOL", Role.SUPERVISOR)).post(
        case_url(case, "note"), {"note-text": ""}
    )
    assert response.status_code == 200
    assert '<details class="more-actions" open>' in response.text
    assert "ฟิลด์นี้จำเป็น" in response.text
