"""Two-factor sign-in: required of supervisors, CCEOs, agency administrators and the system
administrator, optional for the others; a code from an authenticator app or a one-time
recovery code after the password; wrong codes limited."""

import re
import time

import pytest
from django.conf import settings
from django.test import Client
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.models import Role
from agencies.two_factor import check_required_roles
from tests.factories import (
    PASSWORD,
    Authenticator,
    MembershipFactory,
    UserFactory,
    authenticator_for,
    sign_in_verified,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("two_factor_required", "own_cache", "fast_password_hashing"),
]

SET_UP = "/accounts/two-factor/set-up/"
VERIFY = "/accounts/two-factor/"
RECOVERY = "/accounts/two-factor/recovery/"
MANAGE = "/accounts/two-factor/manage/"
WRONG_CODE = "รหัสไม่ถูกต้อง"


def member(role=Role.SUPERVISOR):
    return MembershipFactory(role=role).user


def sign_in(user, client=None, next_page="/staff/"):
    """The password step, as on the sign-in page."""
    client = client or Client()
    response = client.post(
        f"/accounts/login/?next={next_page}", {"username": user.username, "password": PASSWORD}
    )
    return client, response


def app_from_the_set_up_page(client) -> Authenticator:
    """What the person does: type the key the page shows into their app."""
    page = client.get(SET_UP)
    assert page.status_code == 200
    assert "<svg" in page.text, "the QR code is drawn in the page"
    typed = re.search(r'id="typed-key">([A-Z2-7 ]+)<', page.text).group(1)
    return Authenticator.from_typed_key(typed)


def recovery_codes_in(response) -> list[str]:
    return re.findall(r'<li><code class="code">([a-z2-7]{8})</code></li>', response.text)


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.CCEO, Role.AGENCY_ADMIN])
def test_a_required_role_without_an_authenticator_is_sent_to_set_it_up(role):
    client, response = sign_in(member(role))

    assert response.status_code == 302
    assert response["Location"] == f"{SET_UP}?next=%2Fstaff%2F"
    queue = client.get("/staff/")
    assert queue.status_code == 302
    assert queue["Location"].startswith(SET_UP)
    assert client.get("/dashboards/")["Location"].startswith(SET_UP)
    assert client.get("/plan/")["Location"].startswith(SET_UP)


def test_a_wrong_code_at_set_up_changes_nothing():
    user = member()
    client, _ = sign_in(user)
    app = app_from_the_set_up_page(client)
    right = app.code()
    wrong = "000000" if right != "000000" else "111111"

    refused = client.post(SET_UP, {"code": wrong, "next": "/staff/"})
    malformed = client.post(SET_UP, {"code": "12ab", "next": "/staff/"})

    assert refused.status_code == 200
    assert WRONG_CODE in refused.text
    assert "โปรดกรอกตัวเลขหกหลัก" in malformed.text
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert client.get("/staff/")["Location"].startswith(SET_UP)
    assert app_from_the_set_up_page(client).key == app.key, "the same key while setting up"


def test_the_right_code_turns_it_on_and_shows_ten_recovery_codes_once():
    user = member()
    client, _ = sign_in(user)
    app = app_from_the_set_up_page(client)

    confirmed = client.post(SET_UP, {"code": app.code(), "next": "/staff/"})

    assert confirmed.status_code == 200
    assert "รหัสกู้คืนของท่าน" in confirmed.text
    codes = recovery_codes_in(confirmed)
    assert len(set(codes)) == 10
    assert 'download="recovery-codes.txt"' in confirmed.text
    assert 'href="/staff/"' in confirmed.text, "then on to the page asked for"
    assert TOTPDevice.objects.get(user=user).confirmed
    assert client.get("/staff/").status_code == 200, "this session passed the second step"
    assert recovery_codes_in(client.get(MANAGE)) == [], "the codes are not shown again"


def test_the_next_sign_in_asks_for_a_code_and_lets_in_only_the_right_one():
    user = member()
    app = authenticator_for(user)

    client, response = sign_in(user)
    assert response["Location"] == f"{VERIFY}?next=%2Fstaff%2F"
    assert client.get("/staff/")["Location"] == f"{VERIFY}?next=%2Fstaff%2F"

    wrong = client.post(VERIFY, {"code": "999999" if app.code() != "999999" else "888888"})
    assert wrong.status_code == 200
    assert WRONG_CODE in wrong.text
    assert client.get("/staff/").status_code == 302

    right = client.post(VERIFY, {"code": app.code(), "next": "/staff/"})
    assert right.status_code == 302
    assert right["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200


def test_a_code_opens_only_once():
    user = member()
    app = authenticator_for(user)
    first, _ = sign_in(user)
    assert first.post(VERIFY, {"code": app.code()}).status_code == 302

    second, _ = sign_in(user)
    replayed = second.post(VERIFY, {"code": app.code()})

    assert replayed.status_code == 200
    assert WRONG_CODE in replayed.text
    assert second.post(VERIFY, {"code": app.next_code()}).status_code == 302


def test_a_recovery_code_lets_in_once():
    user = member()
    setter, _ = sign_in(user)
    app = app_from_the_set_up_page(setter)
    codes = recovery_codes_in(setter.post(SET_UP, {"code": app.code()}))

    client, _ = sign_in(user)
    used = client.post(RECOVERY, {"code": codes[0].upper(), "next": "/staff/"})
    assert used.status_code == 302
    assert used["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200

    again, _ = sign_in(user)
    refused = again.post(RECOVERY, {"code": codes[0], "next": "/staff/"})
    assert refused.status_code == 200
    assert WRONG_CODE in refused.text
    assert StaticToken.objects.filter(device__user=user).count() == 9


def test_too_many_wrong_codes_are_refused_with_the_wait(settings):
    settings.TWO_FACTOR_FAILURES = "3/15m"
    user = member()
    app = authenticator_for(user)
    client, _ = sign_in(user)
    wrong = "999999" if app.code() != "999999" else "888888"
    for _ in range(3):
        assert client.post(VERIFY, {"code": wrong}).status_code == 200

    locked = client.post(VERIFY, {"code": app.code()})

    assert locked.status_code == 429
    assert 0 < int(locked["Retry-After"]) <= 900
    assert "กรอกรหัสผิดหลายครั้งเกินไป" in locked.text
    assert client.get("/staff/").status_code == 302, "not even the right code is checked"
    recovery = client.post(RECOVERY, {"code": "abcdefgh"})
    assert recovery.status_code == 429, "recovery codes share the limit"


def test_right_codes_do_not_use_up_the_limit(settings):
    settings.TWO_FACTOR_FAILURES = "2/15m"
    user = member()
    app = authenticator_for(user)
    for offset in (0, 1):
        client, _ = sign_in(user)
        assert client.post(VERIFY, {"code": app.code(offset)}).status_code == 302
    client, _ = sign_in(user)
    assert client.post(VERIFY, {"code": "12345x"}).status_code == 200
    assert client.post(VERIFY, {"code": app.code(-1)}).status_code == 200, "already used"


def test_an_optional_role_signs_in_with_a_password_and_may_turn_it_on_and_off():
    user = member(Role.CASE_OFFICER)
    client, response = sign_in(user)
    assert response["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200
    assert "ปิดอยู่" in client.get(MANAGE).text

    app = app_from_the_set_up_page(client)
    assert client.post(SET_UP, {"code": app.code(), "next": MANAGE}).status_code == 200
    later, response = sign_in(user)
    assert response["Location"].startswith(VERIFY), "once on, it is asked at every sign-in"
    assert later.get("/staff/").status_code == 302

    wrong = client.post("/accounts/two-factor/manage/turn-off/", {"code": "12"})
    assert "โปรดกรอกตัวเลขหกหลัก" in wrong.text
    assert TOTPDevice.objects.filter(user=user).exists()
    off = client.post("/accounts/two-factor/manage/turn-off/", {"code": app.next_code()})
    assert off.status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert sign_in(user)[1]["Location"] == "/staff/"


def test_a_required_role_cannot_turn_it_off():
    user = member(Role.CCEO)
    app = authenticator_for(user)
    client = sign_in_verified(Client(), user)

    assert "turn-off" not in client.get(MANAGE).text
    refused = client.post(
        "/accounts/two-factor/manage/turn-off/", {"code": app.code()}, follow=True
    )

    assert refused.status_code == 200
    assert "ไม่สามารถปิดได้" in refused.text
    assert TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def test_new_recovery_codes_replace_the_old_ones():
    user = member()
    setter, _ = sign_in(user)
    app = app_from_the_set_up_page(setter)
    old = recovery_codes_in(setter.post(SET_UP, {"code": app.code()}))

    new = recovery_codes_in(setter.post("/accounts/two-factor/manage/recovery-codes/"))

    assert len(new) == 10
    assert not set(new) & set(old)
    client, _ = sign_in(user)
    assert client.post(RECOVERY, {"code": old[1]}).status_code == 200
    assert client.post(RECOVERY, {"code": new[1]}).status_code == 302


def test_the_api_refuses_an_unverified_session_with_a_reason():
    user = member()
    authenticator_for(user)
    client, _ = sign_in(user)

    refused = client.get("/api/v1/cases/", HTTP_ACCEPT="application/json")

    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
    assert "ยืนยันตัวตนสองขั้นตอน" in refused.json()["message"]
    assert sign_in_verified(Client(), user).get("/api/v1/cases/").status_code == 200


def test_htmx_requests_are_sent_to_the_code_step_as_a_whole_page():
    user = member()
    authenticator_for(user)
    client, _ = sign_in(user)

    response = client.get("/staff/", HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL="/staff/")

    assert response["HX-Redirect"] == f"{VERIFY}?next=%2Fstaff%2F"


@pytest.mark.parametrize(
    "next_page", ["https://evil.example/", "//evil.example/staff/", "javascript:alert(1)"]
)
def test_the_code_step_returns_only_to_this_site(next_page):
    user = member()
    app = authenticator_for(user)
    client, _ = sign_in(user)

    page = client.get(VERIFY, {"next": next_page})
    response = client.post(VERIFY, {"code": app.code(), "next": next_page})

    assert '<input type="hidden" name="next" value="/">' in page.text
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_the_system_administrator_must_use_it_and_removes_staff_authenticators():
    admin = UserFactory(is_staff=True, is_superuser=True)
    client, response = sign_in(admin, next_page="/admin/")
    assert response["Location"] == f"{SET_UP}?next=%2Fadmin%2F"
    assert client.get("/admin/")["Location"].startswith(SET_UP)

    officer = member()
    authenticator_for(officer)
    client = sign_in_verified(Client(), admin)
    listing = client.get("/admin/otp_totp/totpdevice/")
    assert listing.status_code == 200
    assert officer.username in listing.text
    device = TOTPDevice.objects.get(user=officer)
    removed = client.post(f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"})
    assert removed.status_code == 302
    assert not TOTPDevice.objects.filter(user=officer).exists()
    assert sign_in(officer)[1]["Location"].startswith(SET_UP), "set up anew"


def test_removing_the_authenticator_ends_verified_sessions_of_a_required_role():
    user = member()
    client = sign_in_verified(Client(), user)
    assert client.get("/staff/").status_code == 200
    TOTPDevice.objects.filter(user=user).delete()
    assert client.get("/staff/")["Location"].startswith(SET_UP)


def test_the_pages_speak_thai_first_and_english_when_chosen():
    user = member()
    authenticator_for(user)
    client, _ = sign_in(user)

    thai = client.get(VERIFY)
    assert "กรอกรหัสยืนยันการเข้าสู่ระบบ" in thai.text
    assert "ใช้รหัสกู้คืน" in thai.text

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(VERIFY)
    assert "Enter your sign-in code" in english.text
    wrong = client.post(VERIFY, {"code": "abc"})
    assert "Enter the six digits that your authenticator app shows now." in wrong.text
    set_up = Client()
    set_up.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    sign_in(member(), set_up)
    assert "Set up two-factor sign-in" in set_up.get(SET_UP).text


def test_without_required_roles_nobody_is_asked(settings):
    settings.TWO_FACTOR_REQUIRED_ROLES = []
    client, response = sign_in(member(Role.SUPERVISOR))
    assert response["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200


def test_a_misspelt_required_role_is_reported(settings):
    settings.TWO_FACTOR_REQUIRED_ROLES = ["supervisors", "cceo"]

    errors = check_required_roles(None)

    assert [error.id for error in errors] == ["agencies.E001"]
    assert "supervisors" in errors[0].msg


def test_a_role_given_during_a_session_asks_for_the_second_step_within_a_minute(monkeypatch):
    membership = MembershipFactory(role=Role.CASE_OFFICER)
    client, _ = sign_in(membership.user)
    assert client.get("/staff/").status_code == 200
    membership.role = Role.SUPERVISOR
    membership.save()

    later = time.time() + 61
    monkeypatch.setattr(time, "time", lambda: later)

    assert client.get("/staff/")["Location"].startswith(SET_UP)
