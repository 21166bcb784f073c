"""The people of the browser tests: staff of an agency, signed in in a browser of their
own, and the citizen whose case they work."""

from playwright.sync_api import expect

from agencies.models import Agency, Province
from referrals.models import Category, Channel
from referrals.services import NewCase, create_case
from tests.browser.conftest import sign_in as sign_in_on
from tests.factories import MembershipFactory

SIGN_IN = "เข้าสู่ระบบสำหรับเจ้าหน้าที่"


def staff(code: str, role: str):
    return MembershipFactory(agency=Agency.objects.get(code=code), role=role).user


def somyings_case():
    """A request for legal aid sent from the web in Chiang Mai, led by MOJ."""
    case, _secret = create_case(
        NewCase(
            citizen_name="สมหญิง ใจงาม",
            citizen_phone="0812345678",
            category=Category.objects.get(code="legal-aid"),
            province=Province.objects.get(code="50"),
            description="ถูกเลิกจ้างโดยไม่ได้รับค่าจ้างสามเดือน และไม่มีที่พักอาศัย",
            channel=Channel.WEB,
        )
    )
    return case


def sign_in(browser, live_server, user, console_errors):
    context = browser.new_context(locale="th-TH", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: console_errors.append(str(e)))
    sign_in_on(page, live_server, user, then="/staff/")
    # Staff land on their queue, and the header leads back to it from anywhere.
    expect(
        page.get_by_role("navigation", name="เมนูหลัก").get_by_role("link", name="รายการเรื่อง")
    ).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("เรื่องของ")
    return page
