"""A supervisor sets up two-factor sign-in on a phone-sized screen in Thai, keeps the
recovery codes, and signs in again with a code from the app: no JavaScript error, nothing
wider than 360 px."""

import re

import pytest
from playwright.sync_api import expect

from agencies.models import Role
from tests.browser.conftest import fits_the_screen, sign_in
from tests.browser.people import staff
from tests.factories import Authenticator

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("two_factor_required", "own_cache"),
]


def test_a_supervisor_sets_up_two_factor_sign_in_and_signs_in_with_a_code(
    page, live_server, reference_data, console_errors, screenshot
):
    supervisor = staff("MOJ", Role.SUPERVISOR)

    sign_in(page, live_server, supervisor, then="/staff/")
    expect(page.get_by_role("heading", name="ตั้งค่าการยืนยันตัวตนสองขั้นตอน")).to_be_visible()
    expect(page.get_by_role("img", name="คิวอาร์โค้ดสำหรับสแกนด้วยแอปยืนยันตัวตน")).to_be_visible()
    assert fits_the_screen(page)
    screenshot("1-set-up")

    app = Authenticator.from_typed_key(page.locator("#typed-key").inner_text())
    code = page.get_by_label("รหัสหกหลักจากแอปยืนยันตัวตนของท่าน")
    code.fill("000000" if app.code() != "000000" else "111111")
    page.get_by_role("button", name="ยืนยันและเปิดใช้งาน").click()
    expect(page.get_by_text("รหัสไม่ถูกต้อง").first).to_be_visible()
    code.fill(app.code())
    page.get_by_role("button", name="ยืนยันและเปิดใช้งาน").click()

    expect(page.get_by_role("heading", name="รหัสกู้คืนของท่าน")).to_be_visible()
    codes = page.get_by_role("list", name="รหัสกู้คืน").get_by_role("listitem")
    expect(codes).to_have_count(10)
    expect(page.get_by_role("button", name="พิมพ์")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="ดาวน์โหลดเป็นไฟล์ข้อความ").click()
    saved = download.value
    assert saved.suggested_filename == "recovery-codes.txt"
    assert len(re.findall(r"^[a-z2-7]{8}$", open(saved.path()).read(), re.M)) == 10  # noqa: SIM115
    assert fits_the_screen(page)
    screenshot("2-recovery-codes")
    page.get_by_role("link", name="เก็บรหัสไว้แล้ว ดำเนินการต่อ").click()
    expect(page).to_have_url(re.compile(r"/staff/$"))

    # Signing out and in again: the password, then the code the app shows.
    page.get_by_role("button", name=re.compile("ออกจากระบบ")).click()
    sign_in(page, live_server, supervisor, then="/staff/")
    expect(page.get_by_role("heading", name="กรอกรหัสยืนยันการเข้าสู่ระบบ")).to_be_visible()
    assert fits_the_screen(page)
    screenshot("3-code-step")
    page.get_by_label("รหัสหกหลักจากแอปยืนยันตัวตนของท่าน").fill(app.next_code())
    page.get_by_role("button", name="เข้าสู่ระบบ", exact=True).click()
    expect(page).to_have_url(re.compile(r"/staff/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("เรื่องของ")

    assert console_errors == []
