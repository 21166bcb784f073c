"""The API's documentation in a real browser: served from vendored files, no console error."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_swagger_ui_lists_the_operations_without_errors(page, live_server, console_errors):
    outside = []
    page.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None,
    )

    page.goto(live_server.url + "/api/v1/docs/")

    expect(page.locator(".opblock-tag-section").first).to_be_visible(timeout=15000)
    expect(page.get_by_text("/api/v1/cases/{reference}/refer/").first).to_be_attached()
    assert console_errors == []
    assert outside == []


def test_redoc_renders_the_description_without_errors(page, live_server, console_errors):
    outside = []
    page.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None,
    )

    page.goto(live_server.url + "/api/v1/redoc/")

    # The browser asks for Thai: the description is in Thai.
    title = "API ของระบบส่งต่อความช่วยเหลือประชาชนระหว่างหน่วยงาน"
    expect(page.get_by_text(title).first).to_be_visible(timeout=15000)
    assert console_errors == []
    assert [url for url in outside if not url.startswith(("blob:", "data:"))] == []
