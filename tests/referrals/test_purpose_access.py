"""Access that ends with the purpose (PDPA sections 22 and 37).

An agency reads a citizen's personal data only while it has a part in the case: the lead,
an agency whose referral is pending or accepted, or completed within CASE_REOPEN_DAYS. An
agency that declined, whose referral was cancelled, that handed the case on, or whose help
ended long ago keeps the case's history (what it did, when, the outcome) but no longer the
name, contact, national ID, description or files, and the case leaves its queue.

The tables below are that rule for every role of the agency whose part ended ("former"),
beside the lead and an agency that never had a part. "view" is the case's history, "list"
the queue, "pii" the person's data, "file" a file, "note" adding a note.
"""

from datetime import timedelta
from importlib import import_module

import pytest
from django.apps import apps
from django.conf import settings
from django.utils import timezone
from guardian.backends import ObjectPermissionBackend

from agencies import permissions
from agencies.models import Role
from agencies.permissions import Action
from referrals import services
from referrals.errors import CaseNotFound, NotPermitted
from referrals.models import (
    Case,
    CaseGroupObjectPermission,
    CaseStatus,
    PersonalDataAccess,
    Referral,
    ReferralStatus,
)
from referrals.services.parts import end_finished_parts
from tests.api.helpers import api_key, key_client, staff_client
from tests.factories import InspectorFactory, UserFactory
from tests.matrix import matrix_rows
from tests.referrals.factories import (
    CITIZEN,
    agency,
    case_in,
    fresh,
    offered_transfer,
    referral_in,
    staff,
    transfer_accepted,
)
from tests.referrals.public_helpers import pdf

pytestmark = pytest.mark.django_db

Y, NO, HIDDEN = "Y", "-", "404"
LEAD, FORMER, OTHER = "MOL", "MOPH", "MOE"

AFTER_THE_PART_ENDED = """
MOPH's part in a case led by MOL ended (declined, cancelled, or handed on).
                        view list pii file note
former intake officer   Y    404  -   -    -
former case officer     Y    404  -   -    -
former supervisor       Y    404  -   -    -
former cceo             Y    404  -   -    -
former agency admin     404  404  404 404  404
lead intake officer     Y    Y    Y   Y    Y
lead supervisor         Y    Y    Y   Y    Y
other supervisor        404  404  404 404  404
inspector               404  404  404 404  404
"""


def who(words):
    if words == ["inspector"]:
        return "inspector"
    return (words[0], Role("_".join(words[1:])))


def person(row, lead=LEAD):
    if row == "inspector":
        return InspectorFactory().user
    where, role = row
    return staff({"former": FORMER, "lead": lead, "other": OTHER}[where], role)


def declined():
    case = case_in(CaseStatus.IN_PROGRESS)
    referral_in(ReferralStatus.DECLINED, case, to=FORMER)
    return fresh(case)


def cancelled():
    case = case_in(CaseStatus.IN_PROGRESS)
    referral_in(ReferralStatus.CANCELLED, case, to=FORMER)
    return fresh(case)


def handed_on():
    """A case MOPH led (health) and transferred to MOL."""
    case = case_in(CaseStatus.IN_PROGRESS, category="unpaid-wages")
    # Led by MOL; make MOPH the lead first, as if it had received it, then hand it back.
    transfer_accepted(case, staff(LEAD, Role.SUPERVISOR), FORMER, "เรื่องสุขภาพ")
    return transfer_accepted(fresh(case), staff(FORMER, Role.SUPERVISOR), LEAD, "เรื่องค่าจ้างเป็นหลัก")


def returned():
    """The lead offered to MOPH, which returned it."""
    case = case_in(CaseStatus.IN_PROGRESS)
    services.transfer_case(case, staff(LEAD, Role.SUPERVISOR), agency(FORMER), "เรื่องสุขภาพ")
    services.return_transfer(offered_transfer(case), staff(FORMER, Role.SUPERVISOR), "เป็นเรื่องค่าจ้าง")
    return fresh(case)


def completed_long_ago():
    case = case_in(CaseStatus.IN_PROGRESS)
    referral = referral_in(ReferralStatus.COMPLETED, case, to=FORMER)
    long_ago = timezone.now() - timedelta(days=settings.CASE_REOPEN_DAYS + 1)
    Referral.objects.filter(pk=referral.pk).update(closed_at=long_ago)
    assert end_finished_parts() == 1
    return fresh(case)


ENDINGS = {
    "declined": declined,
    "cancelled": cancelled,
    "handed on": handed_on,
    "returned": returned,
    "completed long ago": completed_long_ago,
}


def attempt(user, column, case):
    if column == "list":
        return permissions.visible_cases(user, Case.objects.all()).filter(pk=case.pk).exists()
    if column == "note":
        services.add_note(case, user, "โทรแจ้งผู้ร้องแล้ว")
        return True
    action = {"view": Action.VIEW, "pii": Action.VIEW_PERSONAL_DATA, "file": None}[column]
    if action is None:
        action = Action.VIEW_ATTACHMENT
    return permissions.can(user, action, case)


@pytest.mark.parametrize("ending", ENDINGS)
@pytest.mark.parametrize(
    ("row", "column", "expected"), list(matrix_rows(AFTER_THE_PART_ENDED, who))
)
def test_a_part_that_ended_keeps_the_history_not_the_person(ending, row, column, expected):
    case = ENDINGS[ending]()
    user = person(row)
    if column == "note":
        if expected == Y:
            services.add_note(case, user, "โทรแจ้งผู้ร้องแล้ว")
        else:
            with pytest.raises(NotPermitted if expected == NO else CaseNotFound):
                services.add_note(case, user, "โทรแจ้งผู้ร้องแล้ว")
        return
    assert attempt(user, column, case) is (expected == Y)


def test_an_agency_offered_the_lead_reads_the_person_while_it_decides():
    case = case_in(CaseStatus.IN_PROGRESS)
    services.transfer_case(case, staff(LEAD, Role.SUPERVISOR), agency(FORMER), "เรื่องสุขภาพ")
    referral_in(ReferralStatus.DECLINED, fresh(case), to="MOE")  # settles the parts again

    assert permissions.can(
        staff(FORMER, Role.INTAKE_OFFICER), Action.VIEW_PERSONAL_DATA, fresh(case)
    )


@pytest.mark.parametrize("status", [ReferralStatus.PENDING, ReferralStatus.ACCEPTED])
def test_an_agency_still_helping_reads_the_person(status):
    case = case_in(CaseStatus.IN_PROGRESS)
    referral_in(status, case, to=FORMER)
    officer = staff(FORMER, Role.CASE_OFFICER)

    assert permissions.can(officer, Action.VIEW_PERSONAL_DATA, fresh(case))
    assert permissions.visible_cases(officer, Case.objects.filter(pk=case.pk)).exists()


def test_help_completed_within_the_reopening_period_keeps_the_person_until_it_passes():
    case = case_in(CaseStatus.IN_PROGRESS)
    referral = referral_in(ReferralStatus.COMPLETED, case, to=FORMER)
    officer = staff(FORMER, Role.CASE_OFFICER)
    recently = timezone.now() - timedelta(days=settings.CASE_REOPEN_DAYS - 1)
    Referral.objects.filter(pk=referral.pk).update(closed_at=recently)

    assert end_finished_parts() == 0
    assert permissions.can(officer, Action.VIEW_PERSONAL_DATA, fresh(case))

    Referral.objects.filter(pk=referral.pk).update(closed_at=recently - timedelta(days=2))
    assert end_finished_parts() == 1
    assert end_finished_parts() == 0  # a second run finds nothing left
    assert not permissions.can(officer, Action.VIEW_PERSONAL_DATA, fresh(case))
    assert permissions.can(officer, Action.VIEW, fresh(case))


def test_an_old_completed_referral_does_not_end_a_new_one_of_the_same_agency():
    case = case_in(CaseStatus.IN_PROGRESS)
    old = referral_in(ReferralStatus.COMPLETED, case, to=FORMER)
    long_ago = timezone.now() - timedelta(days=settings.CASE_REOPEN_DAYS + 5)
    Referral.objects.filter(pk=old.pk).update(closed_at=long_ago)
    referral_in(ReferralStatus.PENDING, fresh(case), to=FORMER)

    assert end_finished_parts() == 0
    assert permissions.can(staff(FORMER, Role.CASE_OFFICER), Action.VIEW_PERSONAL_DATA, fresh(case))


def test_referred_again_after_a_decline_the_agency_reads_the_person_again():
    case = declined()
    officer = staff(FORMER, Role.CASE_OFFICER)
    assert not permissions.can(officer, Action.VIEW_PERSONAL_DATA, case)

    referral_in(ReferralStatus.PENDING, case, to=FORMER)

    assert permissions.can(officer, Action.VIEW_PERSONAL_DATA, fresh(case))
    assert permissions.visible_cases(officer, Case.objects.filter(pk=case.pk)).exists()


def test_a_case_handed_back_gives_the_former_lead_its_part_again():
    case = handed_on()
    boss = staff(LEAD, Role.SUPERVISOR)
    transfer_accepted(case, boss, FORMER, "กลับไปที่กระทรวงสาธารณสุข")

    assert permissions.can(staff(FORMER, Role.INTAKE_OFFICER), Action.TRIAGE, fresh(case))
    assert not permissions.can(
        staff(LEAD, Role.INTAKE_OFFICER), Action.VIEW_PERSONAL_DATA, fresh(case)
    )


# --- django-guardian's has_perm answers as the portal does ------------------------------


def population():
    """Every role of the lead, of an agency whose part ended, of an agency still helping
    and of one never involved, an inspector and a user of no agency. (Django itself answers
    yes to the system administrator before any backend: the admin, where every read of
    personal data is recorded.)"""
    people = [InspectorFactory().user, UserFactory()]
    for code in (LEAD, FORMER, OTHER, "MSDHS"):
        people += [staff(code, role) for role in Role]
    return people


def cases():
    restricted = case_in(CaseStatus.IN_PROGRESS, category="domestic-violence")
    referral_in(ReferralStatus.DECLINED, restricted, to=FORMER)
    helped = case_in(CaseStatus.IN_PROGRESS)
    referral_in(ReferralStatus.ACCEPTED, helped, to=FORMER)
    return [declined(), cancelled(), handed_on(), helped, fresh(restricted)]


def test_has_perm_on_a_case_answers_as_the_portal_does_for_everyone():
    people, every_case = population(), cases()
    for case in every_case:
        for user in people:
            user = type(user).objects.get(pk=user.pk)  # no cached answers
            assert user.has_perm("referrals.view_case", case) is permissions.can(
                user, Action.VIEW_PERSONAL_DATA, case
            ), (user, case)
            assert user.has_perm("referrals.view_case_history", case) is permissions.can(
                user, Action.VIEW, case
            ), (user, case)
            assert not user.has_perm("referrals.change_case", case)


def test_guardian_alone_would_say_yes_where_the_portal_says_no_so_it_is_not_asked():
    case = case_in(CaseStatus.IN_PROGRESS)
    administrator = staff(LEAD, Role.AGENCY_ADMIN)  # in the agency's group, sees no case

    assert ObjectPermissionBackend().has_perm(administrator, "referrals.view_case", case)
    assert not administrator.has_perm("referrals.view_case", case)
    assert "guardian.backends.ObjectPermissionBackend" not in settings.AUTHENTICATION_BACKENDS


# --- What the pages and the API show ---------------------------------------------------


def test_the_case_page_of_a_former_agency_shows_what_it_did_not_the_person(client):
    case = declined()
    supervisor = staff(FORMER, Role.SUPERVISOR)
    client.force_login(supervisor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    page = client.get(f"/staff/cases/{case.reference}/")

    text = page.content.decode()
    assert page.status_code == 200
    assert "ไม่มีบริการนี้ในพื้นที่" in text  # its own reason for declining
    for personal in (CITIZEN["citizen_name"], "081", CITIZEN["description"]):
        assert personal not in text
    assert "ขอให้ตรวจสุขภาพและเยียวยา" not in text  # what the lead wrote of the person
    assert "PDPA" in text
    assert not PersonalDataAccess.objects.filter(user=supervisor).exists()
    queue = client.get(f"/staff/?q={case.reference}").content.decode()
    assert f"/staff/cases/{case.reference}/" not in queue


def test_a_former_agency_is_drawn_no_action_form(client):
    """Its part ended: the page is the history of that part, with no action, and no form
    of the case's actions comes to it either (which one may show a reply with the name)."""
    case = declined()
    client.force_login(staff(FORMER, Role.SUPERVISOR))

    for action in ("note", "classify", "attach"):
        form = client.get(f"/staff/cases/{case.reference}/{action}/form/", HTTP_HX_REQUEST="true")
        assert form.status_code == 404
        assert CITIZEN["citizen_name"] not in form.content.decode()


def test_the_case_page_in_thai_says_why_the_person_is_hidden(client):
    case = declined()
    client.force_login(staff(FORMER, Role.CASE_OFFICER))

    page = client.get(f"/staff/cases/{case.reference}/")

    assert "พ.ร.บ.คุ้มครองข้อมูลส่วนบุคคล" in page.content.decode()


def test_a_former_agency_cannot_download_a_file_or_act(client, media):
    case = declined()
    attachment = services.add_attachment(case, staff(LEAD, Role.SUPERVISOR), pdf("สัญญาจ้าง.pdf"))
    client.force_login(staff(FORMER, Role.SUPERVISOR))

    download = client.get(f"/staff/cases/{case.reference}/files/{attachment.pk}/")
    note = client.post(f"/staff/cases/{case.reference}/note/", {"note-text": "ทดสอบ"})

    assert download.status_code == 404
    assert note.status_code == 403
    assert fresh(case).events.filter(kind="note").count() == 0


def test_the_api_gives_a_former_agency_its_history_without_the_person():
    case = declined()
    _key, raw = api_key(FORMER, write=False)
    client = key_client(raw)

    detail = client.get(f"/api/v1/cases/{case.reference}/")
    events = client.get(f"/api/v1/cases/{case.reference}/events/")
    listed = client.get("/api/v1/cases/")

    assert detail.status_code == 200
    assert detail.json()["citizen"] is None
    assert detail.json()["description"] is None
    [referral] = detail.json()["referrals"]
    assert referral["decline_reason"] == "ไม่มีบริการนี้ในพื้นที่"
    assert referral["reason"] == ""
    words = [event["message"] for event in events.json()]
    assert "ไม่มีบริการนี้ในพื้นที่" in words
    assert "ขอให้ตรวจสุขภาพและเยียวยา" not in words
    assert case.reference not in [row["reference"] for row in listed.json()["results"]]
    assert client.get(f"/api/v1/cases/{case.reference}/files/").status_code == 404


def test_the_api_keeps_the_person_for_the_lead():
    case = declined()
    response = staff_client(staff(LEAD, Role.SUPERVISOR)).get(f"/api/v1/cases/{case.reference}/")

    assert response.json()["citizen"]["name"] == CITIZEN["citizen_name"]


# --- Data already shared before this rule ----------------------------------------------


def test_the_migration_ends_the_parts_that_ended_before_it():
    case = declined()
    moph = agency(FORMER)
    permissions.grant_case_access(case, moph)  # as every decline left it before
    helped = case_in(CaseStatus.IN_PROGRESS)
    referral_in(ReferralStatus.ACCEPTED, helped, to=FORMER)
    migration = import_module("referrals.migrations.0023_case_history_permission")

    migration.end_parts(apps, None)

    rows = CaseGroupObjectPermission.objects.filter(group=moph.group)
    assert set(
        rows.filter(content_object_id=case.pk).values_list("permission__codename", flat=True)
    ) == {"view_case_history"}
    assert rows.filter(content_object_id=helped.pk, permission__codename="view_case").exists()
    assert CaseGroupObjectPermission.objects.filter(
        content_object_id=case.pk, group=agency(LEAD).group, permission__codename="view_case"
    ).exists()
