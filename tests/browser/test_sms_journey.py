"""A citizen without email follows their request by SMS, on a phone-sized screen in Thai:
they choose SMS on the form, an officer asks them for information in the staff pages, the
news reaches a local SMS gateway, they lose their secret, recover it with the code that
comes by SMS, and answer the agency.

The gateway is a real HTTP server on a loopback port (``tests/referrals/sms_gateway.py``);
the outbox sends what is waiting as the periodic sender does. Every page must run without a
JavaScript error and fit 360 px.
"""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from agencies.models import Role
from referrals import notifications
from referrals.models import Case, CaseStatus
from tests.browser.conftest import PHONE, SCREENSHOTS, fill_a_request, open_folded_action
from tests.browser.people import sign_in, staff
from tests.referrals.sms_gateway import Gateway

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MOBILE = "0812345678"
# The secret, and not the middle of a reference (RP-2569-7KQ3XD).
SECRET = re.compile(r"(?<![-0-9A-Z])[0-9A-Z]{4}-[0-9A-Z]{4}(?![-0-9A-Z])")
ASK = "ขอข้อมูลจากผู้ร้อง"  # "Ask the citizen"
QUESTION = "ขอสำเนาสัญญาจ้างหรือสลิปเงินเดือนเดือนล่าสุด"
ANSWER = "แนบสลิปเงินเดือนไม่ได้ แต่นายจ้างชื่อบริษัท ตัวอย่าง จำกัด จ่ายเงินสดทุกสิ้นเดือน"


@pytest.fixture(autouse=True)
def no_rate_limits(settings):
    """The limits count in the shared cache, which outlives a test; they have tests of
    their own."""
    settings.RATELIMIT_ENABLE = False


@pytest.fixture
def gateway(settings, live_server):
    double = Gateway()
    double.start()
    settings.SMS_BACKEND = "referrals.sms.HttpGatewayBackend"
    settings.SMS_GATEWAY_URL = double.url
    settings.SMS_GATEWAY_KEY, settings.SMS_GATEWAY_SECRET = "key", "secret"
    settings.SMS_SENDER = "MOU1300"
    settings.SITE_URL = live_server.url
    yield double
    double.stop()


def arrived(gateway: Gateway) -> str:
    """Send what waits in the outbox (as the periodic sender does) and return the text
    that reached the citizen's phone since the last call, parts joined."""
    notifications.deliver_pending(older_than=timedelta(0))
    texts = [m["message"] for m in gateway.received if m["msisdn"] == MOBILE]
    gateway.received.clear()
    return "\n".join(texts)


SHOTS = SCREENSHOTS / "sms_journey"


def fits(page, step: str) -> None:
    """The page fits the phone's width; its picture is kept for a person to look at."""
    page.wait_for_load_state()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{step}.png", full_page=True)


def test_a_citizen_follows_by_sms_recovers_a_lost_secret_and_answers(
    page, browser, live_server, reference_data, gateway, console_errors
):
    # The citizen asks for help, without email, and chooses SMS.
    page.goto(live_server.url + "/requests/new/")
    fill_a_request(page)
    page.get_by_label("SMS ไปยังโทรศัพท์มือถือของฉัน").check()
    fits(page, "1-form")
    page.get_by_role("button", name="ส่งคำขอ", exact=True).click()
    expect(page.get_by_role("heading", name="ได้รับคำขอของคุณแล้ว")).to_be_visible()
    fits(page, "2-answer-page")
    case = Case.objects.get()
    assert case.notify_sms and case.citizen_phone == MOBILE
    first_secret = SECRET.search(page.locator("main").inner_text()).group(0)

    received = arrived(gateway)
    assert case.reference in received and "/track/" in received

    # An officer of the lead agency accepts it and asks a question, in the staff pages.
    officer = staff(case.lead_agency.code, Role.SUPERVISOR)
    desk = sign_in(browser, live_server, officer, console_errors)
    desk.goto(f"{live_server.url}/staff/cases/{case.reference}/")
    desk.get_by_role("button", name="รับเรื่องเข้าหน่วยงาน").click()
    expect(desk.get_by_text("รับเรื่องเข้าหน่วยงานแล้ว")).to_be_visible()
    ask = open_folded_action(desk, "request_information")  # folded under the other actions
    ask.get_by_role("textbox").first.fill(QUESTION)
    ask.get_by_role("button", name=ASK).click()
    expect(desk.get_by_text(QUESTION).first).to_be_visible()
    case.refresh_from_db()
    assert case.status == CaseStatus.WAITING_CITIZEN

    # The news reaches the phone by SMS, in Thai, with the link to the request.
    received = arrived(gateway)
    assert f"คำขอ {case.reference}" in received
    assert "ขอข้อมูลเพิ่มเติมจากคุณ" in received
    assert f"/track/?reference={case.reference}" in received

    # On another day, on the phone, the secret is lost: a code comes by SMS.
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/track/?reference={case.reference}")
    page.get_by_role("link", name="ลืมรหัสลับ?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ลืมรหัสลับ?")
    fits(page, "3-forgot")
    page.get_by_label("เลขที่คำขอ").fill(case.reference)
    page.get_by_label("เบอร์มือถือหรืออีเมล").fill("081 234 5678")
    page.get_by_role("button", name="ส่งรหัสให้ฉัน").click()
    fits(page, "4-code")

    code = re.search(r"\b\d{6}\b", arrived(gateway)).group(0)
    page.get_by_label("รหัส 6 หลัก").fill(code)
    page.get_by_role("button", name="ตั้งรหัสลับใหม่").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("รหัสลับใหม่ของคุณ")
    fits(page, "5-new-secret")
    new_secret = SECRET.search(page.locator("main").inner_text()).group(0)
    assert new_secret != first_secret

    # With the new secret they open the request and answer the agency.
    page.get_by_role("link", name="ติดตามคำขอของฉัน").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"คำขอ {case.reference}")
    # The question stands out at the top (a note), and in the timeline.
    expect(page.get_by_role("note").get_by_text(QUESTION)).to_be_visible()
    answer = page.locator("form#action-add_information")
    answer.get_by_role("textbox").first.fill(ANSWER)
    answer.get_by_role("button", name="ตอบหน่วยงาน").click()
    expect(page.get_by_role("status")).to_contain_text("หน่วยงานได้รับข้อมูลของคุณแล้ว")
    fits(page, "6-answered")
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS

    # The old secret no longer opens the request.
    other = browser.new_context(locale="th-TH", viewport=PHONE).new_page()
    other.goto(f"{live_server.url}/track/?reference={case.reference}")
    other.get_by_label("รหัสลับ").fill(first_secret)
    other.get_by_role("button", name="เปิดคำขอของฉัน").click()
    expect(other.get_by_role("heading", level=1)).not_to_have_text(f"คำขอ {case.reference}")
    other.context.close()

    desk.context.close()
    assert console_errors == []
