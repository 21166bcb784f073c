"""Reads that need care: the staff queue, the case page, what a user may do next."""

import re
import time
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import get_language

from agencies import permissions
from agencies.models import Agency, Province
from agencies.permissions import Action
from referrals.models import (
    OPEN_CASE_STATUSES,
    Case,
    CaseEvent,
    CaseStatus,
    Category,
    Referral,
    ReferralStatus,
)
from referrals.transitions import CASE_TRANSITIONS, REFERRAL_TRANSITIONS, allowed

REFERENCE = re.compile(r"^RP-\d{4}-[0-9A-Z]{6}$")


# Choice lists of reference data, kept per process and language for a few minutes: the
# queue shows them on every request, and they change only when an administrator edits them.
CHOICES_SECONDS = 300
_choices: dict[tuple[str, str], tuple[float, list[tuple[str, str]]]] = {}


def _cached_choices(kind: str, build) -> list[tuple[str, str]]:
    key = (kind, get_language() or "")
    now = time.monotonic()
    hit = _choices.get(key)
    if hit is None or now - hit[0] > CHOICES_SECONDS:
        hit = (now, build())
        _choices[key] = hit
    return hit[1]


def forget_cached_choices() -> None:
    _choices.clear()


def category_choices() -> list[tuple[str, str]]:
    """(id, name) of every help category, in the active language."""
    return _cached_choices(
        "category", lambda: [(str(c.pk), c.name) for c in Category.objects.all()]
    )


def province_choices() -> list[tuple[str, str]]:
    """(code, name) of the 77 provinces, in the active language."""
    return _cached_choices("province", lambda: [(p.code, p.name) for p in Province.objects.all()])


def help_categories() -> QuerySet[Category]:
    """The active help categories in display order, with their lead agency loaded."""
    return Category.objects.filter(is_active=True).select_related("lead_agency")


class Tab:
    NEW = "new"
    MINE = "mine"
    REFERRALS = "referrals"
    WAITING = "waiting"
    ALL = "all"


TABS = [Tab.NEW, Tab.MINE, Tab.REFERRALS, Tab.WAITING, Tab.ALL]
SORTS = {
    "newest": ["-created_at", "-id"],
    "oldest": ["created_at", "id"],
    "priority": ["-priority", "-created_at", "-id"],  # "urgent" > "normal": urgent first
}

# In the referrals tab, "newest" means the newest referral to the agency.
REFERRAL_SORTS = {
    "newest": ["-referrals__created_at", "-referrals__id"],
    "oldest": ["referrals__created_at", "referrals__id"],
    "priority": ["-priority", "-referrals__created_at", "-referrals__id"],
}


@dataclass
class QueueFilters:
    status: str = ""
    category: str = ""  # id
    province: str = ""  # code
    priority: str = ""
    created_from: date | None = None
    created_to: date | None = None
    q: str = ""


def queue(user, agency: Agency, tab: str, filters: QueueFilters, sort: str) -> QuerySet[Case]:
    """The cases of one tab of ``agency``'s queue that ``user`` may see, filtered and sorted.

    Every tab is a query on indexed columns, so that a page costs the same at a thousand
    cases as at a million.
    """
    cases = Case.objects.all()
    order = SORTS.get(sort, SORTS["newest"])
    if tab == Tab.NEW:
        cases = cases.filter(lead_agency=agency, status=CaseStatus.NEW)
    elif tab == Tab.MINE:
        cases = cases.filter(assigned_to=user, status__in=OPEN_CASE_STATUSES)
    elif tab == Tab.REFERRALS:
        # A join, not a semi-join: at most one referral per agency is open on a case, and
        # the page is read from the referrals' own index, newest referral first.
        cases = cases.filter(referrals__to_agency=agency, referrals__status=ReferralStatus.PENDING)
        order = REFERRAL_SORTS.get(sort, REFERRAL_SORTS["newest"])
    elif tab == Tab.WAITING:
        cases = cases.filter(lead_agency=agency, status=CaseStatus.WAITING_CITIZEN)
    cases = permissions.visible_cases(user, cases)
    if filters.status:
        cases = cases.filter(status=filters.status)
    if filters.category:
        cases = cases.filter(category_id=filters.category)
    if filters.province:
        cases = cases.filter(province_id=filters.province)
    if filters.priority:
        cases = cases.filter(priority=filters.priority)
    if filters.created_from:
        cases = cases.filter(created_at__date__gte=filters.created_from)
    if filters.created_to:
        cases = cases.filter(created_at__date__lte=filters.created_to)
    if filters.q:
        cases = _search(cases, filters.q)
    return cases.select_related("category", "province", "assigned_to").order_by(*order)


def _search(cases: QuerySet[Case], text: str) -> QuerySet[Case]:
    """A reference, a phone number (any part of it), or part of a name."""
    text = " ".join(text.split())
    if REFERENCE.match(text.upper()):
        return cases.filter(reference=text.upper())
    digits = re.sub(r"[\s()+-]", "", text)
    if digits.isdigit() and len(digits) >= 3:
        return cases.filter(citizen_phone__contains=digits)
    return cases.filter(citizen_name__icontains=text)


def case_for(user, reference: str) -> Case | None:
    """The case with this reference if ``user`` may see it; None otherwise (answered 404)."""
    # Few joins: planning a nine-table join cost more than running it. The optional
    # places, office and original case load by primary key when the page shows them.
    try:
        case = Case.objects.select_related(
            "category", "province", "lead_agency", "assigned_to"
        ).get(reference=reference.upper())
    except Case.DoesNotExist:
        return None
    if not permissions.can(user, Action.VIEW, case):
        return None
    return case


def case_page(case: Case) -> dict:
    """The timeline, referrals and files of a case, each in one query."""
    referrals = list(
        case.referrals.select_related("to_agency", "to_office", "from_agency", "answered_by")
    )
    events = list(
        CaseEvent.objects.filter(case=case).select_related("actor", "actor_agency", "referral")
    )
    return {
        "referrals": referrals,
        "events": events,
        "attachments": list(case.attachments.select_related("uploaded_by")),
    }


CASE_ACTIONS = {
    "accept": Action.TRIAGE,
    "reject": Action.TRIAGE,
    "mark_duplicate": Action.TRIAGE,
    "transfer": Action.TRANSFER,
    "assign": Action.ASSIGN,
    "request_information": Action.REQUEST_INFORMATION,
    "receive_information": Action.REQUEST_INFORMATION,
    "refer": Action.REFER,
    "resolve": Action.RESOLVE,
    "close": Action.CLOSE,
    "reopen": Action.REOPEN,
    "restrict": Action.RESTRICT,
}
REFERRAL_ACTIONS = {
    "accept": Action.ANSWER_REFERRAL,
    "decline": Action.ANSWER_REFERRAL,
    "complete": Action.COMPLETE_REFERRAL,
    "cancel": Action.CANCEL_REFERRAL,
}


def available_actions(user, case: Case) -> set[str]:
    """The case actions this user may take now: allowed by role and by the case's state."""
    names = {
        name
        for name, action in CASE_ACTIONS.items()
        if allowed(CASE_TRANSITIONS, name, case.status) and permissions.can(user, action, case)
    }
    if "reopen" in names and not reopenable(case):
        names.discard("reopen")
    if permissions.can(user, Action.NOTE, case):
        names |= {"note", "attach"}
    return names


def reopenable(case: Case) -> bool:
    """Resolved within CASE_REOPEN_DAYS, the window in which it may be reopened."""
    limit = timedelta(days=settings.CASE_REOPEN_DAYS)
    return case.resolved_at is not None and timezone.now() - case.resolved_at <= limit


def available_referral_actions(user, case: Case, referral: Referral) -> set[str]:
    return {
        name
        for name, action in REFERRAL_ACTIONS.items()
        if allowed(REFERRAL_TRANSITIONS, name, referral.status)
        and permissions.can(user, action, case, referral)
    }
