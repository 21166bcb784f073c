"""Reads that may come from a PostgreSQL streaming replica.

When ``DATABASE_REPLICA_URL`` is set, the settings add a ``replica`` database and this
router. Only what runs inside ``replica_reads()`` reads from it: the dashboards, ``/stats/``,
their downloads and the API's lists, whose readers can take figures a moment old. Everything
else reads and writes the primary: every write, every read inside a transaction on it (a
service that reads what it is about to change), who the caller is and what they may do
(checked before the block opens, so that a key revoked or a membership ended counts at
once), and every page that must show what its reader just did.

While the replica lags, a reader of those pages sees the data as it was a moment ago: a case
created since is missing from the dashboards and the API's list until the replica has
replayed it, and is there on its own page (read from the primary) at once.
"""

from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps

from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
_on_replica: ContextVar[bool] = ContextVar("reads_on_replica", default=False)


@contextmanager
def replica_reads():
    """The reads in this block may come from the replica, if there is one."""
    token = _on_replica.set(True)
    try:
        yield
    finally:
        _on_replica.reset(token)


def reads_from_replica(function):
    """``function`` (a view, once its caller is checked) reads from the replica."""

    @wraps(function)
    def wrapper(*args, **kwargs):
        with replica_reads():
            return function(*args, **kwargs)

    return wrapper


def has_replica() -> bool:
    return REPLICA in connections.settings


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if (
            _on_replica.get()
            and has_replica()
            and not connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same data on both

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS  # the replica follows the primary's schema
