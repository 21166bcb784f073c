"""Sign-in behind the TLS proxy: a lock-out holds one account at one address, never the
account everywhere; one address guessing many accounts is stopped too; and passwords sent
at once are each counted before the next is checked."""

import threading

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.test import Client

from tests.factories import PASSWORD, MembershipFactory, UserFactory
from tests.referrals.factories import at_once

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

PROXY = "10.0.0.1"
ACCOUNT_LOCKED = "ลงชื่อเข้าใช้ผิดหลายครั้งเกินไป"


@pytest.fixture(autouse=True)
def behind_the_proxy(settings, tmp_path):
    """The README's production set-up: one trusted proxy appending X-Forwarded-For; the
    counters in a cache of this test's own."""
    settings.TRUSTED_PROXY_COUNT = 1
    settings.AXES_FAILURE_LIMIT = 5
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": str(tmp_path),
        }
    }


def sign_in(username: str, password: str, address: str, client: Client | None = None):
    return (client or Client()).post(
        "/accounts/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=address,
    )


@pytest.mark.parametrize("who", ["supervisor", "superuser"])
def test_wrong_passwords_from_one_address_do_not_lock_the_account_elsewhere(who):
    user = (
        MembershipFactory(role="supervisor").user
        if who == "supervisor"
        else UserFactory(is_staff=True, is_superuser=True)
    )
    for _ in range(4):
        assert sign_in(user.username, "wrong", "203.0.113.5").status_code == 200
    assert sign_in(user.username, "wrong", "203.0.113.5").status_code == 429, "the fifth locks"

    elsewhere = sign_in(user.username, PASSWORD, "198.51.100.9")
    assert elsewhere.status_code == 302, "the owner signs in from their own address"

    there = sign_in(user.username, PASSWORD, "203.0.113.5")
    assert there.status_code == 429
    assert ACCOUNT_LOCKED in there.text


def test_one_address_guessing_many_accounts_is_stopped(settings):
    settings.LOGIN_FAILURES_PER_ADDRESS = "30/15m"
    accounts = [MembershipFactory().user for _ in range(11)]
    for user in accounts[:10]:
        for _ in range(3):  # below each account's own lock-out
            assert sign_in(user.username, "wrong", "203.0.113.5").status_code == 200

    refused = sign_in(accounts[10].username, PASSWORD, "203.0.113.5")

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "การเชื่อมต่อของท่าน" in refused.text  # "from your connection"
    assert sign_in(accounts[10].username, PASSWORD, "198.51.100.9").status_code == 302


def test_successful_sign_ins_do_not_use_up_the_address_limit(settings):
    settings.LOGIN_FAILURES_PER_ADDRESS = "3/15m"
    user = MembershipFactory().user
    for _ in range(6):
        assert sign_in(user.username, PASSWORD, "203.0.113.5").status_code == 302


class CountingArgon2(Argon2PasswordHasher):
    """Argon2 as in production (its slowness is the window requests slip through), counting
    the passwords it was asked to check: the guesses an attacker actually got."""

    checked = 0
    lock = threading.Lock()

    def verify(self, password, encoded):
        with self.lock:
            type(self).checked += 1
        return super().verify(password, encoded)


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_passwords_sent_at_once_are_each_counted_before_the_next_is_checked(
    reference_data, real_cache, settings
):
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingArgon2"]
    user = MembershipFactory().user
    CountingArgon2.checked = 0

    answers = at_once(
        *[
            lambda n=n: sign_in(user.username, f"guess-{n}", "203.0.113.5").status_code
            for n in range(12)
        ]
    )

    assert CountingArgon2.checked == 5, "the fifth wrong password locks; no more are tried"
    assert sorted(answers) == [200] * 4 + [429] * 8, answers
    assert sign_in(user.username, PASSWORD, "203.0.113.5").status_code == 429


def test_a_colleague_who_signed_in_here_before_is_not_locked_out_with_the_guesser(settings):
    settings.LOGIN_FAILURES_PER_ADDRESS = "5/15m"
    colleague = MembershipFactory().user
    office_browser = Client()
    assert sign_in(colleague.username, PASSWORD, "203.0.113.5", office_browser).status_code == 302
    office_browser.post("/accounts/logout/")
    guessed = MembershipFactory().user
    for _ in range(4):
        assert sign_in(guessed.username, "wrong", "203.0.113.5").status_code == 200
    assert sign_in(guessed.username, "wrong", "203.0.113.5").status_code == 429

    assert sign_in(colleague.username, PASSWORD, "203.0.113.5", office_browser).status_code == 302
    stranger = sign_in(colleague.username, PASSWORD, "203.0.113.5")
    assert stranger.status_code == 429, "a browser that never signed in here is held to it"


def test_the_admin_has_no_second_door_around_these_limits(settings, superuser):
    response = Client().post(
        "/admin/login/?next=/admin/", {"username": superuser.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2F"


def test_a_signed_in_person_who_may_not_use_the_admin_is_told_so_without_a_loop(client):
    client.force_login(MembershipFactory().user)
    assert client.get("/admin/", follow=True).status_code == 403
