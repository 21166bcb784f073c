"""Deadlines follow the case: which are open, paused or met is read from its state.

Every workflow service calls ``follow(case)`` in its transaction after changing a case or
its referrals: acknowledging is due while the case is new, resolving while it is open
(paused while it waits for the citizen), the citizen's answer while it waits, the
citizen's confirmation while it is resolved, answering while a referral is pending and
completing it once accepted. A change of priority or category recomputes the open
deadlines under the new policy. ``restart`` gives a new lead agency its own time to
acknowledge after a transfer. The erasure services start and meet the deadline of an
erasure request (``start_erasure``, ``meet_erasure``): it follows the request, not the
case, in calendar days.

When a deadline is met by the work it measures, the business time it took is kept on the
case (acknowledged, resolved, within the deadline or not) or the referral (answered), for
the dashboards: a median over a million cases must not replay the calendar for each.
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from referrals.business_time import BusinessCalendar, current_calendar
from referrals.models import (
    Case,
    CaseStatus,
    Deadline,
    DeadlineKind,
    EscalationLevel,
    Referral,
    ReferralStatus,
    SlaPolicy,
)
from referrals.reference import DEFAULT_SLA, WORKING_DAY

OPEN = {CaseStatus.NEW, CaseStatus.IN_PROGRESS, CaseStatus.WAITING_CITIZEN}
# Leaving "new" this way is the lead agency's answer; withdrawing or a transfer is not.
ACKNOWLEDGED = {
    CaseStatus.IN_PROGRESS,
    CaseStatus.WAITING_CITIZEN,
    CaseStatus.RESOLVED,
    CaseStatus.REJECTED,
    CaseStatus.DUPLICATE,
}
ANSWERED = {ReferralStatus.ACCEPTED, ReferralStatus.DECLINED}
BUDGET_FIELD = {
    DeadlineKind.ACKNOWLEDGE: "acknowledge",
    DeadlineKind.ANSWER_REFERRAL: "answer_referral",
    DeadlineKind.RESOLVE: "resolve",
    DeadlineKind.COMPLETE_REFERRAL: "complete_referral",
}
# The case's own deadlines, each running while the case is in one of these statuses.
RUNS_WHILE = {
    DeadlineKind.ACKNOWLEDGE: {CaseStatus.NEW},
    DeadlineKind.RESOLVE: OPEN,
    DeadlineKind.CITIZEN_ANSWER: {CaseStatus.WAITING_CITIZEN},
    DeadlineKind.CONFIRMATION: {CaseStatus.RESOLVED},
}
# The deadlines only some cases have, started by a service of their own; each runs while
# the case is in one of these statuses. A case linked to 1111 reports back to it by the
# time its outcome is known (the adapter sends 1111 the summary when the case is resolved).
STARTED_APART = {DeadlineKind.REPORT_BACK: OPEN}
# A referral's deadlines, each running while the referral is in this status.
REFERRAL_RUNS_WHILE = {
    DeadlineKind.ANSWER_REFERRAL: ReferralStatus.PENDING,
    DeadlineKind.COMPLETE_REFERRAL: ReferralStatus.ACCEPTED,
}
# The deadlines that are the agencies' work: the earliest is the case's due time in the
# queue (waiting for the citizen's confirmation is not).
AGENCY_WORK = frozenset(DeadlineKind) - {DeadlineKind.CONFIRMATION, DeadlineKind.DECIDE_ERASURE}


def policy_for(case: Case) -> SlaPolicy:
    """The category's own policy for the case's priority, else the default one (and, if an
    administrator deleted that too, the defaults of DESIGN.md)."""
    policies = SlaPolicy.objects.filter(
        Q(category_id=case.category_id) | Q(category__isnull=True), priority=case.priority
    )
    return min(
        policies,
        key=lambda p: p.category_id is None,
        default=SlaPolicy(priority=case.priority, **DEFAULT_SLA[case.priority]),
    )


def follow(case: Case, now=None) -> None:
    """Open, pause, resume, meet or recompute the case's deadlines to match its state
    (a new case's first ones: ``first_deadlines``)."""
    now = now or timezone.now()
    calendar = current_calendar()
    policy = policy_for(case)
    referrals = {}
    open_deadlines = list(
        Deadline.objects.filter(case=case, met_at__isnull=True)
        .exclude(kind=DeadlineKind.DECIDE_ERASURE)
        .select_related("referral")
    )
    if case.status in OPEN:
        running = REFERRAL_RUNS_WHILE.values()
        referrals = {r.pk: r for r in case.referrals.filter(status__in=running)}
    waiting = case.status == CaseStatus.WAITING_CITIZEN
    if case.status in OPEN and case.resolve_seconds is not None:
        # Reopened: it is not resolved any more; its next resolution is measured afresh.
        case.resolve_seconds = case.resolved_in_time = None
        Case.objects.filter(pk=case.pk).update(resolve_seconds=None, resolved_in_time=None)
    running_kinds, still_open, ended_referrals = set(), [], set()
    for deadline in open_deadlines:
        if deadline.referral_id is not None:
            referral = referrals.get(deadline.referral_id)
            keep = referral is not None and referral.status == REFERRAL_RUNS_WHILE[deadline.kind]
            running_kinds.add((deadline.referral_id, deadline.kind))
        else:
            keep = case.status in (RUNS_WHILE.get(deadline.kind) or STARTED_APART[deadline.kind])
            running_kinds.add(deadline.kind)
        if not keep:
            _meet(deadline, now, calendar)
            _keep_figures(case, deadline)
            if deadline.referral_id is not None:
                ended_referrals.add(deadline.referral_id)
            continue
        if waiting and deadline.kind == DeadlineKind.RESOLVE:
            _pause(deadline, now, calendar)
        elif deadline.counting_since is None:
            _resume(deadline, now, policy, calendar)
        elif deadline.budget != _budget(policy, deadline.kind):
            _recompute(deadline, policy, calendar)
        still_open.append(deadline)
    for kind, statuses in RUNS_WHILE.items():
        if kind not in running_kinds and case.status in statuses:
            paused = waiting and kind == DeadlineKind.RESOLVE
            still_open.append(_start(case, kind, None, now, policy, calendar, paused=paused))
    for referral in referrals.values():
        for kind, status in REFERRAL_RUNS_WHILE.items():
            if referral.status == status and (referral.pk, kind) not in running_kinds:
                still_open.append(_start(case, kind, referral, now, policy, calendar))
    _copy_due_times(case, still_open, ended_referrals)


def first_deadlines(case: Case, now, also: tuple[str, ...] = ()) -> list[Deadline]:
    """The deadlines of a case not saved yet: those of its first status, and ``also``
    (deadlines started apart, such as 1111's report-back), unsaved, with the case's due
    time set on it. The caller saves the case, then the deadlines in one statement
    (``Deadline.objects.bulk_create``), rather than update the case after them."""
    calendar = current_calendar()
    policy = policy_for(case)
    kinds = [kind for kind, statuses in RUNS_WHILE.items() if case.status in statuses]
    kinds += [kind for kind in also if case.status in STARTED_APART[kind]]
    made = [_new(case, kind, None, now, policy, calendar) for kind in kinds]
    case.due_at, case.due_warning_at = _due_of(made)
    return made


def start_erasure(case: Case, now=None) -> Deadline:
    """The deadline to decide the case's erasure request: ERASURE_DECISION_DAYS calendar
    days from now, with reminders after ERASURE_REMINDER_DAYS."""
    now = now or timezone.now()
    return _start(case, DeadlineKind.DECIDE_ERASURE, None, now, None, current_calendar())


def start_apart(case: Case, kind: str, now=None) -> None:
    """Start one of the deadlines a service starts apart (``STARTED_APART``) on a case
    already saved, such as the deadline to tell 1111 the outcome of the case it forwarded
    (GCC_1111_REPORT_DAYS calendar days, with the SLA's reminder and escalations; met when
    the case leaves the open statuses). Started once: a second call changes nothing."""
    now = now or timezone.now()
    if (
        case.status not in STARTED_APART[kind]
        or Deadline.objects.filter(case=case, kind=kind).exists()
    ):
        return
    _start(case, kind, None, now, policy_for(case), current_calendar())
    follow(case, now)


def meet_erasure(case: Case, now=None) -> None:
    """The erasure request is decided: its deadline is met."""
    meet_all([case], DeadlineKind.DECIDE_ERASURE, now or timezone.now())


def meet_all(cases, kind: str, now) -> None:
    """Meet the open deadlines of ``kind`` of many cases at once (two queries), for work
    done on them together, such as the sweep's closing of unconfirmed cases."""
    calendar = current_calendar()
    met = list(Deadline.objects.filter(case__in=cases, kind=kind, met_at__isnull=True))
    for deadline in met:
        _stop(deadline, now, calendar)
    Deadline.objects.bulk_update(met, MET_FIELDS)


def restart(case: Case, kind: str, now=None) -> None:
    """End the open deadline of ``kind`` so that ``follow`` starts it afresh."""
    now = now or timezone.now()
    calendar = current_calendar()
    for deadline in Deadline.objects.filter(case=case, kind=kind, met_at__isnull=True):
        _meet(deadline, now, calendar)
    if kind == DeadlineKind.ACKNOWLEDGE and case.acknowledge_seconds is not None:
        # The former lead's answer is not the new lead's: theirs is kept when they give it.
        case.acknowledge_seconds = None
        Case.objects.filter(pk=case.pk).update(acknowledge_seconds=None)


def restart_referral(referral, kind: str, now=None) -> None:
    """End the referral's open deadline of ``kind`` so that ``follow`` starts it afresh
    (the referral passed to another office, which has its own time to answer)."""
    now = now or timezone.now()
    calendar = current_calendar()
    for deadline in Deadline.objects.filter(referral=referral, kind=kind, met_at__isnull=True):
        _meet(deadline, now, calendar)


# The steps whose time is set for every case alike, in settings.
SETTLED_BUDGET = {
    DeadlineKind.CITIZEN_ANSWER: lambda: settings.CITIZEN_SILENCE_WORKING_DAYS * WORKING_DAY,
    DeadlineKind.CONFIRMATION: lambda: settings.CASE_CONFIRMATION_WORKING_DAYS * WORKING_DAY,
    DeadlineKind.DECIDE_ERASURE: lambda: timedelta(days=settings.ERASURE_DECISION_DAYS),
    DeadlineKind.REPORT_BACK: lambda: timedelta(days=settings.GCC_1111_REPORT_DAYS),
}


def _budget(policy: SlaPolicy, kind: str) -> timedelta:
    if kind in SETTLED_BUDGET:
        return SETTLED_BUDGET[kind]()
    return getattr(policy, BUDGET_FIELD[kind])


def _offsets(deadline: Deadline, policy: SlaPolicy) -> list[timedelta | None]:
    """When its three points come, as time spent on the deadline (see models.LADDERS):
    the SLA's shares of the budget for the agencies' steps; for the citizen's answer a
    reminder to them and then the lead agency asked; for the confirmation the closing at
    the end; for an erasure request two reminders and the due time."""
    if deadline.kind == DeadlineKind.CITIZEN_ANSWER:
        return [settings.CITIZEN_REMINDER_WORKING_DAYS * WORKING_DAY, deadline.budget, None]
    if deadline.kind == DeadlineKind.CONFIRMATION:
        return [deadline.budget, None, None]
    if deadline.kind == DeadlineKind.DECIDE_ERASURE:
        reminders = [timedelta(days=days) for days in settings.ERASURE_REMINDER_DAYS[:2]]
        return [*reminders, *[None] * (2 - len(reminders)), deadline.budget]
    return [
        deadline.budget * percent / 100
        for percent in (policy.reminder_percent, policy.supervisor_percent, policy.cceo_percent)
    ]


def _start(case, kind, referral, now, policy, calendar, paused=False) -> Deadline:
    deadline = _new(case, kind, referral, now, policy, calendar, paused)
    deadline.save()
    return deadline


def _new(case, kind, referral, now, policy, calendar, paused=False) -> Deadline:
    deadline = Deadline(
        case=case,
        referral=referral,
        kind=kind,
        budget=_budget(policy, kind),
        started_at=now,
        counting_since=None if paused else now,
    )
    _set_points(deadline, policy, calendar)
    return deadline


MET_FIELDS = ["met_at", "next_check_at", "used", "counting_since"]


def _meet(deadline: Deadline, now, calendar: BusinessCalendar) -> None:
    _stop(deadline, now, calendar)
    deadline.save(update_fields=MET_FIELDS)


def _stop(deadline: Deadline, now, calendar: BusinessCalendar) -> None:
    """Stop the clock: ``used`` becomes the whole time the deadline took (and
    ``counting_since`` empty, so that ``used`` reads the same on every met deadline)."""
    if deadline.counting_since is not None:
        if deadline.in_calendar_days:
            deadline.used += now - deadline.counting_since
        else:
            deadline.used += calendar.between(deadline.counting_since, now)
    deadline.met_at, deadline.counting_since, deadline.next_check_at = now, None, None


def _keep_figures(case: Case, deadline: Deadline) -> None:
    """Copy what a met deadline measured onto its case or referral (an update that leaves
    their version alone)."""
    seconds = int(deadline.used.total_seconds())
    if deadline.referral_id is not None:
        if deadline.kind == DeadlineKind.ANSWER_REFERRAL and deadline.referral.status in ANSWERED:
            Referral.objects.filter(pk=deadline.referral_id).update(answer_seconds=seconds)
        return
    if deadline.kind == DeadlineKind.ACKNOWLEDGE and case.status in ACKNOWLEDGED:
        case.acknowledge_seconds = seconds
        Case.objects.filter(pk=case.pk).update(acknowledge_seconds=seconds)
    elif deadline.kind == DeadlineKind.RESOLVE and case.status == CaseStatus.RESOLVED:
        case.resolve_seconds, case.resolved_in_time = seconds, deadline.used <= deadline.budget
        Case.objects.filter(pk=case.pk).update(
            resolve_seconds=seconds, resolved_in_time=case.resolved_in_time
        )


def _pause(deadline: Deadline, now, calendar: BusinessCalendar) -> None:
    if deadline.counting_since is None:
        return
    deadline.used += calendar.between(deadline.counting_since, now)
    deadline.counting_since = None
    _clear_points(deadline)
    deadline.save(
        update_fields=[
            "used",
            "counting_since",
            "due_at",
            "reminder_at",
            "supervisor_at",
            "cceo_at",
            "next_check_at",
        ]
    )


# What resuming or recomputing a deadline changes: never the levels the sweep and the
# deadlines workers record, which a row read before them must not write back.
POINT_FIELDS = [
    "counting_since",
    "budget",
    "due_at",
    "reminder_at",
    "supervisor_at",
    "cceo_at",
    "next_check_at",
]


def _resume(deadline: Deadline, now, policy, calendar) -> None:
    deadline.counting_since = now
    deadline.budget = _budget(policy, deadline.kind)
    _set_points(deadline, policy, calendar)
    deadline.save(update_fields=POINT_FIELDS)


def _recompute(deadline: Deadline, policy, calendar) -> None:
    deadline.budget = _budget(policy, deadline.kind)
    _set_points(deadline, policy, calendar)
    deadline.save(update_fields=POINT_FIELDS)


def _clear_points(deadline: Deadline) -> None:
    deadline.due_at = deadline.reminder_at = deadline.supervisor_at = deadline.cceo_at = None
    deadline.next_check_at = None


def _set_points(deadline: Deadline, policy: SlaPolicy, calendar: BusinessCalendar) -> None:
    """The wall-clock times of the reminder, the due time and the escalations, from the
    business time left; a point already passed is due at once."""
    if deadline.counting_since is None:
        _clear_points(deadline)
        return

    def at(spent: timedelta | None):
        if spent is None:
            return None
        left = max(spent - deadline.used, timedelta(0))
        if deadline.in_calendar_days:
            return deadline.counting_since + left
        return calendar.add(deadline.counting_since, left)

    deadline.due_at = at(deadline.budget)
    deadline.reminder_at, deadline.supervisor_at, deadline.cceo_at = map(
        at, _offsets(deadline, policy)
    )
    deadline.next_check_at = next_point(deadline)


def points(deadline: Deadline) -> list[tuple[int, object]]:
    return [
        (EscalationLevel.REMINDER, deadline.reminder_at),
        (EscalationLevel.SUPERVISOR, deadline.supervisor_at),
        (EscalationLevel.CCEO, deadline.cceo_at),
    ]


def next_point(deadline: Deadline):
    """The earliest reminder or escalation not yet sent, or None."""
    upcoming = [
        at for level, at in points(deadline) if level > deadline.level_reached and at is not None
    ]
    return min(upcoming) if upcoming else None


def _due_of(running: list[Deadline]) -> tuple:
    """The case's due time and warning time in the queue: those of its earliest running
    deadline of the agencies' own work (none: None, None)."""
    own = sorted(
        (
            d
            for d in running
            if d.referral_id is None and d.due_at is not None and d.kind in AGENCY_WORK
        ),
        key=lambda d: d.due_at,
    )
    return (own[0].due_at, own[0].reminder_at) if own else (None, None)


def _copy_due_times(case: Case, still_open: list[Deadline], ended_referrals: set) -> None:
    """The case's own earliest running deadline, and each pending referral's, on their
    rows for the queue (an update that leaves their version alone)."""
    due = _due_of(still_open)
    if (case.due_at, case.due_warning_at) != due:
        case.due_at, case.due_warning_at = due
        Case.objects.filter(pk=case.pk).update(due_at=due[0], due_warning_at=due[1])
    for deadline in still_open:
        if deadline.referral_id is not None:
            Referral.objects.filter(pk=deadline.referral_id).exclude(due_at=deadline.due_at).update(
                due_at=deadline.due_at, due_warning_at=deadline.reminder_at
            )
    # A referral whose answer was its acceptance has its time to complete instead.
    ended_referrals -= {d.referral_id for d in still_open}
    if ended_referrals:
        Referral.objects.filter(pk__in=ended_referrals).update(due_at=None, due_warning_at=None)
