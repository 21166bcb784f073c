"""The home page, sign-in and the admin in a real browser: Thai first, 360 px wide."""

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_citizen_reads_the_home_page_in_thai_then_english_on_a_phone(
    page, live_server, reference_data, console_errors, screenshot
):
    page.goto(live_server.url + "/")

    expect(page.locator("html")).to_have_attribute("lang", "th")
    expect(page.get_by_role("heading", level=1)).to_have_text("ขอความช่วยเหลือจากรัฐได้ในที่เดียว")
    expect(page.get_by_role("heading", name="ค่าจ้างค้างจ่ายและสิทธิแรงงาน")).to_be_visible()
    assert fits_the_screen(page)
    assert page.evaluate("document.fonts.check('16px \"Noto Sans Thai\"', 'ก')")
    screenshot("thai")

    page.get_by_role("button", name="English").click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Ask the state for help, in one place"
    )
    expect(page.get_by_role("heading", name="Unpaid wages and labour rights")).to_be_visible()
    assert fits_the_screen(page)
    screenshot("english")
    assert console_errors == []


def test_the_skip_link_and_focus_are_visible_to_keyboard_users(page, live_server, reference_data):
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="ข้ามไปยังเนื้อหา")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()


def test_staff_sign_in_see_their_work_and_sign_out(
    page, live_server, reference_data, console_errors, screenshot
):
    membership = MembershipFactory()
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="เข้าสู่ระบบสำหรับเจ้าหน้าที่").click()
    page.get_by_label("ชื่อผู้ใช้").fill(membership.user.username)
    page.get_by_label("รหัสผ่าน").fill(PASSWORD)
    screenshot("login")
    page.get_by_role("button", name="เข้าสู่ระบบ").click()

    # Staff land on their queue; the home page still says what their work is.
    expect(page.get_by_role("link", name="รายการเรื่อง").first).to_be_visible()
    page.get_by_role("link", name="ระบบส่งต่อความช่วยเหลือประชาชน").click()
    expect(page.get_by_role("heading", name="งานของท่าน")).to_be_visible()
    expect(page.get_by_text("เจ้าหน้าที่ผู้รับผิดชอบเรื่อง · กระทรวงยุติธรรม")).to_be_visible()
    screenshot("signed-in")

    page.get_by_role("button", name="ออกจากระบบ").click()
    expect(page.get_by_role("link", name="เข้าสู่ระบบสำหรับเจ้าหน้าที่")).to_be_visible()
    assert console_errors == []


def test_the_admin_works_in_both_languages_without_script_errors(
    page, live_server, reference_data, console_errors, screenshot
):
    admin = UserFactory(is_staff=True, is_superuser=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + "/admin/")
    page.get_by_label("ชื่อผู้ใช้").fill(admin.username)
    page.get_by_label("รหัสผ่าน").fill(PASSWORD)
    page.get_by_role("button", name="เข้าสู่ระบบ").click()
    expect(page.get_by_role("link", name="หน่วยงานและพื้นที่")).to_be_visible()

    page.get_by_role("link", name="ประเภทความช่วยเหลือ").first.click()
    expect(page.get_by_role("link", name="legal-aid")).to_be_visible()
    page.get_by_role("link", name="legal-aid").click()
    expect(page.get_by_label("ชื่อ (ภาษาไทย)")).to_have_value("ปรึกษาและช่วยเหลือทางกฎหมาย")
    screenshot("admin-thai")

    page.get_by_role("button", name="English").click()
    expect(page.get_by_label("Name (English)")).to_have_value("Legal advice and legal aid")
    screenshot("admin-english")
    assert console_errors == []
