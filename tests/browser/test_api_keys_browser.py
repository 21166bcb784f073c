"""An agency administrator makes a key for their system on a phone, copies it, then
revokes it: no JavaScript needed for the confirmation, nothing wider than the screen.

Fields and buttons are found by their names and addresses, not their words: the page's
Thai wording is the translators'.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from agencies.models import Agency, AgencyApiKey, Role
from tests.browser.conftest import fits_the_screen, sign_in
from tests.factories import MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
KEYS = "/staff/api-keys/"


def test_an_admin_makes_a_key_sees_it_once_and_revokes_it_on_a_phone(
    page, live_server, reference_data, console_errors, screenshot
):
    admin = MembershipFactory(agency=Agency.objects.get(code="MOL"), role=Role.AGENCY_ADMIN).user
    sign_in(page, live_server, admin)
    page.locator(f'main a[href="{KEYS}"]').click()
    expect(page).to_have_url(live_server.url + KEYS)

    make = page.locator(f'form[action="{KEYS}"]')
    make.locator('[name="name"]').fill("ระบบรับเรื่องของกรมการจัดหางาน")
    make.locator('[name="can_write"]').check()
    last_day = timezone.localdate() + timedelta(days=90)
    valid_until = make.get_by_role("group", name="ใช้ได้ถึง")  # day, Thai month, B.E. year
    valid_until.get_by_label("วัน", exact=True).select_option(str(last_day.day))
    valid_until.get_by_label("เดือน", exact=True).select_option(str(last_day.month))
    valid_until.get_by_label("ปี", exact=True).select_option(label=str(last_day.year + 543))
    make.locator('button[type="submit"]').click()

    shown = page.locator("#new-key-text")
    expect(shown).to_be_visible()
    raw = shown.input_value()
    key = AgencyApiKey.objects.get()
    assert raw.startswith(f"{key.prefix}.") and raw not in key.hashed_key
    assert key.can_write and not key.can_see_restricted
    assert timezone.localtime(key.expiry_date).date() == last_day
    assert fits_the_screen(page)
    screenshot("made")

    page.goto(live_server.url + KEYS)
    expect(page.locator("#new-key-text")).to_have_count(0)
    assert raw not in page.content()

    card = page.locator("article", has=page.locator(f"#key-{key.prefix}"))
    revoke = card.locator(f'form[action="{KEYS}{key.prefix}/revoke/"] button')
    expect(revoke).to_be_hidden()  # inside the closed disclosure: one more step to confirm
    card.locator("summary").click()
    expect(revoke).to_be_visible()
    assert fits_the_screen(page)
    screenshot("confirm")
    revoke.click()

    expect(page).to_have_url(live_server.url + KEYS)
    expect(page.locator("main .messages")).to_contain_text(key.prefix)
    expect(card.locator("form")).to_have_count(0)
    key.refresh_from_db()
    assert key.revoked and key.revoked_at is not None
    assert fits_the_screen(page)
    screenshot("revoked")
    assert console_errors == []
