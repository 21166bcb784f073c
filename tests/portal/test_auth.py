import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, make_password

from portal.hashers import OWASP_ARGON2ID_MINIMUMS
from tests.factories import PASSWORD, MembershipFactory

pytestmark = pytest.mark.django_db


def test_staff_sign_in_and_see_their_agency_and_role(client):
    membership = MembershipFactory()
    response = client.post(
        "/accounts/login/",
        {"username": membership.user.username, "password": PASSWORD},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/staff/"  # their queue (tests/portal/test_landing)
    home = client.get("/").content.decode()
    assert "เจ้าหน้าที่ผู้รับผิดชอบเรื่อง" in home  # case officer, in Thai
    assert "กระทรวงยุติธรรม" in home


def test_a_wrong_password_is_refused_with_a_message_in_thai(client):
    membership = MembershipFactory()
    response = client.post(
        "/accounts/login/", {"username": membership.user.username, "password": "wrong"}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "ชื่อผู้ใช้" in response.text


def test_repeated_wrong_passwords_lock_the_account_for_a_while(client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    membership = MembershipFactory()
    for _ in range(3):
        client.post("/accounts/login/", {"username": membership.user.username, "password": "x"})

    response = client.post(
        "/accounts/login/", {"username": membership.user.username, "password": PASSWORD}
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert "ลงชื่อเข้าใช้ผิดหลายครั้งเกินไป" in response.text


def test_sign_out_needs_a_post_and_ends_the_session(client):
    membership = MembershipFactory()
    client.force_login(membership.user)
    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_passwords_are_hashed_with_argon2id_at_owasp_cost_not_above_it():
    """Django's default (100 MiB, 2 passes, 8 lanes) made each sign-in cost ~100 ms of the
    machine's two cores; OWASP's recommended setting is a third of that, and no weaker."""
    membership = MembershipFactory()
    algorithm, variety, _version, params, _salt, _hash = membership.user.password.split("$")
    assert (algorithm, variety) == ("argon2", "argon2id")
    settings_of = dict(pair.split("=") for pair in params.split(","))
    memory, passes, lanes = (int(settings_of[k]) for k in ("m", "t", "p"))
    assert any(memory >= m and passes >= t for m, t in OWASP_ARGON2ID_MINIMUMS)
    assert lanes >= 1
    assert memory * passes <= 2 * 47104, "no heavier than OWASP's cost: sign-in stays fast"


def test_an_older_hash_still_signs_in_and_is_rewritten_at_the_portals_cost(client):
    membership = MembershipFactory()
    user = membership.user
    user.password = make_password(PASSWORD, hasher=Argon2PasswordHasher())
    user.save(update_fields=["password"])
    assert "m=102400" in user.password

    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})

    assert response.status_code == 302
    user.refresh_from_db()
    assert "m=47104,t=1,p=1" in user.password


def test_signing_in_costs_a_fixed_few_queries(client, django_assert_max_num_queries):
    """Besides the hash, sign-in is the user, the session, django-axes' records and
    whether the user has an authenticator (two-factor sign-in's next step)."""
    membership = MembershipFactory()
    with django_assert_max_num_queries(15):
        response = client.post(
            "/accounts/login/", {"username": membership.user.username, "password": PASSWORD}
        )
    assert response.status_code == 302
