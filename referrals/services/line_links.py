"""Following a request on LINE: linking a LINE account to a case, and unlinking it.

The citizen proves the request is theirs as on the tracking page, with its reference and
secret (sent to the portal's LINE Official Account); the ``CitizenAccess`` made from them
may track the case, and following it on LINE is tracking it. From then on the case's news
is pushed to that account (``notifications.citizen_addresses``) until the citizen sends
"stop", blocks the account, or the case's personal data is erased.

A person at risk is reached only on the safe way they named: a restricted case (or one
of a restricted kind of help) may be followed on LINE only when that way is LINE, and by
one account only, so that a slip found by someone else cannot open a second, silent
reader of the person's news.
"""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from agencies import permissions
from agencies.permissions import Action, CitizenAccess
from referrals.errors import CaseNotFound
from referrals.models import Case, EventKind, LineLink, LineWebhookEvent, SafeChannel
from referrals.services._common import lock_case, record

# LINE sends an event again for a while when our answer did not reach it; a week is ample.
KEEP_EVENTS = timedelta(days=7)


class NotOnLine(Exception):
    """This request cannot be followed on LINE (its person's safety, or its data erased)."""


def restricted(case: Case) -> bool:
    return case.is_restricted or case.category.is_restricted


def may_follow_on_line(case: Case) -> bool:
    """Whether the case's news may go to a LINE account at all: never once its personal
    data is erased; for a person at risk, only when LINE is the safe way they named; for
    anyone else, unless they named another safe way (which then alone reaches them)."""
    if case.anonymised_at is not None:
        return False
    if case.safe_channel:
        return case.safe_channel == SafeChannel.LINE
    return not restricted(case)


def chose_line(case: Case) -> bool:
    """Whether the citizen asked for news on LINE (the choice, or the safe way named)."""
    return may_follow_on_line(case) and (case.notify_line or case.safe_channel == SafeChannel.LINE)


@transaction.atomic
def link_line(case: Case, citizen: CitizenAccess, line_user_id: str) -> tuple[LineLink, bool]:
    """Link the LINE account ``line_user_id`` to ``case`` for the holder of its secret:
    (the link, whether it is new). Linking again changes nothing. Raises ``NotOnLine``
    when the case may not be followed on LINE, or (a person at risk) already is by
    another account."""
    if not permissions.can(citizen, Action.TRACK, case):
        raise CaseNotFound()
    case = lock_case(case)
    if not may_follow_on_line(case):
        raise NotOnLine()
    existing = LineLink.objects.filter(case=case, line_user_id=line_user_id).first()
    if existing is not None:
        return existing, False
    if restricted(case) and case.line_links.exists():
        raise NotOnLine()
    link = LineLink.objects.create(case=case, line_user_id=line_user_id)
    if not case.notify_line:
        # How the citizen hears of the case, not its handling: the version stays, so
        # that no officer's open form is refused as out of date.
        case.notify_line = True
        case.save(update_fields=["notify_line"])
    # Public, so that the citizen sees on the tracking page when an account was linked.
    record(case, EventKind.LINE_LINKED, None, public=True, by_citizen=True)
    return link, True


@transaction.atomic
def unlink_line(line_user_id: str, reference: str = "", left: bool = False) -> list[str]:
    """Stop pushing news to the LINE account: of the request ``reference`` only, or of
    every request it follows. ``left`` when the person blocked the account. Returns the
    references unlinked (none when nothing was linked)."""
    links = LineLink.objects.filter(line_user_id=line_user_id).select_related("case")
    if reference:
        links = links.filter(case__reference=reference.upper())
    unlinked = []
    for link in links.order_by("case_id"):
        case = lock_case(link.case)
        link.delete()
        if not case.line_links.exists() and case.notify_line:
            case.notify_line = False
            case.save(update_fields=["notify_line"])
        record(case, EventKind.LINE_UNLINKED, None, public=True, by_citizen=True, left=left)
        unlinked.append(case.reference)
    return unlinked


def first_time(event_id: str) -> bool:
    """Record LINE's ``webhookEventId`` in the caller's transaction: False if it was
    already handled (a redelivery), so that the caller does nothing twice. Waits for a
    copy being handled at the same moment to finish, then answers False."""
    if not event_id:
        return True
    try:
        with transaction.atomic():
            LineWebhookEvent.objects.create(event_id=event_id[:64])
    except IntegrityError:
        return False
    return True


def forget_old_events(now=None) -> int:
    """Drop the ids of events older than LINE's redeliveries; how many."""
    now = now or timezone.now()
    deleted, _kinds = LineWebhookEvent.objects.filter(received_at__lt=now - KEEP_EVENTS).delete()
    return deleted
