"""Every dashboard tab and the public statistics in a real browser, 360 px and 1280 px wide,
in Thai and in English: nothing is cut, and nothing scrolls sideways but a wide table
inside its own frame on a phone (on a wide screen every table fits whole); the folded
filters leave the first figures on the first screen; the date lists speak B.E."""

from datetime import timedelta

import pytest
from django.db.models import F
from playwright.sync_api import expect

from portal import tasks
from portal.dashboards.snapshots import refresh_standard_views
from portal.models import DashboardSnapshot
from tests.factories import PASSWORD, InspectorFactory
from tests.portal.dashboard_data import YEAR, year_of_cases

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
WIDE = {"width": 1280, "height": 900}
PAGES = {
    "overview": "/dashboards/",
    "agencies": "/dashboards/agencies/",
    "provinces": "/dashboards/provinces/",
    "districts": "/dashboards/provinces/10/",
    "strategies": "/dashboards/strategies/",
    "cases": "/dashboards/cases/?figure=received",
    "stats": "/stats/",
}

# For each table of the page: its frame, whether its last heading ends inside the frame,
# and whether the frame scrolls sideways (by itself) to reach it.
LAYOUT = """() => {
  const faults = [];
  const page = document.documentElement;
  if (page.scrollWidth > window.innerWidth) {
    faults.push(`the page is ${page.scrollWidth}px wide in ${window.innerWidth}px`);
  }
  for (const table of document.querySelectorAll("main table")) {
    const frame = table.closest(".table-wrap");
    const name = table.id || table.className;
    if (!frame) { faults.push(`${name} has no frame`); continue; }
    const cells = table.tHead.rows[0].cells;
    const last = cells[cells.length - 1].getBoundingClientRect();
    const box = frame.getBoundingClientRect();
    const scrolls = frame.scrollWidth > frame.clientWidth + 1;
    const scrollable = ["auto", "scroll"].includes(getComputedStyle(frame).overflowX);
    if (box.right > window.innerWidth + 1) faults.push(`${name}: its frame is cut`);
    if (last.right > box.right + 1 && !(scrolls && scrollable)) {
      faults.push(`${name}: its last column is cut`);
    }
    if (scrolls) faults.push(`${name} scrolls`);
  }
  return faults;
}"""


def signed_in(browser, live_server, viewport, language="th", javascript=True):
    context = browser.new_context(locale="th-TH", viewport=viewport, java_script_enabled=javascript)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("ชื่อผู้ใช้").fill(InspectorFactory().user.username)
    page.get_by_label("รหัสผ่าน").fill(PASSWORD)
    page.get_by_role("button", name="เข้าสู่ระบบ").click()
    expect(page).to_have_url(f"{live_server.url}/dashboards/")
    if language == "en":
        page.get_by_role("button", name="English").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
    return context, page, errors


@pytest.mark.parametrize("language", ["th", "en"])
@pytest.mark.parametrize("width", [PHONE, WIDE], ids=["360", "1280"])
def test_no_dashboard_page_is_cut_or_scrolls_outside_its_frames(
    browser, live_server, reference_data, screenshot_dir, width, language
):
    year_of_cases()
    refresh_standard_views()  # as beat does: the public figures among them
    context, page, errors = signed_in(browser, live_server, width, language)

    for name, url in PAGES.items():
        page.goto(f"{live_server.url}{url}{'&' if '?' in url else '?'}fy={YEAR}")
        page.wait_for_load_state("networkidle")
        page.screenshot(
            path=screenshot_dir / f"{name}-{language}-{width['width']}.png", full_page=True
        )
        faults = page.evaluate(LAYOUT)
        if width == PHONE:  # a wide table may scroll inside its own frame, and only there
            faults = [fault for fault in faults if not fault.endswith(" scrolls")]
        assert faults == [], name

    context.close()
    assert errors == []


@pytest.mark.parametrize("url", [url for name, url in PAGES.items() if name != "stats"])
def test_on_a_phone_the_first_figures_are_on_the_first_screen(
    browser, live_server, reference_data, url
):
    context, page, errors = signed_in(browser, live_server, PHONE)

    page.goto(live_server.url + url)

    expect(page.locator("details.filters")).not_to_have_attribute("open", "")
    first = page.locator(".tiles, section.dashboard-table, section.card").first
    assert first.bounding_box()["y"] < PHONE["height"]
    context.close()
    assert errors == []


def test_a_period_is_chosen_by_day_thai_month_and_buddhist_year_without_javascript(
    browser, live_server, reference_data, screenshot_dir
):
    year_of_cases()
    context, page, errors = signed_in(browser, live_server, PHONE, javascript=False)
    page.goto(f"{live_server.url}/dashboards/?fy={YEAR}")

    page.locator("details.filters > summary").click()
    start = page.get_by_role("group", name="ตั้งแต่", exact=True)
    start.get_by_label("วัน", exact=True).select_option("1")
    start.get_by_label("เดือน", exact=True).select_option(label="มีนาคม")
    start.get_by_label("ปี", exact=True).select_option(label="2569")
    page.screenshot(path=screenshot_dir / "filters-360.png", full_page=True)
    assert page.evaluate(LAYOUT) == []
    page.get_by_role("button", name="แสดง", exact=True).click()

    expect(page.locator(".filters-summary")).to_contain_text("ตั้งแต่: 1 มี.ค. 2569")
    expect(page.locator(".tile-value").first).to_have_text("2")  # c6 and c7
    expect(page.locator('input[type="date"]')).to_have_count(0)
    context.close()
    assert errors == []


def test_tabs_counted_apart_say_so_and_a_reader_has_them_counted_again(
    browser, live_server, reference_data, settings, monkeypatch, screenshot_dir
):
    settings.DASHBOARD_SNAPSHOT_MINUTES = 10
    asked = []
    monkeypatch.setattr(tasks.recount_dashboards, "delay", lambda *args: asked.append(args))
    year_of_cases()
    context, page, errors = signed_in(browser, live_server, PHONE)
    page.goto(f"{live_server.url}/dashboards/?fy={YEAR}")
    DashboardSnapshot.objects.update(computed_at=F("computed_at") - timedelta(minutes=5))

    page.goto(f"{live_server.url}/dashboards/agencies/?fy={YEAR}")

    notice = page.locator(".notice-warning")
    expect(notice).to_contain_text("ตัวเลขแต่ละหน้านับไว้ต่างเวลากัน")
    expect(notice.locator(".moments li")).to_have_count(2)
    page.screenshot(path=screenshot_dir / "moments-360.png", full_page=True)
    assert [fault for fault in page.evaluate(LAYOUT) if not fault.endswith(" scrolls")] == []
    notice.get_by_role("button", name="นับตัวเลขทุกแท็บใหม่ตอนนี้").click()

    expect(page).to_have_url(f"{live_server.url}/dashboards/agencies/?fy={YEAR}")
    expect(page.locator(".messages")).to_contain_text("กำลังนับตัวเลขของทุกแท็บใหม่")
    expect(page.locator(".as-of")).to_contain_text("ตัวเลขชุดนี้กำลังนับใหม่")
    assert asked == [(["overview", "agencies", "provinces", "strategies"], None, f"fy={YEAR}")]
    context.close()
    assert errors == []
