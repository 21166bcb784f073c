"""The periodic work on deadlines: reminders and escalations (to the citizen who has not
answered, to those who decide an erasure request), the closing of resolved cases nobody
confirmed, the morning digest, and the erasure of personal data past its retention.

``sweep`` reads only the deadlines whose next point has come (an index on
``next_check_at``), locks them with SKIP LOCKED so that two sweeps never take the same
row, and records the level each reached: one UPDATE a batch. ``tell`` then tells the
people of each level reached and not yet told, writes the timeline lines, and marks the
deadline told in the same transaction; the notifications' idempotency keys also refuse a
second copy. The periodic task hands ``tell`` to the deadlines workers in chunks, so that
ten thousand deadlines due at once are told by every worker of that queue, and the next
sweep hands again what a lost task left untold.
"""

import logging
from collections import Counter, defaultdict
from datetime import timedelta

from django.conf import settings
from django.db import models, transaction
from django.db.models import Count, F, Q, Value, When, prefetch_related_objects
from django.db.models.functions import Greatest
from django.utils import timezone

from agencies import bulk, permissions
from agencies.models import Agency, Role
from referrals.business_time import current_calendar
from referrals.models import (
    OPEN_CASE_STATUSES,
    Case,
    CaseEvent,
    CaseStatus,
    Deadline,
    DeadlineKind,
    EscalationLevel,
    EventKind,
    Proposal,
    ProposalStatus,
    Referral,
    ReferralStatus,
)
from referrals.notifications import (
    ADDRESS_FIELDS,
    citizen_messages,
    notify_staff,
    preferences_of,
    save_messages,
    staff_messages,
    staff_of,
)
from referrals.services.cases import close_unconfirmed
from referrals.services.deadlines import points

logger = logging.getLogger(__name__)

LEVEL_KIND = {
    EscalationLevel.REMINDER: "sla_reminder",
    EscalationLevel.SUPERVISOR: "sla_supervisor",
    EscalationLevel.CCEO: "sla_cceo",
}
EVENT_FOR_LEVEL = {
    EscalationLevel.REMINDER: EventKind.DEADLINE_REMINDER,
    EscalationLevel.SUPERVISOR: EventKind.DEADLINE_ESCALATED,
    EscalationLevel.CCEO: EventKind.DEADLINE_ESCALATED,
}


# What a sweep reads of a deadline, its case, the officer assigned and its referral
# (a case has some fifty fields: loading them all for thousands of deadlines costs more
# than the sweep's writing).
SWEPT_FIELDS = (
    "kind",
    "level_reached",
    "level_told",
    "claimed_at",
    "met_at",
    "counting_since",
    "due_at",
    "reminder_at",
    "supervisor_at",
    "cceo_at",
    "case__lead_agency_id",
    "case__lead_office_id",
    "case__is_restricted",
    *(f"case__{name}" for name in ADDRESS_FIELDS),
    "case__assigned_to__email",
    "referral__to_agency_id",
    "referral__to_office_id",
)


class Recipients:
    """Members of agencies by office and role, and their notification preferences, read
    once per sweep for every agency concerned."""

    def __init__(self, agency_ids):
        # (agency, role) -> office id (None: the agency as a whole) -> people
        self.by_role: dict[tuple[int, str], dict] = defaultdict(dict)
        users = set()
        for membership in (
            permissions.working_memberships()
            .filter(agency_id__in=agency_ids)
            .select_related("user")
            .order_by("user_id")
        ):
            offices = self.by_role[(membership.agency_id, membership.role)]
            people = offices.setdefault(membership.office_id, [])
            if membership.user not in people:
                people.append(membership.user)
            users.add(membership.user)
        self.preferences = preferences_of(users)

    def by_office(self, agency_id: int, *roles: str) -> dict:
        """Office id (None: the agency as a whole) -> the agency's people in ``roles``."""
        by_office: dict = {}
        for role in roles:
            for office_id, people in self.by_role[(agency_id, role)].items():
                found = by_office.setdefault(office_id, [])
                found += [user for user in people if user not in found]
        return by_office

    def of(self, agency_id: int, *roles: str, office: int | None = None) -> list:
        """The people in ``roles`` told of what concerns one of the agency's offices
        (None: its central office), as ``permissions.serving`` says."""
        return permissions.serving(self.by_office(agency_id, *roles), office)

    def anywhere(self, agency_id: int, *roles: str) -> list:
        """Everyone of the agency in ``roles``, at whichever office."""
        found = []
        for role in roles:
            for people in self.by_role[(agency_id, role)].values():
                found += [user for user in people if user not in found]
        return found


def _responsible(deadline: Deadline, level: int, recipients: Recipients) -> tuple[Agency, list]:
    """Who is told of a deadline at this level: the people of the office handling it
    first (the officer assigned, or those who take up what arrives), its supervisors when
    it passes, and the agency's CCEOs at the last level."""
    case = deadline.case
    agency_id, office = case.lead_agency_id, case.lead_office_id
    if deadline.kind == DeadlineKind.DECIDE_ERASURE:
        roles = permissions.erasure_decider_roles(case.is_restricted)
        return agency_id, recipients.of(agency_id, *roles, office=office)
    if deadline.kind == DeadlineKind.CITIZEN_ANSWER:
        # The citizen has not answered: the lead agency decides what becomes of the case.
        roles = permissions.arrival_roles(case.is_restricted)
        return agency_id, recipients.of(agency_id, *roles, office=office)
    # Intake officers do not see a restricted case: its supervisors triage it.
    triage = [Role.SUPERVISOR] if case.is_restricted else [Role.INTAKE_OFFICER, Role.SUPERVISOR]
    if deadline.referral_id is not None:
        agency_id, office = deadline.referral.to_agency_id, deadline.referral.to_office_id
        officers = recipients.of(agency_id, *triage, office=office)
    elif case.assigned_to_id:
        officers = [case.assigned_to]
    else:
        officers = recipients.of(agency_id, *triage, office=office)
    if level == EscalationLevel.SUPERVISOR:
        officers = recipients.of(agency_id, Role.SUPERVISOR, office=office)
    elif level == EscalationLevel.CCEO:
        officers = recipients.anywhere(agency_id, Role.CCEO)
    return agency_id, officers


def _staff_kind(deadline: Deadline, level: int) -> str:
    """The notice the people responsible get at this point of the deadline."""
    if deadline.kind == DeadlineKind.DECIDE_ERASURE:
        return "erasure_due"
    if deadline.kind == DeadlineKind.CITIZEN_ANSWER:
        return "citizen_silent"
    return LEVEL_KIND[level]


def sweep(now=None, batch: int = 1000, tell_later: bool = False) -> int:
    """Record the level each due deadline reached (and when), batch by batch, then tell
    the people of each level reached and close the resolved cases whose confirmation
    period has passed (``tell``); how many deadlines it found due.

    With ``tell_later`` (the periodic task) the telling is handed to the deadlines
    workers in chunks of TELL_CHUNK, so that the sweep's own transactions hold one UPDATE
    each, however many people are told; deadlines reached more than UNTOLD_GRACE ago and
    still not told (their task was lost with a broker or a worker) are handed again."""
    now = now or timezone.now()
    claimed = []
    while True:
        ids = _claim(now, batch)
        claimed += ids
        if len(ids) < batch:
            break
    found = set(claimed)
    lost = [pk for pk in untold(now - UNTOLD_GRACE) if pk not in found]
    chunks = [
        (claimed + lost)[start : start + TELL_CHUNK]
        for start in range(0, len(claimed) + len(lost), TELL_CHUNK)
    ]
    if tell_later:
        transaction.on_commit(lambda: _hand_to_workers(chunks))
    else:
        for chunk in chunks:
            tell(chunk)
    return len(claimed)


# Deadlines told by one task: 10,000 due make twenty tasks for the deadlines workers.
TELL_CHUNK = 500
# A deadline reached this long ago and still not told is handed to the workers again.
UNTOLD_GRACE = timedelta(minutes=5)


@transaction.atomic
def _claim(now, batch: int) -> list[int]:
    """Lock up to ``batch`` due deadlines (SKIP LOCKED: two sweeps never take the same)
    and record the level each reached; their ids."""
    ids = list(
        Deadline.objects.select_for_update(skip_locked=True)
        .filter(next_check_at__lte=now)
        .order_by("next_check_at")
        .values_list("pk", flat=True)[:batch]
    )
    if ids:
        _record_levels(ids, now)
    return ids


def untold(before) -> list[int]:
    """The deadlines that reached a level before ``before`` and whose people are still not
    told (index ``deadline_untold``: a handful, not the million), but those whose clock
    stopped meanwhile (the case waits for the citizen): they are told when it runs again."""
    return list(
        Deadline.objects.filter(level_told__lt=F("level_reached"), claimed_at__lt=before)
        .exclude(Deadline.PAUSED)
        .order_by("claimed_at")
        .values_list("pk", flat=True)[: TELL_CHUNK * 20]
    )


def _hand_to_workers(chunks: list[list[int]]) -> None:
    from referrals.tasks import tell_deadlines

    try:
        for chunk in chunks:
            tell_deadlines.delay(chunk)
    except Exception:
        # The broker is down: the next sweep after UNTOLD_GRACE hands them again.
        logger.warning("%s deadlines left untold for the next sweep", sum(map(len, chunks)))


@transaction.atomic
def tell(ids: list[int]) -> int:
    """For each of these deadlines whose level reached is above the level told: tell the
    people of every level in between (the officer or the office's triage first, then its
    supervisors, then the agency's CCEOs; the citizen who has not answered), write its
    timeline line, and close the cases whose confirmation period passed; how many
    deadlines it marked told. Locked with SKIP LOCKED and marked told in the same
    transaction, so that two workers given the same deadline tell its people once.

    What happened since the sweep counts: a deadline met meanwhile (the step done, the
    citizen's answer or confirmation come, the case transferred) is marked told and
    nobody hears of it; one paused meanwhile waits until its clock runs again."""
    deadlines = list(
        Deadline.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(pk__in=ids, level_told__lt=F("level_reached"))
        .select_related("case", "case__assigned_to", "referral")
        .only(*SWEPT_FIELDS)
    )
    if not deadlines:
        return 0
    # Where citizens hear, for the deadlines that may remind them alone.
    prefetch_related_objects(
        [d.case for d in deadlines if d.kind == DeadlineKind.CITIZEN_ANSWER], "line_links"
    )
    agency_ids = {d.case.lead_agency_id for d in deadlines} | {
        d.referral.to_agency_id for d in deadlines if d.referral_id
    }
    recipients = Recipients(agency_ids)
    # The rows as their fields, written in one statement per table (agencies.bulk):
    # thousands of model instances would cost more than the writing.
    events, rows, unconfirmed, told_now = [], [], defaultdict(list), []
    for deadline in deadlines:
        if deadline.is_paused:
            continue  # paused since: told once its clock runs again (``untold``)
        told_now.append(deadline.pk)
        if not deadline.is_open:
            # The step was done (or the case moved on) before its people heard: nobody is
            # reminded of it, no case is closed for it; the level stays on the deadline.
            continue
        for level, at in points(deadline):
            if not deadline.level_told < level <= deadline.level_reached or at is None:
                continue
            if deadline.kind == DeadlineKind.CONFIRMATION:
                unconfirmed[deadline.claimed_at].append(deadline.case_id)
                continue
            key = f"sla:{deadline.pk}:{level}"
            details = {
                "deadline_kind": deadline.kind,
                "due": deadline.due_at.isoformat() if deadline.due_at else None,
            }
            if deadline.kind == DeadlineKind.CITIZEN_ANSWER and level == EscalationLevel.REMINDER:
                agency_id = deadline.case.lead_agency_id
                told = citizen_messages("citizen_waiting", key, deadline.case, details)
                rows += told
            else:
                agency_id, told = _responsible(deadline, level, recipients)
                rows += staff_messages(
                    _staff_kind(deadline, level),
                    key,
                    told,
                    case=deadline.case,
                    context=details,
                    preferences=recipients.preferences,
                )
            events.append(
                {
                    "case_id": deadline.case_id,
                    "referral_id": deadline.referral_id,
                    "kind": EVENT_FOR_LEVEL[level],
                    "actor_agency_id": agency_id,
                    "payload": {**details, "level": int(level), "told": len(told)},
                    "created_at": deadline.claimed_at,
                }
            )
    if told_now:
        Deadline.objects.filter(pk__in=told_now).update(level_told=F("level_reached"))
    bulk.insert(CaseEvent, events)
    save_messages(rows)
    for claimed_at, case_ids in unconfirmed.items():
        close_unconfirmed(case_ids, claimed_at)
    return len(told_now)


@transaction.atomic
def escalate_overdue_approvals(now=None, batch: int = 1000) -> int:
    """Tell the agency's CCEO of each proposed decline or transfer that its approvers did
    not decide by its due time (they were told when it was proposed), once; how many.
    Locked with ``skip_locked``, so that two runners never send the same."""
    now = now or timezone.now()
    overdue = list(
        Proposal.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(status=ProposalStatus.PENDING, escalated_at__isnull=True, due_at__lte=now)
        .select_related("case", "case__category", "case__province", "agency")
        .order_by("due_at")[:batch]
    )
    for proposal in overdue:
        notify_staff(
            "approval_overdue",
            f"approval_overdue:p{proposal.pk}",
            staff_of(proposal.agency_id, {Role.CCEO}, None),  # the agency's CCEOs
            case=proposal.case,
            agency=proposal.agency,
            context={"proposal": proposal.kind, "due": proposal.due_at.isoformat()},
        )
    Proposal.objects.filter(pk__in=[p.pk for p in overdue]).update(escalated_at=now)
    return len(overdue)


def _record_levels(ids: list[int], now) -> None:
    """Record the level the deadlines reached, computed in one UPDATE rather than row by
    row: the level is the highest point passed (points come in order: reminder, supervisors, CCEO),
    the next check the first point after it."""
    passed = models.Case(
        When(cceo_at__lte=now, then=Value(EscalationLevel.CCEO)),
        When(supervisor_at__lte=now, then=Value(EscalationLevel.SUPERVISOR)),
        When(reminder_at__lte=now, then=Value(EscalationLevel.REMINDER)),
        default=Value(0),
    )
    reached = {
        level: Q(level_reached__gte=level) | Q(**{f"{field}__lte": now})
        for level, field in (
            (EscalationLevel.CCEO, "cceo_at"),
            (EscalationLevel.SUPERVISOR, "supervisor_at"),
            (EscalationLevel.REMINDER, "reminder_at"),
        )
    }
    Deadline.objects.filter(pk__in=ids).update(
        claimed_at=now,
        level_reached=Greatest(F("level_reached"), passed),
        next_check_at=models.Case(
            When(reached[EscalationLevel.CCEO], then=Value(None)),
            When(reached[EscalationLevel.SUPERVISOR], then=F("cceo_at")),
            When(reached[EscalationLevel.REMINDER], then=F("supervisor_at")),
            default=F("reminder_at"),
            output_field=models.DateTimeField(),
        ),
    )


# --- The morning digest --------------------------------------------------------------------


WHOLE = "whole"  # the figures of an agency as a whole, beside those of each office


def send_daily_digest(now=None) -> int:
    """On working days, supervisors and CCEOs get their deadline figures: those of their
    office, or of the whole agency for its central office; how many people were written
    to. Once per day and person (idempotency key)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    if not current_calendar().is_working_day(today):
        return 0
    soon = current_calendar().add(now, timedelta(hours=8))
    open_cases = Case.objects.filter(status__in=OPEN_CASE_STATUSES)
    figures: dict = defaultdict(Counter)
    for row in open_cases.values("lead_agency", "lead_office").annotate(
        new=Count("pk", filter=Q(status=CaseStatus.NEW)),
        overdue=Count("pk", filter=Q(due_at__lt=now)),
        due_soon=Count("pk", filter=Q(due_at__gte=now, due_at__lt=soon)),
    ):
        counts = {name: row[name] for name in ("new", "overdue", "due_soon")}
        figures[(row["lead_agency"], row["lead_office"])].update(counts)
        figures[(row["lead_agency"], WHOLE)].update(counts)
    for agency_id, office_id, pending in (
        Referral.objects.filter(status=ReferralStatus.PENDING)
        .values("to_agency", "to_office")
        .annotate(n=Count("pk"))
        .values_list("to_agency", "to_office", "n")
    ):
        figures[(agency_id, office_id)]["referrals_pending"] += pending
        figures[(agency_id, WHOLE)]["referrals_pending"] += pending
    agencies = list(Agency.objects.filter(is_active=True))
    recipients = Recipients([a.pk for a in agencies])
    told = 0
    with transaction.atomic():
        for agency in agencies:
            for office_id, people in recipients.by_office(
                agency.pk, Role.SUPERVISOR, Role.CCEO
            ).items():
                row = figures[(agency.pk, WHOLE if office_id is None else office_id)]
                context = {
                    "today": today.isoformat(),
                    **{
                        name: row[name]
                        for name in ("new", "overdue", "due_soon", "referrals_pending")
                    },
                }
                suffix = "" if office_id is None else f":o{office_id}"
                rows = [
                    r
                    for r in staff_messages(
                        "daily_digest",
                        f"digest:{today}:{agency.code}{suffix}",
                        people,
                        agency=agency,
                        context=context,
                        preferences=recipients.preferences,
                    )
                    if r["channel"] == "email"
                ]
                told += save_messages(rows, count=True)
    return told


# --- Retention -----------------------------------------------------------------------------


def anonymise_expired(now=None, limit: int = 1000) -> int:
    """Erase the personal data of cases finished more than RETENTION_YEARS ago."""
    from referrals.services.citizen import anonymise_case

    now = now or timezone.now()
    cutoff = now - timedelta(days=365 * settings.RETENTION_YEARS)
    expired = list(
        Case.objects.filter(closed_at__lt=cutoff, anonymised_at__isnull=True)
        .exclude(status__in=OPEN_CASE_STATUSES)
        .order_by("closed_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in expired:
        anonymise_case(Case(pk=pk))
    return len(expired)
