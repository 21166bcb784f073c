"""An intake officer records a phone request on a phone-sized screen and prints the slip."""

import re

import pytest
from playwright.sync_api import expect

from agencies.models import Agency, Role
from referrals.models import Case
from tests.factories import PASSWORD, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_intake_narrows_places_in_place_and_shows_the_secret_once(
    page, live_server, reference_data, console_errors, screenshot
):
    officer = MembershipFactory(agency=Agency.objects.get(code="MOJ"), role=Role.INTAKE_OFFICER)
    page.goto(live_server.url + "/accounts/login/?next=/staff/intake/")
    page.get_by_label("ชื่อผู้ใช้").fill(officer.user.username)
    page.get_by_label("รหัสผ่าน").fill(PASSWORD)
    page.get_by_role("button", name="เข้าสู่ระบบ").click()

    expect(page.get_by_role("button", name="แสดงอำเภอ")).to_be_hidden()  # htmx does it
    page.get_by_label("ความช่วยเหลือที่ต้องการ").select_option(label="ค่าจ้างค้างจ่ายและสิทธิแรงงาน")
    page.get_by_label("เรื่องที่เกิดขึ้น").fill("นายจ้างไม่จ่ายค่าจ้างสองเดือน")
    page.get_by_label("ชื่อผู้ร้อง").fill("บุญมี ทองคำ")
    page.get_by_label("โทรศัพท์").fill("089 123 4567")
    page.get_by_label("จังหวัด").select_option(label="เชียงใหม่")
    page.get_by_label("อำเภอ/เขต").select_option(label="เมืองเชียงใหม่")
    page.get_by_label("ตำบล/แขวง").select_option(label="ศรีภูมิ")
    screenshot("form")
    page.get_by_role("button", name="บันทึกและพิมพ์ใบรับคำขอ").click()

    expect(page.get_by_role("heading", name="ได้รับคำขอของคุณแล้ว")).to_be_visible()
    secret = page.locator(".slip-codes dd").nth(1).inner_text()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}", secret)
    screenshot("slip")
    # Routed to the labour ministry: the MOJ officer cannot open it, so no link is offered.
    expect(page.get_by_role("link", name="เปิดเรื่อง")).to_have_count(0)
    case = Case.objects.get()
    assert (case.subdistrict.name_th, case.lead_agency.code) == ("ศรีภูมิ", "MOL")
    page.reload()
    expect(page.get_by_text(secret)).to_have_count(0)
    assert console_errors == []
