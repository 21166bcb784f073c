"""How the members' emails leave: through the portal's outbox, which lives in a layer
above this one (``referrals.notifications``) and registers itself here when its app
starts, as the outbox's channels do. The email is queued in the caller's transaction and
sent after it commits; a link in it is kept encrypted and erased once sent."""

from collections.abc import Callable

# (kind, to, key, context, link) -> None; ``link`` is the one-time path, or "".
Queue = Callable[[str, str, str, dict, str], None]
_queue: list[Queue] = []


def register(queue: Queue) -> None:
    """Make ``queue`` the way members' emails are sent (the outbox's app calls it)."""
    _queue[:] = [queue]


def send(kind: str, to: str, *, key: str, context: dict, link: str = "") -> None:
    """Queue the email ``emails/<kind>.txt`` to ``to``, once per ``key``."""
    if not _queue:
        raise LookupError("No outbox is registered for members' emails")
    _queue[0](kind, to, key, context, link)
