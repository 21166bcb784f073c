"""The optional questions on who reaches the portal, on a phone: folded away under the
form, opened by their title, answered in part with the consent ticked; and the same
answers sent without the tick, not kept, and said so on the answer page."""

import pytest
from playwright.sync_api import expect

from referrals.models import EqualAccessAnswers
from tests.browser.conftest import fill_a_request, fits_the_screen
from tests.referrals.public_helpers import isolate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SECTION = "5. ไม่บังคับ: ช่วยให้เราเห็นว่าระบบเข้าถึงใครบ้าง"


@pytest.fixture(autouse=True)
def counts_of_its_own(settings, tmp_path, monkeypatch):
    yield from isolate(settings, tmp_path, monkeypatch)


@pytest.mark.parametrize("consent", [True, False], ids=["with-consent", "without-consent"])
def test_a_person_answers_some_of_the_optional_questions_on_a_phone(
    page, live_server, reference_data, console_errors, screenshot, consent
):
    page.goto(live_server.url + "/requests/new/")
    age = page.get_by_label("อายุ", exact=True)
    expect(age).to_be_hidden()  # folded away

    fill_a_request(page)
    page.get_by_text(SECTION).click()
    expect(age).to_be_visible()
    age.select_option(label="60 ปีขึ้นไป")
    page.get_by_label("ภาษาที่สะดวกใช้").select_option(label="ภาษามือไทย")
    if consent:
        page.get_by_label("ฉันยินยอมให้ระบบเก็บคำตอบด้านล่าง", exact=False).check()
    assert fits_the_screen(page)
    screenshot("questions")
    page.get_by_role("button", name="ส่งคำขอ", exact=True).click()

    expect(page.get_by_role("heading", name="ได้รับคำขอของคุณแล้ว")).to_be_visible()
    screenshot("received")
    not_kept = page.get_by_text("เราไม่ได้เก็บคำตอบของคุณเรื่องอายุ และ ภาษาที่สะดวกใช้")
    if consent:
        answers = EqualAccessAnswers.objects.get()
        assert (answers.age_band, answers.language, answers.sex) == ("60_plus", "sign", "")
        expect(not_kept).to_have_count(0)
    else:
        assert not EqualAccessAnswers.objects.exists()
        expect(not_kept).to_be_visible()
    assert console_errors == []
