""" "I am in danger now" on a phone: the emergency numbers appear as soon as the box is
ticked, and again on the answer page, as numbers a tap calls."""

import pytest
from playwright.sync_api import expect

from referrals.models import Case, Priority
from tests.referrals.public_helpers import isolate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CATEGORY = "ค่าจ้างค้างจ่ายและสิทธิแรงงาน"
CATEGORY_GROUP = "งาน ค่าจ้าง และหนี้สิน"


@pytest.fixture(autouse=True)
def counts_of_its_own(settings, tmp_path, monkeypatch):
    """Its submissions counted against limits of its own, not the shared cache's, where
    the other tests' requests from 127.0.0.1 within the hour would refuse them."""
    yield from isolate(settings, tmp_path, monkeypatch)


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("width", [360, 1280])
def test_a_person_in_danger_sees_the_emergency_numbers_at_once(
    page, live_server, reference_data, console_errors, screenshot, width
):
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(live_server.url + "/requests/new/")
    police = page.locator('.danger-now a[href="tel:191"]')
    expect(police).to_be_hidden()

    tick = page.get_by_label("ฉันกำลังตกอยู่ในอันตราย")
    box, words = tick.bounding_box(), page.locator("label[for=id_in_danger_now]").bounding_box()
    assert box["x"] < words["x"], "the box stands before its words"
    assert words["y"] <= box["y"] + box["height"] / 2 <= words["y"] + words["height"], (
        "on the same line, as the form's other ticks"
    )
    tick.check()

    expect(police).to_be_visible()
    expect(page.locator('.danger-now a[href="tel:1300"]')).to_be_visible()
    assert fits_the_screen(page)
    screenshot(f"form-{width}")

    page.get_by_text(CATEGORY_GROUP, exact=True).click()
    page.get_by_role("radio", name=CATEGORY).check()
    page.get_by_label("เล่าว่าเกิดอะไรขึ้น และต้องการความช่วยเหลืออย่างไร").fill(
        "นายจ้างขู่ทำร้ายเพราะทวงค่าจ้าง ตอนนี้ยังอยู่ที่ทำงาน"
    )
    page.get_by_label("จังหวัด", exact=True).select_option(label="เชียงใหม่")
    page.get_by_label("ชื่อ-นามสกุลของคุณ").fill("สมชาย ใจดี")
    page.get_by_label("หมายเลขโทรศัพท์").fill("081 234 5678")
    page.get_by_label("อีเมล", exact=True).uncheck()  # no address: not by email
    page.get_by_role("button", name="ส่งคำขอ", exact=True).click()

    expect(page.get_by_role("heading", name="คุณบอกว่ากำลังตกอยู่ในอันตราย")).to_be_visible()
    expect(page.locator('.emergency-now a[href="tel:191"]')).to_be_visible()
    expect(page.locator('.emergency-now a[href="tel:1300"]')).to_be_visible()
    assert fits_the_screen(page)
    screenshot(f"received-{width}")
    assert Case.objects.get().priority == Priority.URGENT
    assert console_errors == []
