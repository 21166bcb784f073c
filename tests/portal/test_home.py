import pytest

from agencies.models import Agency, Office, Province, Role
from referrals.models import Category
from tests.factories import InspectorFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_tells_a_citizen_how_to_ask_for_help_and_follow_a_request(client):
    response = client.get("/")
    text = response.text
    assert "วิธีขอความช่วยเหลือ" in text
    assert "วิธีติดตามคำขอ" in text
    assert "1111" in text
    assert "191" in text
    # Every active category is explained, with the agency that leads it.
    for category in Category.objects.select_related("lead_agency"):
        assert category.name_th in text
        assert category.description_th in text
    assert "หน่วยงานหลัก: กระทรวงแรงงาน" in text


def test_an_inactive_category_is_not_offered(client):
    Category.objects.filter(code="finding-work").update(is_active=False)
    assert "หางานและฝึกอาชีพ" not in client.get("/").text


def test_anonymous_visitors_are_offered_the_staff_sign_in(client):
    text = client.get("/").text
    assert 'href="/accounts/login/"' in text
    assert "งานของท่าน" not in text


def test_staff_see_their_roles_and_offices(client):
    moph = Agency.objects.get(code="MOPH")
    office = Office.objects.create(
        agency=moph,
        province=Province.objects.get(code="40"),
        name_th="สำนักงานสาธารณสุขจังหวัดขอนแก่น",
        name_en="Khon Kaen Provincial Public Health Office",
    )
    membership = MembershipFactory(agency=moph, office=office, role=Role.SUPERVISOR)
    client.force_login(membership.user)

    text = client.get("/").text
    assert "งานของท่าน" in text
    assert "หัวหน้างาน · กระทรวงสาธารณสุข · สำนักงานสาธารณสุขจังหวัดขอนแก่น" in text
    assert "ผู้ดูแลระบบ" not in text  # no link to the admin for agency staff


def test_inspectors_and_users_without_agency_are_told_where_they_stand(client):
    client.force_login(InspectorFactory().user)
    assert "ผู้ตรวจราชการ" in client.get("/").text

    client.force_login(UserFactory())
    assert "ยังไม่ได้เป็นสมาชิกของหน่วยงานใด" in client.get("/").text


def test_the_page_costs_the_same_queries_however_many_categories(
    client, django_assert_max_num_queries
):
    membership = MembershipFactory()
    client.force_login(membership.user)
    with django_assert_max_num_queries(7):  # with the bell's unread count
        client.get("/")
    moj = Agency.objects.get(code="MOJ")
    strategy = Category.objects.first().strategy
    Category.objects.bulk_create(
        Category(
            code=f"extra-{n}",
            name_th=f"เรื่อง {n}",
            name_en=f"Topic {n}",
            description_th="ก",
            description_en="a",
            lead_agency=moj,
            strategy=strategy,
        )
        for n in range(40)
    )
    with django_assert_max_num_queries(7):
        client.get("/")


def test_pages_send_a_content_security_policy_and_no_framing(client):
    response = client.get("/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_an_unknown_page_answers_404_in_thai(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
