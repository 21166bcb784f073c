"""Who may change the action plan, at the service level: the policy of agencies/permissions.py.

- a project's lead agency's administrators create and edit it and add its activities; a
  project cannot be handed to an agency the user does not administer;
- an activity's dates and progress are recorded by the administrators of the agency
  responsible for it or of the lead agency; only the lead's administrators give it to
  another agency;
- a reported indicator's quarterly value is reported by the administrators of the agency
  responsible for it; a computed indicator is counted, never reported;
- nobody else: no intake officer, case officer, supervisor or CCEO, no inspector.

A refusal is PermissionDenied and changes nothing. Also here: the cases' link to a project
(``classify_case(project=...)`` and the kind of help's default project at intake).
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from agencies.models import Role
from referrals import services as case_services
from referrals.errors import TransitionNotAllowed
from referrals.models import CaseEvent, CaseStatus, Category, EventKind, Priority
from strategies import services
from strategies.models import Activity, CaseMetric, IndicatorValue, Measurement, Project
from tests.factories import InspectorFactory
from tests.matrix import matrix_rows
from tests.referrals.factories import case_in, fresh, staff, submit
from tests.strategies.factories import (
    ActivityFactory,
    IndicatorFactory,
    ProjectFactory,
    agency,
    this_fiscal_year,
)

pytestmark = pytest.mark.django_db

LEAD, RESPONSIBLE, OTHER = "MOJ", "MOL", "MOE"
Y, NO = "Y", "-"

# The project is led by MOJ; its activity and its indicator are MOL's; MOE has no part.
# create: a new project led by MOJ.  edit: rename the project.  move: give the project's
# lead to MOE.  add: a new activity of the project.  update: the activity's progress.
# reassign: give the activity to MOE.  report: a quarter's value of the indicator.
PLAN = """
Changes to a project led by MOJ, its activity and its indicator (both MOL's).
                             create edit move add update reassign report
lead intake officer            -     -    -    -    -       -       -
lead case officer              -     -    -    -    -       -       -
lead supervisor                -     -    -    -    -       -       -
lead cceo                      -     -    -    -    -       -       -
lead agency admin              Y     Y    -    Y    Y       Y       -
responsible intake officer     -     -    -    -    -       -       -
responsible case officer       -     -    -    -    -       -       -
responsible supervisor         -     -    -    -    -       -       -
responsible cceo               -     -    -    -    -       -       -
responsible agency admin       -     -    -    -    Y       -       Y
other intake officer           -     -    -    -    -       -       -
other case officer             -     -    -    -    -       -       -
other supervisor               -     -    -    -    -       -       -
other cceo                     -     -    -    -    -       -       -
other agency admin             -     -    -    -    -       -       -
inspector                      -     -    -    -    -       -       -
"""
AGENCY_OF = {"lead": LEAD, "responsible": RESPONSIBLE, "other": OTHER}


@dataclass(frozen=True)
class Who:
    where: str  # "lead", "responsible", "other" or "inspector"
    role: str = ""

    @classmethod
    def called(cls, words: list[str]) -> "Who":
        role = "_".join(words[1:])
        return cls(words[0], Role(role) if role else "")

    def __str__(self):
        return f"{self.where} {self.role.replace('_', ' ')}".strip()


def rows(table: str):
    return matrix_rows(table, Who.called)


def make_user(who: Who):
    if who.where == "inspector":
        return InspectorFactory().user
    return staff(AGENCY_OF[who.where], who.role)


@dataclass
class Scene:
    project: Project
    activity: Activity
    indicator: object
    new_code: str = "P1-NEW"


def build_scene() -> Scene:
    project = ProjectFactory(lead_agency=agency(LEAD))
    return Scene(
        project=project,
        activity=ActivityFactory(project=project, responsible_agency=agency(RESPONSIBLE)),
        indicator=IndicatorFactory(project=project, responsible_agency=agency(RESPONSIBLE)),
    )


def create(user, scene):
    services.save_project(ProjectFactory.build(code=scene.new_code, lead_agency=agency(LEAD)), user)


def edit(user, scene):
    project = fresh(scene.project)
    project.name_th = "ชื่อโครงการใหม่"
    services.save_project(project, user)


def move(user, scene):
    project = fresh(scene.project)
    project.lead_agency = agency(OTHER)
    services.save_project(project, user)


def add(user, scene):
    services.save_activity(
        ActivityFactory.build(
            project=scene.project, responsible_agency=agency(RESPONSIBLE), name_th="กิจกรรมใหม่"
        ),
        user,
    )


def update(user, scene):
    activity = fresh(scene.activity)
    activity.progress, activity.actual_start = 40, activity.planned_start
    services.save_activity(activity, user)


def reassign(user, scene):
    activity = fresh(scene.activity)
    activity.responsible_agency = agency(OTHER)
    services.save_activity(activity, user)


def report(user, scene):
    services.report_indicator_value(
        scene.indicator,
        user,
        fiscal_year=this_fiscal_year(),
        quarter=1,
        value=Decimal("12"),
        evidence="รายงานการประชุมไตรมาสที่ 1",
    )


# Each action, and whether the database holds its change.
ACTIONS = {
    "create": (create, lambda s: Project.objects.filter(code=s.new_code).exists()),
    "edit": (edit, lambda s: fresh(s.project).name_th == "ชื่อโครงการใหม่"),
    "move": (move, lambda s: fresh(s.project).lead_agency.code == OTHER),
    "add": (add, lambda s: s.project.activities.filter(name_th="กิจกรรมใหม่").exists()),
    "update": (update, lambda s: fresh(s.activity).progress == 40),
    "reassign": (reassign, lambda s: fresh(s.activity).responsible_agency.code == OTHER),
    "report": (report, lambda s: s.indicator.values.exists()),
}


def test_the_table_has_one_row_for_every_kind_of_user():
    everyone = {Who(where, role) for where in AGENCY_OF for role in Role} | {Who("inspector")}
    lines = PLAN.strip().splitlines()[2:]

    assert len(lines) == len(everyone)
    assert {param.values[0] for param in rows(PLAN)} == everyone
    assert {param.values[1] for param in rows(PLAN)} == set(ACTIONS)


@pytest.mark.parametrize(("who", "action", "expected"), list(rows(PLAN)))
def test_who_may_change_the_plan(who, action, expected):
    scene = build_scene()
    user = make_user(who)
    run, changed = ACTIONS[action]

    if expected == Y:
        run(user, scene)
        assert changed(scene)
    else:
        with pytest.raises(PermissionDenied):
            run(user, scene)
        assert not changed(scene)


def test_an_inspector_keeps_no_plan_rights_from_a_former_post():
    scene = build_scene()
    inspector = InspectorFactory().user
    staff(LEAD, Role.AGENCY_ADMIN).memberships.update(user=inspector)

    with pytest.raises(PermissionDenied):
        edit(inspector, scene)
    assert fresh(scene.project).name_th == scene.project.name_th


def test_an_inactive_membership_gives_no_plan_rights():
    scene = build_scene()
    admin = staff(LEAD, Role.AGENCY_ADMIN)
    admin.memberships.update(is_active=False)

    with pytest.raises(PermissionDenied):
        edit(admin, scene)


# --- Projects -------------------------------------------------------------------------------


def test_an_administrator_of_both_agencies_may_hand_a_project_over():
    scene = build_scene()
    admin = staff(LEAD, Role.AGENCY_ADMIN)
    staff(OTHER, Role.AGENCY_ADMIN).memberships.update(user=admin)
    project = fresh(scene.project)
    project.lead_agency = agency(OTHER)

    services.save_project(project, admin, participating=[agency(OTHER), agency(RESPONSIBLE)])

    project = fresh(project)
    assert project.lead_agency.code == OTHER
    # The lead agency does not also take part: it leads.
    assert [a.code for a in project.participating_agencies.all()] == [RESPONSIBLE]


def test_a_project_cannot_be_handed_to_an_agency_the_user_does_not_administer():
    scene = build_scene()
    admin = staff(LEAD, Role.AGENCY_ADMIN)

    with pytest.raises(PermissionDenied):
        move(admin, scene)
    assert fresh(scene.project).lead_agency.code == LEAD


def test_a_project_cannot_be_taken_from_an_agency_the_user_does_not_administer():
    """Saving a project of another agency with one's own as lead is refused: the lead
    held in the database decides, not the one sent."""
    scene = build_scene()
    other_admin = staff(OTHER, Role.AGENCY_ADMIN)
    project = fresh(scene.project)
    project.lead_agency = agency(OTHER)

    with pytest.raises(PermissionDenied):
        services.save_project(project, other_admin)
    assert fresh(scene.project).lead_agency.code == LEAD


def test_a_project_whose_last_year_comes_before_its_first_is_not_saved():
    admin = staff(LEAD, Role.AGENCY_ADMIN)
    year = this_fiscal_year()
    project = ProjectFactory.build(
        code="P1-BAD", first_fiscal_year=year, last_fiscal_year=year - 1, lead_agency=agency(LEAD)
    )

    with pytest.raises(ValidationError) as error:
        services.save_project(project, admin)

    assert "last_fiscal_year" in error.value.message_dict
    assert not Project.objects.filter(code="P1-BAD").exists()


def test_participating_agencies_are_saved_with_the_project():
    admin = staff(LEAD, Role.AGENCY_ADMIN)

    project = services.save_project(
        ProjectFactory.build(code="P1-WITH", lead_agency=agency(LEAD)),
        admin,
        participating=[agency(OTHER), agency(LEAD)],
    )

    assert [a.code for a in fresh(project).participating_agencies.all()] == [OTHER]


# --- Activities -----------------------------------------------------------------------------


def test_an_activity_that_ends_before_it_starts_is_not_saved():
    scene = build_scene()
    admin = staff(LEAD, Role.AGENCY_ADMIN)
    activity = fresh(scene.activity)
    activity.planned_end = activity.planned_start - timedelta(days=1)

    with pytest.raises(ValidationError) as error:
        services.save_activity(activity, admin)

    assert "planned_end" in error.value.message_dict
    assert fresh(scene.activity).planned_end == scene.activity.planned_end


def test_an_activity_that_ended_must_be_complete():
    scene = build_scene()
    admin = staff(RESPONSIBLE, Role.AGENCY_ADMIN)
    activity = fresh(scene.activity)
    activity.actual_start = activity.actual_end = activity.planned_start
    activity.progress = 80

    with pytest.raises(ValidationError) as error:
        services.save_activity(activity, admin)

    assert "progress" in error.value.message_dict
    assert fresh(scene.activity).actual_end is None

    activity.progress = 100
    services.save_activity(activity, admin)
    assert fresh(scene.activity).actual_end == activity.planned_start


def test_the_responsible_agency_cannot_add_an_activity_to_a_project_it_does_not_lead():
    scene = build_scene()
    admin = staff(RESPONSIBLE, Role.AGENCY_ADMIN)

    with pytest.raises(PermissionDenied):
        add(admin, scene)
    assert scene.project.activities.count() == 1


# --- Indicators -----------------------------------------------------------------------------


def test_a_computed_indicator_is_never_reported():
    indicator = IndicatorFactory(
        responsible_agency=agency(RESPONSIBLE),
        measurement=Measurement.COMPUTED,
        metric=CaseMetric.RECEIVED,
    )
    admin = staff(RESPONSIBLE, Role.AGENCY_ADMIN)

    with pytest.raises(PermissionDenied):
        services.report_indicator_value(
            indicator,
            admin,
            fiscal_year=this_fiscal_year(),
            quarter=1,
            value=Decimal("3"),
            evidence="นับเอง",
        )
    assert not IndicatorValue.objects.exists()


def test_reporting_a_quarter_again_corrects_it():
    indicator = IndicatorFactory(responsible_agency=agency(RESPONSIBLE))
    first, second = staff(RESPONSIBLE, Role.AGENCY_ADMIN), staff(RESPONSIBLE, Role.AGENCY_ADMIN)
    year = this_fiscal_year()

    services.report_indicator_value(
        indicator, first, fiscal_year=year, quarter=1, value=Decimal("10"), evidence="ฉบับแรก"
    )
    services.report_indicator_value(
        indicator,
        second,
        fiscal_year=year,
        quarter=1,
        value=Decimal("12.5"),
        evidence="ฉบับแก้ไข",
        evidence_url="https://example.org/report.pdf",
    )

    [value] = IndicatorValue.objects.filter(indicator=indicator)
    assert (value.fiscal_year, value.quarter, value.value) == (year, 1, Decimal("12.5"))
    assert (value.evidence, value.evidence_url) == ("ฉบับแก้ไข", "https://example.org/report.pdf")
    assert value.reported_by == second


def test_a_value_below_zero_is_not_recorded():
    indicator = IndicatorFactory(responsible_agency=agency(RESPONSIBLE))
    admin = staff(RESPONSIBLE, Role.AGENCY_ADMIN)

    with pytest.raises(ValidationError):
        services.report_indicator_value(
            indicator,
            admin,
            fiscal_year=this_fiscal_year(),
            quarter=1,
            value=Decimal("-1"),
            evidence="ผิดพลาด",
        )
    assert not IndicatorValue.objects.exists()


# --- Cases and projects ---------------------------------------------------------------------


def classified_events(case):
    return list(CaseEvent.objects.filter(case=case, kind=EventKind.CLASSIFIED).order_by("pk"))


def test_triage_links_a_case_to_a_project_on_its_timeline():
    project = ProjectFactory(lead_agency=agency(RESPONSIBLE))
    case = case_in(CaseStatus.NEW)
    supervisor = staff(case.lead_agency.code, Role.SUPERVISOR)

    case_services.classify_case(case, supervisor, case.category, case.priority, project=project)

    assert fresh(case).project == project
    [event] = classified_events(case)
    assert event.actor == supervisor
    assert event.payload["before"]["project"] is None
    assert event.payload["after"]["project"] == project.code


def test_triage_moves_a_case_to_another_project_and_unlinks_it():
    first, second = ProjectFactory(), ProjectFactory()
    case = case_in(CaseStatus.IN_PROGRESS)
    supervisor = staff(case.lead_agency.code, Role.SUPERVISOR)
    case_services.classify_case(case, supervisor, case.category, case.priority, project=first)

    case_services.classify_case(case, supervisor, case.category, case.priority, project=second)
    assert fresh(case).project == second
    case_services.classify_case(case, supervisor, case.category, case.priority, project=None)

    assert fresh(case).project is None
    _link, move_event, unlink = classified_events(case)
    assert (move_event.payload["before"]["project"], move_event.payload["after"]["project"]) == (
        first.code,
        second.code,
    )
    assert (unlink.payload["before"]["project"], unlink.payload["after"]["project"]) == (
        second.code,
        None,
    )


def test_classifying_without_a_project_leaves_the_link_alone():
    project = ProjectFactory()
    case = case_in(CaseStatus.IN_PROGRESS)
    supervisor = staff(case.lead_agency.code, Role.SUPERVISOR)
    case_services.classify_case(case, supervisor, case.category, case.priority, project=project)

    case_services.classify_case(case, supervisor, case.category, Priority.URGENT)

    assert fresh(case).project == project
    event = classified_events(case)[-1]
    assert "project" not in event.payload["before"]
    assert event.payload["after"]["priority"] == Priority.URGENT


@pytest.mark.parametrize("linked", [True, False], ids=["same project", "still no project"])
def test_the_same_values_are_refused_as_nothing_to_change(linked):
    project = ProjectFactory()
    case = case_in(CaseStatus.IN_PROGRESS)
    supervisor = staff(case.lead_agency.code, Role.SUPERVISOR)
    if linked:
        case_services.classify_case(case, supervisor, case.category, case.priority, project=project)
    case = fresh(case)
    events_before = CaseEvent.objects.filter(case=case).count()

    with translation.override("en"), pytest.raises(TransitionNotAllowed) as refusal:
        case_services.classify_case(
            case, supervisor, case.category, case.priority, project=project if linked else None
        )

    assert str(refusal.value.message) == "Nothing to change."
    assert CaseEvent.objects.filter(case=case).count() == events_before
    assert fresh(case).version == case.version


def test_a_new_case_is_linked_to_the_kind_of_helps_default_project():
    project = ProjectFactory(lead_agency=agency(RESPONSIBLE))
    Category.objects.filter(code="unpaid-wages").update(default_project=project)

    linked, _secret = submit("unpaid-wages")
    unlinked, _secret = submit("legal-aid")

    assert fresh(linked).project == project
    assert fresh(unlinked).project is None
