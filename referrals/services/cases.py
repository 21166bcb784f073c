"""Working a case in its lead agency: triage, assignment, notes, questions, resolution.

Every function takes the acting user as ``by``, locks the case, checks permission and the
transition table, writes in one transaction with its timeline event, and returns the case.
``expected_version`` (the version the user saw) makes a concurrent change fail cleanly.
"""

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies import permissions
from agencies.models import Agency
from agencies.permissions import Action
from referrals import actions, news
from referrals.errors import TransitionNotAllowed
from referrals.models import (
    OPEN_REFERRAL_STATUSES,
    Case,
    CaseEvent,
    CaseStatus,
    DeadlineKind,
    EventKind,
    Priority,
    ReferralStatus,
)
from referrals.notifications import (
    citizen_messages,
    notify_citizen,
    notify_staff,
    save_messages,
)
from referrals.selectors import WORDS_FOR_THE_CITIZEN, reopenable, takeable
from referrals.services import deadlines, email_link, parts
from referrals.services._common import (
    lock_case,
    record,
    require,
    required_text,
    save_case,
    save_referral,
)
from referrals.transitions import CASE_TRANSITIONS


def cancel_open_referrals(case: Case, by, reason: str, to_agency: Agency | None = None) -> None:
    """Cancel the referrals still open when the case stops needing them, with the reason.

    Called when a case is resolved over open referrals, rejected, joined to another case,
    or transferred to an agency that was helping (its referral ends as it takes the lead).
    """
    referrals = case.referrals.select_for_update().filter(status__in=OPEN_REFERRAL_STATUSES)
    if to_agency is not None:
        referrals = referrals.filter(to_agency=to_agency)
    now = timezone.now()
    for referral in referrals.select_related("to_agency"):
        referral.status = ReferralStatus.CANCELLED
        referral.cancel_reason = reason
        referral.closed_at = now
        save_referral(referral, "status", "cancel_reason", "closed_at")
        record(
            case,
            EventKind.REFERRAL_CANCELLED,
            by,
            agency=case.lead_agency,
            referral=referral,
            message=reason,
            to_agency=referral.to_agency.code,
        )
    parts.settle_parts(case)


def tell_citizen(case: Case, event: CaseEvent, kind: str = "citizen_update", **context) -> None:
    """Tell the citizen of a step of their case (``news.TOLD``), once per event, on each
    channel they chose (``notifications.citizen_addresses``), naming the agency the step
    concerns (``context`` adds to what the message reads). An address given but not yet
    confirmed gets the link that confirms it instead, once."""
    if email_link.awaits_confirmation(case):
        email_link.queue(case, f"case_received:c{case.pk}")
    notify_citizen(kind, news_key(event), case, {**news_context(event), **context})


def news_key(event: CaseEvent) -> str:
    return f"citizen_update:e{event.pk}"


def news_context(event: CaseEvent) -> dict:
    """What a message about ``event`` needs: the step, the agency it concerns, and the
    words written for the citizen (never what one agency wrote to another)."""
    context = {
        "event_kind": event.kind,
        "agency": news.agency_code(event),
    }
    if event.kind in WORDS_FOR_THE_CITIZEN and event.message:
        context["message"] = event.message
    if event.payload.get("duplicate_of"):
        context["original"] = event.payload["duplicate_of"]
    return context


def acting_agency(user, case: Case) -> Agency | None:
    """The agency on whose behalf ``user`` (a person or a system) acts on ``case``: the
    lead agency if theirs."""
    involved = permissions.involved_agency_ids(case) & permissions.working_agency_ids(user)
    if case.lead_agency_id in involved:
        return case.lead_agency
    return Agency.objects.filter(pk__in=involved).order_by("sort_order").first()


@transaction.atomic
def accept_case(case: Case, by, expected_version: int | None = None) -> Case:
    """Triage: the lead agency takes the case on (new -> in progress)."""
    case = lock_case(case, expected_version)
    actions.take(by, "accept", case)
    case.acknowledged_at = case.acknowledged_at or timezone.now()
    save_case(case, "status", "acknowledged_at")
    event = record(case, EventKind.ACCEPTED, by, agency=case.lead_agency, public=True)
    tell_citizen(case, event)
    return case


@transaction.atomic
def reject_case(case: Case, by, reason: str, expected_version: int | None = None) -> Case:
    """Triage: out of scope of every MOU agency; the reason (and where to go) is public."""
    reason = required_text(reason, _("Say why, and where the person can get help instead."))
    case = lock_case(case, expected_version)
    actions.take(by, "reject", case)
    cancel_open_referrals(case, by, reason)
    case.public_answer = reason
    case.closed_at = timezone.now()
    save_case(case, "status", "public_answer", "closed_at")
    event = record(
        case, EventKind.REJECTED, by, agency=case.lead_agency, public=True, message=reason
    )
    tell_citizen(case, event)
    return case


@transaction.atomic
def mark_duplicate(
    case: Case, by, original: Case | None, expected_version: int | None = None
) -> Case:
    """Join the case to an earlier one the user can see (None: no such case for them)."""
    case = lock_case(case, expected_version)
    actions.take(by, "mark_duplicate", case)
    if original is None or original.pk == case.pk or not permissions.can(by, Action.VIEW, original):
        raise TransitionNotAllowed(
            _("Choose another case that your agency handles."), field="original"
        )
    if original.status == CaseStatus.DUPLICATE:
        raise TransitionNotAllowed(
            _("That case is itself a duplicate: join this one to its original.")
        )
    cancel_open_referrals(
        case, by, _("Joined to case %(reference)s.") % {"reference": original.reference}
    )
    case.duplicate_of = original
    case.closed_at = timezone.now()
    save_case(case, "status", "duplicate_of", "closed_at")
    event = record(
        case,
        EventKind.MARKED_DUPLICATE,
        by,
        agency=case.lead_agency,
        public=True,
        duplicate_of=original.reference,
    )
    tell_citizen(case, event)
    return case


@transaction.atomic
def assign_case(case: Case, by, officer, expected_version: int | None = None) -> Case:
    """Give the case to an officer of the lead agency (or take it back with None)."""
    case = lock_case(case, expected_version)
    actions.take(by, "assign", case)
    if (
        officer is not None
        and not permissions.assignable(case.lead_agency_id, case.lead_office_id)
        .filter(pk=officer.pk)
        .exists()
    ):
        raise TransitionNotAllowed(_("Choose an officer of the lead agency."), field="officer")
    _give(case, by, officer)
    return case


@transaction.atomic
def take_case(case: Case, by, expected_version: int | None = None) -> Case:
    """The person works the case from now on ("assign to me"): anyone of the lead agency
    who handles cases, while nobody works it. Giving it to someone else, or taking it
    from them, is a supervisor's ``assign_case``."""
    case = lock_case(case, expected_version)
    actions.take(by, "take", case)
    if not takeable(case):
        holder = case.assigned_to
        raise TransitionNotAllowed(
            _("%(name)s already works this case; a supervisor may assign it to you.")
            % {"name": holder.get_full_name() or holder.get_username()}
        )
    _give(case, by, by)
    return case


def _give(case: Case, by, officer) -> None:
    """Record ``officer`` (or nobody) as the one who works the case, on the timeline, and
    tell them when someone else chose them."""
    previous = case.assigned_to
    case.assigned_to = officer
    save_case(case, "assigned_to")
    event = record(
        case,
        EventKind.ASSIGNED,
        by,
        agency=case.lead_agency,
        officer=officer.get_username() if officer else None,
        previous=previous.get_username() if previous else None,
    )
    if officer is not None and officer != by:
        notify_staff(
            "case_assigned",
            f"case_assigned:e{event.pk}",
            [officer],
            case=case,
            agency=case.lead_agency,
        )


UNCHANGED = object()


@transaction.atomic
def classify_case(
    case: Case,
    by,
    category,
    priority: str,
    expected_version: int | None = None,
    *,
    project=UNCHANGED,
) -> Case:
    """Triage: correct the kind of help or the priority, or link the case to the project of
    the action plan under which it is served (None: no project). The deadlines follow the
    policy of the new category and priority; a restricted category restricts the case
    (never the other way: lifting a restriction is a supervisor's decision)."""
    case = lock_case(case, expected_version)
    actions.take(by, "classify", case)
    if priority not in Priority.values:
        raise TransitionNotAllowed(_("Unknown priority."), field="priority")
    project_id = case.project_id if project is UNCHANGED else getattr(project, "pk", None)
    if (category.pk, priority, project_id) == (case.category_id, case.priority, case.project_id):
        raise TransitionNotAllowed(_("Nothing to change."))
    before = {"category": case.category.code, "priority": case.priority}
    after = {"category": category.code, "priority": priority}
    if project_id != case.project_id:
        before["project"] = case.project.code if case.project_id else None
        after["project"] = project.code if project_id else None
        case.project = project
    case.category, case.priority = category, priority
    case.is_restricted = case.is_restricted or category.is_restricted
    save_case(case, "category", "priority", "is_restricted", "project")
    record(case, EventKind.CLASSIFIED, by, agency=case.lead_agency, before=before, after=after)
    return case


@transaction.atomic
def add_note(case: Case, by, text: str, public: bool = False) -> Case:
    """A note on the timeline: internal to the agencies, or shown to the citizen."""
    text = required_text(text, _("Write the note."))
    actions.take(by, "note", case)
    record(case, EventKind.NOTE, by, agency=acting_agency(by, case), public=public, message=text)
    return case


@transaction.atomic
def request_information(case: Case, by, question: str, expected_version: int | None = None) -> Case:
    """Ask the citizen for information; the case waits (and its SLA clock pauses)."""
    question = required_text(question, _("Write what the person should tell us."))
    case = lock_case(case, expected_version)
    actions.take(by, "request_information", case)
    save_case(case, "status")
    event = record(
        case,
        EventKind.INFORMATION_REQUESTED,
        by,
        agency=case.lead_agency,
        public=True,
        message=question,
    )
    tell_citizen(case, event)
    return case


@transaction.atomic
def receive_information(case: Case, by, answer: str, expected_version: int | None = None) -> Case:
    """The citizen answered (recorded by an officer who took the call); work resumes."""
    answer = required_text(answer, _("Write what the person told us."))
    case = lock_case(case, expected_version)
    actions.take(by, "receive_information", case)
    save_case(case, "status")
    record(
        case,
        EventKind.INFORMATION_RECEIVED,
        by,
        agency=case.lead_agency,
        public=True,
        message=answer,
    )
    return case


@transaction.atomic
def resolve_case(
    case: Case,
    by,
    answer: str,
    override_reason: str = "",
    expected_version: int | None = None,
) -> Case:
    """Record the help given. Every referral must be closed first, unless a supervisor
    overrides with a reason: the referrals still open are then cancelled with it. A case
    nobody worked yet is recorded as worked by the person who resolves it (not by an
    agency's system, which is no person)."""
    answer = required_text(answer, _("Tell the person what was done for them."))
    case = lock_case(case, expected_version)
    actions.take(by, "resolve", case)
    override_reason = (override_reason or "").strip()
    if case.referrals.filter(status__in=OPEN_REFERRAL_STATUSES).exists():
        if not override_reason:
            raise TransitionNotAllowed(
                _(
                    "Referrals are still open: wait for their outcome, "
                    "or ask a supervisor to override."
                )
            )
        require(by, Action.OVERRIDE_RESOLVE, case)
        cancel_open_referrals(case, by, override_reason)
    # A case is never resolved by nobody: who resolves a case nobody works has worked it
    # (the timeline's line of the resolution names them).
    took = case.assigned_to_id is None and (
        permissions.assignable(case.lead_agency_id, case.lead_office_id)
        .filter(pk=getattr(by, "pk", None))
        .exists()
    )
    if took:
        case.assigned_to = by
    case.public_answer = answer
    case.resolved_at = timezone.now()
    save_case(case, "status", "public_answer", "resolved_at", *(["assigned_to"] if took else []))
    event = record(
        case,
        EventKind.RESOLVED,
        by,
        agency=case.lead_agency,
        public=True,
        message=answer,
        override_reason=override_reason or None,
    )
    tell_citizen(case, event)
    return case


@transaction.atomic
def close_case(case: Case, by, expected_version: int | None = None) -> Case:
    """Close a resolved case (confirmed by the citizen, or no answer in time)."""
    case = lock_case(case, expected_version)
    actions.take(by, "close", case)
    case.closed_at = timezone.now()
    save_case(case, "status", "closed_at")
    record(case, EventKind.CLOSED, by, agency=case.lead_agency, public=True)
    return case


@transaction.atomic
def close_unconfirmed(case_ids, now=None) -> int:
    """The portal closes the resolved cases among ``case_ids`` whose citizen neither
    confirmed nor asked to reopen within the confirmation period (the sweep calls it when
    that deadline passes); how many it closed. No person acts: the timeline says it was
    closed automatically. A case confirmed, reopened or closed meanwhile is left as it is,
    so a second run closes nothing. A few queries however many cases."""
    now = now or timezone.now()
    sources, target = CASE_TRANSITIONS["close"]
    cases = list(
        Case.objects.select_for_update(of=("self",))
        .filter(pk__in=case_ids, status__in=sources)
        .select_related("lead_agency")
        .prefetch_related("line_links")
        .order_by("pk")
    )
    if not cases:
        return 0
    Case.objects.filter(pk__in=[c.pk for c in cases]).update(
        status=target, closed_at=now, version=F("version") + 1, updated_at=now
    )
    deadlines.meet_all(cases, DeadlineKind.CONFIRMATION, now)
    days = settings.CASE_CONFIRMATION_WORKING_DAYS
    events = CaseEvent.objects.bulk_create(
        CaseEvent(
            case=case,
            kind=EventKind.CLOSED_AUTOMATICALLY,
            actor_agency=case.lead_agency,
            is_public=True,
            payload={"working_days": days},
            created_at=now,
        )
        for case in cases
    )
    # The citizens are told in one write: the rows of every case at once (their address
    # to confirm was sent the link when the request came in).
    save_messages(
        [
            row
            for case, event in zip(cases, events, strict=True)
            for row in citizen_messages(
                "citizen_update", news_key(event), case, news_context(event)
            )
        ]
    )
    return len(cases)


@transaction.atomic
def reopen_case(case: Case, by, reason: str, expected_version: int | None = None) -> Case:
    """Reopen a resolved or closed case within CASE_REOPEN_DAYS of its resolution."""
    reason = required_text(reason, _("Say why the case is reopened."))
    case = lock_case(case, expected_version)
    actions.take(by, "reopen", case)
    if case.anonymised_at is not None:
        raise TransitionNotAllowed(_("The personal data of this case is erased: it stays closed."))
    if not reopenable(case):
        raise TransitionNotAllowed(
            _("A case can be reopened only within %(days)s days of its resolution.")
            % {"days": settings.CASE_REOPEN_DAYS}
        )
    case.resolved_at = None
    case.closed_at = None
    save_case(case, "status", "resolved_at", "closed_at")
    record(case, EventKind.REOPENED, by, agency=case.lead_agency, public=True, message=reason)
    return case


@transaction.atomic
def set_restricted(
    case: Case, by, restricted: bool, reason: str, expected_version: int | None = None
) -> Case:
    """A supervisor limits (or opens) who sees the case, with a reason."""
    reason = required_text(reason, _("Say why access changes."))
    case = lock_case(case, expected_version)
    actions.take(by, "restrict", case)
    if case.is_restricted == restricted:
        raise TransitionNotAllowed(_("Nothing to change."))
    case.is_restricted = restricted
    save_case(case, "is_restricted")
    record(
        case,
        EventKind.RESTRICTION_CHANGED,
        by,
        agency=case.lead_agency,
        message=reason,
        restricted=restricted,
    )
    return case
