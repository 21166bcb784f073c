"""Ending a person's signed-in sessions, when their membership is suspended or removed or
their password is reset: the next request they make finds them signed out.

Sessions are kept in the database (the default engine, or ``cached_db``); a signed-in one
lives at most ``STAFF_SESSION_HOURS``, so the live ones are few enough to read through.
"""

from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.utils import timezone


def end_sessions_of(user) -> int:
    """Delete every live session signed in as ``user``; returns how many."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    live = store.get_model_class().objects.filter(expire_date__gt=timezone.now())
    ended = 0
    for key, data in live.values_list("session_key", "session_data").iterator():
        if store().decode(data).get(SESSION_KEY) == str(user.pk):
            store(session_key=key).delete()
            ended += 1
    return ended
