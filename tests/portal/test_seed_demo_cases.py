import io
import re
from collections import defaultdict

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import F, Q
from django.utils import timezone

import portal.demo_cases
from agencies import permissions
from agencies.models import Agency
from referrals import identity
from referrals.models import (
    OPEN_REFERRAL_STATUSES,
    Case,
    CaseEvent,
    CaseGroupObjectPermission,
    CaseStatus,
    Category,
    Channel,
    EqualAccessAnswers,
    EventKind,
    Priority,
    Referral,
    ReferralStatus,
)

pytestmark = pytest.mark.django_db
REFERENCE = re.compile(r"^RP-25\d\d-[23456789ABCDEFGHJKMNPQRSTVWXYZ]{6}$")
THAI_NAME = re.compile(r"^[\u0E00-\u0E7F]+ [\u0E00-\u0E7F]+$")
PHONE = re.compile(r"^0[689]\d{8}$")


@pytest.fixture(autouse=True)
def fast_demo_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed(count: int = 300, **options) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("seed_demo", cases=count, demo=True, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def granted_agencies(codename: str = "view_case") -> dict[int, set[int]]:
    """Case id -> the agencies whose group holds ``codename`` on it."""
    agency_of_group = dict(Agency.objects.values_list("group_id", "id"))
    granted = defaultdict(set)
    for case_id, group_id in CaseGroupObjectPermission.objects.filter(
        permission__codename=codename, permission__content_type__model="case"
    ).values_list("content_object_id", "group_id"):
        granted[case_id].add(agency_of_group[group_id])
    return granted


def test_counts_add_up_in_every_status_and_the_summary_says_so():
    output, progress = seed(300)

    assert Case.objects.count() == 300
    by_status = {status: Case.objects.filter(status=status).count() for status in CaseStatus}
    assert all(by_status.values()), by_status
    referrals = {s: Referral.objects.filter(status=s).count() for s in ReferralStatus}
    assert all(referrals.values()), referrals
    assert "Added 300 demo cases" in output
    assert f"Cases: 300 ({', '.join(f'{s} {n}' for s, n in by_status.items())})" in output
    assert f"Referrals: {Referral.objects.count()} (" in output
    assert f"Timeline events: {CaseEvent.objects.count():,}" in output
    assert f"view_case): {CaseGroupObjectPermission.objects.count():,}" in output
    assert "300/300 cases" in progress
    assert set(Case.objects.values_list("category", flat=True)) == set(
        Category.objects.filter(is_active=True).values_list("id", flat=True)
    )
    assert set(Case.objects.values_list("channel", flat=True)) == set(Channel.values)
    assert 10 <= Case.objects.filter(priority=Priority.URGENT).count() <= 60


def test_agencies_with_a_part_hold_view_case_and_those_whose_part_ended_its_history():
    seed(300)

    involved = defaultdict(set)
    for case_id, lead in Case.objects.values_list("id", "lead_agency_id"):
        involved[case_id].add(lead)
    for case_id, to_agency in Referral.objects.values_list("case_id", "to_agency_id"):
        involved[case_id].add(to_agency)
    transfers = CaseEvent.objects.filter(kind=EventKind.TRANSFERRED)
    for case_id, former in transfers.values_list("case_id", "actor_agency_id"):
        involved[case_id].add(former)
    parts = {
        case.pk: permissions.agencies_with_a_part(case, case.referrals.all())
        for case in Case.objects.prefetch_related("referrals")
    }
    ended = {case: involved[case] - part for case, part in parts.items() if involved[case] - part}
    assert granted_agencies() == parts
    assert granted_agencies("view_case_history") == ended
    assert ended, "the demo has declined, cancelled and transferred cases"
    referral = Referral.objects.select_related("case", "to_agency").first()
    officer = get_user_model().objects.get(username=f"{referral.to_agency.code.lower()}-officer")
    # Restricted cases stay with the officer assigned in the lead agency and supervisors.
    visible = not referral.case.is_restricted
    assert permissions.can(officer, permissions.Action.VIEW, referral.case) == visible


def test_cases_tell_a_coherent_story():
    seed(300)
    now = timezone.now()
    cases = Case.objects.all()

    assert set(cases.filter(is_restricted=True)) == set(cases.filter(category__is_restricted=True))
    for stamp in ("acknowledged_at", "resolved_at", "closed_at", "updated_at"):
        assert not cases.filter(**{f"{stamp}__lt": F("created_at")}).exists(), stamp
    assert not cases.filter(Q(created_at__gt=now) | Q(closed_at__gt=now)).exists()
    assert not cases.filter(status=CaseStatus.NEW).exclude(acknowledged_at=None).exists()
    finished = [CaseStatus.CLOSED, CaseStatus.REJECTED, CaseStatus.DUPLICATE, CaseStatus.WITHDRAWN]
    assert not cases.filter(status__in=finished, closed_at=None).exists()
    assert not cases.filter(status=CaseStatus.CLOSED, resolved_at=None).exists()
    assert not cases.filter(status=CaseStatus.RESOLVED).exclude(closed_at=None).exists()
    worked = [
        CaseStatus.IN_PROGRESS,
        CaseStatus.WAITING_CITIZEN,
        CaseStatus.RESOLVED,
        CaseStatus.CLOSED,
    ]
    for case in cases.filter(status__in=worked).select_related("lead_agency", "assigned_to"):
        assert case.acknowledged_at is not None
        assert case.assigned_to.username == f"{case.lead_agency.code.lower()}-officer"
    for case in cases.filter(status=CaseStatus.DUPLICATE).select_related("duplicate_of"):
        assert case.duplicate_of.created_at < case.created_at
        assert case.duplicate_of.citizen_phone == case.citizen_phone
    assert not cases.filter(lead_office=None).exists()
    assert not cases.exclude(lead_office__agency=F("lead_agency")).exists()
    assert not cases.exclude(district__province=F("province")).exists()
    assert not cases.exclude(subdistrict__district=F("district")).exists()

    referrals = Referral.objects.all()
    assert not referrals.filter(
        case__status__in=[CaseStatus.RESOLVED, CaseStatus.CLOSED], status__in=OPEN_REFERRAL_STATUSES
    ).exists()
    assert not referrals.filter(to_agency=F("case__lead_agency")).exists()
    assert not referrals.filter(
        Q(created_at__lt=F("case__created_at"))
        | Q(answered_at__lt=F("created_at"))
        | Q(closed_at__lt=F("created_at"))
    ).exists()
    assert not referrals.filter(status=ReferralStatus.DECLINED, decline_reason="").exists()
    assert not referrals.filter(status=ReferralStatus.COMPLETED, outcome="").exists()
    assert not referrals.filter(status=ReferralStatus.CANCELLED, cancel_reason="").exists()

    for case in cases.prefetch_related("events"):
        events = list(case.events.all())
        assert events[0].kind == EventKind.CREATED and events[0].created_at == case.created_at
    assert CaseEvent.objects.filter(kind=EventKind.CREATED).count() == 300
    assert not CaseEvent.objects.filter(created_at__lt=F("case__created_at")).exists()
    assert not CaseEvent.objects.filter(kind=EventKind.REFERRED, referral=None).exists()


def test_citizens_have_thai_names_phones_and_valid_national_ids():
    seed(300)

    cases = Case.objects.all()
    assert all(THAI_NAME.match(name) for name in cases.values_list("citizen_name", flat=True))
    assert all(PHONE.match(phone) for phone in cases.values_list("citizen_phone", flat=True))
    with_id = cases.exclude(national_id_encrypted="")
    assert 30 <= with_id.count() <= 150
    for encrypted, hashed in with_id.values_list("national_id_encrypted", "national_id_hash"):
        national_id = identity.decrypt(encrypted)
        assert identity.normalise_national_id(national_id) == national_id
        assert identity.keyed_hash(national_id) == hashed
    references = list(cases.values_list("reference", flat=True))
    assert all(REFERENCE.match(reference) for reference in references)
    for case in cases:
        assert case.reference[3:7] == str(timezone.localtime(case.created_at).year + 543)


def test_some_people_answered_who_reaches_the_portal_with_their_consent():
    seed(300)

    answered = EqualAccessAnswers.objects.select_related("case")
    assert 45 <= answered.count() <= 135
    for answers in answered:
        assert answers.case.channel != Channel.API, "an agency's system asks no one"
        assert answers.case.duplicate_of_id is None
        assert answers.consent_at == answers.case.created_at
        assert answers.disability == "" or answers.disability_consent_at is not None
    assert answered.exclude(nationality__in=["", "thai"]).exists()


def test_running_twice_adds_twice_and_keeps_references_unique():
    seed(150)
    seed(150)

    assert Case.objects.count() == 300
    assert Case.objects.values("reference").distinct().count() == 300
    assert CaseEvent.objects.filter(kind=EventKind.CREATED).count() == 300


def test_refuses_without_debug_or_demo_flag(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", cases=10, stdout=io.StringIO())
    assert not Case.objects.exists()


def test_refuses_a_negative_number_of_cases():
    with pytest.raises(CommandError, match="0 or more"):
        seed(-1)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_batches_commit_side_by_side(reference_data, monkeypatch):
    monkeypatch.setattr(portal.demo_cases, "BATCH_SIZE", 100)

    output, progress = seed(450)

    assert Case.objects.count() == 450
    assert "450/450 cases" in progress and "100/450 cases" in progress
    assert all(Case.objects.filter(status=status).exists() for status in CaseStatus)
    granted = granted_agencies()
    leads = Case.objects.values_list("id", "lead_agency_id")
    assert all(lead in granted[case_id] for case_id, lead in leads)
    assert f"Timeline events: {CaseEvent.objects.count():,}" in output


def test_at_least_tops_up_to_the_number_asked_and_no_further(settings):
    settings.DEBUG = True
    call_command("seed_demo", at_least=40, stdout=io.StringIO(), stderr=io.StringIO())
    assert Case.objects.count() == 40
    call_command("seed_demo", at_least=40, stdout=io.StringIO(), stderr=io.StringIO())
    call_command("seed_demo", at_least=25, stdout=io.StringIO(), stderr=io.StringIO())
    assert Case.objects.count() == 40
