"""The three journeys walked page by page, in Thai and in English, on a phone (360 px) and a
desktop (1280 px): a citizen asks and follows, staff of two agencies work and refer a case,
an inspector reads the dashboards and the public statistics.

Every page is saved as a screenshot under var/screenshots/walk/<language>-<width>/, and on
every page: no JavaScript or console error, the page's language is the one chosen, and
nothing sticks out of the screen unless it is inside a frame that scrolls on its own (a
wide table at 360 px). Everything found is collected and asserted at the end, so that one
run lists every page that fails.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from agencies.models import Agency, Role
from portal.dashboards.snapshots import refresh_standard_views
from referrals import services
from referrals.models import Case, Category
from referrals.selectors import TABS
from tests.browser.conftest import SCREENSHOTS
from tests.browser.conftest import sign_in as sign_in_on
from tests.browser.people import somyings_case, staff
from tests.factories import InspectorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {360: 740, 1280: 900}
NOT_FOUND = "/no-such-page/"
SECRET = re.compile(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}\b")

# Elements whose right edge is past the screen's, outside any frame that scrolls sideways
# on its own (overflow-x auto or scroll) and stays within the screen: what a reader would
# find cut, or would have to scroll the whole page sideways for.
STICKING_OUT = """() => {
  const width = document.documentElement.clientWidth;
  const framed = (el) => {
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      const style = getComputedStyle(up);
      if (/(auto|scroll)/.test(style.overflowX)) {
        return up.getBoundingClientRect().right <= width + 0.5;
      }
    }
    return false;
  };
  return [...document.querySelectorAll("body *")]
    .filter((el) => {
      const box = el.getBoundingClientRect();
      return box.width > 1 && box.height > 1 && box.right > width + 0.5 && !framed(el);
    })
    .map((el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
      + [...el.classList].map((c) => "." + c).join(""))
    .slice(0, 6);
}"""


@dataclass
class Walk:
    """One language at one width: the pages seen, and what was wrong with them."""

    browser: object
    server: object  # pytest-django's live_server
    language: str
    width: int
    folder: Path
    problems: list[str] = field(default_factory=list)
    seen: int = 0

    def open(self):
        context = self.browser.new_context(
            locale="th-TH", viewport={"width": self.width, "height": WIDTHS[self.width]}
        )
        host = self.server.url.split("//", 1)[1].split(":")[0]
        context.add_cookies(
            [{"name": "django_language", "value": self.language, "domain": host, "path": "/"}]
        )
        page = context.new_page()
        page.on("console", lambda m: self._console(page, m))
        page.on("pageerror", lambda e: self.problems.append(f"{page.url}: {e}"))
        return page

    def _console(self, page, message) -> None:
        # The browser reports a page that answers 404 as a resource that failed to load:
        # that is the not-found page doing its work, not an error of the page.
        expected = page.url.endswith(NOT_FOUND) and "status of 404" in message.text
        if message.type == "error" and not expected:
            self.problems.append(f"{page.url}: console: {message.text}")

    def look(self, page, name: str) -> None:
        """Check the page the browser shows now and keep its screenshot."""
        page.wait_for_load_state()
        self.seen += 1
        lang = page.evaluate("document.documentElement.lang")
        if lang != self.language:
            self.problems.append(f"{name}: {page.url} is in {lang!r}")
        out = page.evaluate(STICKING_OUT)
        if out:
            self.problems.append(f"{name}: {page.url} sticks out at {self.width}px: {out}")
        page.screenshot(path=self.folder / f"{self.seen:02d}-{name}.png", full_page=True)

    def visit(self, page, path: str, name: str) -> None:
        response = page.goto(self.server.url + path)
        if response.status >= 400 and path != NOT_FOUND:
            self.problems.append(f"{name}: {path} answered {response.status}")
        self.look(page, name)


def person(code: str, role: str, first: str, last: str):
    user = staff(code, role)
    user.first_name, user.last_name = first, last
    user.save(update_fields=["first_name", "last_name"])
    return user


def sign_in(walk: Walk, user, then: str):
    page = walk.open()
    walk.visit(page, "/accounts/login/", "sign-in")
    sign_in_on(page, walk.server, user, then=then)
    return page


def worked_case(lead) -> Case:
    """Somying's request (tests/browser/people.py), accepted by MOJ, referred to MOL, with a
    note to the citizen: what every staff page has something to show of."""
    case = somyings_case()
    services.accept_case(case, lead)
    services.add_note(case, lead, "นัดผู้ร้องมาให้ข้อมูลเพิ่มวันจันทร์", public=True)
    services.refer_case(case, lead, {Agency.objects.get(code="MOL"): "ช่วยติดตามค่าจ้างค้างจ่าย"})
    return Case.objects.get(pk=case.pk)


def citizen_journey(walk: Walk, category: Category) -> None:
    page = walk.open()
    walk.visit(page, "/", "home")
    walk.visit(page, "/requests/new/", "request-form")
    radio = page.locator(f"input[name=category][value='{category.pk}']")
    radio.evaluate("(r) => { const group = r.closest('details'); if (group) group.open = true; }")
    radio.check()
    page.fill("[name=description]", "นายจ้างไม่จ่ายค่าจ้างมาสามเดือนแล้ว ขอให้ช่วยติดตามด้วย")
    page.select_option("[name=province]", "50")
    page.fill("[name=citizen_name]", "สมชาย ใจดี")
    page.fill("[name=citizen_phone]", "0812345678")
    page.uncheck("[name=notify_email]")  # no address: the news by SMS
    page.check("[name=notify_sms]")
    walk.look(page, "request-form-filled")
    page.locator("form[method=post] button[type=submit]").last.click()
    page.wait_for_url("**/received/")
    walk.look(page, "request-received")
    reference = re.search(r"RP-\d{4}-[0-9A-Z]{6}", page.url).group(0)
    secret = SECRET.search(page.locator("main").inner_text()).group(0)

    phone = walk.open()  # another device
    walk.visit(phone, "/track/", "track")
    phone.fill("[name=reference]", reference)
    phone.fill("[name=secret]", secret)
    phone.locator("form[method=post] button[type=submit]").last.click()
    phone.wait_for_url(f"**/track/{reference}/")
    walk.look(phone, "tracked-case")
    walk.visit(phone, "/privacy/", "privacy")
    refresh_standard_views()  # as beat does: the public figures of this year, counted
    walk.visit(phone, "/stats/", "public-statistics")
    walk.visit(phone, NOT_FOUND, "not-found")


def staff_journey(walk: Walk, case: Case, lead, helper, admin) -> None:
    page = sign_in(walk, lead, "/staff/")
    walk.look(page, "queue")
    for tab in TABS:
        walk.visit(page, f"/staff/?tab={tab}", f"queue-{tab}")
    walk.visit(page, f"/staff/cases/{case.reference}/", "case-lead")
    for summary in page.locator("details > summary").all():
        summary.click()
    walk.look(page, "case-lead-unfolded")
    walk.visit(page, f"/staff/cases/{case.reference}/slip/", "case-slip")
    walk.visit(page, "/staff/intake/", "intake")
    walk.visit(page, "/staff/notifications/", "notifications")

    page = sign_in(walk, helper, "/staff/")
    walk.visit(page, "/staff/?tab=referrals", "queue-referred-to-us")
    walk.visit(page, f"/staff/cases/{case.reference}/", "case-referred")

    page = sign_in(walk, admin, "/")
    for path, name in (
        ("/staff/api-keys/", "api-keys"),
        ("/staff/replies/", "ready-made-replies"),
        ("/staff/replies/new/", "ready-made-reply-new"),
        ("/staff/erasure/", "erasure-requests"),
        ("/plan/", "action-plan"),
    ):
        walk.visit(page, path, name)


def inspector_journey(walk: Walk, inspector) -> None:
    page = sign_in(walk, inspector, "/dashboards/")
    walk.look(page, "dashboards")
    for path, name in (
        ("/dashboards/agencies/", "dashboards-agencies"),
        ("/dashboards/provinces/", "dashboards-provinces"),
        ("/dashboards/provinces/50/", "dashboards-province"),
        ("/dashboards/strategies/", "dashboards-strategies"),
        ("/dashboards/cases/", "dashboards-cases"),
        ("/stats/", "public-statistics-signed-in"),
    ):
        walk.visit(page, path, name)


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("language", ["th", "en"])
def test_the_three_journeys_in_both_languages_at_both_widths(
    browser, live_server, reference_data, settings, language, width
):
    settings.RATELIMIT_ENABLE = False  # many sign-ins and requests from one address
    folder = SCREENSHOTS / "walk" / f"{language}-{width}"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    walk = Walk(browser, live_server, language, width, folder)
    lead = person("MOJ", Role.SUPERVISOR, "วิไล", "ยุติธรรม")
    helper = person("MOL", Role.CASE_OFFICER, "ประยูร", "แรงงาน")
    admin = person("MOJ", Role.AGENCY_ADMIN, "อารี", "ดูแลระบบ")
    inspector = InspectorFactory().user
    case = worked_case(lead)

    citizen_journey(walk, Category.objects.get(code="unpaid-wages"))
    staff_journey(walk, case, lead, helper, admin)
    inspector_journey(walk, inspector)

    assert walk.seen >= 35
    assert len(list(folder.glob("*.png"))) == walk.seen
    assert walk.problems == []
