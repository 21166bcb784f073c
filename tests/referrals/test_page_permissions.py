"""The permission matrix again, through the staff pages: what each user gets over HTTP.

The policy tables are those of test_permissions.py; here each cell is a request. A user who
may not see the case gets 404 (the case's existence is not revealed), or 403 for users who
work no cases at all (agency administrators, inspectors) whichever case they ask for; a
user who sees the case but whose role does not allow the action gets 403. Nothing changes
when a request is refused.
"""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from agencies.models import Role
from referrals import services
from referrals.models import CaseEvent, CaseStatus
from tests.referrals.factories import case_in, fresh, staff
from tests.referrals.test_permissions import (
    NO,
    OPEN_CASE,
    RESTRICTED_CASE,
    Scene,
    Y,
    build,
    make_user,
    rows,
)

pytestmark = pytest.mark.django_db


def png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "blue").save(buffer, "PNG")
    return SimpleUploadedFile("evidence.png", buffer.getvalue(), "image/png")


def case_post(client, scene, action, data):
    url = reverse("staff:case_action", args=[scene.case.reference, action])
    return client.post(url, {f"{action}-{k}": v for k, v in data.items()})


def referral_post(client, scene, action, data):
    referral = scene.referral
    url = reverse("staff:referral_action", args=[referral.pk, action])
    prefix = f"r{referral.pk}-{action}"
    return client.post(url, {f"{prefix}-{k}": v for k, v in data.items()})


REQUESTS = {
    "view": lambda c, s: c.get(s.case.get_absolute_url()),
    "pii": lambda c, s: c.get(s.case.get_absolute_url()),
    "list": lambda c, s: c.get("/staff/", {"tab": "all"}),
    "file": lambda c, s: c.get(
        reverse("staff:attachment", args=[s.case.reference, s.case.attachments.get().pk])
    ),
    "note": lambda c, s: case_post(c, s, "note", {"text": "โทรคุยแล้ว"}),
    "take": lambda c, s: case_post(c, s, "take", {"version": s.case.version}),
    "assign": lambda c, s: case_post(
        c, s, "assign", {"version": s.case.version, "officer": s.colleague.pk}
    ),
    "refer": lambda c, s: case_post(
        c,
        s,
        "refer",
        {"version": s.case.version, "to_MOI": "on", "ask_MOI": "หนี้"},
    ),
    "accept": lambda c, s: referral_post(c, s, "accept", {"version": s.referral.version}),
    "decline": lambda c, s: referral_post(
        c, s, "decline", {"version": s.referral.version, "reason": "ไม่มีบริการ"}
    ),
    "complete": lambda c, s: referral_post(
        c, s, "complete", {"version": s.referral.version, "outcome": "ช่วยแล้ว"}
    ),
    "resolve": lambda c, s: case_post(
        c, s, "resolve", {"version": s.case.version, "answer": "ได้รับค่าจ้างแล้ว"}
    ),
    "classify": lambda c, s: case_post(
        c,
        s,
        "classify",
        {"version": s.case.version, "category": s.case.category_id, "priority": "urgent"},
    ),
}

# Correcting the help category or the priority is triage (Action.TRIAGE): the lead agency's
# intake officers, supervisors and CCEOs, never a case officer, even the one assigned.
# Columns: the in-progress case of OPEN_CASE, the restricted one of RESTRICTED_CASE (both
# referred to MOPH), and a new case of OPEN_CASE's category, not referred yet.
CLASSIFY = """
Classify (help category and priority) on an open, a restricted and a new case.
                           open restricted new
lead intake officer         Y      404      Y
lead case officer assigned  -       -       -
lead case officer           -      404      -
lead supervisor             Y       Y       Y
lead cceo                   Y       Y       Y
lead agency admin          404     404     404
referred intake officer     -      404     404
referred case officer       -      404     404
referred supervisor         -       -      404
referred cceo               -       -      404
referred agency admin      404     404     404
uninvolved intake officer  404     404     404
uninvolved case officer    404     404     404
uninvolved supervisor      404     404     404
uninvolved cceo            404     404     404
uninvolved agency admin    404     404     404
inspector                  404     404     404
"""


def attempt(client, who, action, expected, category):
    user, scene = build(who, action, category)
    if action == "file":
        services.add_attachment(
            scene.case, staff(scene.case.lead_agency.code, Role.SUPERVISOR), png()
        )
    events_before = CaseEvent.objects.filter(case=scene.case).count()
    client.force_login(user)

    response = REQUESTS[action](client, scene)

    works_no_cases = who.where == "inspector" or who.role == Role.AGENCY_ADMIN
    if action == "list":
        listed = response.status_code == 200 and scene.case.reference in response.text
        assert listed is (expected == Y)
        return
    if expected == Y:
        assert response.status_code in (200, 302), response.status_code
        if action == "pii":
            assert scene.case.citizen_name in response.text
        if response.status_code == 302:
            assert CaseEvent.objects.filter(case=scene.case).count() > events_before
        return
    if expected == NO:
        assert response.status_code == 403
    else:
        assert response.status_code in ((403, 404) if works_no_cases else (404,))
    assert scene.case.citizen_name not in response.content.decode()
    assert CaseEvent.objects.filter(case=scene.case).count() == events_before
    assert fresh(scene.case).version == scene.case.version


@pytest.mark.parametrize(("who", "action", "expected"), list(rows(OPEN_CASE)))
def test_pages_follow_the_policy_on_an_open_case(client, settings, tmp_path, who, action, expected):
    settings.MEDIA_ROOT = tmp_path
    attempt(client, who, action, expected, "unpaid-wages")


@pytest.mark.parametrize(("who", "action", "expected"), list(rows(RESTRICTED_CASE)))
def test_pages_follow_the_policy_on_a_restricted_case(
    client, settings, tmp_path, who, action, expected
):
    settings.MEDIA_ROOT = tmp_path
    attempt(client, who, action, expected, "domestic-violence")


def build_new_case(who, action, category):
    """The user ``who`` and a new case of ``category``: no agency is asked to help yet."""
    case = case_in(CaseStatus.NEW, category=category)
    lead = case.lead_agency.code
    user = make_user(who, lead)
    if who.assigned:
        services.assign_case(case, staff(lead, Role.SUPERVISOR), user)
    return user, Scene(fresh(case), None, None)


@pytest.mark.parametrize(("who", "case", "expected"), list(rows(CLASSIFY)))
def test_classify_follows_the_triage_policy(client, monkeypatch, who, case, expected):
    if case == "new":
        # attempt() builds an in-progress case with build(): here a new one instead.
        monkeypatch.setattr(f"{__name__}.build", build_new_case)
    category = "domestic-violence" if case == "restricted" else "unpaid-wages"
    attempt(client, who, "classify", expected, category)


# The case page's folded forms, drawn when opened (staff:case_action_form): the form comes
# to whoever may take its action now, and to nobody else, whom it tells nothing.
FORM_ACTIONS = ("note", "assign", "refer", "resolve")


@pytest.mark.parametrize(
    ("who", "action", "expected", "category"),
    [
        pytest.param(*row.values, category, id=f"{row.id}-{category}")
        for table, category in ((OPEN_CASE, "unpaid-wages"), (RESTRICTED_CASE, "domestic-violence"))
        for row in rows(table)
        if row.values[1] in FORM_ACTIONS
    ],
)
def test_a_form_is_drawn_for_whoever_may_take_its_action(client, who, action, expected, category):
    user, scene = build(who, action, category)
    client.force_login(user)

    response = client.get(
        reverse("staff:case_action_form", args=[scene.case.reference, action]),
        HTTP_HX_REQUEST="true",
    )

    if expected == Y:
        assert response.status_code == 200
        assert f'name="{action}-version"' in response.text or f'name="{action}-text"' in (
            response.text
        )
        return
    works_no_cases = who.where == "inspector" or who.role == Role.AGENCY_ADMIN
    assert response.status_code in ((403, 404) if works_no_cases else (404,))
    assert scene.case.citizen_name not in response.content.decode()
