"""The action plan pages under /plan/, for agency administrators: what each user gets over
HTTP, what the forms refuse (in Thai, the default language) and what they save.

Who may change what is the policy of test_plan_services.py; here each cell is a request.
Users who administer no agency get 403 on every page; anonymous visitors are sent to the
login page. An administrator who may not edit a project is sent to its page (302); one
whose agency has no part in a project does not find it (404).
"""

import html
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from agencies.models import Role
from referrals.models import CaseEvent, CaseStatus, EventKind
from strategies.fiscal import fiscal_quarter_of, fiscal_year_days
from strategies.models import Activity, IndicatorValue, Project, ProjectStatus, Strategy
from tests.factories import InspectorFactory, UserFactory
from tests.matrix import matrix_rows
from tests.referrals.factories import case_in, fresh, staff
from tests.strategies.factories import (
    ActivityFactory,
    IndicatorFactory,
    ProjectFactory,
    agency,
    this_fiscal_year,
)
from tests.strategies.test_plan_services import AGENCY_OF, LEAD, OTHER, RESPONSIBLE

pytestmark = pytest.mark.django_db

PAGES = {
    "list": lambda s: reverse("plan:projects"),
    "new": lambda s: reverse("plan:project_new"),
    "edit": lambda s: reverse("plan:project_edit", args=[s.project.code]),
    "detail": lambda s: reverse("plan:project", args=[s.project.code]),
    "add": lambda s: reverse("plan:activity_new", args=[s.project.code]),
    "update": lambda s: reverse("plan:activity_edit", args=[s.project.code, s.activity.pk]),
    "report": lambda s: reverse("plan:indicator_report", args=[s.indicator.pk]),
}

# The project is led by MOJ; its activity and its reported indicator are MOL's.
GET_PAGES = """
Each page of the action plan, opened (GET).
                             list new edit detail add update report
lead intake officer          403  403  403   403   403   403    403
lead case officer            403  403  403   403   403   403    403
lead supervisor              403  403  403   403   403   403    403
lead cceo                    403  403  403   403   403   403    403
lead agency admin            200  200  200   200   200   200    403
responsible intake officer   403  403  403   403   403   403    403
responsible case officer     403  403  403   403   403   403    403
responsible supervisor       403  403  403   403   403   403    403
responsible cceo             403  403  403   403   403   403    403
responsible agency admin     200  200  302   200   403   200    200
other intake officer         403  403  403   403   403   403    403
other case officer           403  403  403   403   403   403    403
other supervisor             403  403  403   403   403   403    403
other cceo                   403  403  403   403   403   403    403
other agency admin           200  200  302   404   403   403    403
inspector                    403  403  403   403   403   403    403
no membership                403  403  403   403   403   403    403
anonymous                   login login login login login login login
"""
OTHERS = ("inspector", "no membership", "anonymous")


@dataclass(frozen=True)
class Who:
    where: str  # "lead", "responsible", "other", or one of OTHERS
    role: str = ""

    @classmethod
    def called(cls, words: list[str]) -> "Who":
        if " ".join(words) in OTHERS:
            return cls(" ".join(words))
        return cls(words[0], Role("_".join(words[1:])))

    def __str__(self):
        return f"{self.where} {self.role.replace('_', ' ')}".strip()


def rows(table: str):
    return matrix_rows(table, Who.called)


def make_user(who: Who):
    if who.where == "inspector":
        return InspectorFactory().user
    if who.where == "no membership":
        return UserFactory()
    if who.where == "anonymous":
        return None
    return staff(AGENCY_OF[who.where], who.role)


class Scene:
    def __init__(self):
        self.project = ProjectFactory(lead_agency=agency(LEAD))
        self.activity = ActivityFactory(
            project=self.project, responsible_agency=agency(RESPONSIBLE)
        )
        self.indicator = IndicatorFactory(
            project=self.project, responsible_agency=agency(RESPONSIBLE)
        )


def test_the_table_has_one_row_for_every_kind_of_user():
    everyone = {Who(where, role) for where in AGENCY_OF for role in Role}
    everyone |= {Who(other) for other in OTHERS}

    assert len(GET_PAGES.strip().splitlines()[2:]) == len(everyone)
    assert {param.values[0] for param in rows(GET_PAGES)} == everyone
    assert {param.values[1] for param in rows(GET_PAGES)} == set(PAGES)


@pytest.mark.parametrize(("who", "page", "expected"), list(rows(GET_PAGES)))
def test_who_opens_which_plan_page(client, who, page, expected):
    scene = Scene()
    user = make_user(who)
    if user is not None:
        client.force_login(user)

    response = client.get(PAGES[page](scene))

    if expected == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login") + "?next=")
        return
    assert response.status_code == int(expected)
    if expected == "302":
        assert response["Location"] == reverse("plan:project", args=[scene.project.code])
    if expected == "200" and page in ("list", "detail"):
        # A project is listed to the agencies that have a part in it.
        assert (scene.project.code in response.text) is (who.where != "other")


def test_the_project_page_offers_each_administrator_what_they_may_do(client):
    scene = Scene()
    edit_url = PAGES["edit"](scene)
    update_url = PAGES["update"](scene)
    report_url = PAGES["report"](scene)

    client.force_login(staff(LEAD, Role.AGENCY_ADMIN))
    as_lead = client.get(PAGES["detail"](scene)).text
    client.force_login(staff(RESPONSIBLE, Role.AGENCY_ADMIN))
    as_responsible = client.get(PAGES["detail"](scene)).text

    assert edit_url in as_lead and update_url in as_lead and report_url not in as_lead
    assert edit_url not in as_responsible
    assert update_url in as_responsible and report_url in as_responsible


def test_the_list_shows_only_the_projects_the_agency_has_a_part_in(client):
    scene = Scene()
    elsewhere = ProjectFactory(lead_agency=agency(OTHER))
    client.force_login(staff(RESPONSIBLE, Role.AGENCY_ADMIN))

    response = client.get(reverse("plan:projects"))

    assert scene.project.code in response.text
    assert elsewhere.code not in response.text


def test_the_list_costs_the_same_queries_for_one_project_or_many(
    client, django_assert_max_num_queries
):
    client.force_login(staff(LEAD, Role.AGENCY_ADMIN))
    ProjectFactory(lead_agency=agency(LEAD))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("plan:projects"))
    for _ in range(8):
        ActivityFactory(project=ProjectFactory(lead_agency=agency(LEAD)))

    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(reverse("plan:projects"))
    assert len(response.context["projects"]) == 9


# --- Forms: what they save and what they refuse, in Thai ------------------------------------


def in_thai(message: str) -> str:
    with translation.override("th"):
        text = gettext(message)
    assert text != message, f"no Thai translation of {message!r}"
    return text


def shows_error_in_thai(response, message: str) -> None:
    assert response.status_code == 200
    assert response["Content-Language"] == "th"
    page = html.unescape(response.content.decode())
    assert in_thai("Please correct the following:") in page
    assert in_thai(message) in page
    assert message not in page


def project_data(**changes) -> dict:
    year = this_fiscal_year()
    data = {
        "strategy": Strategy.objects.get(number=1).pk,
        "code": "P1-WEB",
        "name_th": "โครงการจากหน้าเว็บ",
        "name_en": "A project from the page",
        "lead_agency": agency(LEAD).pk,
        "participating_agencies": [agency(RESPONSIBLE).pk],
        "first_fiscal_year": year,
        "last_fiscal_year": year + 2,
        "budget": "150000",
        "status": ProjectStatus.ACTIVE,
        "description": "",
    }
    return {**data, **changes}


def activity_data(activity: Activity | None = None, **changes) -> dict:
    start, end = fiscal_year_days(this_fiscal_year())
    data = {
        "name_th": activity.name_th if activity else "อบรมเจ้าหน้าที่",
        "name_en": activity.name_en if activity else "Train the officers",
        "responsible_agency": (activity.responsible_agency_id if activity else agency(LEAD).pk),
        "planned_start": (activity.planned_start if activity else start).isoformat(),
        "planned_end": (activity.planned_end if activity else end).isoformat(),
        "actual_start": "",
        "actual_end": "",
        "progress": "0",
        "note": "",
    }
    return {**data, **changes}


def test_an_administrator_adds_a_project_their_agency_leads(client):
    client.force_login(staff(LEAD, Role.AGENCY_ADMIN))

    response = client.post(reverse("plan:project_new"), project_data())

    project = Project.objects.get(code="P1-WEB")
    assert response.status_code == 302
    assert response["Location"] == reverse("plan:project", args=["P1-WEB"])
    assert project.lead_agency.code == LEAD
    assert [a.code for a in project.participating_agencies.all()] == [RESPONSIBLE]


def test_a_project_whose_last_year_comes_before_its_first_is_refused_in_thai(client):
    client.force_login(staff(LEAD, Role.AGENCY_ADMIN))
    year = this_fiscal_year()

    response = client.post(
        reverse("plan:project_new"),
        project_data(first_fiscal_year=year, last_fiscal_year=year - 1),
    )

    shows_error_in_thai(response, "The last fiscal year cannot come before the first.")
    assert not Project.objects.filter(code="P1-WEB").exists()


def test_an_edit_with_years_out_of_order_changes_nothing(client):
    scene = Scene()
    client.force_login(staff(LEAD, Role.AGENCY_ADMIN))
    project = scene.project

    response = client.post(
        PAGES["edit"](scene),
        project_data(
            code=project.code,
            name_th="ชื่อที่ไม่ควรบันทึก",
            first_fiscal_year=project.first_fiscal_year,
            last_fiscal_year=project.first_fiscal_year - 1,
        ),
    )

    shows_error_in_thai(response, "The last fiscal year cannot come before the first.")
    assert fresh(project).name_th == project.name_th
    assert fresh(project).last_fiscal_year == project.last_fiscal_year


def test_the_project_form_offers_only_agencies_the_user_administers_as_lead(client):
    scene = Scene()
    client.force_login(staff(LEAD, Role.AGENCY_ADMIN))

    response = client.post(
        PAGES["edit"](scene), project_data(code=scene.project.code, lead_agency=agency(OTHER).pk)
    )

    assert response.status_code == 200
    assert "lead_agency" in response.context["form"].errors
    assert fresh(scene.project).lead_agency.code == LEAD


def test_another_agencys_administrator_cannot_post_an_edit(client):
    scene = Scene()
    client.force_login(staff(RESPONSIBLE, Role.AGENCY_ADMIN))

    response = client.post(
        PAGES["edit"](scene),
        project_data(
            code=scene.project.code, name_th="ยึดโครงการ", lead_agency=agency(RESPONSIBLE).pk
        ),
    )

    assert response.status_code == 302
    project = fresh(scene.project)
    assert (project.name_th, project.lead_agency.code) == (scene.project.name_th, LEAD)


def test_the_lead_administrator_adds_an_activity(client):
    scene = Scene()
    client.force_login(staff(LEAD, Role.AGENCY_ADMIN))

    response = client.post(PAGES["add"](scene), activity_data(responsible_agency=agency(OTHER).pk))

    assert response.status_code == 302
    added = scene.project.activities.get(name_th="อบรมเจ้าหน้าที่")
    assert added.responsible_agency.code == OTHER


def test_an_activity_planned_to_end_before_it_starts_is_refused_in_thai(client):
    scene = Scene()
    client.force_login(staff(LEAD, Role.AGENCY_ADMIN))
    start, _end = fiscal_year_days(this_fiscal_year())

    response = client.post(
        PAGES["add"](scene),
        activity_data(
            planned_start=start.replace(month=12).isoformat(), planned_end=start.isoformat()
        ),
    )

    shows_error_in_thai(response, "The planned end cannot come before the planned start.")
    assert scene.project.activities.count() == 1


def test_an_activity_that_ended_below_100_percent_is_refused_in_thai(client):
    scene = Scene()
    client.force_login(staff(RESPONSIBLE, Role.AGENCY_ADMIN))
    activity = scene.activity

    response = client.post(
        PAGES["update"](scene),
        activity_data(
            activity,
            actual_start=activity.planned_start.isoformat(),
            actual_end=activity.planned_start.isoformat(),
            progress="60",
        ),
    )

    shows_error_in_thai(response, "An activity that ended is 100 percent done.")
    saved = fresh(activity)
    assert (saved.actual_end, saved.progress) == (None, 0)


def test_the_responsible_administrator_records_progress_but_cannot_reassign(client):
    scene = Scene()
    client.force_login(staff(RESPONSIBLE, Role.AGENCY_ADMIN))
    activity = scene.activity

    response = client.post(
        PAGES["update"](scene),
        activity_data(
            activity,
            responsible_agency=agency(OTHER).pk,
            actual_start=activity.planned_start.isoformat(),
            progress="35",
        ),
    )

    assert response.status_code == 302
    saved = fresh(activity)
    assert saved.progress == 35
    assert saved.responsible_agency.code == RESPONSIBLE


def test_the_lead_administrator_reassigns_an_activity(client):
    scene = Scene()
    client.force_login(staff(LEAD, Role.AGENCY_ADMIN))

    response = client.post(
        PAGES["update"](scene),
        activity_data(scene.activity, responsible_agency=agency(OTHER).pk),
    )

    assert response.status_code == 302
    assert fresh(scene.activity).responsible_agency.code == OTHER


PLANNED = ("name_th", "name_en", "responsible_agency", "planned_start", "planned_end")


def test_the_responsible_administrator_sees_what_the_plan_sets_but_cannot_change_it(client):
    scene = Scene()
    client.force_login(staff(RESPONSIBLE, Role.AGENCY_ADMIN))

    response = client.get(PAGES["update"](scene))

    form = response.context["form"]
    assert [name for name in form.fields if form.fields[name].disabled] == list(PLANNED)
    for name in PLANNED:
        assert "disabled" in str(form[name])
    for name in ("actual_start", "actual_end", "progress", "note"):
        assert "disabled" not in str(form[name])


def test_the_responsible_administrator_records_what_happened_but_not_what_was_planned(client):
    scene = Scene()
    client.force_login(staff(RESPONSIBLE, Role.AGENCY_ADMIN))
    activity = scene.activity
    start, end = activity.planned_start, activity.planned_end

    response = client.post(
        PAGES["update"](scene),
        activity_data(
            activity,
            name_th="ชื่อที่แก้เอง",
            name_en="Renamed by the responsible agency",
            planned_start=start.replace(day=15).isoformat(),
            planned_end=start.replace(day=20).isoformat(),
            actual_start=start.replace(day=3).isoformat(),
            progress="40",
            note="เริ่มช้ากว่าแผนสองวัน",
        ),
    )

    assert response.status_code == 302
    saved = fresh(activity)
    assert (saved.name_th, saved.name_en) == (activity.name_th, activity.name_en)
    assert (saved.planned_start, saved.planned_end) == (start, end)
    assert (saved.actual_start, saved.progress) == (start.replace(day=3), 40)
    assert saved.note == "เริ่มช้ากว่าแผนสองวัน"


def test_the_lead_administrator_renames_and_replans_an_activity(client):
    scene = Scene()
    client.force_login(staff(LEAD, Role.AGENCY_ADMIN))
    start = scene.activity.planned_start

    response = client.post(
        PAGES["update"](scene),
        activity_data(
            scene.activity,
            name_th="อบรมเจ้าหน้าที่รุ่นสอง",
            planned_start=start.replace(day=15).isoformat(),
            planned_end=start.replace(day=20).isoformat(),
        ),
    )

    assert response.status_code == 302
    saved = fresh(scene.activity)
    assert saved.name_th == "อบรมเจ้าหน้าที่รุ่นสอง"
    assert (saved.planned_start, saved.planned_end) == (
        start.replace(day=15),
        start.replace(day=20),
    )


@pytest.mark.parametrize("page", ["add", "update", "report"])
def test_an_administrator_without_the_right_posts_in_vain(client, page):
    scene = Scene()
    client.force_login(staff(OTHER, Role.AGENCY_ADMIN))
    data = {
        "add": activity_data(),
        "update": activity_data(scene.activity, progress="50"),
        "report": report_data(),
    }[page]

    response = client.post(PAGES[page](scene), data)

    assert response.status_code == 403
    assert scene.project.activities.count() == 1
    assert fresh(scene.activity).progress == 0
    assert not IndicatorValue.objects.exists()


def report_data(**changes) -> dict:
    data = {
        "fiscal_year": this_fiscal_year(),
        "quarter": 1,
        "value": "42",
        "evidence": "บันทึกการประชุมคณะทำงาน",
        "evidence_url": "",
    }
    return {**data, **changes}


def test_the_responsible_administrator_reports_and_corrects_a_quarter(client):
    scene = Scene()
    client.force_login(staff(RESPONSIBLE, Role.AGENCY_ADMIN))

    first = client.post(PAGES["report"](scene), report_data())
    second = client.post(PAGES["report"](scene), report_data(value="45", evidence="ฉบับแก้ไข"))

    assert first.status_code == second.status_code == 302
    [value] = IndicatorValue.objects.filter(indicator=scene.indicator)
    assert (value.quarter, value.value, value.evidence) == (1, 45, "ฉบับแก้ไข")
    assert "ฉบับแก้ไข" in client.get(PAGES["report"](scene)).text


def test_a_quarter_that_has_not_begun_is_refused_in_thai(client):
    scene = Scene()
    client.force_login(staff(RESPONSIBLE, Role.AGENCY_ADMIN))
    next_year = this_fiscal_year() + 1  # within the project's years, not begun

    response = client.post(PAGES["report"](scene), report_data(fiscal_year=next_year, quarter=4))

    shows_error_in_thai(response, "This quarter has not begun yet.")
    assert not IndicatorValue.objects.exists()


def test_the_current_quarter_may_be_reported(client):
    scene = Scene()
    client.force_login(staff(RESPONSIBLE, Role.AGENCY_ADMIN))
    quarter = fiscal_quarter_of(timezone.localdate())

    response = client.post(PAGES["report"](scene), report_data(quarter=quarter))

    assert response.status_code == 302
    assert IndicatorValue.objects.get().quarter == quarter


def test_a_computed_indicator_has_no_report_page(client):
    scene = Scene()
    computed = IndicatorFactory(
        project=scene.project,
        responsible_agency=agency(RESPONSIBLE),
        measurement="computed",
        metric="received",
    )
    client.force_login(staff(RESPONSIBLE, Role.AGENCY_ADMIN))

    response = client.post(reverse("plan:indicator_report", args=[computed.pk]), report_data())

    assert response.status_code == 404
    assert not IndicatorValue.objects.exists()


# --- The triage form links a case to a project ------------------------------------------------


def classify_post(client, case, **data):
    url = reverse("staff:case_action", args=[case.reference, "classify"])
    values = {"version": case.version, "category": case.category_id, "priority": case.priority}
    return client.post(url, {f"classify-{k}": v for k, v in {**values, **data}.items()})


def test_the_triage_form_links_and_unlinks_a_project(client):
    project = ProjectFactory(lead_agency=agency(RESPONSIBLE))
    case = case_in(CaseStatus.IN_PROGRESS)  # led by MOL
    client.force_login(staff(case.lead_agency.code, Role.SUPERVISOR))

    linked = classify_post(client, case, project=project.pk)
    case = fresh(case)
    unlinked = classify_post(client, case, project="")

    assert linked.status_code == unlinked.status_code == 302
    assert fresh(case).project is None
    events = CaseEvent.objects.filter(case=case, kind=EventKind.CLASSIFIED).order_by("pk")
    assert [e.payload["after"]["project"] for e in events] == [project.code, None]


def test_the_triage_form_offers_only_running_projects(client):
    year = this_fiscal_year()
    ended = ProjectFactory(first_fiscal_year=year - 3, last_fiscal_year=year - 1)
    case = case_in(CaseStatus.IN_PROGRESS)
    client.force_login(staff(case.lead_agency.code, Role.SUPERVISOR))

    response = classify_post(client, case, project=ended.pk)

    assert fresh(case).project is None
    assert not CaseEvent.objects.filter(case=case, kind=EventKind.CLASSIFIED).exists()
    assert response.status_code == 200
