"""Agencies as they are organised: a central office and offices in the provinces.

A case goes to the lead agency's office for its province (a regional office serves
provinces without their own; none: the central office), a referral to the receiving
agency's office the same way. A member of an office works that office's cases and
referrals: its queue, the bell, the emails and the digest; a member of the agency as a
whole (the central office) works all of the agency's and narrows the queue by office.
Escalations go to the office's supervisors, then to the agency's CCEOs.
"""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from agencies import permissions
from agencies.models import Role
from agencies.offices import office_for
from agencies.permissions import Action
from referrals import selectors, services
from referrals.errors import CaseNotFound, NotPermitted, TransitionNotAllowed
from referrals.models import (
    Case,
    CaseEvent,
    CaseStatus,
    Deadline,
    DeadlineKind,
    EventKind,
    Notification,
    ReferralStatus,
)
from referrals.selectors import QueueFilters, Tab
from referrals.services import escalation
from tests.factories import InspectorFactory
from tests.matrix import matrix_rows
from tests.referrals.clock import MONDAY, at
from tests.referrals.factories import (
    agency,
    fresh,
    offered_transfer,
    office,
    referral_in,
    staff,
    submit,
    transfer_accepted,
)

pytestmark = pytest.mark.django_db

BANGKOK, CHIANG_MAI, LAMPHUN, PHUKET = "10", "50", "51", "83"


@pytest.fixture
def offices():
    """MOL's offices in Bangkok and Chiang Mai (which also serves Lamphun), MOPH's in
    Bangkok; Phuket has none of either."""
    north = office("MOL", CHIANG_MAI)
    north.serves.add(LAMPHUN)
    return {
        "mol bangkok": office("MOL", BANGKOK),
        "mol north": north,
        "moph bangkok": office("MOPH", BANGKOK),
        "moph north": office("MOPH", CHIANG_MAI),
    }


def member(code, role, where=None):
    return staff(code, role, office=where)


# --- Routing -------------------------------------------------------------------------------


def test_a_case_goes_to_the_office_of_its_province_a_regional_one_or_the_central_office(
    offices,
):
    in_bangkok, _ = submit(province=BANGKOK)
    in_lamphun, _ = submit(province=LAMPHUN)
    in_phuket, _ = submit(province=PHUKET)

    assert in_bangkok.lead_office == offices["mol bangkok"]
    assert in_lamphun.lead_office == offices["mol north"]  # served by the regional office
    assert in_phuket.lead_office is None  # the central office


def test_an_office_seated_in_a_province_comes_before_a_regional_office_serving_it(offices):
    offices["mol north"].serves.add(BANGKOK)

    assert office_for(agency("MOL"), BANGKOK) == offices["mol bangkok"]


def test_an_inactive_office_is_passed_over(offices):
    offices["mol bangkok"].is_active = False
    offices["mol bangkok"].save()

    case, _ = submit(province=BANGKOK)

    assert case.lead_office is None


def test_a_referral_and_a_transfer_go_to_the_office_of_the_cases_province(offices):
    case, _ = submit(province=CHIANG_MAI)
    boss = member("MOL", Role.SUPERVISOR)
    services.accept_case(case, boss)
    referral = referral_in(ReferralStatus.PENDING, fresh(case), to="MOPH", by=boss)
    transfer_accepted(fresh(case), boss, "MOPH", "เรื่องสุขภาพเป็นหลัก")

    assert referral.to_office == offices["moph north"]
    assert fresh(case).lead_office == offices["moph north"]


# --- Who sees and does what, by office -----------------------------------------------------

# A new case in Bangkok led by MOL's Bangkok office, referred to MOPH's Bangkok office.
# "view" and "list": the case and the queue; "accept": triage; "pass": to another office;
# "ref-accept": answer the referral.
BY_OFFICE = """
MOL's Bangkok office leads; MOPH's Bangkok office is asked to help.
                                  view list page pii  accept pass ref-accept
mol bangkok intake officer         Y    Y    Y    Y    Y      Y    -
mol bangkok case officer           Y    Y    Y    Y    -      -    -
mol bangkok supervisor             Y    Y    Y    Y    Y      Y    -
mol bangkok cceo                   Y    Y    Y    Y    Y      Y    -
mol bangkok agency admin           404  404  404  404  404    404  404
mol north intake officer           404  404  404  404  404    404  404
mol north case officer             404  404  404  404  404    404  404
mol north supervisor               404  404  404  404  404    404  404
mol north cceo                     404  404  404  404  404    404  404
mol north agency admin             404  404  404  404  404    404  404
mol central intake officer         Y    Y    Y    Y    Y      Y    -
mol central case officer           Y    Y    Y    Y    -      -    -
mol central supervisor             Y    Y    Y    Y    Y      Y    -
mol central cceo                   Y    Y    Y    Y    Y      Y    -
mol central agency admin           404  404  404  404  404    404  404
moph bangkok intake officer        Y    Y    Y    Y    -      -    Y
moph bangkok case officer          Y    Y    Y    Y    -      -    Y
moph bangkok supervisor            Y    Y    Y    Y    -      -    Y
moph bangkok cceo                  Y    Y    Y    Y    -      -    Y
moph north intake officer          404  404  404  404  404    404  404
moph north case officer            404  404  404  404  404    404  404
moph north supervisor              404  404  404  404  404    404  404
moph north cceo                    404  404  404  404  404    404  404
moph central intake officer        Y    Y    Y    Y    -      -    Y
moph central case officer          Y    Y    Y    Y    -      -    Y
moph central supervisor            Y    Y    Y    Y    -      -    Y
moph central cceo                  Y    Y    Y    Y    -      -    Y
moe central supervisor             404  404  404  404  404    404  404
inspector                          404  404  404  404  404    404  404
"""


def who(words):
    if words == ["inspector"]:
        return "inspector"
    return (words[0].upper(), words[1], Role("_".join(words[2:])))


@pytest.fixture
def scene(offices):
    """The case (new, so that it may be triaged) and its referral to MOPH."""
    case, _ = submit(province=BANGKOK)
    boss = member("MOL", Role.SUPERVISOR)
    services.accept_case(case, boss)
    referral = referral_in(ReferralStatus.PENDING, fresh(case), to="MOPH", by=boss)
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.NEW)  # to try triage too
    return offices, fresh(case), fresh(referral)


def person(row, offices):
    if row == "inspector":
        return InspectorFactory().user
    code, where, role = row
    place = None if where == "central" else offices[f"{code.lower()} {where}"]
    return member(code, role, place)


def attempt(user, column, case, referral, offices, client=None):
    if column == "view":
        return permissions.can(user, Action.VIEW, case)
    if column == "pii":
        return permissions.can(user, Action.VIEW_PERSONAL_DATA, case)
    if column == "page":
        client.force_login(user)
        return client.get(f"/staff/cases/{case.reference}/").status_code == 200
    if column == "list":
        return permissions.visible_cases(user, Case.objects.all()).filter(pk=case.pk).exists()
    if column == "accept":
        services.accept_case(case, user)
    elif column == "pass":
        services.pass_case_to_office(case, user, offices["mol north"], "อยู่ใกล้สำนักงานภาคเหนือ")
    elif column == "ref-accept":
        services.accept_referral(referral, user)
    return True


@pytest.mark.parametrize(("row", "column", "expected"), list(matrix_rows(BY_OFFICE, who)))
def test_each_member_works_the_cases_of_their_office_or_all_of_the_agencys(
    scene, row, column, expected, client
):
    offices, case, referral = scene
    user = person(row, offices)
    if column in ("view", "list", "page", "pii"):
        assert attempt(user, column, case, referral, offices, client) is (expected == "Y")
        return
    if expected == "Y":
        attempt(user, column, case, referral, offices)
    else:
        with pytest.raises(NotPermitted if expected == "-" else CaseNotFound):
            attempt(user, column, case, referral, offices)


def test_an_officer_given_a_case_of_another_office_sees_it(scene):
    offices, case, _referral = scene
    officer = member("MOL", Role.CASE_OFFICER, offices["mol north"])
    Case.objects.filter(pk=case.pk).update(assigned_to=officer)

    assert permissions.can(officer, Action.VIEW, fresh(case))
    assert permissions.visible_cases(officer, Case.objects.filter(pk=case.pk)).exists()


def test_a_supervisor_gives_cases_only_to_officers_of_the_office_or_the_central_office(scene):
    offices, case, _referral = scene
    boss = member("MOL", Role.SUPERVISOR, offices["mol bangkok"])
    services.accept_case(case, boss)
    far = member("MOL", Role.CASE_OFFICER, offices["mol north"])
    near = member("MOL", Role.CASE_OFFICER, offices["mol bangkok"])
    central = member("MOL", Role.CASE_OFFICER)

    with pytest.raises(TransitionNotAllowed):
        services.assign_case(fresh(case), boss, far)
    assert fresh(case).assigned_to is None
    services.assign_case(fresh(case), boss, near)
    services.assign_case(fresh(case), boss, central)
    assert fresh(case).assigned_to == central


# --- Queues --------------------------------------------------------------------------------


def new_tab(user, filters=None):
    found = selectors.queue(user, agency("MOL"), Tab.NEW, filters or QueueFilters(), "newest")
    return {case.reference for case in found}


def test_the_queue_of_an_office_holds_its_cases_and_the_central_queue_all_by_office(offices):
    bangkok, _ = submit(province=BANGKOK)
    lamphun, _ = submit(province=LAMPHUN)
    phuket, _ = submit(province=PHUKET)
    central = member("MOL", Role.INTAKE_OFFICER)

    assert new_tab(member("MOL", Role.INTAKE_OFFICER, offices["mol bangkok"])) == {
        bangkok.reference
    }
    assert new_tab(member("MOL", Role.INTAKE_OFFICER, offices["mol north"])) == {lamphun.reference}
    assert new_tab(central) == {bangkok.reference, lamphun.reference, phuket.reference}
    north = str(offices["mol north"].pk)
    assert new_tab(central, QueueFilters(office=north)) == {lamphun.reference}
    assert new_tab(central, QueueFilters(office="central")) == {phuket.reference}


def test_the_referrals_tab_of_an_office_holds_the_referrals_to_it(offices):
    boss = member("MOL", Role.SUPERVISOR)
    referred = {}
    for province in (BANGKOK, CHIANG_MAI):
        case, _ = submit(province=province)
        services.accept_case(case, boss)
        referral_in(ReferralStatus.PENDING, fresh(case), to="MOPH", by=boss)
        referred[province] = case.reference

    def tab(user, filters=None):
        found = selectors.queue(
            user, agency("MOPH"), Tab.REFERRALS, filters or QueueFilters(), "newest"
        )
        return {case.reference for case in found}

    assert tab(member("MOPH", Role.CASE_OFFICER, offices["moph north"])) == {referred[CHIANG_MAI]}
    central = member("MOPH", Role.CASE_OFFICER)
    assert tab(central) == set(referred.values())
    bangkok = str(offices["moph bangkok"].pk)
    assert tab(central, QueueFilters(office=bangkok)) == {referred[BANGKOK]}


def test_the_queue_page_offers_the_office_filter_to_the_central_office_only(client, offices):
    submit(province=BANGKOK)
    client.force_login(member("MOL", Role.INTAKE_OFFICER))
    central_page = client.get("/staff/", {"office": offices["mol north"].pk}).content.decode()
    client.force_login(member("MOL", Role.INTAKE_OFFICER, offices["mol north"]))
    office_page = client.get("/staff/").content.decode()

    assert 'name="office"' in central_page
    assert offices["mol north"].name in central_page
    assert 'name="office"' not in office_page


def test_an_office_of_another_agency_in_the_filter_is_ignored(client, offices):
    bangkok, _ = submit(province=BANGKOK)
    client.force_login(member("MOL", Role.INTAKE_OFFICER))

    page = client.get("/staff/", {"office": offices["moph north"].pk})

    assert page.status_code == 200
    assert bangkok.reference in page.content.decode()


# --- Who is told -------------------------------------------------------------------------


def told(kind):
    return set(
        Notification.objects.filter(kind=kind, channel=Notification.Channel.IN_PORTAL).values_list(
            "user_id", flat=True
        )
    )


def test_a_new_case_is_told_to_its_office_and_to_the_central_office_only_when_it_has_nobody(
    offices,
):
    near = member("MOL", Role.INTAKE_OFFICER, offices["mol bangkok"])
    far = member("MOL", Role.INTAKE_OFFICER, offices["mol north"])
    central = member("MOL", Role.INTAKE_OFFICER)

    submit(province=BANGKOK)
    assert told("new_case") == {near.pk}

    Notification.objects.all().delete()
    submit(province=PHUKET)  # no office: the central office
    assert told("new_case") == {central.pk}

    Notification.objects.all().delete()
    far.memberships.update(is_active=False)  # the northern office has nobody left
    submit(province=LAMPHUN)
    assert told("new_case") == {central.pk}


def test_escalations_go_to_the_offices_supervisors_then_to_the_agencys_cceos(clock, offices):
    clock.now = MONDAY
    office_boss = member("MOL", Role.SUPERVISOR, offices["mol bangkok"])
    member("MOL", Role.SUPERVISOR, offices["mol north"])
    central_boss = member("MOL", Role.SUPERVISOR)
    cceo = member("MOL", Role.CCEO)
    submit(province=BANGKOK)

    escalation.sweep(now=at(2026, 3, 10, 9))
    assert told("sla_supervisor") == {office_boss.pk}

    escalation.sweep(now=at(2026, 3, 10, 13))
    assert told("sla_cceo") == {cceo.pk}
    assert central_boss.pk not in told("sla_supervisor")


def test_the_digest_gives_an_office_its_figures_and_the_central_office_the_agencys(clock, offices):
    clock.now = MONDAY
    office_boss = member("MOL", Role.SUPERVISOR, offices["mol bangkok"])
    central_boss = member("MOL", Role.SUPERVISOR)
    submit(province=BANGKOK)
    submit(province=PHUKET)
    submit(province=PHUKET)

    escalation.send_daily_digest(now=at(2026, 3, 10, 8))

    digests = Notification.objects.filter(kind="daily_digest")
    figures = {row.user_id: row.context["new"] for row in digests}
    assert figures == {office_boss.pk: 1, central_boss.pk: 3}


# --- Passing to another office -------------------------------------------------------------


def test_an_office_passes_a_case_to_another_which_acknowledges_it_anew(clock, offices):
    clock.now = MONDAY
    case, _ = submit(province=BANGKOK)
    boss = member("MOL", Role.SUPERVISOR, offices["mol bangkok"])
    services.accept_case(case, boss)
    north = member("MOL", Role.INTAKE_OFFICER, offices["mol north"])
    first_due = Deadline.objects.get(case=case, kind=DeadlineKind.ACKNOWLEDGE).due_at
    clock.now = MONDAY + timedelta(hours=3)

    services.pass_case_to_office(fresh(case), boss, offices["mol north"], "ผู้ร้องอยู่ลำพูน")

    case = fresh(case)
    assert case.lead_office == offices["mol north"]
    assert case.status == CaseStatus.NEW
    acknowledge = Deadline.objects.get(case=case, kind=DeadlineKind.ACKNOWLEDGE, met_at=None)
    assert acknowledge.due_at > first_due
    [event] = CaseEvent.objects.filter(case=case, kind=EventKind.OFFICE_CHANGED)
    assert event.message == "ผู้ร้องอยู่ลำพูน"
    assert not event.is_public
    assert north.pk in told("new_case")
    assert permissions.can(north, Action.TRIAGE, case)
    assert not permissions.can(boss, Action.VIEW, case)  # no longer the Bangkok office's


@pytest.mark.parametrize("wrong", ["other agency", "same office", "no reason"])
def test_passing_a_case_wrongly_changes_nothing(offices, wrong):
    case, _ = submit(province=BANGKOK)
    boss = member("MOL", Role.SUPERVISOR)
    target = {
        "other agency": offices["moph north"],
        "same office": offices["mol bangkok"],
        "no reason": offices["mol north"],
    }[wrong]
    reason = "" if wrong == "no reason" else "ย้ายสำนักงาน"
    events = CaseEvent.objects.count()

    with pytest.raises((TransitionNotAllowed, ValidationError)):
        services.pass_case_to_office(case, boss, target, reason)

    assert fresh(case).lead_office == offices["mol bangkok"]
    assert CaseEvent.objects.count() == events


def test_an_office_passes_a_referral_to_another_before_answering(offices):
    case, _ = submit(province=BANGKOK)
    boss = member("MOL", Role.SUPERVISOR)
    services.accept_case(case, boss)
    referral = referral_in(ReferralStatus.PENDING, fresh(case), to="MOPH", by=boss)
    bangkok = member("MOPH", Role.INTAKE_OFFICER, offices["moph bangkok"])
    north = member("MOPH", Role.CASE_OFFICER, offices["moph north"])

    services.pass_referral_to_office(referral, bangkok, offices["moph north"], "ผู้ร้องย้ายไปเชียงใหม่")

    referral = fresh(referral)
    assert referral.to_office == offices["moph north"]
    assert permissions.can(north, Action.ANSWER_REFERRAL, fresh(case), referral)
    assert not permissions.can(bangkok, Action.VIEW, fresh(case))
    assert north.pk not in told("referral_received")  # case officers do not take up arrivals
    assert referral.due_at is not None


def test_the_case_page_offers_passing_only_when_there_is_another_office(client, offices):
    case, _ = submit(province=PHUKET)  # at the central office
    client.force_login(member("MOL", Role.SUPERVISOR))
    assert "pass_office" in client.get(f"/staff/cases/{case.reference}/").content.decode()

    for each in offices.values():
        each.is_active = False
        each.save()
    assert "pass_office" not in client.get(f"/staff/cases/{case.reference}/").content.decode()


def test_passing_from_the_case_page_with_a_bad_choice_says_so_and_changes_nothing(client, offices):
    case, _ = submit(province=BANGKOK)
    client.force_login(member("MOL", Role.SUPERVISOR))
    url = f"/staff/cases/{case.reference}/pass_office/"

    page = client.post(
        url, {"pass_office-office": offices["moph north"].pk, "pass_office-reason": "ย้าย"}
    )

    assert page.status_code == 200
    assert fresh(case).lead_office == offices["mol bangkok"]
    done = client.post(
        url, {"pass_office-office": offices["mol north"].pk, "pass_office-reason": "ย้าย"}
    )
    assert done.status_code == 302
    assert fresh(case).lead_office == offices["mol north"]


# --- Approvals by office -------------------------------------------------------------------


def test_a_decline_is_approved_by_a_supervisor_of_the_office_asked_or_the_agencys_cceo(offices):
    case, _ = submit(province=BANGKOK)
    boss = member("MOL", Role.SUPERVISOR)
    services.accept_case(case, boss)
    referral = referral_in(ReferralStatus.PENDING, fresh(case), to="MOPH", by=boss)
    officer = member("MOPH", Role.CASE_OFFICER, offices["moph bangkok"])
    proposal = services.propose_decline(referral, officer, "ไม่มีบริการนี้ในพื้นที่")
    far = member("MOPH", Role.SUPERVISOR, offices["moph north"])
    near = member("MOPH", Role.SUPERVISOR, offices["moph bangkok"])
    cceo = member("MOPH", Role.CCEO)

    assert not permissions.can(far, Action.DECIDE_PROPOSAL, fresh(case), proposal)
    assert permissions.can(near, Action.DECIDE_PROPOSAL, fresh(case), proposal)
    assert permissions.can(cceo, Action.DECIDE_PROPOSAL, fresh(case), proposal)
    with pytest.raises((NotPermitted, CaseNotFound)):
        services.approve_proposal(proposal, far)
    assert fresh(referral).status == ReferralStatus.PENDING

    services.approve_proposal(fresh(proposal), near)
    assert fresh(referral).status == ReferralStatus.DECLINED


def test_a_transfer_is_offered_by_the_office_and_answered_by_the_other_agencys_centre(offices):
    case, _ = submit(province=BANGKOK)
    far = member("MOL", Role.SUPERVISOR, offices["mol north"])
    near = member("MOL", Role.SUPERVISOR, offices["mol bangkok"])
    central = member("MOPH", Role.INTAKE_OFFICER)
    office_member = member("MOPH", Role.INTAKE_OFFICER, offices["moph bangkok"])

    with pytest.raises(CaseNotFound):
        services.transfer_case(case, far, agency("MOPH"), "เรื่องสุขภาพ")
    services.transfer_case(fresh(case), near, agency("MOPH"), "เรื่องสุขภาพ")

    assert told("transfer_offered") == {central.pk}
    assert not permissions.can(office_member, Action.VIEW, fresh(case))
    services.accept_transfer(offered_transfer(case), central)
    assert fresh(case).lead_office == offices["moph bangkok"]
    assert permissions.can(office_member, Action.TRIAGE, fresh(case))
