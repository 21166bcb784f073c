"""The staff journey in a real browser: triage, referral to two agencies, answers, resolution."""

import pytest
from playwright.sync_api import expect

from agencies.models import Role
from referrals.models import Case, CaseStatus, ReferralStatus
from tests.browser.people import SIGN_IN, sign_in, somyings_case, staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_case_is_triaged_referred_answered_by_two_agencies_and_resolved(
    browser, live_server, reference_data, screenshot_dir
):
    console_errors: list[str] = []
    case = somyings_case()
    intake = staff("MOJ", Role.INTAKE_OFFICER)
    labour = staff("MOL", Role.CASE_OFFICER)
    social = staff("MSDHS", Role.SUPERVISOR)

    # The intake officer of the lead agency finds the new case, accepts it and refers it.
    page = sign_in(browser, live_server, intake, console_errors)
    page.get_by_role("link", name=case.reference).click()
    expect(page.get_by_role("heading", name=f"เรื่องเลขที่ {case.reference}")).to_be_visible()
    page.get_by_role("button", name="รับเรื่องเข้าหน่วยงาน").click()
    expect(page.get_by_text("รับเรื่องเข้าหน่วยงานแล้ว")).to_be_visible()
    refer = page.locator("form", has=page.get_by_role("button", name="ส่งต่อไปยังหน่วยงานอื่น"))
    # Each agency is asked in words of its own; a box shows once its agency is ticked.
    labour_ask = refer.get_by_label("สิ่งที่ขอให้กระทรวงแรงงานดำเนินการ")
    expect(labour_ask).to_be_hidden()
    refer.get_by_label("กระทรวงแรงงาน", exact=True).check()
    labour_ask.fill("ช่วยติดตามค่าจ้างค้างจ่าย")
    refer.get_by_label("กระทรวงการพัฒนาสังคมและความมั่นคงของมนุษย์", exact=True).check()
    refer.get_by_label("สิ่งที่ขอให้กระทรวงการพัฒนาสังคมและความมั่นคงของมนุษย์ดำเนินการ").fill("จัดหาที่พักชั่วคราว")
    page.screenshot(path=screenshot_dir / "1-intake-refers.png", full_page=True)
    refer.get_by_role("button", name="ส่งต่อไปยังหน่วยงานอื่น").click()
    expect(page.get_by_text("ส่งต่อเรื่องแล้ว")).to_be_visible()

    # The labour officer sees the referral in the tab, accepts it and reports the help.
    page = sign_in(browser, live_server, labour, console_errors)
    page.get_by_role("link", name="ส่งต่อมาถึงเรา").click()
    page.get_by_role("link", name=case.reference).click()
    page.get_by_role("button", name="รับการส่งต่อ").click()
    expect(page.get_by_text("รับการส่งต่อแล้ว")).to_be_visible()
    page.get_by_label("ความช่วยเหลือที่ให้").fill("ไกล่เกลี่ยกับนายจ้าง ได้รับค่าจ้างครบแล้ว")
    page.get_by_role("button", name="รายงานความช่วยเหลือที่ให้").click()
    expect(page.get_by_text("รายงานผลให้หน่วยงานหลักแล้ว")).to_be_visible()
    page.screenshot(path=screenshot_dir / "2-labour-completes.png", full_page=True)

    # The social development supervisor declines, with a reason.
    page = sign_in(browser, live_server, social, console_errors)
    page.get_by_role("link", name="ส่งต่อมาถึงเรา").click()
    page.get_by_role("link", name=case.reference).click()
    decline = page.locator("form", has=page.get_by_role("button", name="ปฏิเสธการส่งต่อ"))
    decline.get_by_label("เหตุที่หน่วยงานของท่านช่วยเหลือไม่ได้").fill(
        "ผู้ร้องได้ที่พักจากญาติแล้ว ไม่ต้องการบ้านพักชั่วคราว"
    )
    decline.get_by_role("button", name="ปฏิเสธการส่งต่อ").click()
    expect(page.get_by_text("ปฏิเสธการส่งต่อแล้ว")).to_be_visible()
    page.screenshot(path=screenshot_dir / "3-social-declines.png", full_page=True)

    # The lead agency resolves the case, every referral being closed.
    page = sign_in(browser, live_server, intake, console_errors)
    page.get_by_role("link", name="เรื่องทั้งหมดของเรา").click()
    page.get_by_role("link", name=case.reference).click()
    page.get_by_label("สิ่งที่ได้ดำเนินการให้ผู้ร้อง (แสดงให้ผู้ร้องเห็น)").fill(
        "กระทรวงแรงงานช่วยให้ได้รับค่าจ้างครบถ้วนแล้ว"
    )
    page.get_by_role("button", name="ยุติเรื่อง").click()
    expect(page.get_by_text("ยุติเรื่องแล้ว")).to_be_visible()
    page.screenshot(path=screenshot_dir / "4-lead-resolves.png", full_page=True)

    case = Case.objects.get(pk=case.pk)
    assert case.status == CaseStatus.RESOLVED
    outcomes = dict(case.referrals.values_list("to_agency__code", "status"))
    assert outcomes == {"MOL": ReferralStatus.COMPLETED, "MSDHS": ReferralStatus.DECLINED}
    asked = dict(case.referrals.values_list("to_agency__code", "reason"))
    assert asked == {"MOL": "ช่วยติดตามค่าจ้างค้างจ่าย", "MSDHS": "จัดหาที่พักชั่วคราว"}
    assert console_errors == []


def test_the_browser_keeps_no_copy_of_the_queue_after_htmx_searches_and_signing_out(
    browser, live_server, reference_data
):
    console_errors: list[str] = []
    case = somyings_case()
    page = sign_in(browser, live_server, staff("MOJ", Role.INTAKE_OFFICER), console_errors)
    page.get_by_role("link", name="ทั้งหมดของเรา").click()
    # Each search pushes an address; htmx used to keep a copy of the page it left.
    for query in ("สมหญิง", "ใจงาม"):
        page.get_by_label("ค้นหา", exact=False).first.fill(query)
        page.get_by_role("button", name="แสดง").click()
        expect(page.get_by_role("link", name=case.reference)).to_be_visible()

    # htmx keeps the current path there (what the address bar shows anyway), and no page.
    stored = "Object.keys(sessionStorage).map(k => sessionStorage.getItem(k)).join(' ')"
    cache = "sessionStorage.getItem('htmx-history-cache')"
    assert page.evaluate(cache) is None
    assert case.reference not in page.evaluate(stored)
    page.get_by_role("button", name="ออกจากระบบ").click()
    expect(page.get_by_role("link", name=SIGN_IN)).to_be_visible()
    assert page.evaluate(cache) is None
    assert case.reference not in page.evaluate(stored)
    assert console_errors == []
