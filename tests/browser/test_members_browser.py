"""An agency administrator invites a member on a phone, in Thai; the invitee opens the
link from the email, chooses a password and signs in. No JavaScript error, nothing wider
than the screen.

Fields and buttons are found by their names and addresses, not their words: the page's
Thai wording is the translators'.
"""

import pytest
from playwright.sync_api import expect

from agencies.models import Agency, MemberChange, Membership, Role
from tests.agencies.member_helpers import emailed, link_in
from tests.browser.conftest import fits_the_screen, sign_in
from tests.factories import MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
MEMBERS = "/staff/members/"
INVITE = "/staff/members/invite/"
NEW = "somsak@labour.go.th"
PASSWORD = "ม้าลายกินหญ้า-2569"


def test_an_admin_invites_a_member_who_sets_a_password_and_signs_in_on_a_phone(
    page, live_server, reference_data, console_errors, screenshot, settings
):
    settings.SITE_URL = live_server.url
    admin = MembershipFactory(
        agency=Agency.objects.get(code="MOL"),
        role=Role.AGENCY_ADMIN,
        user__email="administrator.of.the.department.of.employment@labour.go.th",
    ).user
    sign_in(page, live_server, admin)
    page.locator(f'main a[href="{MEMBERS}"]').click()
    expect(page).to_have_url(live_server.url + MEMBERS)
    assert fits_the_screen(page)
    page.locator(f'main a[href="{INVITE}"]').click()

    form = page.locator("main form")
    form.locator('[name="email"]').fill("ไม่ใช่อีเมล")
    form.locator('[name="first_name"]').fill("สมศักดิ์")
    form.locator('button[type="submit"]').click()
    expect(page.locator("#error-summary")).to_be_visible()  # bad input: nothing made
    assert not Membership.objects.filter(user__email=NEW).exists()
    assert fits_the_screen(page)
    screenshot("bad-address")

    form.locator('[name="email"]').fill(NEW)
    form.locator('[name="last_name"]').fill("ขยันงาน")
    form.locator('[name="role"]').select_option(Role.SUPERVISOR)
    form.locator('button[type="submit"]').click()
    expect(page).to_have_url(live_server.url + MEMBERS)
    expect(page.locator("main .messages")).to_contain_text(NEW)
    expect(page.locator("main")).to_contain_text("สมศักดิ์ ขยันงาน")
    assert fits_the_screen(page)
    screenshot("invited")
    assert MemberChange.objects.get().action == "invited"

    # The invitee, in a browser of their own, opens the link in the email.
    link = link_in(emailed(NEW))
    invitee = page.context.browser.new_context(
        locale="th-TH", viewport={"width": 360, "height": 740}
    )
    their = invitee.new_page()
    their.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    their.on("pageerror", lambda e: console_errors.append(str(e)))
    their.goto(live_server.url + link)
    expect(their.locator("main")).to_contain_text(NEW)
    their.locator('[name="new_password1"]').fill(PASSWORD)
    their.locator('[name="new_password2"]').fill(PASSWORD)
    assert fits_the_screen(their)
    their.locator('main button[type="submit"]').click()

    expect(their).to_have_url(live_server.url + "/accounts/login/")
    their.fill("input[name=username]", NEW)
    their.fill("input[name=password]", PASSWORD)
    their.locator("form:has(input[name=password]) button[type=submit]").click()
    expect(their).to_have_url(live_server.url + "/staff/")
    assert fits_the_screen(their)
    their.goto(live_server.url + link)  # used: it works once
    expect(their.locator("main h1")).to_have_text("ลิงก์นี้ใช้ไม่ได้แล้ว")
    invitee.close()
    assert console_errors == []
