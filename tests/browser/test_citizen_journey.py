"""A citizen's whole journey on a phone-sized screen, in Thai: ask for help, get the code,
follow the request on another device, read what the agency tells them, and rate the help.

Staff act through the services (their own pages have their own journey); every citizen page
must fit 360 px without sideways scrolling and run without a JavaScript error. Screenshots of
each step are written to var/screenshots/<test name>/.
"""

import re

import pytest
from playwright.sync_api import expect

from agencies.models import District, Role
from referrals import services
from referrals.models import Case, CaseStatus, Category, Notification, Rating
from tests.browser.conftest import PHONE
from tests.referrals.factories import staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REFERENCE = re.compile(r"RP-25\d\d-[0-9A-Z]{6}")
SECRET = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}")

CATEGORY = "ค่าจ้างค้างจ่ายและสิทธิแรงงาน"  # unpaid wages, led by the labour ministry (MOL)
CATEGORY_GROUP = "งาน ค่าจ้าง และหนี้สิน"  # the group to open on the form to find it
DESCRIPTION = "นายจ้างไม่จ่ายค่าจ้างมาสามเดือนแล้ว ขอให้ช่วยติดตามค่าจ้างที่ค้างให้ด้วย"
PUBLIC_NOTE = "เจ้าหน้าที่แรงงานจังหวัดนัดนายจ้างมาไกล่เกลี่ยในวันจันทร์หน้า"
INTERNAL_NOTE = "นายจ้างรายนี้เคยถูกร้องเรียนมาแล้วสองครั้ง (บันทึกภายใน)"
ANSWER = "นายจ้างจ่ายค่าจ้างที่ค้างครบทั้งสามเดือนแล้ว เมื่อวันที่ตกลงกันในการไกล่เกลี่ย"
COMMENT = "เจ้าหน้าที่ช่วยเหลือรวดเร็ว อธิบายชัดเจน ขอบคุณมากครับ"

# The elements sticking out on the right, to say what overflows rather than only that it does.
OVERFLOWING = """(width) => [...document.querySelectorAll('body *')]
    .filter((el) => el.getBoundingClientRect().right > width + 0.5)
    .map((el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
        + [...el.classList].map((c) => '.' + c).join(''))
    .slice(0, 8)"""

# Form controls a screen reader would announce without a name.
UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea')]
    .filter((el) => el.type !== 'hidden' && el.tabIndex >= 0)
    .filter((el) => ![...el.labels].some((l) => l.textContent.trim())
        && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
    .map((el) => el.name || el.id)"""


@pytest.fixture(autouse=True)
def no_rate_limits(settings):
    """The submission and tracking limits count in the shared cache, which outlives a test:
    runs repeated within the hour from 127.0.0.1 would be refused. Not what this test is about."""
    settings.RATELIMIT_ENABLE = False


@pytest.fixture
def other_phone(browser):
    """A second phone-sized browser with its own cookies: another device of the citizen."""
    context = browser.new_context(locale="th-TH", viewport=PHONE)
    yield context.new_page()
    context.close()


@pytest.fixture
def phone_without_javascript(browser):
    context = browser.new_context(locale="th-TH", viewport=PHONE, java_script_enabled=False)
    yield context.new_page()
    context.close()


def listen_for_errors(page, errors: list[str]) -> None:
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))


def check_page(page, step: str, problems: list[str]) -> None:
    """Record (rather than stop at) a page wider than the phone or a form control without a
    label, so that one run shows them all; the test asserts the list is empty at its end.
    A click that navigates returns before the next page exists: wait for it first."""
    page.wait_for_load_state()
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > PHONE["width"]:
        culprits = page.evaluate(OVERFLOWING, PHONE["width"])
        problems.append(f"{step}: {page.url} is {width}px wide; sticking out: {culprits}")
    unlabelled = page.evaluate(UNLABELLED)
    if unlabelled:
        problems.append(f"{step}: {page.url} has controls without a label: {unlabelled}")


def shoot(page, folder, name: str) -> None:
    page.screenshot(path=folder / f"{name}.png", full_page=True)


def slip_value(page, label: str) -> str:
    """The code shown after a <dt> label on the "received" page."""
    return page.locator("dt", has_text=label).locator("xpath=following-sibling::dd[1]").inner_text()


def test_a_citizen_asks_follows_on_another_phone_and_rates_the_help(
    page, other_phone, live_server, reference_data, console_errors, screenshot_dir
):
    page_problems: list[str] = []

    # 1. From the home page to the form.
    page.goto(live_server.url + "/")
    check_page(page, "home", page_problems)
    page.get_by_role("main").get_by_role("link", name="ขอความช่วยเหลือ", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ขอความช่วยเหลือ")
    check_page(page, "form", page_problems)

    # Keyboard: the first Tab reaches the skip link; the submit button can be reached and
    # shows where the focus is.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="ข้ามไปยังเนื้อหา")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    submit = page.get_by_role("button", name="ส่งคำขอ", exact=True)
    for _ in range(80):
        page.keyboard.press("Tab")
        if submit.evaluate("(button) => button === document.activeElement"):
            break
    expect(submit).to_be_focused()
    outline = submit.evaluate(
        "(b) => { const s = getComputedStyle(b); return [s.outlineStyle, s.outlineWidth]; }"
    )
    assert outline[0] != "none" and outline[1] != "0px", f"no visible focus outline: {outline}"

    # htmx narrows the places in place: the no-JavaScript buttons are not shown.
    expect(page.get_by_role("button", name="แสดงอำเภอ")).to_be_hidden()
    expect(page.get_by_role("button", name="แสดงตำบล")).to_be_hidden()

    page.get_by_text(CATEGORY_GROUP, exact=True).click()
    page.get_by_role("radio", name=CATEGORY).check()
    page.get_by_label("เล่าว่าเกิดอะไรขึ้น และต้องการความช่วยเหลืออย่างไร").fill(DESCRIPTION)
    page.get_by_label("จังหวัด", exact=True).select_option(label="เชียงใหม่")
    district = page.get_by_label("อำเภอ/เขต (ไม่บังคับ)")
    expect(district.get_by_role("option", name="เมืองเชียงใหม่", exact=True)).to_be_attached()
    chiang_mai_districts = District.objects.filter(province__name_th="เชียงใหม่").count()
    expect(district.locator("option")).to_have_count(chiang_mai_districts + 1)  # and "-----"
    district.select_option(label="เมืองเชียงใหม่")
    subdistrict = page.get_by_label("ตำบล/แขวง (ไม่บังคับ)")
    expect(subdistrict.get_by_role("option", name="ศรีภูมิ", exact=True)).to_be_attached()
    subdistrict.select_option(label="ศรีภูมิ")
    page.get_by_label("ชื่อ-นามสกุลของคุณ").fill("สมชาย ใจดี")
    page.get_by_label("หมายเลขโทรศัพท์").fill("081 234 5678")
    page.get_by_label("อีเมล (ไม่บังคับ)").fill("somchai@example.org")
    check_page(page, "form filled", page_problems)
    shoot(page, screenshot_dir, "citizen-1-form")
    submit.click()

    # 2. The code and the secret.
    expect(page.get_by_role("heading", name="ได้รับคำขอของคุณแล้ว")).to_be_visible()
    reference = slip_value(page, "เลขที่คำขอ")
    secret = slip_value(page, "รหัสลับ")
    assert REFERENCE.fullmatch(reference), reference
    assert SECRET.fullmatch(secret), secret
    check_page(page, "received", page_problems)
    shoot(page, screenshot_dir, "citizen-2-received")
    case = Case.objects.get(reference=reference)
    assert (case.category.name_th, case.lead_agency.code) == (CATEGORY, "MOL")
    assert (case.district.name_th, case.subdistrict.name_th) == ("เมืองเชียงใหม่", "ศรีภูมิ")
    assert (case.citizen_name, case.citizen_email) == ("สมชาย ใจดี", "somchai@example.org")

    # 3. Another device: open the request with the code and the secret.
    phone = other_phone
    listen_for_errors(phone, console_errors)
    phone.goto(live_server.url + "/")
    phone.get_by_role("navigation", name="เมนูหลัก").get_by_role(
        "link", name="ติดตามคำขอ", exact=True
    ).click()
    phone.wait_for_url("**/track/")
    check_page(phone, "track", page_problems)
    phone.get_by_label("เลขที่คำขอ").fill(reference)
    phone.get_by_label("รหัสลับ").fill(secret)
    phone.get_by_role("button", name="เปิดคำขอของฉัน").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text(f"คำขอ {reference}")
    status = phone.locator(".case-header .status")
    expect(status).to_have_text("ได้รับคำขอแล้ว")
    check_page(phone, "case new", page_problems)
    shoot(phone, screenshot_dir, "citizen-3-tracked")

    # 3b. The link in the email confirms the address, on the device that opened the request.
    token = Notification.objects.get(case=case, kind="case_received").context["token"]
    phone.goto(live_server.url + f"/track/{reference}/confirm-email/{token}/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("ยืนยันอีเมลของคุณ")
    check_page(phone, "confirm email", page_problems)
    phone.get_by_role("button", name="ยืนยันอีเมลของฉัน").click()
    expect(phone.get_by_role("status")).to_contain_text("เราจะส่งความคืบหน้าของคำขอนี้ไปที่อีเมลของคุณ")
    assert Case.objects.get(pk=case.pk).citizen_email_confirmed_at is not None

    # 3c. The citizen adds SMS to the ways they hear of the request.
    expect(phone.get_by_text("ช่องทางรับความคืบหน้า", exact=True)).to_be_visible()
    phone.locator("details.more-actions summary").click()
    channels = phone.locator("form#action-choose_channels")
    expect(channels.get_by_label("อีเมล", exact=True)).to_be_checked()
    channels.get_by_label("SMS", exact=True).check()
    channels.get_by_role("button", name="บันทึกตัวเลือกของฉัน").click()
    expect(phone.get_by_role("status")).to_contain_text("บันทึกแล้ว")
    chosen = Case.objects.get(pk=case.pk)
    assert (chosen.notify_email, chosen.notify_sms) == (True, True)
    check_page(phone, "channels chosen", page_problems)

    # 4. The lead agency's intake officer accepts the case and writes two notes.
    officer = staff("MOL", Role.INTAKE_OFFICER)
    case = services.accept_case(case, officer)
    services.add_note(case, officer, PUBLIC_NOTE, public=True)
    services.add_note(case, officer, INTERNAL_NOTE)
    phone.reload()
    expect(status).to_have_text("อยู่ระหว่างดำเนินการ")
    timeline = phone.get_by_role("region", name="ความคืบหน้า")
    expect(timeline).to_contain_text(PUBLIC_NOTE)
    expect(phone.locator("body")).not_to_contain_text(INTERNAL_NOTE)
    expect(phone.get_by_role("heading", name="ประเมินความช่วยเหลือที่ได้รับ")).to_have_count(0)
    check_page(phone, "case in progress", page_problems)
    shoot(phone, screenshot_dir, "citizen-4-public-note")

    # 5. The case is resolved; the citizen reads the answer and rates the help.
    services.resolve_case(case, officer, ANSWER)
    phone.reload()
    expect(status).to_have_text("ดำเนินการเสร็จแล้ว")
    answer = phone.get_by_role("heading", name="คำตอบจากหน่วยงาน", exact=True)
    expect(answer.locator("xpath=following-sibling::p[1]")).to_have_text(ANSWER)
    rate = phone.locator("form#action-rate")
    expect(rate.get_by_role("heading", name="ประเมินความช่วยเหลือที่ได้รับ")).to_be_visible()
    check_page(phone, "case resolved", page_problems)
    shoot(phone, screenshot_dir, "citizen-5-resolved")
    for question, score in (
        ("ความช่วยเหลือมีประโยชน์กับคุณเพียงใด", "5"),
        ("คำอธิบายที่คุณได้รับชัดเจนเพียงใด", "4"),
        ("โดยรวมคุณพึงพอใจเพียงใด", "5"),
    ):
        rate.get_by_role("group", name=question).get_by_label(score, exact=True).check()
    rate.get_by_label("ความคิดเห็น (ไม่บังคับ)").fill(COMMENT)
    rate.get_by_role("button", name="ประเมินความช่วยเหลือที่ได้รับ", exact=True).click()

    expect(phone.get_by_role("status")).to_contain_text("ขอบคุณที่ประเมินความช่วยเหลือที่ได้รับ")
    expect(phone.get_by_role("heading", name="ผลการประเมินของคุณ")).to_be_visible()
    expect(phone.get_by_text("ประโยชน์ 5/5 · ความชัดเจน 4/5 · ความพึงพอใจ 5/5")).to_be_visible()
    expect(phone.locator("form#action-rate")).to_have_count(0)
    expect(phone.get_by_role("button", name="ประเมินความช่วยเหลือที่ได้รับ", exact=True)).to_have_count(0)
    check_page(phone, "case rated", page_problems)
    shoot(phone, screenshot_dir, "citizen-6-rated")

    rating = Rating.objects.get(case__reference=reference)
    assert (rating.usefulness, rating.clarity, rating.satisfaction) == (5, 4, 5)
    assert rating.comment == COMMENT
    assert Case.objects.get(pk=case.pk).status == CaseStatus.RESOLVED
    assert page_problems == []
    assert console_errors == []


def test_the_request_form_works_without_javascript(
    phone_without_javascript, live_server, reference_data, screenshot_dir
):
    page_problems: list[str] = []
    errors: list[str] = []
    page = phone_without_javascript
    listen_for_errors(page, errors)
    page.goto(live_server.url + "/requests/new/")

    page.get_by_text(CATEGORY_GROUP, exact=True).click()
    page.get_by_role("radio", name=CATEGORY).check()
    page.get_by_label("เล่าว่าเกิดอะไรขึ้น และต้องการความช่วยเหลืออย่างไร").fill(DESCRIPTION)
    page.get_by_label("ชื่อ-นามสกุลของคุณ").fill("มาลี ศรีสุข")
    page.get_by_label("หมายเลขโทรศัพท์").fill("089 765 4321")
    # No email address: the news by SMS instead.
    page.get_by_label("อีเมล", exact=True).uncheck()
    page.get_by_label("SMS ไปยังโทรศัพท์มือถือของฉัน").check()
    page.get_by_label("จังหวัด", exact=True).select_option(label="เชียงใหม่")
    page.get_by_role("button", name="แสดงอำเภอ").click()

    # The page comes back with the districts of the province, and what was typed kept.
    expect(page.get_by_role("radio", name=CATEGORY)).to_be_checked()
    expect(page.get_by_label("ชื่อ-นามสกุลของคุณ")).to_have_value("มาลี ศรีสุข")
    expect(page.locator(".form-errors")).to_have_count(0)
    page.get_by_label("อำเภอ/เขต (ไม่บังคับ)").select_option(label="เมืองเชียงใหม่")
    page.get_by_role("button", name="แสดงตำบล").click()
    page.get_by_label("ตำบล/แขวง (ไม่บังคับ)").select_option(label="ศรีภูมิ")
    check_page(page, "no-js form", page_problems)
    shoot(page, screenshot_dir, "nojs-1-form")
    page.get_by_role("button", name="ส่งคำขอ", exact=True).click()

    expect(page.get_by_role("heading", name="ได้รับคำขอของคุณแล้ว")).to_be_visible()
    reference = slip_value(page, "เลขที่คำขอ")
    assert REFERENCE.fullmatch(reference), reference
    assert SECRET.fullmatch(slip_value(page, "รหัสลับ"))
    expect(page.get_by_role("button", name="พิมพ์")).to_be_hidden()  # printing needs JS
    check_page(page, "no-js received", page_problems)
    shoot(page, screenshot_dir, "nojs-2-received")

    case = Case.objects.get(reference=reference)
    assert (case.description, case.citizen_name) == (DESCRIPTION, "มาลี ศรีสุข")
    assert (case.notify_email, case.notify_sms) == (False, True)
    assert (case.district.name_th, case.subdistrict.name_th) == ("เมืองเชียงใหม่", "ศรีภูมิ")
    assert page_problems == []
    assert errors == []


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("viewport", [PHONE, {"width": 1280, "height": 800}], ids=["360", "1280"])
def test_the_kinds_of_help_leave_the_description_near_and_each_is_one_tap_away(
    browser, live_server, reference_data, javascript, viewport, screenshot_dir
):
    context = browser.new_context(locale="th-TH", viewport=viewport, java_script_enabled=javascript)
    page = context.new_page()
    errors: list[str] = []
    listen_for_errors(page, errors)
    page.goto(live_server.url + "/requests/new/")

    kinds = page.locator("fieldset", has=page.locator("input[name=category]"))
    description = page.get_by_label("เล่าว่าเกิดอะไรขึ้น และต้องการความช่วยเหลืออย่างไร")
    distance = description.bounding_box()["y"] - kinds.bounding_box()["y"]
    assert distance < 2.5 * viewport["height"], distance
    shoot(page, screenshot_dir, f"kinds-{viewport['width']}-{'js' if javascript else 'nojs'}")

    # Each of the 17 kinds: open its group (if it has one), choose it, read what it covers.
    categories = list(Category.objects.filter(is_active=True).select_related("group"))
    assert len(categories) == 17
    for category in categories:
        radio = page.get_by_label(category.name_th)
        if not radio.is_visible():  # in a closed group: one tap on its name opens it
            page.locator("details.kind-group summary", has_text=category.group.name_th).click()
        radio.check()
        expect(radio).to_be_checked()
        expect(page.get_by_text(category.description_th, exact=True)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    context.close()
    assert errors == []
