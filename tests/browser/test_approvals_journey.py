"""Approvals and a two-sided transfer in a real browser: an officer proposes to decline a
referral, the supervisor approves it from the approvals tab, the referring agency sees
the decline; a transfer offered to another agency is returned with a reason."""

import pytest
from playwright.sync_api import expect

from agencies.models import Agency, Role
from referrals import services
from referrals.models import Case, Notification, ReferralStatus, Transfer, TransferStatus
from tests.browser.people import sign_in, somyings_case, staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REASON = "ผู้ร้องได้ที่พักจากญาติแล้ว ไม่ต้องการบ้านพักชั่วคราว"
RETURNED = "เรื่องนี้เป็นเรื่องการจ้างงาน ไม่ใช่เรื่องสุขภาพ"


def test_a_decline_proposed_approved_and_seen_and_a_transfer_returned(
    browser, live_server, reference_data, screenshot_dir
):
    console_errors: list[str] = []
    case = somyings_case()  # led by MOJ
    justice_boss = staff("MOJ", Role.SUPERVISOR)
    justice_intake = staff("MOJ", Role.INTAKE_OFFICER)
    services.accept_case(case, justice_boss)
    social = Agency.objects.get(code="MSDHS")
    [referral] = services.refer_case(case, justice_boss, {social: "จัดหาที่พักชั่วคราว"})
    officer = staff("MSDHS", Role.CASE_OFFICER)
    supervisor = staff("MSDHS", Role.SUPERVISOR)

    # The officer proposes to decline: nothing changes until a supervisor approves.
    page = sign_in(browser, live_server, officer, console_errors)
    page.get_by_role("link", name="ส่งต่อมาถึงเรา").click()
    page.get_by_role("link", name=case.reference).click()
    expect(page.get_by_role("button", name="ปฏิเสธการส่งต่อ", exact=True)).to_have_count(0)
    propose = page.locator(
        "form", has=page.get_by_role("button", name="เสนอปฏิเสธการส่งต่อ (รอหัวหน้างานอนุมัติ)")
    )
    propose.get_by_role("button").click()  # empty: refused, with the reason asked for
    expect(propose.locator(".errorlist")).to_be_visible()
    propose.get_by_label("เหตุที่หน่วยงานของท่านช่วยเหลือไม่ได้").fill(REASON)
    propose.get_by_role("button").click()
    expect(page.get_by_text("เสนอปฏิเสธการส่งต่อแล้ว จะมีผลเมื่อหัวหน้างานอนุมัติ")).to_be_visible()
    expect(page.get_by_role("heading", name="รอหัวหน้างานอนุมัติ")).to_be_visible()
    page.screenshot(path=screenshot_dir / "1-officer-proposes.png", full_page=True)
    assert Case.objects.get(pk=case.pk).referrals.get().status == ReferralStatus.PENDING

    # The supervisor approves it from the approvals tab.
    page = sign_in(browser, live_server, supervisor, console_errors)
    page.get_by_role("link", name="รออนุมัติ").click()
    decision = page.locator("form.proposal", has_text=case.reference)
    expect(decision).to_contain_text(REASON)
    decision.get_by_label("อนุมัติ", exact=True).check()
    page.screenshot(path=screenshot_dir / "2-supervisor-approves.png", full_page=True)
    decision.get_by_role("button", name="บันทึกผลการพิจารณา").click()
    expect(page.get_by_text("อนุมัติแล้ว มีผลทันที")).to_be_visible()
    expect(page.get_by_text("ไม่มีเรื่องรอท่านอนุมัติ")).to_be_visible()

    # The referring agency sees the decline and its reason.
    page = sign_in(browser, live_server, justice_intake, console_errors)
    page.get_by_role("link", name="เรื่องทั้งหมดของเรา").click()
    page.get_by_role("link", name=case.reference).click()
    helping = page.locator("li.referral", has_text="กระทรวงการพัฒนาสังคมและความมั่นคงของมนุษย์")
    expect(helping).to_contain_text("ปฏิเสธ")
    expect(helping).to_contain_text(REASON)
    page.screenshot(path=screenshot_dir / "3-referring-agency-sees.png", full_page=True)
    assert referral.__class__.objects.get(pk=referral.pk).status == ReferralStatus.DECLINED

    # The lead is offered to MOPH, whose intake officer returns it with a reason.
    services.transfer_case(case, justice_boss, Agency.objects.get(code="MOPH"), "เรื่องสุขภาพ")
    health = staff("MOPH", Role.INTAKE_OFFICER)
    page = sign_in(browser, live_server, health, console_errors)
    page.get_by_role("link", name="เรื่องที่เสนอโอนมาให้เรา").click()
    page.get_by_role("link", name=case.reference).click()
    answer = page.locator("section.transfer-offered")
    expect(answer).to_contain_text("เรื่องสุขภาพ")
    answer.get_by_role("button", name="ส่งคืนหน่วยงานหลักเดิม").click()  # no reason: refused
    expect(answer.locator(".errorlist")).to_be_visible()
    answer.get_by_label("เหตุที่หน่วยงานของท่านไม่รับเป็นหน่วยงานหลัก").fill(RETURNED)
    answer.get_by_role("button", name="ส่งคืนหน่วยงานหลักเดิม").click()
    expect(page.get_by_text("ส่งคืนเรื่องให้หน่วยงานหลักเดิมแล้ว")).to_be_visible()
    page.screenshot(path=screenshot_dir / "4-transfer-returned.png", full_page=True)

    transfer = Transfer.objects.get(case=case)
    assert (transfer.status, transfer.return_reason) == (TransferStatus.RETURNED, RETURNED)
    assert Case.objects.get(pk=case.pk).lead_agency.code == "MOJ"
    assert Notification.objects.filter(kind="transfer_update", user=justice_intake).exists()
    assert console_errors == []
