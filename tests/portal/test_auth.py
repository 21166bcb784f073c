import pytest

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


def test_passwords_are_hashed_with_argon2():
    membership = MembershipFactory()
    assert membership.user.password.startswith("argon2")
