"""Who may do what on a case, at the service level: the policy of agencies/permissions.py.

The tables below are the policy, written from that module's docstring:

- intake officers, case officers, supervisors and CCEOs of an agency involved in the case
  (its lead, or an agency it was referred to) see it, its files and personal data, and add
  notes; agency administrators manage members, not cases, and see none;
- the lead agency's intake officers, supervisors and CCEOs refer and resolve; its case
  officers do so on the cases assigned to them; only its supervisors and CCEOs assign;
- the lead agency's intake officers, supervisors and CCEOs, and no one else, give a
  caller who proved who they are a new verification secret;
- the referred agency's staff accept and complete the referral to it; its supervisors and
  CCEOs decline it (the others propose a decline: tests/referrals/test_approvals.py);
- a restricted case is seen only by the officer assigned and by the supervisors and CCEOs
  of the involved agencies;
- inspectors see no case (their dashboards carry no personal data);
- the citizen, who holds the case's reference and secret (``CitizenAccess``), follows that
  case alone, adds information, withdraws, rates, confirms, asks to reopen, downloads
  their data and asks for its erasure; no member of staff takes these actions in their
  name, and the citizen takes no staff action;
- the lead agency's administrators, and they alone, decide a request for erasure.

A user who may not see the case gets CaseNotFound (answered 404), never NotPermitted, so
that the refusal does not reveal that the case exists.
"""

from dataclasses import dataclass

import pytest

from agencies import permissions
from agencies.models import Role
from agencies.permissions import Action, CitizenAccess
from referrals import services
from referrals.errors import CaseNotFound, NotPermitted, WorkflowError
from referrals.models import Case, CaseStatus, ReferralStatus
from referrals.services.recovery import IdentityQuestion
from tests.factories import InspectorFactory, MembershipFactory
from tests.matrix import matrix_rows
from tests.referrals.factories import agency, case_in, fresh, new_case_data, referral_in, staff

pytestmark = pytest.mark.django_db

# Y: allowed.  -: refused with NotPermitted (the user sees the case, the role does not
# allow this).  404: CaseNotFound from services and False from checks: nothing is revealed.
# "file" is Action.VIEW_ATTACHMENT and "pii" Action.VIEW_PERSONAL_DATA; "list" is
# visible_cases; accept, decline and complete answer the case's referral to MOPH; "take"
# ("assign to me") is tried on the same case while nobody works it.

OPEN_CASE = """
An open case led by MOL (unpaid wages), referred to MOPH; MOE has nothing to do with it.
                           view list note assign refer accept decline complete resolve file pii take
lead intake officer        Y    Y    Y    -      Y     -      -       -        Y       Y    Y   Y
lead case officer assigned Y    Y    Y    -      Y     -      -       -        Y       Y    Y   Y
lead case officer          Y    Y    Y    -      -     -      -       -        -       Y    Y   Y
lead supervisor            Y    Y    Y    Y      Y     -      -       -        Y       Y    Y   Y
lead cceo                  Y    Y    Y    Y      Y     -      -       -        Y       Y    Y   Y
lead agency admin          404  404  404  404    404   404    404     404      404     404  404 404
referred intake officer    Y    Y    Y    -      -     Y      -       Y        -       Y    Y   -
referred case officer      Y    Y    Y    -      -     Y      -       Y        -       Y    Y   -
referred supervisor        Y    Y    Y    -      -     Y      Y       Y        -       Y    Y   -
referred cceo              Y    Y    Y    -      -     Y      Y       Y        -       Y    Y   -
referred agency admin      404  404  404  404    404   404    404     404      404     404  404 404
uninvolved intake officer  404  404  404  404    404   404    404     404      404     404  404 404
uninvolved case officer    404  404  404  404    404   404    404     404      404     404  404 404
uninvolved supervisor      404  404  404  404    404   404    404     404      404     404  404 404
uninvolved cceo            404  404  404  404    404   404    404     404      404     404  404 404
uninvolved agency admin    404  404  404  404    404   404    404     404      404     404  404 404
inspector                  404  404  404  404    404   404    404     404      404     404  404 404
"""

RESTRICTED_CASE = """
A restricted case (domestic violence) led by MSDHS, referred to MOPH.
                           view list note accept
lead intake officer        404  404  404  404
lead case officer assigned  Y    Y    Y    -
lead case officer          404  404  404  404
lead supervisor             Y    Y    Y    -
lead cceo                   Y    Y    Y    -
lead agency admin          404  404  404  404
referred intake officer    404  404  404  404
referred case officer      404  404  404  404
referred supervisor         Y    Y    Y    Y
referred cceo               Y    Y    Y    Y
referred agency admin      404  404  404  404
uninvolved intake officer  404  404  404  404
uninvolved case officer    404  404  404  404
uninvolved supervisor      404  404  404  404
uninvolved cceo            404  404  404  404
uninvolved agency admin    404  404  404  404
inspector                  404  404  404  404
"""
NEW_SECRET = """
A new secret for a caller: MOL leads the open case, MSDHS the restricted one; both to MOPH.
                           open restricted
lead intake officer        Y    404
lead case officer assigned -    -
lead case officer          -    404
lead supervisor            Y    Y
lead cceo                  Y    Y
lead agency admin          404  404
referred intake officer    -    404
referred case officer      -    404
referred supervisor        -    -
referred cceo              -    -
referred agency admin      404  404
uninvolved intake officer  404  404
uninvolved case officer    404  404
uninvolved supervisor      404  404
uninvolved cceo            404  404
uninvolved agency admin    404  404
inspector                  404  404
"""
NEW_SECRET_CATEGORY = {"open": "unpaid-wages", "restricted": "domestic-violence"}
CITIZEN_CASE = """
The citizen's actions and the erasure decision, on a case led by MOL, referred to MOPH.
                           track add withdraw rate confirm reopen export erase email decide channels
lead intake officer         404  404   404    404   404     404    404    404   404   404     404
lead case officer assigned  404  404   404    404   404     404    404    404   404   404     404
lead case officer           404  404   404    404   404     404    404    404   404   404     404
lead supervisor             404  404   404    404   404     404    404    404   404   404     404
lead cceo                   404  404   404    404   404     404    404    404   404   404     404
lead agency admin           404  404   404    404   404     404    404    404   404   Y     404
referred intake officer     404  404   404    404   404     404    404    404   404   404     404
referred case officer       404  404   404    404   404     404    404    404   404   404     404
referred supervisor         404  404   404    404   404     404    404    404   404   404     404
referred cceo               404  404   404    404   404     404    404    404   404   404     404
referred agency admin       404  404   404    404   404     404    404    404   404   404     404
uninvolved intake officer   404  404   404    404   404     404    404    404   404   404     404
uninvolved case officer     404  404   404    404   404     404    404    404   404   404     404
uninvolved supervisor       404  404   404    404   404     404    404    404   404   404     404
uninvolved cceo             404  404   404    404   404     404    404    404   404   404     404
uninvolved agency admin     404  404   404    404   404     404    404    404   404   404     404
inspector                   404  404   404    404   404     404    404    404   404   404     404
citizen of the case          Y    Y     Y      Y     Y       Y      Y      Y    Y    404      Y
citizen of another case     404  404   404    404   404     404    404    404   404   404     404
"""
CITIZENS = {"citizen of the case": "citizen", "citizen of another case": "other citizen"}
Y, NO, HIDDEN = "Y", "-", "404"
REFERRED = "MOPH"
UNINVOLVED = "MOE"


@dataclass(frozen=True)
class Who:
    where: str  # "lead", "referred", "uninvolved" or "inspector"
    role: str = ""
    assigned: bool = False

    @classmethod
    def called(cls, words: list[str]) -> "Who":
        if " ".join(words) in CITIZENS:
            return cls(CITIZENS[" ".join(words)])
        assigned = words[-1] == "assigned"
        role = "_".join(words[1 : -1 if assigned else None])
        return cls(words[0], Role(role) if role else "", assigned)

    def __str__(self):
        role = self.role.replace("_", " ") + (" assigned" if self.assigned else "")
        return f"{self.where} {role}".strip()


def rows(table: str):
    return matrix_rows(table, Who.called)


@pytest.mark.parametrize(
    "table",
    [OPEN_CASE, RESTRICTED_CASE, NEW_SECRET, CITIZEN_CASE],
    ids=["open", "restricted", "new secret", "citizen"],
)
def test_each_table_has_one_row_for_every_kind_of_user(table):
    everyone = {Who(where, role) for where in ("lead", "referred", "uninvolved") for role in Role}
    everyone |= {Who("lead", Role.CASE_OFFICER, assigned=True), Who("inspector")}
    if table == CITIZEN_CASE:
        everyone |= {Who("citizen"), Who("other citizen")}
    lines = table.strip().splitlines()[2:]

    assert len(lines) == len(everyone)
    assert {param.values[0] for param in rows(table)} == everyone


# What the referral must be for the action to be possible by its status.
REFERRAL_BEFORE = {"complete": ReferralStatus.ACCEPTED, "resolve": ReferralStatus.COMPLETED}


@dataclass
class Scene:
    case: Case
    referral: object
    colleague: object  # a case officer of the lead agency, for "assign"


def check(action: Action):
    return lambda user, scene: permissions.can(user, action, scene.case)


ACTIONS = {
    "view": check(Action.VIEW),
    "list": lambda user, scene: (
        permissions.visible_cases(user, Case.objects.all()).filter(pk=scene.case.pk).exists()
    ),
    "file": check(Action.VIEW_ATTACHMENT),
    "pii": check(Action.VIEW_PERSONAL_DATA),
    "note": lambda user, s: services.add_note(s.case, user, "โทรคุยกับผู้ร้องแล้ว"),
    "assign": lambda user, s: services.assign_case(s.case, user, s.colleague),
    "refer": lambda user, s: services.refer_case(s.case, user, {agency("MOI"): "ช่วยเรื่องหนี้"}),
    "accept": lambda user, s: services.accept_referral(s.referral, user),
    "decline": lambda user, s: services.decline_referral(s.referral, user, "ไม่มี"),
    "complete": lambda user, s: services.complete_referral(s.referral, user, "แล้ว"),
    "resolve": lambda user, s: services.resolve_case(s.case, user, "ได้รับค่าจ้างแล้ว"),
    "take": lambda user, s: services.take_case(s.case, user),
    "secret": lambda user, s: services.reissue_secret(
        s.case, user, IdentityQuestion.DESCRIPTION, "เรื่องที่ขอความช่วยเหลือคืออะไร", True
    ),
}
CHECKS = {"view", "list", "file", "pii"}


def make_user(who: Who, lead: str):
    if who.where == "inspector":
        return InspectorFactory().user
    code = {"lead": lead, "referred": REFERRED, "uninvolved": UNINVOLVED}[who.where]
    return staff(code, who.role)


def build(who: Who, action: str, category: str):
    """The user ``who`` and a case of ``category`` in progress, referred to MOPH."""
    case = case_in(CaseStatus.IN_PROGRESS, category=category)
    lead = case.lead_agency.code
    boss = staff(lead, Role.SUPERVISOR)
    user = make_user(who, lead)
    colleague = staff(lead, Role.CASE_OFFICER)
    if action != "take":  # taken only while nobody works it
        services.assign_case(case, boss, user if who.assigned else colleague)
    referral = referral_in(
        REFERRAL_BEFORE.get(action, ReferralStatus.PENDING),
        case,
        to=REFERRED,
        by=boss,
        helper=staff(REFERRED, Role.SUPERVISOR),
    )
    if action == "assign":
        colleague = staff(lead, Role.CASE_OFFICER)
    return user, Scene(fresh(case), fresh(referral), colleague)


def attempt(who: Who, action: str, expected: str, category: str):
    user, scene = build(who, action, category)
    if action in CHECKS:
        assert ACTIONS[action](user, scene) is (expected == Y)
    elif expected == Y:
        ACTIONS[action](user, scene)
    else:
        with pytest.raises(NotPermitted if expected == NO else CaseNotFound):
            ACTIONS[action](user, scene)


@pytest.mark.parametrize(("who", "action", "expected"), list(rows(OPEN_CASE)))
def test_who_may_do_what_on_an_open_case(who, action, expected):
    attempt(who, action, expected, "unpaid-wages")


@pytest.mark.parametrize(("who", "action", "expected"), list(rows(RESTRICTED_CASE)))
def test_who_may_do_what_on_a_restricted_case(who, action, expected):
    attempt(who, action, expected, "domestic-violence")


@pytest.mark.parametrize(("who", "kind", "expected"), list(rows(NEW_SECRET)))
def test_who_may_give_a_caller_a_new_secret(who, kind, expected):
    attempt(who, "secret", expected, NEW_SECRET_CATEGORY[kind])


def test_a_restricted_case_is_hidden_from_the_lead_agencys_intake_queue_until_assigned():
    case = case_in(CaseStatus.NEW, category="witness-protection")
    intake = staff("MOJ", Role.INTAKE_OFFICER)
    supervisor = staff("MOJ", Role.SUPERVISOR)

    assert not permissions.visible_cases(intake, Case.objects.all()).exists()
    with pytest.raises(CaseNotFound):
        services.accept_case(case, intake)

    services.assign_case(case, supervisor, intake)
    assert list(permissions.visible_cases(intake, Case.objects.all())) == [case]


def test_a_deactivated_membership_takes_the_case_away():
    case = case_in(CaseStatus.IN_PROGRESS)
    officer = staff("MOL", Role.CASE_OFFICER)
    officer.memberships.update(is_active=False)

    with pytest.raises(CaseNotFound):
        services.add_note(case, officer, "ยังเห็นอยู่ไหม")


@pytest.mark.parametrize("action", ["triage", "transfer"])
def test_triage_and_transfer_stay_with_intake_and_supervisors_even_when_assigned(action):
    supervisor, officer = staff("MOL", Role.SUPERVISOR), staff("MOL", Role.CASE_OFFICER)
    case = case_in(CaseStatus.NEW, by=supervisor)
    services.assign_case(case, supervisor, officer)

    with pytest.raises(NotPermitted):
        if action == "triage":
            services.accept_case(case, officer)
        else:
            services.transfer_case(case, officer, agency("MOPH"), "เป็นเรื่องสุขภาพ")
    assert fresh(case).status == CaseStatus.NEW


# --- The citizen's actions and the erasure decision -----------------------------------------

CITIZEN_COLUMNS = {
    "track": Action.TRACK,
    "add": Action.ADD_INFORMATION,
    "withdraw": Action.WITHDRAW,
    "rate": Action.RATE,
    "confirm": Action.CONFIRM_CLOSE,
    "reopen": Action.ASK_REOPEN,
    "export": Action.EXPORT_DATA,
    "erase": Action.REQUEST_ERASURE,
    "email": Action.CONFIRM_EMAIL,
    "decide": Action.DECIDE_ERASURE,
    "channels": Action.CHOOSE_CHANNELS,
}
# Written out here rather than read from the module, so that the test holds the policy.
CITIZENS_OWN = {action for column, action in CITIZEN_COLUMNS.items() if column != "decide"}
STAFF_ACTIONS = [action for action in Action if action not in CITIZENS_OWN]


def citizen_scene(who: Who):
    """The user ``who`` and a resolved case led by MOL, helped by MOPH."""
    case = case_in(CaseStatus.IN_PROGRESS)
    boss = staff("MOL", Role.SUPERVISOR)
    referral_in(ReferralStatus.COMPLETED, case, to=REFERRED, by=boss)
    if who.assigned:
        user = staff("MOL", who.role)
        services.assign_case(case, boss, user)
    elif who.where == "citizen":
        user = CitizenAccess(case.pk)
    elif who.where == "other citizen":
        user = CitizenAccess(case_in(CaseStatus.RESOLVED).pk)
    else:
        user = make_user(who, "MOL")
    services.resolve_case(case, boss, "นายจ้างจ่ายค่าจ้างแล้ว")
    return user, fresh(case)


@pytest.mark.parametrize(("who", "action", "expected"), list(rows(CITIZEN_CASE)))
def test_who_may_take_the_citizens_actions_and_decide_erasure(who, action, expected):
    user, case = citizen_scene(who)

    assert permissions.can(user, CITIZEN_COLUMNS[action], case) is (expected == Y)


@pytest.mark.parametrize("action", STAFF_ACTIONS, ids=str)
def test_the_citizen_takes_no_staff_action(action):
    case = case_in(CaseStatus.IN_PROGRESS)
    referral = referral_in(ReferralStatus.PENDING, case)

    assert permissions.can(CitizenAccess(case.pk), action, fresh(case), fresh(referral)) is False


STAFF_SERVICES = {
    "note": lambda case, who: services.add_note(case, who, "ขอบคุณเจ้าหน้าที่"),
    "assign": lambda case, who: services.assign_case(case, who, None),
    "request information": lambda case, who: services.request_information(case, who, "ขอ"),
    "refer": lambda case, who: services.refer_case(case, who, {agency("MOI"): "ช่วยด้วย"}),
    "resolve": lambda case, who: services.resolve_case(case, who, "เสร็จแล้ว"),
    "restrict": lambda case, who: services.set_restricted(case, who, True, "ปิดไว้"),
}


@pytest.mark.parametrize("name", STAFF_SERVICES)
def test_the_citizens_access_opens_no_staff_service(name):
    case = case_in(CaseStatus.IN_PROGRESS)

    with pytest.raises(CaseNotFound):
        STAFF_SERVICES[name](case, CitizenAccess(case.pk))

    assert fresh(case).version == case.version
    assert fresh(case).status == CaseStatus.IN_PROGRESS


def test_an_inspector_with_a_leftover_admin_membership_decides_no_erasure():
    case = case_in(CaseStatus.CLOSED)
    inspector = InspectorFactory().user
    MembershipFactory(user=inspector, agency=agency("MOL"), role=Role.AGENCY_ADMIN)

    assert not permissions.can(inspector, Action.DECIDE_ERASURE, case)


def test_a_former_administrator_decides_no_erasure():
    case = case_in(CaseStatus.CLOSED)
    admin = staff("MOL", Role.AGENCY_ADMIN)
    assert permissions.can(admin, Action.DECIDE_ERASURE, case)

    admin.memberships.update(is_active=False)

    assert not permissions.can(fresh(admin), Action.DECIDE_ERASURE, case)


def test_the_officer_who_recorded_a_request_may_print_its_slip_wherever_it_went():
    recorder = staff("MOJ", Role.INTAKE_OFFICER)
    colleague = staff("MOJ", Role.INTAKE_OFFICER)
    case, _secret = services.create_case(
        new_case_data("domestic-violence", channel="phone"), by=recorder
    )
    assert case.lead_agency.code == "MSDHS" and case.is_restricted

    assert permissions.can(recorder, Action.PRINT_SLIP, case)
    assert not permissions.can(recorder, Action.VIEW, case), "the slip, not the case"
    assert not permissions.can(colleague, Action.PRINT_SLIP, case)
    assert permissions.can(staff("MSDHS", Role.SUPERVISOR), Action.PRINT_SLIP, case)
    assert not permissions.can(staff("MSDHS", Role.INTAKE_OFFICER), Action.PRINT_SLIP, case)


def test_cases_are_given_only_to_people_who_work_cases_in_the_lead_agency():
    case = case_in(CaseStatus.IN_PROGRESS)
    boss = staff("MOL", Role.SUPERVISOR)
    officer = staff("MOL", Role.CASE_OFFICER)
    admin = staff("MOL", Role.AGENCY_ADMIN)
    inspector = staff("MOL", Role.CASE_OFFICER)
    InspectorFactory(user=inspector)
    elsewhere = staff("MOPH", Role.CASE_OFFICER)

    assert set(permissions.assignable(case.lead_agency_id)) >= {boss, officer}
    for user in (admin, inspector, elsewhere):
        assert user not in permissions.assignable(case.lead_agency_id)
        with pytest.raises(WorkflowError):
            services.assign_case(case, boss, user)
    assert services.assign_case(case, boss, officer).assigned_to == officer
