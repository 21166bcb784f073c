"""The pages where an agency's administrators keep its ready-made replies, through HTTP:
the list, a new reply, a change, archiving and restoring; who may open them; mistakes
answered beside the field in the person's language; and the links that lead there."""

import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from agencies.models import Agency, Role
from referrals.models import ReplyKind, ReplyTemplate
from tests.helpers import signed_in
from tests.matrix import Person, matrix_rows
from tests.referrals.factories import agency, fresh, reply_template, staff

pytestmark = pytest.mark.django_db

LIST = reverse("replies:list")
NEW = reverse("replies:new")


def edit_url(template):
    return reverse("replies:edit", args=[template.pk])


def form(**fields):
    return {
        "kind": ReplyKind.REQUEST_INFORMATION,
        "category": "",
        "title": "ขอสลิปเงินเดือน",
        "body": "เรื่อง {reference}: โปรดส่งสลิปเงินเดือนเดือนล่าสุด",
        **fields,
    }


# --- An administrator's own pages -------------------------------------------------------


def test_the_list_shows_the_agencys_replies_in_use_then_archived_and_no_other_agencys(client):
    admin = staff("MOL", Role.AGENCY_ADMIN)
    in_use = reply_template("MOL", title="ขอสัญญาจ้าง", category="unpaid-wages")
    archived = reply_template("MOL", title="แบบเก่า", archived=True)
    theirs = reply_template("MOJ", title="ของกระทรวงยุติธรรม")

    page = signed_in(client, admin).get(LIST)

    assert page.status_code == 200
    text = page.text
    assert in_use.title in text and archived.title in text and theirs.title not in text
    assert text.index(in_use.title) < text.index("<details") < text.index(archived.title)
    assert reverse("replies:archive", args=[in_use.pk]) in text
    assert reverse("replies:restore", args=[archived.pk]) in text
    assert reverse("replies:archive", args=[archived.pk]) not in text
    assert edit_url(in_use) in text and edit_url(theirs) not in text
    with translation.override("th"):
        assert in_use.category.name in text
        assert str(ReplyKind.REQUEST_INFORMATION.label) in text


def test_the_list_costs_the_same_for_two_replies_as_for_twelve(client):
    admin = staff("MOL", Role.AGENCY_ADMIN)
    client = signed_in(client, admin)
    for number in range(2):
        reply_template("MOL", title=f"reply {number}", by=admin)
    with CaptureQueriesContext(connection) as few:
        assert client.get(LIST).status_code == 200
    for number in range(10):
        reply_template(
            "MOL",
            title=f"more {number}",
            category="unpaid-wages" if number % 2 else None,
            by=staff("MOL", Role.AGENCY_ADMIN) if number % 3 else admin,
            archived=number % 4 == 0,
        )
    with CaptureQueriesContext(connection) as many:
        assert client.get(LIST).text.count("<article") == 12
    assert len(many.captured_queries) == len(few.captured_queries) <= 10


def test_an_admin_writes_a_reply_for_a_kind_of_help(client):
    admin = staff("MOL", Role.AGENCY_ADMIN)
    client = signed_in(client, admin)
    page = client.get(NEW)
    assert page.status_code == 200 and "agency" not in page.context["form"].fields
    wages = agency("MOL").led_categories.get(code="unpaid-wages")

    response = client.post(NEW, form(category=wages.pk))

    assert response.status_code == 302 and response["Location"] == LIST
    template = ReplyTemplate.objects.get()
    assert (template.agency.code, template.category, template.kind) == (
        "MOL",
        wages,
        ReplyKind.REQUEST_INFORMATION,
    )
    assert template.created_by == admin and template.is_active
    assert template.title in client.get(LIST).text


def test_an_admin_of_several_agencies_writes_for_one_of_them_only(client):
    admin = staff("MOL", Role.AGENCY_ADMIN)
    agency("MOPH").memberships.create(user=admin, role=Role.AGENCY_ADMIN)
    client = signed_in(client, admin)

    choices = client.get(NEW).context["form"].fields["agency"].queryset
    refused = client.post(NEW, form(agency=agency("MOJ").pk))
    made = client.post(NEW, form(agency=agency("MOPH").pk))

    assert sorted(choices.values_list("code", flat=True)) == ["MOL", "MOPH"]
    assert refused.status_code == 200 and "agency" in refused.context["form"].errors
    assert made.status_code == 302
    assert list(ReplyTemplate.objects.values_list("agency__code", flat=True)) == ["MOPH"]


def test_an_admin_changes_a_reply_but_not_its_agency(client):
    template = reply_template("MOL", category="unpaid-wages")
    client = signed_in(client, staff("MOL", Role.AGENCY_ADMIN))
    page = client.get(edit_url(template))
    assert page.status_code == 200 and "agency" not in page.context["form"].fields
    assert template.body in page.text

    response = client.post(
        edit_url(template),
        form(kind=ReplyKind.OUTCOME, title="ได้รับค่าจ้างครบ", body="ได้รับค่าจ้างครบแล้ว", agency=1),
    )

    assert response.status_code == 302
    template = fresh(template)
    assert (template.kind, template.title, template.category) == (
        ReplyKind.OUTCOME,
        "ได้รับค่าจ้างครบ",
        None,
    )
    assert template.agency.code == "MOL"


def test_archiving_and_restoring_say_so_and_change_what_staff_are_offered(client):
    template = reply_template("MOL")
    client = signed_in(client, staff("MOL", Role.AGENCY_ADMIN), "en")

    archived = client.post(reverse("replies:archive", args=[template.pk]), follow=True)
    assert not fresh(template).is_active
    assert "is archived: staff no longer see it" in archived.text

    restored = client.post(reverse("replies:restore", args=[template.pk]), follow=True)
    assert fresh(template).is_active
    assert "is offered to staff again" in restored.text


@pytest.mark.parametrize(
    ("fields", "field", "english"),
    [
        (form(title=""), "title", "This field is required."),
        (form(body="{name}"), "body", "{name} cannot be filled in"),
        (form(body="ก" * 2001), "body", "2,000 characters or fewer (it has 2,001)"),
        (form(title="ก" * 121), "title", "at most 120 characters"),
        (form(kind="letter"), "kind", "Select a valid choice."),
    ],
    ids=["no title", "unknown placeholder", "too long for its box", "long title", "no such kind"],
)
@pytest.mark.parametrize("language", ["th", "en"])
def test_a_mistake_is_answered_beside_its_field_in_the_persons_language(
    client, fields, field, english, language
):
    client = signed_in(client, staff("MOL", Role.AGENCY_ADMIN), language)

    response = client.post(NEW, fields)

    assert response.status_code == 200
    assert response["Content-Language"] == language
    errors = response.context["form"].errors
    assert errors.keys() == {field}
    in_english = english in str(errors[field])
    assert in_english is (language == "en")
    beside = re.findall(r'<div class="field has-error.*?</ul>', response.text, re.DOTALL)
    assert [html for html in beside if f'id="id_{field}"' in html and "errorlist" in html]
    assert 'id="error-summary"' in response.text
    assert not ReplyTemplate.objects.exists()


def test_the_count_under_the_text_follows_the_box_it_is_for(client):
    template = reply_template("MOL", ReplyKind.REQUEST_INFORMATION)
    client = signed_in(client, staff("MOL", Role.AGENCY_ADMIN))

    assert 'data-max-length="2000"' in client.get(edit_url(template)).text
    assert 'data-max-length="5000"' in client.post(NEW, form(kind=ReplyKind.OUTCOME, title="")).text


# --- Who may open the pages: a table -----------------------------------------------------

# The pages of a reply of MOL's: the list showing it, writing a reply for MOL, changing it,
# archiving it. Y: done; -: the page answers, for the person's own agency only (MOL's reply
# is neither shown nor written); 404: the page does not exist for them (the system
# administrator keeps the replies in the Django admin); login: sent to sign in.
REPLY_PAGES = """
The pages of MOL's ready-made replies.
                         list  create  edit  archive
moj intake officer        404   404    404    404
moj case officer          404   404    404    404
moj supervisor            404   404    404    404
moj cceo                  404   404    404    404
moj agency admin           -     -     404    404
mdes intake officer       404   404    404    404
mdes case officer         404   404    404    404
mdes supervisor           404   404    404    404
mdes cceo                 404   404    404    404
mdes agency admin          -     -     404    404
msdhs intake officer      404   404    404    404
msdhs case officer        404   404    404    404
msdhs supervisor          404   404    404    404
msdhs cceo                404   404    404    404
msdhs agency admin         -     -     404    404
moi intake officer        404   404    404    404
moi case officer          404   404    404    404
moi supervisor            404   404    404    404
moi cceo                  404   404    404    404
moi agency admin           -     -     404    404
mol intake officer        404   404    404    404
mol case officer          404   404    404    404
mol supervisor            404   404    404    404
mol cceo                  404   404    404    404
mol agency admin           Y     Y      Y      Y
moe intake officer        404   404    404    404
moe case officer          404   404    404    404
moe supervisor            404   404    404    404
moe cceo                  404   404    404    404
moe agency admin           -     -     404    404
moph intake officer       404   404    404    404
moph case officer         404   404    404    404
moph supervisor           404   404    404    404
moph cceo                 404   404    404    404
moph agency admin          -     -     404    404
rtp intake officer        404   404    404    404
rtp case officer          404   404    404    404
rtp supervisor            404   404    404    404
rtp cceo                  404   404    404    404
rtp agency admin           -     -     404    404
inspector                 404   404    404    404
superuser                 404   404    404    404
anonymous                login login  login  login
"""


def test_the_table_names_every_role_of_every_agency():
    named = {param.values[0] for param in matrix_rows(REPLY_PAGES, Person.called)}
    codes = list(Agency.objects.values_list("code", flat=True))
    assert len(codes) == 8
    assert {Person(code, role) for code in codes for role in Role} <= named


REQUESTS = {
    "list": lambda client, template: client.get(LIST),
    "create": lambda client, template: client.post(
        NEW, form(title="แอบเขียน", agency=template.agency_id)
    ),
    "edit": lambda client, template: client.post(edit_url(template), form(title="แอบแก้")),
    "archive": lambda client, template: client.post(reverse("replies:archive", args=[template.pk])),
}


@pytest.mark.parametrize(("who", "page", "expected"), list(matrix_rows(REPLY_PAGES, Person.called)))
def test_only_the_agencys_admins_reach_its_replies(client, who, page, expected):
    template = reply_template("MOL", title="ของกรมเดิม")
    user = who.make()
    if user is not None:
        client.force_login(user)

    response = REQUESTS[page](client, template)

    if expected == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(f"{reverse(settings.LOGIN_URL)}?next=")
    elif expected == "404":
        assert response.status_code == 404
    elif expected == "-":
        assert response.status_code in (200, 302)
        assert template.title not in response.text
    else:
        assert response.status_code in (200, 302)
    if expected == "Y" and page == "list":
        assert template.title in response.text
    written = set(ReplyTemplate.objects.filter(title="แอบเขียน").values_list("agency", flat=True))
    assert (template.agency_id in written) is (expected == "Y" and page == "create")
    assert bool(written) is (expected in ("Y", "-") and page == "create")
    template = fresh(template)
    assert (template.title == "แอบแก้") is (expected == "Y" and page == "edit")
    assert (not template.is_active) is (expected == "Y" and page == "archive")
