"""Every page of the Django admin loads, in Thai and in English."""

import pytest
from django.contrib import admin
from django.urls import reverse

from agencies.models import Agency, Membership, Office, Province, Role
from referrals.models import Case, CaseEvent, Category, PersonalDataAccess
from referrals.services import NewCase, accept_case, create_case, refer_case
from tests.factories import InspectorFactory, MembershipFactory
from tests.referrals.factories import reply_template

MODELS = list(admin.site._registry)


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def one_of_each(db):
    """At least one row of every registered model, so that change pages can be opened."""
    moj = Agency.objects.get(code="MOJ")
    Office.objects.create(
        agency=moj,
        province=Province.objects.get(code="50"),
        name_th="สำนักงานยุติธรรมจังหวัดเชียงใหม่",
        name_en="Chiang Mai Provincial Justice Office",
    )
    supervisor = MembershipFactory(agency=moj, role=Role.SUPERVISOR).user
    InspectorFactory()
    case, _secret = create_case(
        NewCase(
            citizen_name="สมศรี มีสุข",
            citizen_phone="0812345678",
            category=Category.objects.get(code="legal-aid"),
            province=Province.objects.get(code="50"),
            description="ขอคำปรึกษาเรื่องสัญญาเช่าที่ดิน",
            channel="web",
        )
    )
    accept_case(case, supervisor)
    refer_case(case, supervisor, {Agency.objects.get(code="MOL"): "ช่วยเรื่องค่าจ้าง"})
    PersonalDataAccess.objects.create(user=supervisor, case=case, action="view_case")
    reply_template("MOJ")


@pytest.mark.parametrize("language", ["th", "en"])
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_list_add_and_change_pages_load(admin_client, one_of_each, model, language):
    admin_client.cookies["django_language"] = language
    info = (model._meta.app_label, model._meta.model_name)
    model_admin = admin.site._registry[model]

    response = admin_client.get(reverse("admin:{}_{}_changelist".format(*info)))
    assert response.status_code == 200
    assert response["Content-Language"] == language

    if model_admin.has_add_permission(response.wsgi_request):
        assert admin_client.get(reverse("admin:{}_{}_add".format(*info))).status_code == 200

    first = model._default_manager.first()
    if first is not None:
        change = reverse("admin:{}_{}_change".format(*info), args=[first.pk])
        assert admin_client.get(change).status_code == 200


def test_admin_index_speaks_thai_by_default(admin_client):
    response = admin_client.get("/admin/")
    assert response.status_code == 200
    assert "หน่วยงานและพื้นที่" in response.text  # the agencies app
    assert "หน่วยงาน" in response.text


def test_changing_an_office_to_another_agency_keeps_memberships_consistent(admin_client):
    moj, rtp = Agency.objects.get(code="MOJ"), Agency.objects.get(code="RTP")
    office = Office.objects.create(
        agency=rtp, province=Province.objects.get(code="10"), name_th="กองบัญชาการ", name_en="HQ"
    )
    membership = MembershipFactory(agency=moj, role=Role.CASE_OFFICER)

    response = admin_client.post(
        reverse("admin:agencies_membership_change", args=[membership.pk]),
        {
            "user": membership.user_id,
            "agency": moj.pk,
            "office": office.pk,
            "role": Role.CASE_OFFICER,
            "is_active": "on",
        },
    )

    assert response.status_code == 200  # the form is shown again with the error
    assert "สำนักงานต้องสังกัดหน่วยงานเดียวกัน" in response.text
    assert Membership.objects.get(pk=membership.pk).office is None


def test_staff_without_admin_rights_cannot_open_the_admin(client, db):
    membership = MembershipFactory()
    client.force_login(membership.user)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_cases_and_their_timeline_are_read_only_in_the_admin(admin_client, one_of_each):
    case = Case.objects.get()
    event = CaseEvent.objects.filter(case=case).first()
    change = admin_client.get(reverse("admin:referrals_case_change", args=[case.pk]))
    assert change.status_code == 200
    assert 'name="_save"' not in change.text
    assert case.reference in change.text
    assert "national_id" not in change.text and "secret_hash" not in change.text
    response = admin_client.post(
        reverse("admin:referrals_caseevent_delete", args=[event.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert CaseEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.django_db
def test_opening_a_restricted_case_in_the_admin_is_recorded_in_the_access_log(admin_client):
    from tests.referrals.factories import submit

    case, _secret = submit("witness-protection", citizen_name="พยานในคดีอาญา")
    assert case.is_restricted
    change = reverse("admin:referrals_case_change", args=[case.pk])

    response = admin_client.get(change)

    assert response.status_code == 200
    assert "พยานในคดีอาญา" in response.text
    [read] = PersonalDataAccess.objects.filter(case=case)
    assert (read.user, read.action) == (response.wsgi_request.user, "admin_view")


@pytest.mark.django_db
def test_the_admin_pages_of_a_case_s_timeline_and_messages_record_the_read_too(admin_client):
    from tests.referrals.factories import submit

    case, _secret = submit(citizen_email="somchai@example.org")
    event = CaseEvent.objects.filter(case=case).first()
    notification = case.notifications.first()
    admin_client.get(reverse("admin:referrals_caseevent_change", args=[event.pk]))
    admin_client.get(reverse("admin:referrals_notification_change", args=[notification.pk]))
    admin_client.get(reverse("admin:referrals_case_changelist"))  # a list shows no one's data

    assert PersonalDataAccess.objects.filter(case=case, action="admin_view").count() == 2
