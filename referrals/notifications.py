"""The outbox: queue messages in the caller's transaction, deliver them after commit, each
at most once per recipient and channel.

Services call ``notify_staff`` (the portal's bell, and email unless the person turned that
kind off), ``notify_agency_system`` (the agency's webhook), ``notify_citizen`` (every channel
the citizen chose and can be reached on: email, SMS, LINE) and ``queue_email`` (an address
typed into a form). Each row has an idempotency key made of the event and the recipient, so queueing
twice writes once. After commit a Celery task calls ``deliver``; the periodic
``deliver_pending`` sends what a broker or worker outage left. ``deliver`` claims the row
("sending") in its own transaction before it talks to the mail server or the agency's
system: a worker that dies mid-send leaves it claimed, never sent twice, and
``give_up_stalled`` reports it failed for an administrator to check.

Each channel has one sender in a registry (``register_channel``): email and the agencies'
webhooks here, SMS (``referrals.sms``) and LINE (``referrals.line``) registered by the app
when it starts, and any other app's own (an outside system's exchange) the same way.
"""

import hashlib
import hmac
import json
import logging
import smtplib
import threading
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from agencies import bulk, permissions
from agencies.models import Agency
from referrals import identity, news
from referrals.models import (
    Case,
    DeadlineKind,
    EventKind,
    Notification,
    NotificationPreferences,
    ProposalKind,
)

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
WEBHOOK_TIMEOUT = 5
STALLED_AFTER = timedelta(minutes=10)
S = Notification.Status
C = Notification.Channel


@dataclass(frozen=True)
class Kind:
    label: object
    by_email: bool = True  # the default, which each person may change


# What reaches staff; the labels are shown on the notification settings page.
STAFF_KINDS = {
    "new_case": Kind(_("A new case for my agency")),
    "case_assigned": Kind(_("A case assigned to me")),
    "referral_received": Kind(_("A referral to my agency")),
    "referral_update": Kind(_("An answer to a referral of ours, or a referral cancelled")),
    "transfer_offered": Kind(_("The lead of a case offered to my agency")),
    "transfer_update": Kind(_("A transfer of ours accepted or returned")),
    "approval_requested": Kind(_("A decline or transfer proposed for my approval")),
    "approval_overdue": Kind(_("A proposed decline or transfer not decided in time (CCEO)")),
    "proposal_decided": Kind(_("A decision on a decline or transfer I proposed")),
    "information_received": Kind(_("The citizen added information")),
    "sla_reminder": Kind(_("A deadline is near")),
    "sla_supervisor": Kind(_("A deadline has passed (supervisors)")),
    "sla_cceo": Kind(_("A deadline is far past (CCEO)")),
    "citizen_silent": Kind(_("A citizen has not answered our question for a long time")),
    "erasure_due": Kind(_("An erasure request to decide is near or past its deadline")),
    "daily_digest": Kind(_("The daily summary of my agency's deadlines")),
    "forwarding_stopped": Kind(
        _("A case forwarded back and forth between outside systems was stopped (coordinator)")
    ),
}


# --- Who receives what ---------------------------------------------------------------------


def staff_of(agency_id: int, roles, office_id: int | None) -> list:
    """The people working in an agency in one of ``roles`` (see
    ``permissions.working_memberships``) who are told of what concerns one of its offices
    (None: the central office): see ``permissions.serving``."""
    by_office: dict = {}
    memberships = (
        permissions.working_memberships()
        .filter(agency_id=agency_id, role__in=roles)
        .filter(Q(office_id=office_id) | Q(office__isnull=True))
        .select_related("user")
        .order_by("user_id")
    )
    for membership in memberships:
        people = by_office.setdefault(membership.office_id, [])
        if membership.user not in people:
            people.append(membership.user)
    return permissions.serving(by_office, office_id)


def case_handlers(case: Case) -> list:
    """Who works the case in its lead agency: the officer assigned, else those who triage
    it at its office."""
    if case.assigned_to_id is not None:
        return [case.assigned_to]
    return triage_staff(case.lead_agency_id, case.lead_office_id, restricted=case.is_restricted)


def triage_staff(agency_id: int, office_id: int | None, restricted: bool = False) -> list:
    """Those of an agency who take up a case or referral arriving at one of its offices
    (None: the central office); see ``permissions.arrival_roles``."""
    return staff_of(agency_id, permissions.arrival_roles(restricted), office_id)


# --- Channels -------------------------------------------------------------------------------

Sender = Callable[[Notification], None]
_SENDERS: dict[str, Sender] = {}
_QUEUES: dict[str, str] = {}
# The Celery queue of the workers that send messages (settings.CELERY_TASK_QUEUES).
QUEUE = "notifications"


def register_channel(channel: str, send: Sender, queue: str = QUEUE) -> None:
    """Make ``send`` the way rows of ``channel`` leave the outbox. It raises when the
    message did not go (the row is then retried, ``MAX_ATTEMPTS`` times in all). A
    channel whose sending may wait long (an outside system) names a queue of its own, so
    that its workers are not those that send people their messages."""
    _SENDERS[channel] = send
    _QUEUES[channel] = queue


def queue_of(channel: str) -> str:
    """The Celery queue whose workers send the rows of ``channel``."""
    return _QUEUES.get(channel, QUEUE)


def _routed(queue: str) -> dict:
    """The options that send a task to ``queue``: none for the usual one, which
    CELERY_TASK_ROUTES names (and a test may route elsewhere)."""
    return {} if queue == QUEUE else {"queue": queue}


def sender(channel: str) -> Sender:
    try:
        return _SENDERS[channel]
    except KeyError:
        raise LookupError(f"No sender registered for the channel {channel!r}") from None


# The channels that reach a citizen rather than a member of staff or an agency's system.
CITIZEN_CHANNELS = frozenset({C.EMAIL, C.SMS, C.LINE})

# A Thai mobile number: 10 digits starting 06, 08 or 09 (a landline takes no SMS).
_MOBILE = ("06", "08", "09")


def is_mobile(phone: str) -> bool:
    return len(phone) == 10 and phone.startswith(_MOBILE) and phone.isdigit()


# The fields of a case that say where its citizen hears of it (a caller loading many
# cases for ``citizen_addresses`` loads these, with the case's ``line_links``).
ADDRESS_FIELDS = (
    "anonymised_at",
    "notify_email",
    "notify_sms",
    "notify_line",
    "safe_channel",
    "citizen_email",
    "citizen_email_confirmed_at",
    "citizen_phone",
    "language",
)


def citizen_addresses(case: Case) -> list[tuple[str, str]]:
    """Where the citizen of ``case`` hears of it, as (channel, recipient): each channel
    they chose that can reach them. Email needs an address they confirmed, SMS a mobile
    number, LINE an account they linked. A person at risk who named a safe way to be
    contacted is reached that way alone, and not at all by message when the safe way is
    a call or the tracking page."""
    if case.anonymised_at is not None:
        return []
    chosen = {
        C.EMAIL: case.notify_email,
        C.SMS: case.notify_sms,
        C.LINE: case.notify_line,
    }
    if case.safe_channel:
        chosen = {channel: channel == case.safe_channel for channel in chosen}
    found = []
    if chosen[C.EMAIL] and case.citizen_email and case.citizen_email_confirmed_at is not None:
        found.append((C.EMAIL, case.citizen_email))
    if chosen[C.SMS] and is_mobile(case.citizen_phone):
        found.append((C.SMS, case.citizen_phone))
    if chosen[C.LINE]:
        # .all(), so that a caller's prefetch_related("line_links") saves the query.
        links = sorted(case.line_links.all(), key=lambda link: link.pk)
        found.extend((C.LINE, link.line_user_id) for link in links)
    return found


def citizen_messages(kind: str, key: str, case: Case, context: dict | None = None) -> list:
    """The outbox rows telling the citizen of ``case`` about an event (``key`` names it),
    one per channel that reaches them, in the case's language: as the fields of each row
    (``save_messages``), not saved."""
    return [
        {
            "kind": kind,
            "case": case,
            "user": None,
            "agency": None,
            "channel": channel,
            "recipient": recipient,
            "language": case.language,
            "context": context or {},
            "status": S.PENDING,
            "sent_at": None,
            "idempotency_key": f"{key}:{channel}:{recipient}",
        }
        for channel, recipient in citizen_addresses(case)
    ]


def notify_citizen(kind: str, key: str, case: Case, context: dict | None = None) -> None:
    """Tell the citizen of ``case`` on each of their channels, once per event."""
    save_messages(citizen_messages(kind, key, case, context))


# --- Queueing --------------------------------------------------------------------------------


def preferences_of(users) -> dict[int, NotificationPreferences]:
    return {
        p.user_id: p for p in NotificationPreferences.objects.filter(user__in=[u.pk for u in users])
    }


def staff_messages(
    kind: str, key: str, users, *, case=None, agency=None, context=None, preferences=None
) -> list:
    """The outbox rows for ``users``: one in the portal each, and one by email for those
    who have an address and did not turn this kind off; as the fields of each row
    (``save_messages``), not saved. ``preferences`` (from ``preferences_of``) saves a
    query per call when the caller has them."""
    now = timezone.now()
    if preferences is None:
        preferences = preferences_of(users)
    by_email = STAFF_KINDS[kind].by_email
    rows = []
    for user in users:
        preference = preferences.get(user.pk)
        common = {
            "kind": kind,
            "case": case,
            "user": user,
            "agency": agency,
            "language": preference.language if preference else settings.LANGUAGE_CODE,
            "context": context or {},
        }
        rows.append(
            {
                **common,
                "channel": C.IN_PORTAL,
                "recipient": "",
                "status": S.SENT,
                "sent_at": now,
                "idempotency_key": f"{key}:portal:{user.pk}",
            }
        )
        wants = kind not in (preference.email_off if preference else [])
        if user.email and wants and by_email:
            rows.append(
                {
                    **common,
                    "channel": C.EMAIL,
                    "recipient": user.email,
                    "status": S.PENDING,
                    "sent_at": None,
                    "idempotency_key": f"{key}:email:{user.pk}",
                }
            )
    return rows


def save_and_dispatch(rows: list, count: bool = False) -> int:
    """``save_messages`` of unsaved ``Notification`` rows."""
    fields = [f for f in Notification._meta.concrete_fields if not f.primary_key]
    return save_messages([{f.attname: getattr(r, f.attname) for f in fields} for r in rows], count)


def save_messages(rows: list[dict], count: bool = False) -> int:
    """Write the rows (the fields of each, as ``staff_messages`` gives them) whose key is
    new, in one statement (a second call for the same event writes nothing), and send the
    ones that wait after the caller's transaction commits. With ``count``, return how
    many were new (one more query); else 0."""
    if not rows:
        return 0
    if count:
        keys = [r["idempotency_key"] for r in rows]
        known = set(
            Notification.objects.filter(idempotency_key__in=keys).values_list(
                "idempotency_key", flat=True
            )
        )
        rows = [r for r in rows if r["idempotency_key"] not in known]
    # The unique key refuses a second copy, whoever writes it and whenever; the row
    # already there is returned in its place, so the sending needs no second look-up.
    written = bulk.insert(
        Notification, rows, unique="idempotency_key", returning=("id", "channel", "status")
    )
    waiting = [(pk, channel) for pk, channel, status in written if status == S.PENDING]
    if waiting:
        transaction.on_commit(lambda: dispatch(waiting))
    return len(rows) if count else 0


def notify_staff(kind: str, key: str, users, *, case=None, agency=None, context=None) -> None:
    """Tell ``users`` about an event (``key`` names it uniquely, e.g. ``new_case:e42``)."""
    save_messages(staff_messages(kind, key, users, case=case, agency=agency, context=context))


def not_told_since(kind: str, case: Case, users, since: datetime) -> list:
    """Those of ``users`` who have had no ``kind`` notice about ``case`` since ``since``:
    for events that come in bursts, where one notice says enough."""
    told = set(
        Notification.objects.filter(
            kind=kind,
            case=case,
            channel=C.IN_PORTAL,
            user__in=[u.pk for u in users],
            created_at__gte=since,
        ).values_list("user_id", flat=True)
    )
    return [user for user in users if user.pk not in told]


def notify_agency_system(kind: str, key: str, agency, *, case=None, payload=None) -> None:
    """Post the event to the agency's own system, when it has a webhook."""
    if not agency.webhook_url:
        return
    body = {
        "event": kind,
        "agency": agency.code,
        "case": case.reference if case else None,
        "status": case.status if case else None,
        "occurred_at": timezone.now().isoformat(),
        **(payload or {}),
    }
    save_and_dispatch(
        [
            Notification(
                kind=kind,
                case=case,
                agency=agency,
                channel=C.WEBHOOK,
                recipient=agency.webhook_url,
                language=settings.LANGUAGE_CODE,
                context=body,
                idempotency_key=f"{key}:webhook:{agency.pk}",
            )
        ]
    )


def queue_email(
    kind: str,
    to: str,
    *,
    case: Case | None = None,
    language: str = "",
    key: str = "",
    context: dict | None = None,
) -> None:
    """An email to a citizen's address, sent once the caller's transaction commits.

    ``kind`` names the templates ``emails/<kind>_subject.txt`` and ``emails/<kind>.txt``.
    No case's secret is ever sent: an address typed into a form may be anyone's.
    """
    context = dict(context or {})
    row = Notification(
        kind=kind,
        case=case,
        channel=C.EMAIL,
        recipient=to,
        language=language or translation.get_language() or settings.LANGUAGE_CODE,
        context=context,
    )
    if key:
        row.idempotency_key = f"{key}:email:{to}"
    save_and_dispatch([row])


def queue_member_email(kind: str, to: str, key: str, context: dict, link: str) -> None:
    """An email to a member of staff about their membership (``agencies.members.mail``);
    a one-time link in it is kept like a one-time code: encrypted, erased once sent."""
    queue_email(kind, to, key=key, context={**context, **(hide_code(link) if link else {})})


DISPATCH_CHUNK = 50


def dispatch(rows: list[tuple[int, str]]) -> None:
    """Hand rows (id, channel) to the workers of their channel's queue: one task per
    message for a few, chunks of DISPATCH_CHUNK for a sweep's thousands (one publish per
    chunk, not per message)."""
    from referrals.tasks import deliver_notification, deliver_notifications

    by_queue: dict[str, list[int]] = {}
    for pk, channel in rows:
        by_queue.setdefault(queue_of(channel), []).append(pk)
    try:
        for queue, ids in by_queue.items():
            if len(ids) <= DISPATCH_CHUNK // 5:
                for pk in ids:
                    deliver_notification.apply_async((pk,), **_routed(queue))
            else:
                for start in range(0, len(ids), DISPATCH_CHUNK):
                    chunk = ids[start : start + DISPATCH_CHUNK]
                    deliver_notifications.apply_async((chunk,), **_routed(queue))
    except Exception:
        # The broker is down: the rows wait in the outbox for the periodic sender.
        logger.warning("%s notifications left for the periodic sender", len(rows))


# --- Delivering ------------------------------------------------------------------------------


def deliver(notification_id: int) -> bool:
    """Send one waiting notification; True if this call sent it.

    Safe to run twice or at once in two workers: the row is claimed under a lock.
    """
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk=notification_id, status=S.PENDING)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=timezone.now()))
            .first()
        )
        if notification is None:
            return False
        notification.status = S.SENDING
        notification.attempts += 1
        notification.claimed_at = timezone.now()
        notification.save(update_fields=["status", "attempts", "claimed_at"])
    try:
        sender(notification.channel)(notification)
    except Exception as error:
        _failed(notification, error)
        return False
    notification.status = S.SENT
    notification.sent_at = timezone.now()
    fields = ["status", "sent_at", *_forgotten(notification)]
    if notification.context.pop(ONE_TIME_CODE, None) is not None and "context" not in fields:
        fields.append("context")
    notification.save(update_fields=fields)
    return True


# In a row's context: blank its recipient and details once it has gone (or given up). For
# the last message of a case whose personal data is erased, queued after the erasure.
FORGET_RECIPIENT = "forget_recipient"


def _forgotten(notification: Notification) -> list[str]:
    """Blank the recipient of a row that asks for it; the fields to save."""
    if not notification.context.get(FORGET_RECIPIENT):
        return []
    notification.recipient, notification.context = "", {}
    return ["recipient", "context"]


_mail = threading.local()


def _mail_connection():
    connection = getattr(_mail, "connection", None)
    if connection is None or getattr(_mail, "backend", None) != settings.EMAIL_BACKEND:
        connection = get_connection()
        connection.open()
        _mail.connection, _mail.backend = connection, settings.EMAIL_BACKEND
    return connection


def _drop_mail_connection() -> None:
    connection, _mail.connection = getattr(_mail, "connection", None), None
    if connection is not None:
        try:
            connection.close()
        except Exception:
            logger.debug("Mail connection already closed")


def send_email(notification: Notification) -> None:
    subject, body = _render(notification)
    _send_email(subject, body, notification.recipient)


def _send_email(subject: str, body: str, to: str) -> None:
    """Send over a connection kept open per worker thread: opening one per message costs
    more than the message. A connection the server closed while idle is replaced once at
    once (nothing was sent on it); any other error drops it and is raised, so the message
    is retried later on a fresh one."""
    for attempt in (1, 2):
        try:
            EmailMessage(subject, body, None, [to], connection=_mail_connection()).send()
            return
        except smtplib.SMTPServerDisconnected:
            _drop_mail_connection()
            if attempt == 2:
                raise
        except Exception:
            _drop_mail_connection()
            raise


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4, 8 ... minutes after each failed attempt."""
    return timedelta(minutes=2 ** max(attempts - 1, 0))


def _failed(notification: Notification, error: Exception) -> None:
    final = notification.attempts >= MAX_ATTEMPTS
    notification.status = S.FAILED if final else S.PENDING
    notification.last_error = f"{type(error).__name__}: {error}"[:2000]
    notification.next_attempt_at = (
        None if final else timezone.now() + retry_delay(notification.attempts)
    )
    forgotten = _forgotten(notification) if final else []
    notification.save(update_fields=["status", "last_error", "next_attempt_at", *forgotten])
    logger.warning("Notification %s not sent: %s", notification.pk, type(error).__name__)
    if not final:
        from referrals.tasks import deliver_notification

        try:
            deliver_notification.apply_async(
                (notification.pk,),
                countdown=retry_delay(notification.attempts).total_seconds(),
                **_routed(queue_of(notification.channel)),
            )
        except Exception:
            logger.warning("Retry of notification %s left to the periodic sender", notification.pk)


def template_context(notification: Notification) -> dict:
    """What the message templates read: the stored details, turned back into dates and
    names in the recipient's language (call it under ``translation.override``)."""
    stored = notification.context
    context = {
        "case": notification.case,
        "user": notification.user,
        "site_url": settings.SITE_URL,
        **stored,
    }
    if notification.agency_id:
        context["agency_name"] = notification.agency.name
    if "deadline_kind" in stored:
        context["step"] = DeadlineKind(stored["deadline_kind"]).label
    if "event_kind" in stored:
        kind = EventKind(stored["event_kind"])
        context["what"] = kind.label
        if to_citizen(notification):
            context.update(_news(kind, stored))
    if "proposal" in stored:
        context["proposal"] = ProposalKind(stored["proposal"]).label
    if "from_agency" in stored:
        agency = Agency.objects.filter(code=stored["from_agency"]).first()
        context["from_agency"] = agency.name if agency else stored["from_agency"]
    for name in ("due", "today", "changed_at"):
        if name in stored:
            context[name] = datetime.fromisoformat(stored[name])
    if ONE_TIME_CODE in stored:
        context["code"] = identity.decrypt(stored[ONE_TIME_CODE])
    return context


def _news(kind: EventKind, stored: dict) -> dict:
    """The citizen's news of a step (``referrals.news``), long and short."""
    code = stored.get("agency")
    agency = Agency.objects.filter(code=code).first() if code else None
    details = {"agency": agency, "original": stored.get("original", "")}
    return {
        "what": news.describe(kind, **details),
        "what_short": news.describe(kind, **details, short=True),
    }


def to_citizen(notification: Notification) -> bool:
    """Whether the message goes to the citizen (rather than staff or an agency's system)."""
    return notification.user_id is None and notification.channel in CITIZEN_CHANNELS


# A one-time code travels in the row's details encrypted, and is erased once it is sent.
ONE_TIME_CODE = "code_encrypted"


def hide_code(code: str) -> dict:
    """The details of a message that carries ``code``."""
    return {ONE_TIME_CODE: identity.encrypt(code)}


DISCREET = "discreet"
# Citizens' messages written to name nothing but the reference: the one-time code that
# replaces a lost secret, and the notice that the secret was replaced. They keep their own
# templates on a restricted case too (the discreet one would drop the code), and those
# templates must never name the kind of help, an agency or what anyone wrote.
NEUTRAL_KINDS = frozenset({"secret_code", "secret_changed"})


def template_name(notification: Notification) -> str:
    """The templates ``emails/<name>_subject.txt`` and ``emails/<name>.txt`` a message is
    drawn from. A citizen's message about a restricted case, or a case of a restricted kind
    of help (violence, trafficking, witnesses), is discreet whatever its event: it says
    only that there is news on the request, with the reference and the link, never the
    kind of help, an agency or what anyone wrote, for whoever else reads the person's
    inbox. The kinds neutral by design (``NEUTRAL_KINDS``) keep their own templates."""
    case = notification.case
    if not to_citizen(notification) or case is None or notification.kind in NEUTRAL_KINDS:
        return notification.kind
    if case.is_restricted or case.category.is_restricted:
        return DISCREET
    return notification.kind


def render_subject(notification: Notification) -> str:
    with translation.override(notification.language):
        text = render_to_string(
            f"emails/{template_name(notification)}_subject.txt", template_context(notification)
        )
    return " ".join(text.split())


def _render(notification: Notification) -> tuple[str, str]:
    name = template_name(notification)
    with translation.override(notification.language):
        context = template_context(notification)
        subject = render_to_string(f"emails/{name}_subject.txt", context)
        body = render_to_string(f"emails/{name}.txt", context)
    return " ".join(subject.split()), body


def render_text(notification: Notification) -> str:
    """The short text of a message (SMS, LINE) from ``texts/<name>.txt``: its lines kept,
    blank lines and spaces around them dropped."""
    with translation.override(notification.language):
        text = render_to_string(
            f"texts/{template_name(notification)}.txt", template_context(notification)
        )
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def signature(secret: str, body: bytes) -> str:
    """The value of X-Portal-Signature: HMAC-SHA256 of the body with the agency's secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _post_webhook(notification: Notification) -> None:
    body = json.dumps(notification.context, ensure_ascii=False, sort_keys=True).encode()
    request = urllib.request.Request(  # noqa: S310 (an https/http address the admin set)
        notification.recipient,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "referral-portal",
            "X-Portal-Event": notification.kind,
            "X-Portal-Delivery": notification.idempotency_key,
            "X-Portal-Signature": signature(notification.agency.webhook_secret, body),
        },
    )
    with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT) as response:  # noqa: S310
        if not 200 <= response.status < 300:
            raise OSError(f"HTTP {response.status}")


register_channel(C.EMAIL, send_email)
register_channel(C.WEBHOOK, _post_webhook)


def deliver_pending(
    older_than: timedelta = timedelta(seconds=30), limit: int = 500, queue: str | None = None
) -> int:
    """Send what the after-commit task did not (broker down, worker lost, retry due); how
    many were sent. Rows younger than ``older_than`` are left to their own task. ``queue``:
    only the rows of the channels that queue's workers send (``register_channel``), so
    that each queue's workers catch up on their own (None: every channel)."""
    now = timezone.now()
    pending = Notification.objects.filter(status=S.PENDING, created_at__lt=now - older_than)
    if queue == QUEUE:
        pending = pending.exclude(channel__in=[c for c, q in _QUEUES.items() if q != queue])
    elif queue is not None:
        pending = pending.filter(channel__in=[c for c, q in _QUEUES.items() if q == queue])
    ids = list(
        pending.filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(deliver(pk) for pk in ids)


def send_again(rows) -> int:
    """Put the failed ones of ``rows`` back in the queue for the periodic sender (from the
    admin); how many. Only failures: a row still "sending" may have gone out, and a sent
    one did."""
    return rows.filter(status=S.FAILED).update(
        status=S.PENDING, attempts=0, next_attempt_at=timezone.now(), claimed_at=None
    )


def give_up_stalled(now=None) -> int:
    """Mark as failed what a worker claimed and never finished: it may or may not have
    gone out, so it is not sent again; the admin shows it for a person to check."""
    now = now or timezone.now()
    return Notification.objects.filter(status=S.SENDING, claimed_at__lt=now - STALLED_AFTER).update(
        status=S.FAILED,
        last_error="The worker stopped while sending: check whether it arrived.",
    )
