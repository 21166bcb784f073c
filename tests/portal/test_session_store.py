"""The portal's sessions (portal/sessions.py): Django's database sessions, written with
fewer statements, and still one browser's alone."""

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal import sessions
from portal.sessions import SessionStore

pytestmark = pytest.mark.django_db


def stored(key: str) -> dict:
    return SessionStore(key).load()


def test_a_new_session_is_written_once_and_read_back():
    session = SessionStore()
    session["tracked"] = ["RP-2569-ABCDEF"]
    with CaptureQueriesContext(connection) as captured:
        session.save()
    assert [q["sql"].split()[0] for q in captured if "django_session" in q["sql"]] == ["INSERT"]
    assert stored(session.session_key) == {"tracked": ["RP-2569-ABCDEF"]}


def test_a_new_key_keeps_the_data_and_the_old_key_opens_nothing():
    session = SessionStore()
    session["tracked"] = ["RP-2569-ABCDEF"]
    session.save()
    old = session.session_key

    session.cycle_key()
    session["submitted"] = {"RP-2569-ABCDEF": 1}
    session.save()

    assert session.session_key != old
    assert not Session.objects.filter(session_key=old).exists()
    assert stored(old) == {}
    assert stored(session.session_key) == {
        "tracked": ["RP-2569-ABCDEF"],
        "submitted": {"RP-2569-ABCDEF": 1},
    }
    assert Session.objects.count() == 1


def test_a_session_saved_again_unchanged_is_not_written_again_but_a_change_is():
    session = SessionStore()
    session["tracked"] = ["RP-2569-ABCDEF"]
    session.save()
    with CaptureQueriesContext(connection) as captured:
        session.save()
    assert len(captured) == 0

    session["tracked"] = ["RP-2569-ABCDEF", "RP-2569-GHJKMN"]
    session.save()
    assert stored(session.session_key)["tracked"] == ["RP-2569-ABCDEF", "RP-2569-GHJKMN"]


def test_a_key_already_taken_is_never_shared_another_is_drawn(monkeypatch):
    first = SessionStore()
    first["who"] = "first browser"
    first.save()
    drawn = iter([first.session_key, "k" * 32])
    monkeypatch.setattr(sessions, "get_random_string", lambda length, chars: next(drawn))

    second = SessionStore()
    second["who"] = "second browser"
    second.save()

    assert second.session_key == "k" * 32
    assert stored(first.session_key) == {"who": "first browser"}
    assert stored(second.session_key) == {"who": "second browser"}
