"""A form sent with mistakes comes back with its messages, and the browser logs no error:
a page that answers a form is answered 200 (429 stays for real throttling)."""

import pytest
from playwright.sync_api import expect

from agencies.models import Role
from referrals import services
from tests.browser.conftest import open_folded_action
from tests.browser.people import sign_in, somyings_case, staff
from tests.referrals.public_helpers import isolate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def counts_of_its_own(settings, tmp_path, monkeypatch):
    """Wrong codes and limits counted for this test alone (see public_helpers.isolate)."""
    yield from isolate(settings, tmp_path, monkeypatch)


def test_a_request_form_with_mistakes_is_answered_without_a_console_error(
    page, live_server, reference_data, console_errors
):
    page.goto(live_server.url + "/requests/new/")
    # The server's own checks, as for a browser that does not check the form itself.
    page.evaluate("document.querySelectorAll('form').forEach(f => f.noValidate = true)")

    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.locator("form[method=post] button[type=submit]").last.click()

    assert answer.value.status == 200
    expect(page.locator("[role=alert]").first).to_be_visible()
    assert console_errors == []


def test_a_wrong_tracking_secret_is_answered_without_a_console_error(
    page, live_server, reference_data, console_errors
):
    from tests.referrals.factories import submit

    case, _secret = submit()
    page.goto(live_server.url + "/track/")
    page.fill("input[name=reference]", case.reference)
    page.fill("input[name=secret]", "WXYZ-2345")

    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.locator("form[method=post] button[type=submit]").last.click()

    assert answer.value.status == 200
    expect(page.locator("[role=alert]").first).to_be_visible()
    assert console_errors == []


def test_a_long_description_is_counted_never_cut_and_refused_with_a_message(
    page, live_server, reference_data, console_errors
):
    page.goto(live_server.url + "/requests/new/")
    box = page.locator("textarea[name=description]")
    counter = page.locator("#id_description-counter")
    expect(counter).to_have_text("เหลืออีก 5000 ตัวอักษร")

    box.fill("ก" * 5100)  # as a paste: the browser keeps all of it

    assert len(box.input_value()) == 5100
    expect(counter).to_have_text("ยาวเกินไป 100 ตัวอักษร โปรดตัดข้อความให้สั้นลงก่อนส่ง")
    expect(box).to_have_attribute("aria-invalid", "true")
    page.evaluate("document.querySelectorAll('form').forEach(f => f.noValidate = true)")
    page.locator("form[method=post] button[type=submit]").last.click()
    expect(page.locator("#id_description_error")).to_contain_text("5000")
    assert console_errors == []


def test_a_staff_form_sent_empty_is_checked_by_the_server_in_the_portals_words(
    browser, live_server, reference_data
):
    """The browser's own check spoke the browser's language ("Please fill out this
    field.") and never reached the server; every form leaves the checking to the portal."""
    console_errors: list[str] = []
    case = somyings_case()
    page = sign_in(browser, live_server, staff("MOJ", Role.INTAKE_OFFICER), console_errors)
    page.goto(f"{live_server.url}/staff/cases/{case.reference}/")
    # Notes are folded under the next steps: the form is drawn when opened, in place.
    note = open_folded_action(page, "note")
    expect(note.locator("#id_note-text")).to_be_focused()

    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        note.get_by_role("button", name="เพิ่มบันทึก").click()

    assert answer.value.status == 200
    expect(page.locator("#id_note-text_error")).to_have_text("ฟิลด์นี้จำเป็น")
    assert console_errors == []


def test_a_folded_form_no_longer_offered_opens_the_page_as_the_case_stands(
    browser, live_server, reference_data
):
    """The page was drawn while the case was new; meanwhile a colleague accepted it, so it
    can no longer be marked out of scope: opening that form brings the page again, which
    says where the case stands, instead of a click that does nothing."""
    console_errors: list[str] = []
    case = somyings_case()
    supervisor = staff("MOJ", Role.SUPERVISOR)
    page = sign_in(browser, live_server, supervisor, console_errors)
    page.goto(f"{live_server.url}/staff/cases/{case.reference}/")
    page.locator("details.more-actions > summary").click()
    services.accept_case(case, staff("MOJ", Role.INTAKE_OFFICER), case.version)

    page.locator("#action-reject").get_by_role("link", name="เปิดแบบฟอร์ม").click()

    expect(page).to_have_url(
        f"{live_server.url}/staff/cases/{case.reference}/?for=reject#action-reject"
    )
    expect(page.locator(".case-header .status")).to_have_text("อยู่ระหว่างดำเนินการ")
    expect(page.locator("#action-reject")).to_have_count(0)
    # What the browser logged: the refused request for the form, and nothing else.
    assert all("404" in error or "Response Status Error" in error for error in console_errors)


def test_a_folded_form_opened_after_the_session_is_gone_leads_the_whole_page_to_sign_in(
    browser, live_server, reference_data
):
    """The session's cookie is gone (cleared, or the session deleted on the server): the
    link's request is sent to sign in, and the whole page goes there, to come back to the
    case afterwards, rather than the sign-in page drawn inside the card."""
    console_errors: list[str] = []
    case = somyings_case()
    page = sign_in(browser, live_server, staff("MOJ", Role.SUPERVISOR), console_errors)
    page.goto(f"{live_server.url}/staff/cases/{case.reference}/")
    page.locator("details.more-actions > summary").click()
    page.context.clear_cookies()

    page.locator("#action-reject").get_by_role("link", name="เปิดแบบฟอร์ม").click()

    expect(page).to_have_url(
        f"{live_server.url}/accounts/login/?next=%2Fstaff%2Fcases%2F{case.reference}%2F"
    )
    expect(page.locator("#action-reject")).to_have_count(0)
    expect(page.get_by_role("button", name="เข้าสู่ระบบ")).to_have_count(1)
    assert console_errors == []
