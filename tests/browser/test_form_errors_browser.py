"""A form sent with mistakes comes back with its messages, and the browser logs no error:
a page that answers a form is answered 200 (429 stays for real throttling)."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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
