import pytest
from django.core.exceptions import ValidationError

from agencies.models import Agency, Membership, Office, Province, Role
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def in_group(user, code) -> bool:
    return user.groups.filter(name=f"agency:{code}").exists()


def test_a_membership_puts_its_user_in_the_agency_group_and_removal_takes_them_out():
    membership = MembershipFactory(agency=Agency.objects.get(code="MOL"))
    user = membership.user
    assert in_group(user, "MOL")
    assert not in_group(user, "MOJ")

    membership.delete()
    assert not in_group(user, "MOL")


def test_deactivating_a_membership_removes_the_user_from_the_group():
    membership = MembershipFactory()
    membership.is_active = False
    membership.save()
    assert not in_group(membership.user, "MOJ")


def test_a_second_role_in_the_same_agency_keeps_the_group_when_one_ends():
    first = MembershipFactory(role=Role.CASE_OFFICER)
    Membership.objects.create(user=first.user, agency=first.agency, role=Role.SUPERVISOR)
    first.delete()
    assert in_group(first.user, "MOJ")


def test_an_office_of_another_agency_is_refused():
    rtp = Agency.objects.get(code="RTP")
    office = Office.objects.create(
        agency=rtp, province=Province.objects.get(code="10"), name_th="บช.น.", name_en="MPB"
    )
    membership = Membership(
        user=UserFactory(),
        agency=Agency.objects.get(code="MOJ"),
        office=office,
        role=Role.CASE_OFFICER,
    )
    with pytest.raises(ValidationError) as error:
        membership.full_clean()
    assert "office" in error.value.message_dict


def test_an_agency_added_later_gets_its_own_group():
    agency = Agency.objects.create(code="OAG", name_th="สำนักงานอัยการสูงสุด", name_en="OAG")
    assert agency.group.name == "agency:OAG"


def test_names_follow_the_active_language():
    from django.utils import translation

    agency = Agency.objects.get(code="MOL")
    with translation.override("th"):
        assert str(agency) == "กระทรวงแรงงาน"
    with translation.override("en"):
        assert str(agency) == "Ministry of Labour"
