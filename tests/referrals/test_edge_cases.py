"""Edge cases a careful user or an attacker would try on the staff workflow."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from agencies.models import Role
from referrals import identity, services
from referrals.errors import NotPermitted, TransitionNotAllowed
from referrals.models import Case, CaseStatus, ReferralStatus
from tests.factories import InspectorFactory
from tests.referrals.factories import (
    agency,
    case_in,
    fresh,
    referral_in,
    resolved_days_ago,
    staff,
    submit,
    transfer_accepted,
)

pytestmark = pytest.mark.django_db


def test_a_tiny_png_claiming_a_huge_picture_is_refused_without_decoding_it(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    buffer = io.BytesIO()
    Image.new("1", (8000, 8000)).save(buffer, "PNG")  # 64 megapixels in a few kilobytes
    assert len(buffer.getvalue()) < 100_000
    case, _ = submit()
    with pytest.raises(ValidationError):
        services.add_attachment(
            case,
            staff("MOL", Role.CASE_OFFICER),
            SimpleUploadedFile("bomb.png", buffer.getvalue(), "image/png"),
        )
    assert not case.attachments.exists()


def test_after_a_transfer_only_the_new_lead_cancels_referrals():
    mol = staff("MOL", Role.SUPERVISOR)
    referral = referral_in(ReferralStatus.PENDING, to="MOPH", by=mol)
    transfer_accepted(referral.case, mol, "MOI", "เป็นเรื่องหนี้สิน")

    with pytest.raises(NotPermitted):
        services.cancel_referral(referral, staff("MOL", Role.INTAKE_OFFICER), "ไม่ต้องแล้ว")
    services.cancel_referral(referral, staff("MOI", Role.INTAKE_OFFICER), "ไม่ต้องแล้ว")
    assert fresh(referral).status == ReferralStatus.CANCELLED


def test_a_case_cannot_be_joined_to_a_duplicate():
    supervisor = staff("MOL", Role.SUPERVISOR)
    first, _ = submit()
    second, _ = submit()
    services.mark_duplicate(second, supervisor, first)
    third, _ = submit()
    with pytest.raises(TransitionNotAllowed):
        services.mark_duplicate(fresh(first), supervisor, fresh(second))
    with pytest.raises(TransitionNotAllowed):
        services.mark_duplicate(third, supervisor, None)
    assert fresh(first).status == CaseStatus.NEW


def test_a_mistyped_original_reference_is_said_beside_it_not_a_404(client):
    case, _ = submit()
    client.force_login(staff("MOL", Role.INTAKE_OFFICER))
    response = client.post(
        reverse("staff:case_action", args=[case.reference, "mark_duplicate"]),
        {"mark_duplicate-version": case.version, "mark_duplicate-original": "RP-2569-ZZZZZZ"},
    )
    assert response.status_code == 200
    start = response.text.index('<div class="field has-error')
    field = response.text[start : response.text.index("</div>", start)]
    assert 'name="mark_duplicate-original"' in field
    assert "โปรดเลือกเรื่องอื่นที่หน่วยงานของท่านดูแล" in field
    assert fresh(case).status == CaseStatus.NEW


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("๑๑๐๑๗๐๐๒๐๓๔๕๐", "1101700203450"), ("1-1017-00203-45-0", "1101700203450")],
)
def test_thai_digits_in_an_id_are_read_as_the_same_number(typed, stored):
    assert identity.normalise_national_id(typed) == stored


def test_thai_digits_in_a_phone_number_are_read_as_the_same_number():
    assert identity.normalise_phone("๐๘๑ ๒๓๔ ๕๖๗๘") == "0812345678"


def test_an_absurd_page_number_or_officer_id_is_not_a_server_error(client):
    supervisor = staff("MOL", Role.SUPERVISOR)
    case, _ = submit()
    client.force_login(supervisor)
    assert client.get("/staff/", {"page": "9" * 40}).status_code == 200
    response = client.post("/staff/assign/", {"cases": [case.reference], "officer": "abc"})
    assert response.status_code == 302
    assert fresh(case).assigned_to is None


def test_bulk_assignment_does_not_redirect_to_another_site(client):
    client.force_login(staff("MOL", Role.SUPERVISOR))
    response = client.post("/staff/assign/", {"cases": [], "next": "https://evil.example/"})
    assert response["Location"] == reverse("staff:queue")


def test_the_override_is_offered_only_to_those_who_may_override(client):
    case = case_in(CaseStatus.IN_PROGRESS)
    url = reverse("staff:case", args=[case.reference])
    client.force_login(staff("MOL", Role.INTAKE_OFFICER))
    assert "resolve-override_reason" not in client.get(url).text
    client.force_login(staff("MOL", Role.SUPERVISOR))
    assert "resolve-override_reason" in client.get(url).text


def test_reopen_is_not_offered_after_the_window(client, settings):
    settings.CASE_REOPEN_DAYS = 30
    case = case_in(CaseStatus.RESOLVED)
    client.force_login(staff("MOL", Role.SUPERVISOR))
    reopen = reverse("staff:case_action", args=[case.reference, "reopen"])
    assert reopen in client.get(case.get_absolute_url()).text
    resolved_days_ago(case, 31)
    assert reopen not in client.get(case.get_absolute_url()).text


def test_place_lists_are_public_and_ignore_what_is_not_a_code(client):
    # The citizens' form narrows places too; the list is public reference data.
    assert client.get("/staff/places/", {"province": "10"}).status_code == 404
    assert client.get("/places/", {"province": "10"}).status_code == 200
    for junk in ({"province": "abc"}, {"district": "1' OR 1=1"}, {}):
        response = client.get("/places/", junk)
        assert response.status_code == 200
        assert response.text.count("<option") == 1  # only the empty choice


def test_an_inspector_with_a_leftover_membership_sees_no_case():
    case, _ = submit()
    inspector = InspectorFactory().user
    from agencies.models import Membership

    Membership.objects.create(user=inspector, agency=agency("MOL"), role=Role.SUPERVISOR)
    from agencies import permissions

    assert not permissions.visible_cases(inspector, Case.objects.all()).exists()
    assert not permissions.can(inspector, permissions.Action.VIEW, case)


def test_a_national_id_under_another_key_shows_a_notice_not_an_error(client, settings):
    case, _ = submit(national_id="1101700203450")
    from cryptography.fernet import Fernet

    Case.objects.filter(pk=case.pk).update(
        national_id_encrypted=Fernet(Fernet.generate_key()).encrypt(b"1101700203450").decode()
    )
    client.force_login(staff("MOL", Role.INTAKE_OFFICER))
    response = client.get(case.get_absolute_url())
    assert response.status_code == 200
    assert "1101700203450" not in response.text
