"""Sessions in the database, as Django keeps them, with fewer statements.

A new session key is drawn without asking the database first whether it is taken (the
INSERT that saves it refuses a key that is, and another is drawn then: Django's own
``create`` loop); a new key for the same data (``cycle_key``, at sign-in or when a browser
gains a case) is written once, by the save at the end of the request, rather than inserted
at once and updated at the end; and a session saved again unchanged (the middleware's save
after a view that saved it inside its own transaction) is not written twice.

So a view can save the session in the transaction of its own work (a new request and the
browser's right to see it, ``referrals.public.asking``): one commit, or none of it.
"""

from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.utils.crypto import get_random_string


class SessionStore(db.SessionStore):
    def __init__(self, session_key=None):
        super().__init__(session_key)
        self._written = None  # (key, encoded data) of the last save

    def _get_new_session_key(self) -> str:
        return get_random_string(32, VALID_KEY_CHARS)

    def cycle_key(self) -> None:
        data = self._session
        old = self.session_key
        self._session_key = None  # the next save creates the row under a new key
        self._session_cache = data
        self.modified = True
        self._written = None
        if old:
            self.delete(old)

    def save(self, must_create: bool = False) -> None:
        if self.session_key is not None and not must_create:
            written = (self.session_key, self.encode(self._get_session()))
            if written == self._written:
                return
        super().save(must_create=must_create)
        if self.session_key is not None:
            self._written = (self.session_key, self.encode(self._get_session()))
