"""The staff timeline says truly what the citizen sees of each line."""

import re

import pytest
from django.utils import translation
from django.utils.translation import gettext

from agencies.models import Role
from referrals import services
from referrals.models import CaseStatus
from tests.referrals.factories import case_in, referral_in, staff

pytestmark = pytest.mark.django_db


def badges(page: str) -> dict[str, str]:
    """Each timeline line's first words (its kind) and the badge it carries."""
    lines = re.findall(r"<li>\s*<p><strong>(.*?)</strong>(.*?)</p>", page, re.S)
    return {
        kind: (re.search(r'class="badge public">(.*?)<', rest) or [None, ""])[1]
        for kind, rest in lines
    }


def test_the_referral_text_is_not_marked_as_seen_by_the_citizen(client):
    case = case_in(CaseStatus.IN_PROGRESS)
    referral_in("pending", case)
    supervisor = staff(case.lead_agency.code, Role.SUPERVISOR)
    services.add_note(case, supervisor, "เจ้าหน้าที่จะโทรกลับภายในวันนี้", public=True)
    client.force_login(supervisor)

    page = client.get(f"/staff/cases/{case.reference}/").content.decode()

    with translation.override("th"):
        step_only = gettext("The citizen sees this step, not its text")
        seen = gettext("Seen by the citizen")
        referred, note = gettext("Referred to an agency"), gettext("Note")
    shown = badges(page)
    assert shown[referred] == step_only
    assert shown[note] == seen


def test_a_referral_offers_accept_first_and_asks_the_reason_only_for_declining(client):
    referral = referral_in("pending")
    helper = staff("MOPH", Role.SUPERVISOR)
    client.force_login(helper)

    page = client.get(f"/staff/cases/{referral.case.reference}/").content.decode()

    actions = re.findall(rf"/staff/referrals/{referral.pk}/(\w+)/", page)
    assert actions[:2] == ["accept", "decline"]
    accept_form = page[page.index(f"/referrals/{referral.pk}/accept/") :]
    accept_form = accept_form[: accept_form.index("</form>")]
    assert "reason" not in accept_form
    with translation.override("th"):
        why = gettext("Why your agency cannot help")
    decline_form = page[page.index(f"/referrals/{referral.pk}/decline/") :]
    assert why in decline_form[: decline_form.index("</form>")]


def test_a_search_of_the_queue_keeps_a_short_address(client):
    case = case_in(CaseStatus.NEW)
    client.force_login(staff(case.lead_agency.code, Role.INTAKE_OFFICER))
    form = {
        "agency": case.lead_agency.code,
        "tab": "all",
        "q": case.reference,
        "status": "",
        "category": "",
        "province": "",
        "priority": "",
        "created_from": "",
        "created_to": "",
        "sort": "newest",
    }

    sent = client.get("/staff/", form)
    assert sent.status_code == 302
    short = f"/staff/?agency={case.lead_agency.code}&tab=all&q={case.reference}"
    assert sent["Location"] == short
    assert case.reference in client.get(short).content.decode()

    # The same search in place (htmx), from the short address: the browser shows it again.
    again = client.get("/staff/", form, HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL=short)
    assert again.status_code == 200
    assert again["HX-Push-Url"] == short


def test_a_notice_after_an_action_says_its_kind_and_is_read_out(client):
    case = case_in(CaseStatus.NEW)
    client.force_login(staff(case.lead_agency.code, Role.SUPERVISOR))

    done = client.post(
        f"/staff/cases/{case.reference}/accept/", {"accept-version": case.version}, follow=True
    )

    notice = re.search(
        r'<li class="success" role="status"><span class="kind">(.*?)</span>(.*?)</li>',
        done.content.decode(),
    )
    assert notice, "no notice announced to screen readers"
    with translation.override("th"):
        assert notice[1] == gettext("Done")
        assert notice[2] == gettext("The case is accepted into your agency.")
