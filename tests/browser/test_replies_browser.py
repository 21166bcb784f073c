"""Ready-made replies in a real browser, on a phone and on a wide screen: an agency's
administrator writes one; a supervisor inserts replies into the case page's boxes beside
what they typed, edits and sends; without JavaScript the page opens again with the reply
in the box. Nothing is wider than the screen, and the browser logs no error."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from agencies.models import Role
from referrals.models import CaseEvent, CaseStatus, EventKind, ReplyKind, ReplyTemplate
from tests.browser.conftest import open_folded_action, sign_in
from tests.referrals.factories import case_in, reply_template, staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"360": {"width": 360, "height": 740}, "1280": {"width": 1280, "height": 900}}


def open_page(browser, viewport, console_errors, javascript=True):
    context = browser.new_context(locale="th-TH", viewport=viewport, java_script_enabled=javascript)
    page = context.new_page()
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: console_errors.append(str(e)))
    return page


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def picker_of(page, prefix):
    return page.locator("[data-reply-picker]", has=page.locator(f"#reply-{prefix}-choice"))


@pytest.fixture
def scene(reference_data):
    case = case_in(CaseStatus.IN_PROGRESS, "unpaid-wages", citizen_name="สมชาย ใจดี")
    question = reply_template(
        "MOL",
        ReplyKind.REQUEST_INFORMATION,
        "unpaid-wages",
        title="ขอหลักฐานการจ้างงาน",
        body="เรื่อง {reference}: โปรดส่งสลิปเงินเดือนเดือนล่าสุด",
    )
    note = reply_template(
        "MOL", ReplyKind.PUBLIC_NOTE, title="แจ้งความคืบหน้า", body="เรียน คุณ{citizen_name}"
    )
    return case, question, note, staff("MOL", Role.SUPERVISOR)


@pytest.mark.parametrize("width", WIDTHS)
def test_inserting_a_reply_puts_it_beside_what_is_typed_and_it_is_sent_as_edited(
    browser, live_server, scene, width, screenshot_dir
):
    case, question, _note, supervisor = scene
    console_errors: list[str] = []
    page = open_page(browser, WIDTHS[width], console_errors)
    sign_in(page, live_server, supervisor, reverse("staff:case", args=[case.reference]))
    filled = f"เรื่อง {case.reference}: โปรดส่งสลิปเงินเดือนเดือนล่าสุด"
    # Asking the citizen and notes are folded away: their forms come in place when opened.
    address = page.url
    open_folded_action(page, "request_information")
    open_folded_action(page, "note")
    assert page.url == address

    box = page.locator("#id_request_information-text")
    box.fill("สวัสดี\nขอบคุณที่แจ้ง")
    box.evaluate("b => { b.focus(); b.setSelectionRange(6, 6); }")  # the end of the first line
    picker = picker_of(page, "request_information")
    picker.get_by_label("ข้อความสำเร็จรูป").select_option(label=question.title)
    picker.get_by_role("button", name="ใส่ข้อความ").click()

    expect(box).to_have_value(f"สวัสดี\n\n{filled}\n\nขอบคุณที่แจ้ง")  # nothing typed is lost
    expect(box).to_be_focused()
    assert page.url == address  # in place: no page opened again
    length = len(box.input_value())
    expect(page.locator("#id_request_information-text-counter")).to_have_text(
        f"เหลืออีก {2000 - length} ตัวอักษร"
    )

    # A reply to the citizen goes into the empty note box and ticks "shown to the citizen".
    shown = page.locator("#id_note-public")
    expect(shown).not_to_be_checked()
    picker_of(page, "note").get_by_role("button", name="ใส่ข้อความ").click()
    expect(page.locator("#id_note-text")).to_have_value("เรียน คุณสมชาย ใจดี")
    expect(shown).to_be_checked()
    assert fits_the_screen(page)
    page.screenshot(path=screenshot_dir / f"inserted-{width}.png", full_page=True)

    # The supervisor edits the question and sends it: what was edited is what is sent.
    box.press("Control+End")
    box.type(" ภายในสัปดาห์นี้")
    sent = box.input_value()
    page.locator("form", has=box).get_by_role("button", name="ขอข้อมูลจากผู้ร้อง").click()
    expect(page.locator("main .messages")).to_be_visible()
    asked = CaseEvent.objects.get(case=case, kind=EventKind.INFORMATION_REQUESTED)
    assert asked.message.replace("\r\n", "\n") == sent.strip()
    assert sent.endswith("ขอบคุณที่แจ้ง ภายในสัปดาห์นี้")
    assert console_errors == []


@pytest.mark.parametrize("width", WIDTHS)
def test_without_javascript_the_page_opens_again_with_the_reply_in_the_box(
    browser, live_server, scene, width, screenshot_dir
):
    case, question, _note, supervisor = scene
    console_errors: list[str] = []
    page = open_page(browser, WIDTHS[width], console_errors, javascript=False)
    sign_in(page, live_server, supervisor, reverse("staff:case", args=[case.reference]))
    # Asking the citizen is folded away: opening it opens the page again with its form.
    open_folded_action(page, "request_information")
    expect(page).to_have_url(re.compile(r"\?for=request_information#action-request_information$"))

    picker = picker_of(page, "request_information")
    picker.get_by_label("ข้อความสำเร็จรูป").select_option(label=question.title)
    picker.get_by_role("button", name="ใส่ข้อความ").click()

    expect(page).to_have_url(
        re.compile(rf"\?reply={question.pk}&for=request_information#id_request_information-text$")
    )
    expect(page.locator("#id_request_information-text")).to_have_value(
        f"เรื่อง {case.reference}: โปรดส่งสลิปเงินเดือนเดือนล่าสุด"
    )
    expect(page.locator("#id_note-text")).to_have_count(0)  # the note stays folded, not drawn
    assert fits_the_screen(page)
    page.screenshot(path=screenshot_dir / f"no-script-{width}.png", full_page=True)
    assert console_errors == []


@pytest.mark.parametrize("width", WIDTHS)
def test_an_admin_writes_corrects_and_archives_a_reply(
    browser, live_server, reference_data, width, screenshot_dir
):
    admin = staff("MOL", Role.AGENCY_ADMIN)
    console_errors: list[str] = []
    page = open_page(browser, WIDTHS[width], console_errors)
    sign_in(page, live_server, admin)
    page.locator(f'main a[href="{reverse("replies:list")}"]').click()
    page.locator(f'a[href="{reverse("replies:new")}"]').click()

    form = page.locator("main form[method=post]")
    form.locator("[name=kind]").select_option(ReplyKind.REQUEST_INFORMATION.value)
    form.locator("[name=title]").fill("ขอสำเนาสัญญาจ้าง")
    form.locator("[name=body]").fill("เรียน {name} โปรดส่งสำเนาสัญญาจ้าง")
    form.locator("button[type=submit]").click()

    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.locator(".has-error .errorlist")).to_contain_text("{name}")
    assert fits_the_screen(page)
    page.screenshot(path=screenshot_dir / f"mistake-{width}.png", full_page=True)
    page.locator("[name=body]").fill("เรียน คุณ{citizen_name} โปรดส่งสำเนาสัญญาจ้าง")
    page.locator("main form[method=post] button[type=submit]").click()

    card = page.locator("article", has_text="ขอสำเนาสัญญาจ้าง")
    expect(card).to_be_visible()
    assert fits_the_screen(page)
    page.screenshot(path=screenshot_dir / f"list-{width}.png", full_page=True)
    card.get_by_role("button", name=re.compile("^เลิกใช้")).click()

    expect(page.locator("main .messages")).to_contain_text("ขอสำเนาสัญญาจ้าง")
    assert not ReplyTemplate.objects.get().is_active
    assert fits_the_screen(page)
    assert console_errors == []
