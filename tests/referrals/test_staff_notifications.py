"""What reaches staff, and agencies' own systems, when a case moves.

Each event writes rows in the outbox with the change: one in the portal (the bell) per
person, one by email for those with an address who did not turn that kind off, and one
to the agency's webhook when it has one. ``notifications.deliver`` sends a waiting row;
tests call it directly, with Django's in-memory mail backend and a small HTTP receiver on
127.0.0.1 standing in for an agency's system.
"""

import hashlib
import hmac
import json
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest.mock import patch

import pytest
from django.core import mail
from django.test import RequestFactory
from django.utils import timezone

from agencies import permissions
from agencies.models import Agency, Inspector, Role
from agencies.permissions import Action, CitizenAccess
from referrals import notifications, services, tasks
from referrals.context_processors import notifications as bell
from referrals.models import Category, EventKind, Notification
from referrals.notifications import STAFF_KINDS
from referrals.services import inbox
from tests.referrals.clock import team
from tests.referrals.factories import agency, fresh, staff, submit

pytestmark = pytest.mark.django_db

PORTAL = Notification.Channel.IN_PORTAL
EMAIL = Notification.Channel.EMAIL
WEBHOOK = Notification.Channel.WEBHOOK
S = Notification.Status
SECRET = "agency-shared-secret"


@pytest.fixture
def mol():
    return team("MOL")


@pytest.fixture
def moph():
    return team("MOPH")


@pytest.fixture
def outbox(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    return mail.outbox


@pytest.fixture(autouse=True)
def retries_stay_off_the_broker():
    """A failed delivery schedules its retry with Celery: recorded here, not queued."""
    with patch.object(tasks.deliver_notification, "apply_async") as scheduled:
        yield scheduled


def told(kind: str, channel: str = PORTAL, **filters) -> list[int]:
    """Who received ``kind`` by ``channel``: one entry per row, sorted."""
    rows = Notification.objects.filter(kind=kind, channel=channel, **filters)
    return sorted(rows.values_list("user_id", flat=True))


def ids(*users) -> list[int]:
    return sorted(u.pk for u in users)


def accepted(mol, category="unpaid-wages"):
    case, _secret = submit(category)
    lead = case.lead_agency.code
    boss = mol.supervisor if lead == "MOL" else staff(lead, Role.SUPERVISOR)
    services.accept_case(case, boss)
    return fresh(case), boss


def referred(mol, category="unpaid-wages"):
    case, boss = accepted(mol, category)
    [referral] = services.refer_case(case, boss, {agency("MOPH"): "ขอให้ตรวจสุขภาพ"})
    return case, boss, referral


def with_webhook(code: str, url: str = "http://127.0.0.1:9/hook") -> Agency:
    Agency.objects.filter(code=code).update(webhook_url=url, webhook_secret=SECRET)
    return agency(code)


# --- Who hears of what -------------------------------------------------------------------------


def test_a_new_case_reaches_the_lead_agencys_triage_staff_in_the_portal_and_by_email(mol, moph):
    case, _secret = submit()

    assert told("new_case") == ids(mol.intake, mol.supervisor, mol.cceo)
    emails = Notification.objects.filter(kind="new_case", channel=EMAIL).order_by("user_id")
    assert [(e.user, e.recipient, e.status) for e in emails] == [
        (mol.supervisor, mol.supervisor.email, S.PENDING),
        (mol.cceo, mol.cceo.email, S.PENDING),
    ]
    rows = Notification.objects.filter(kind="new_case")
    assert {(r.case_id, r.agency_id) for r in rows} == {(case.pk, agency("MOL").pk)}
    assert {r.status for r in rows.filter(channel=PORTAL)} == {S.SENT}
    assert not rows.filter(channel=WEBHOOK).exists()


def test_a_new_restricted_case_is_announced_to_the_supervisors_and_cceos_alone():
    msdhs = team("MSDHS")

    submit("domestic-violence")

    assert told("new_case") == ids(msdhs.supervisor, msdhs.cceo)
    assert told("new_case", EMAIL) == ids(msdhs.supervisor, msdhs.cceo)


@pytest.mark.parametrize("category", ["unpaid-wages", "witness-protection"])
def test_a_new_case_reaches_exactly_those_who_may_triage_it(category):
    """The rule of who is told and the rule of who may triage are one: a CCEO may triage,
    so a CCEO is told; an inspector with a membership left over works no case."""
    lead = Category.objects.get(code=category).lead_agency.code
    people = [staff(lead, role) for role in Role]
    inspector = staff(lead, Role.INTAKE_OFFICER)
    Inspector.objects.create(user=inspector)
    people.append(inspector)

    case, _secret = submit(category)

    may_triage = [u for u in people if permissions.can(fresh(u), Action.TRIAGE, case)]
    assert may_triage, "someone must be able to triage it"
    assert told("new_case") == ids(*may_triage)


def test_a_new_case_reaches_the_agencys_own_system_when_it_has_a_webhook(mol):
    with_webhook("MOL", "https://mol.example.org/portal-events")

    case, _secret = submit()

    [row] = Notification.objects.filter(channel=WEBHOOK)
    assert (row.kind, row.recipient, row.agency, row.status) == (
        "new_case",
        "https://mol.example.org/portal-events",
        agency("MOL"),
        S.PENDING,
    )
    assert (row.context["event"], row.context["case"], row.context["agency"]) == (
        "new_case",
        case.reference,
        "MOL",
    )


def test_a_referral_reaches_the_receiving_agency(mol, moph):
    with_webhook("MOPH")
    case, _boss, referral = referred(mol)

    assert told("referral_received") == ids(moph.intake, moph.supervisor, moph.cceo)
    assert told("referral_received", EMAIL) == ids(moph.supervisor, moph.cceo)
    rows = Notification.objects.filter(kind="referral_received")
    assert {(r.case_id, r.agency_id) for r in rows} == {(case.pk, agency("MOPH").pk)}
    assert {r.context.get("from_agency") for r in rows.exclude(channel=WEBHOOK)} == {"MOL"}
    [hook] = rows.filter(channel=WEBHOOK)
    assert (hook.context["case"], hook.context["referral"]) == (case.reference, referral.pk)


def test_a_referral_of_a_restricted_case_is_announced_to_the_receiving_managers_alone(mol, moph):
    case, _boss, _referral = referred(mol, "domestic-violence")
    assert case.is_restricted

    assert told("referral_received") == ids(moph.supervisor, moph.cceo)
    assert not Notification.objects.filter(user=moph.intake).exists()


def test_a_cancelled_referral_of_a_restricted_case_is_announced_to_the_managers_alone(mol, moph):
    _case, boss, referral = referred(mol, "domestic-violence")

    services.cancel_referral(referral, boss, "ไม่ต้องการแล้ว")

    assert told("referral_update") == ids(moph.supervisor, moph.cceo)
    assert not Notification.objects.filter(user=moph.intake, kind="referral_update").exists()


def accept(referral, helper, boss):
    services.accept_referral(referral, helper)
    return EventKind.REFERRAL_ACCEPTED


def decline(referral, helper, boss):
    """Proposed by the officer, approved by a supervisor of their agency."""
    proposal = services.propose_decline(referral, helper, "ไม่มีบริการนี้ในพื้นที่")
    services.approve_proposal(proposal, staff(referral.to_agency.code, Role.SUPERVISOR))
    return EventKind.REFERRAL_DECLINED


def complete(referral, helper, boss):
    services.accept_referral(referral, helper)
    services.complete_referral(referral, helper, "ตรวจสุขภาพแล้ว")
    return EventKind.REFERRAL_COMPLETED


def updates(what, channel=PORTAL) -> list[int]:
    rows = Notification.objects.filter(kind="referral_update", channel=channel)
    return sorted(r.user_id for r in rows if r.context.get("event_kind") == what)


@pytest.mark.parametrize("answer", [accept, decline, complete])
def test_the_answer_to_a_referral_reaches_the_lead_agency(mol, moph, answer):
    with_webhook("MOL")
    _case, boss, referral = referred(mol)

    what = answer(referral, moph.officer, boss)

    assert updates(what) == ids(mol.intake, mol.supervisor, mol.cceo)
    assert updates(what, EMAIL) == ids(mol.supervisor, mol.cceo)
    moph_people = [moph.intake, moph.supervisor, moph.cceo, moph.officer]
    assert not Notification.objects.filter(kind="referral_update", user__in=moph_people).exists()
    hooks = Notification.objects.filter(kind="referral_update", channel=WEBHOOK)
    assert what in {h.context["what"] for h in hooks}
    assert {h.agency for h in hooks} == {agency("MOL")}


def test_the_answer_to_a_referral_reaches_the_assigned_officer_alone(mol, moph):
    _case, boss, referral = referred(mol)
    services.assign_case(referral.case, boss, mol.officer)

    what = accept(referral, moph.officer, boss)

    assert updates(what) == [mol.officer.pk]
    assert updates(what, EMAIL) == [mol.officer.pk]


def test_a_cancelled_referral_reaches_the_receiving_agency(mol, moph):
    _case, boss, referral = referred(mol)

    services.cancel_referral(referral, boss, "ไม่ต้องการแล้ว")

    assert updates(EventKind.REFERRAL_CANCELLED) == ids(moph.intake, moph.supervisor, moph.cceo)
    assert updates(EventKind.REFERRAL_CANCELLED, EMAIL) == ids(moph.supervisor, moph.cceo)
    mol_people = [mol.intake, mol.supervisor, mol.cceo, mol.officer]
    assert not Notification.objects.filter(kind="referral_update", user__in=mol_people).exists()


def test_an_officer_hears_of_a_case_assigned_to_them(mol):
    case, boss = accepted(mol)

    services.assign_case(case, boss, mol.officer)

    assert told("case_assigned") == [mol.officer.pk]
    assert told("case_assigned", EMAIL) == [mol.officer.pk]
    assert Notification.objects.get(kind="case_assigned", channel=EMAIL).recipient == (
        mol.officer.email
    )


def test_a_supervisor_taking_a_case_or_handing_it_back_is_not_told(mol):
    case, boss = accepted(mol)

    services.assign_case(case, boss, boss)
    services.assign_case(case, boss, None)

    assert not Notification.objects.filter(kind="case_assigned").exists()


@pytest.mark.parametrize("assigned", [False, True])
def test_information_from_the_citizen_reaches_those_who_handle_the_case(mol, assigned):
    case, boss = accepted(mol)
    if assigned:
        services.assign_case(case, boss, mol.officer)
    services.request_information(case, boss, "ขอสำเนาสัญญาจ้าง")

    services.add_information(case, CitizenAccess(case.pk), "แนบสัญญาจ้างแล้ว")

    handlers = [mol.officer] if assigned else [mol.intake, mol.supervisor, mol.cceo]
    assert told("information_received") == ids(*handlers)
    assert told("information_received", EMAIL) == ids(*[u for u in handlers if u != mol.intake])


# --- Choices: which kinds by email, in which language ------------------------------------------


def test_a_kind_turned_off_by_email_still_reaches_the_portal(mol):
    inbox.save_preferences(mol.supervisor, "th", set(STAFF_KINDS) - {"new_case"})

    case, _secret = submit()
    services.accept_case(case, mol.supervisor)
    services.request_information(case, mol.supervisor, "ขอสำเนาสัญญาจ้าง")
    services.add_information(case, CitizenAccess(case.pk), "แนบสัญญาจ้างแล้ว")

    assert told("new_case") == ids(mol.intake, mol.supervisor, mol.cceo)
    assert told("new_case", EMAIL) == [mol.cceo.pk]
    assert told("information_received", EMAIL) == ids(mol.supervisor, mol.cceo)


def test_an_officer_without_any_email_kind_gets_the_portal_alone(mol):
    inbox.save_preferences(mol.officer, "en", set())
    case, boss = accepted(mol)

    services.assign_case(case, boss, mol.officer)

    assert told("case_assigned") == [mol.officer.pk]
    assert told("case_assigned", EMAIL) == []


def test_each_email_is_written_in_its_recipients_language(outbox, mol):
    thai_reader = mol.supervisor  # no preferences: the portal's language, Thai
    english_reader = staff("MOL", Role.SUPERVISOR)
    inbox.save_preferences(english_reader, "en", set(STAFF_KINDS))
    case, _secret = submit()

    for row in Notification.objects.filter(kind="new_case", channel=EMAIL):
        assert notifications.deliver(row.pk) is True

    emails = {email.to[0]: email for email in outbox}
    assert set(emails) == {thai_reader.email, english_reader.email, mol.cceo.email}
    english, thai = emails[english_reader.email], emails[thai_reader.email]
    assert english.subject == f"New case {case.reference} for your agency"
    assert "A new case has reached your agency and waits for triage." in english.body
    assert "เรื่องใหม่" not in english.subject + english.body
    assert thai.subject == f"เรื่องใหม่ {case.reference} ถึงหน่วยงานของท่าน"
    assert "มีเรื่องใหม่ถึงหน่วยงานของท่าน รอการคัดกรอง" in thai.body
    assert "A new case" not in thai.subject + thai.body


# --- Once per recipient and channel ------------------------------------------------------------


def test_the_same_event_queued_twice_is_written_once(mol):
    case, _secret = submit()
    people = [mol.supervisor, mol.cceo, mol.intake]

    for _ in range(2):
        notifications.notify_staff("case_assigned", "test-event:1", people, case=case)

    rows = Notification.objects.filter(kind="case_assigned")
    assert sorted(rows.filter(channel=PORTAL).values_list("user_id", flat=True)) == ids(*people)
    assert sorted(rows.filter(channel=EMAIL).values_list("user_id", flat=True)) == ids(
        mol.supervisor, mol.cceo
    )
    assert rows.count() == 5


def test_delivering_an_email_twice_sends_it_once(outbox, mol):
    submit()
    row = Notification.objects.get(kind="new_case", channel=EMAIL, user=mol.supervisor)

    assert notifications.deliver(row.pk) is True
    assert notifications.deliver(row.pk) is False

    assert len(outbox) == 1
    row = Notification.objects.get(pk=row.pk)
    assert (row.status, row.attempts) == (S.SENT, 1)
    assert row.sent_at is not None


# --- The agency's own system ------------------------------------------------------------------


@dataclass
class Receiver:
    """An agency's system on 127.0.0.1: records each request, answers ``status``."""

    url: str = ""
    status: int = 200
    requests: list = field(default_factory=list)


@pytest.fixture
def receiver():
    received = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.requests.append((self.path, dict(self.headers.items()), body))
            self.send_response(received.status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    received.url = f"http://127.0.0.1:{server.server_address[1]}/portal-events"
    yield received
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def webhook_row(receiver) -> tuple:
    with_webhook("MOL", receiver.url)
    case, _secret = submit()
    return case, Notification.objects.get(channel=WEBHOOK)


def retry_now(row) -> None:
    Notification.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())


def test_the_webhook_posts_signed_json(receiver):
    case, row = webhook_row(receiver)

    assert notifications.deliver(row.pk) is True

    [(path, headers, body)] = receiver.requests
    assert path == "/portal-events"
    headers = {name.lower(): value for name, value in headers.items()}
    assert headers["content-type"].startswith("application/json")
    assert headers["x-portal-event"] == "new_case"
    assert headers["x-portal-delivery"] == row.idempotency_key
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["x-portal-signature"], expected)
    assert notifications.signature(SECRET, body) == expected
    assert notifications.signature("another-secret", body) != expected
    sent = json.loads(body)
    assert (sent["event"], sent["agency"], sent["case"]) == ("new_case", "MOL", case.reference)
    assert sent["status"] == "new"
    row = Notification.objects.get(pk=row.pk)
    assert (row.status, row.attempts) == (S.SENT, 1)
    assert notifications.deliver(row.pk) is False
    assert len(receiver.requests) == 1


def test_a_webhook_answering_500_is_retried_later(receiver, retries_stay_off_the_broker):
    receiver.status = 500
    _case, row = webhook_row(receiver)

    assert notifications.deliver(row.pk) is False

    row = Notification.objects.get(pk=row.pk)
    assert (row.status, row.attempts) == (S.PENDING, 1)
    assert timezone.now() < row.next_attempt_at <= timezone.now() + notifications.retry_delay(1)
    assert "500" in row.last_error
    retries_stay_off_the_broker.assert_called_once()
    assert retries_stay_off_the_broker.call_args.kwargs["countdown"] == 60
    assert notifications.deliver(row.pk) is False, "the retry waits its turn"
    assert len(receiver.requests) == 1

    receiver.status = 200
    retry_now(row)
    assert notifications.deliver(row.pk) is True
    row = Notification.objects.get(pk=row.pk)
    assert (row.status, row.attempts, len(receiver.requests)) == (S.SENT, 2, 2)


def test_a_webhook_failing_every_attempt_is_marked_failed(receiver):
    receiver.status = 500
    _case, row = webhook_row(receiver)

    for _attempt in range(notifications.MAX_ATTEMPTS):
        retry_now(row)
        assert notifications.deliver(row.pk) is False

    row = Notification.objects.get(pk=row.pk)
    assert (row.status, row.attempts) == (S.FAILED, notifications.MAX_ATTEMPTS)
    assert row.next_attempt_at is None
    assert len(receiver.requests) == notifications.MAX_ATTEMPTS
    retry_now(row)
    assert notifications.deliver(row.pk) is False
    assert notifications.deliver_pending(older_than=timedelta(0)) == 0
    assert len(receiver.requests) == notifications.MAX_ATTEMPTS


def test_one_attempt_before_the_limit_the_webhook_still_waits(receiver):
    receiver.status = 503
    _case, row = webhook_row(receiver)

    for _attempt in range(notifications.MAX_ATTEMPTS - 1):
        retry_now(row)
        notifications.deliver(row.pk)

    row = Notification.objects.get(pk=row.pk)
    assert (row.status, row.attempts) == (S.PENDING, notifications.MAX_ATTEMPTS - 1)


def test_a_row_left_sending_by_a_lost_worker_is_reported_failed_and_never_sent(receiver):
    _case, stalled = webhook_row(receiver)
    submit()
    recent = Notification.objects.filter(channel=WEBHOOK).exclude(pk=stalled.pk).get()
    now = timezone.now()
    Notification.objects.filter(pk=stalled.pk).update(
        status=S.SENDING, claimed_at=now - timedelta(minutes=11)
    )
    Notification.objects.filter(pk=recent.pk).update(
        status=S.SENDING, claimed_at=now - timedelta(minutes=5)
    )

    assert notifications.give_up_stalled() == 1

    stalled, recent = fresh(stalled), fresh(recent)
    assert stalled.status == S.FAILED
    assert stalled.last_error
    assert recent.status == S.SENDING
    assert notifications.deliver(stalled.pk) is False
    assert notifications.deliver_pending(older_than=timedelta(0)) == 0
    assert notifications.give_up_stalled() == 0
    assert receiver.requests == []


# --- The bell ----------------------------------------------------------------------------------


def unread(user) -> int:
    request = RequestFactory().get("/")
    request.user = user
    return int(str(bell(request)["unread_notifications"]))


def test_the_bell_counts_unread_notifications_until_they_are_read(mol):
    for _ in range(3):
        submit()
    mine = Notification.objects.filter(user=mol.supervisor, channel=PORTAL)
    first = mine.first()

    assert unread(mol.supervisor) == 3
    assert inbox.mark_read(mol.intake, first.pk) == 0, "another person's notification"
    assert unread(mol.supervisor) == 3

    assert inbox.mark_read(mol.supervisor, first.pk) == 1
    assert unread(mol.supervisor) == 2
    assert inbox.mark_read(mol.supervisor, first.pk) == 0
    assert fresh(first).read_at is not None

    assert inbox.mark_read(mol.supervisor) == 2
    assert unread(mol.supervisor) == 0
    assert unread(mol.intake) == 3
    assert not Notification.objects.filter(channel=EMAIL, read_at__isnull=False).exists()
