"""Reads that need care: the staff queue, the case page, what a user may do next, and
what the citizen sees of their own case."""

import hmac
import logging
import re
import time
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import get_language

from agencies import permissions
from agencies.collation import in_name_order
from agencies.models import Agency, Office, Province
from agencies.permissions import Action
from referrals import actions, identity, news
from referrals.models import (
    OPEN_CASE_STATUSES,
    Attachment,
    Case,
    CaseEvent,
    CaseStatus,
    Category,
    Deadline,
    DeadlineKind,
    EqualAccessAnswers,
    ErasureRequest,
    EventKind,
    PossibleDuplicate,
    Proposal,
    ProposalKind,
    ProposalStatus,
    Rating,
    Referral,
    ReferralStatus,
    Transfer,
    TransferStatus,
)

logger = logging.getLogger(__name__)

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


def request_form_cache_key(language: str) -> str:
    """Where the empty public request form of a language is kept (referrals.public.asking)."""
    return f"public-request-form:{language}"


def request_page_cache_key(language: str) -> str:
    """Where the whole empty request page of a language is kept (referrals.public.asking)."""
    return f"public-request-page:{language}"


def forget_cached_choices() -> None:
    """Drop the cached lists of this process and the cached public form of every process."""
    _choices.clear()
    try:
        cache.delete_many(
            [request_form_cache_key(code) for code, _name in settings.LANGUAGES]
            + [request_page_cache_key(code) for code, _name in settings.LANGUAGES]
        )
    except Exception:  # the cache is down: the kept form expires by itself
        logger.warning("Cached request form not cleared", exc_info=True)


def category_choices() -> list[tuple[str, str]]:
    """(id, name) of every help category, in the active language."""
    return _cached_choices(
        "category", lambda: [(str(c.pk), c.name) for c in Category.objects.all()]
    )


def province_choices() -> list[tuple[str, str]]:
    """(code, name) of the 77 provinces, in the active language and its dictionary order."""
    return _cached_choices(
        "province", lambda: [(p.code, p.name) for p in in_name_order(Province.objects.all())]
    )


def category_cards() -> list[dict]:
    """The active help categories as the public pages show them, in the active language:
    in the order of their groups (a kind in no group after them), then in their own."""
    return _cached_choices(
        "category-cards",
        lambda: [
            {
                "index": index,
                "pk": c.pk,
                "name": c.name,
                "description": c.description,
                "is_sensitive": c.is_sensitive,
                "is_restricted": c.is_restricted,
                "agency": c.lead_agency.name,
                "group": c.group.name if c.group else "",
            }
            for index, c in enumerate(
                help_categories()
                .select_related("group")
                .order_by(
                    F("group__sort_order").asc(nulls_last=True), "group__code", "sort_order", "code"
                )
            )
        ],
    )


def category_groups() -> list[dict]:
    """The cards of ``category_cards`` under their groups: {"name", "cards"} in order; a
    kind in no group is a group of its own without a name ("Something else")."""
    groups: list[dict] = []
    for card in category_cards():
        if card["group"] and groups and groups[-1]["name"] == card["group"]:
            groups[-1]["cards"].append(card)
        else:
            groups.append({"name": card["group"], "cards": [card]})
    return groups


def help_categories() -> QuerySet[Category]:
    """The active help categories in display order, with their lead agency loaded."""
    return Category.objects.filter(is_active=True).select_related("lead_agency")


class Tab:
    NEW = "new"
    TRANSFERS = "transfers"
    MINE = "mine"
    REFERRALS = "referrals"
    WAITING = "waiting"
    OVERDUE = "overdue"
    ALL = "all"


TABS = [Tab.NEW, Tab.TRANSFERS, Tab.MINE, Tab.REFERRALS, Tab.WAITING, Tab.OVERDUE, Tab.ALL]
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
    office: str = ""  # an office's id, "central", or "" for every office


CENTRAL = "central"


def queue(user, agency: Agency, tab: str, filters: QueueFilters, sort: str) -> QuerySet[Case]:
    """The cases of one tab of ``agency``'s queue that ``user`` may see, filtered and sorted.

    Every tab is a query on indexed columns, so that a page costs the same at a thousand
    cases as at a million.
    """
    cases = Case.objects.all()
    order = SORTS.get(sort, SORTS["newest"])
    if tab == Tab.NEW:
        cases = cases.filter(lead_agency=agency, status=CaseStatus.NEW)
    elif tab == Tab.TRANSFERS:
        # The leads offered to the agency and not yet accepted or returned (at most one
        # offer per case: a join, read from the offers' own index).
        cases = cases.filter(transfers__to_agency=agency, transfers__status=TransferStatus.OFFERED)
    elif tab == Tab.MINE:
        cases = cases.filter(assigned_to=user, status__in=OPEN_CASE_STATUSES)
    elif tab == Tab.REFERRALS:
        # A join, not a semi-join: at most one referral per agency is open on a case, and
        # the page is read from the referrals' own index, newest referral first.
        referrals = {"referrals__to_agency": agency, "referrals__status": ReferralStatus.PENDING}
        offices = permissions.office_scope(user, agency.pk)
        if offices is not None:  # a member of offices answers the referrals to them
            referrals["referrals__to_office__in"] = offices
        if filters.office:
            referrals["referrals__to_office"] = (
                None if filters.office == CENTRAL else filters.office
            )
        cases = cases.filter(**referrals).annotate(
            # The answer this agency owes, rather than the lead agency's own deadline.
            answer_due_at=F("referrals__due_at"),
            answer_warning_at=F("referrals__due_warning_at"),
        )
        order = REFERRAL_SORTS.get(sort, REFERRAL_SORTS["newest"])
    elif tab == Tab.WAITING:
        cases = cases.filter(lead_agency=agency, status=CaseStatus.WAITING_CITIZEN)
    elif tab == Tab.OVERDUE:
        # Read from the (agency, due) index: the most overdue first, whatever the sort.
        cases = cases.filter(lead_agency=agency, due_at__lt=timezone.now())
        order = ["due_at", "id"]
    cases = permissions.visible_cases(user, cases)
    if filters.office and tab != Tab.REFERRALS:
        cases = _at_office(cases, agency, None if filters.office == CENTRAL else filters.office)
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


def _at_office(cases: QuerySet[Case], agency: Agency, office) -> QuerySet[Case]:
    """The cases the agency handles at one office (None: its central office): those it
    leads there, and those referred to it there."""
    referred = Referral.objects.filter(case=OuterRef("pk"), to_agency=agency, to_office=office)
    led = Q(lead_agency=agency, lead_office=office)
    return cases.filter(led | Q(Exists(referred)))


# Other numbers a case is known by (at the 1111 center, on Traffy Fondue ...): each app
# that links cases to an outside system registers how to find a case by them, and how to
# list a case's numbers for its page. Registered in the app's ``ready()``.
_NUMBER_SEARCHES: list = []
_NUMBER_LISTS: list = []


def register_outside_numbers(search, listing) -> None:
    """``search(text)`` gives a queryset of case ids known there by ``text`` (or None when
    ``text`` cannot be such a number); ``listing(case)`` the (system, number) pairs of a
    case."""
    _NUMBER_SEARCHES.append(search)
    _NUMBER_LISTS.append(listing)


def outside_numbers(case: Case) -> list[tuple[str, str]]:
    return [pair for listing in _NUMBER_LISTS for pair in listing(case)]


def _search(cases: QuerySet[Case], text: str) -> QuerySet[Case]:
    """A reference, a phone number (any part of it), part of a name, or the number of the
    case at an outside system (1111, Traffy Fondue)."""
    text = " ".join(text.split())
    if REFERENCE.match(text.upper()):
        return cases.filter(reference=text.upper())
    # The cases an outside system numbers so, read first: a list of ids ORed with the
    # phone or name lets PostgreSQL combine their indexes, where a subquery in the OR made
    # it read every case (3.6 s at a million cases for six digits of a phone).
    found = set()
    for search in _NUMBER_SEARCHES:
        ids = search(text)
        if ids is not None:
            found.update(ids)
    outside = Q(pk__in=sorted(found)) if found else Q()
    digits = re.sub(r"[\s()+-]", "", text)
    if digits.isdigit() and len(digits) >= 3:
        return cases.filter(Q(citizen_phone__contains=digits) | outside)
    return cases.filter(Q(citizen_name__icontains=text) | outside)


def case_for(user, reference: str, action: Action = Action.VIEW) -> Case | None:
    """The case with this reference if ``user`` may take ``action`` on it (see it, by
    default); None otherwise (answered 404)."""
    # Few joins: planning a nine-table join cost more than running it. The optional
    # places, office and original case load by primary key when the page shows them.
    reference = (reference or "").strip().upper()
    if not REFERENCE.match(reference):  # not a reference: no query (nor a NUL for PostgreSQL)
        return None
    try:
        case = Case.objects.select_related(
            "category", "province", "lead_agency", "assigned_to", "project"
        ).get(reference=reference)
    except Case.DoesNotExist:
        return None
    if not permissions.can(user, action, case):
        return None
    return case


def case_page(case: Case) -> dict:
    """The timeline, referrals, files and deadlines of a case, each in one query."""
    pending = Proposal.objects.filter(referral=OuterRef("pk"), status=ProposalStatus.PENDING)
    referrals = list(
        case.referrals.select_related(
            "to_agency", "to_office", "from_agency", "answered_by"
        ).annotate(decline_proposed=Exists(pending))
    )
    events = list(
        CaseEvent.objects.filter(case=case).select_related(
            "actor", "actor_key", "actor_agency", "referral"
        )
    )
    for event in events:
        # What the tracking page shows of the line: that it happened, and its words only
        # for the kinds written for the citizen (``public_timeline``).
        event.citizen_reads_words = event.is_public and event.kind in WORDS_FOR_THE_CITIZEN
    return {
        "referrals": referrals,
        "events": events,
        "attachments": list(case.attachments.select_related("uploaded_by")),
        "deadlines": list(Deadline.objects.filter(case=case).select_related("referral__to_agency")),
        "outside_numbers": outside_numbers(case),
    }


# What an agency whose part in a case ended still reads (PDPA sections 22, 37): the lines of
# the timeline that are its own or concern its referral, and the case's outcome; the words
# only of the steps that say what it did and why (its answer, the lead's cancellation, its
# transfer). Never the person, the description, notes, questions or files.
HISTORY_OUTCOMES = frozenset(
    {
        EventKind.ACCEPTED,
        EventKind.REJECTED,
        EventKind.MARKED_DUPLICATE,
        EventKind.TRANSFERRED,
        EventKind.RESOLVED,
        EventKind.CLOSED,
        EventKind.CLOSED_AUTOMATICALLY,
        EventKind.REOPENED,
        EventKind.WITHDRAWN,
    }
)
HISTORY_WORDS = frozenset(
    {
        EventKind.TRANSFERRED,
        EventKind.REFERRAL_DECLINED,
        EventKind.REFERRAL_COMPLETED,
        EventKind.REFERRAL_CANCELLED,
    }
)


def former_history(user, case: Case) -> dict:
    """What ``user``'s agencies whose part in ``case`` ended still read of it: their
    referrals (status, dates, their answer) and the lines of the timeline that are theirs
    or tell the case's outcome, with words only where ``HISTORY_WORDS`` allows."""
    theirs = permissions.former_agency_ids(case) & permissions.working_agency_ids(user)
    referrals = list(
        case.referrals.filter(to_agency__in=theirs).select_related("to_agency", "from_agency")
    )
    ours = {referral.pk for referral in referrals}
    events = []
    for event in CaseEvent.objects.filter(case=case).select_related(
        "case", "actor", "actor_key", "actor_agency", "referral__to_agency"
    ):
        own = event.actor_agency_id in theirs or event.referral_id in ours
        if not (own or event.kind in HISTORY_OUTCOMES):
            continue
        event.words = event.message if own and event.kind in HISTORY_WORDS else ""
        events.append(event)
    return {"referrals": referrals, "events": events}


def available_actions(user, case: Case) -> set[str]:
    """The case actions this user may take now: allowed by role and by the case's state."""
    names = actions.possible(user, case)
    if "reopen" in names and not reopenable(case):
        names.discard("reopen")
    if not takeable(case):
        names.discard("take")
    if "pass_office" in names and not other_office(case.lead_agency_id, case.lead_office_id):
        names.discard("pass_office")
    if names & {"transfer", "propose_transfer"} and _transfer_under_way(case):
        names -= {"transfer", "propose_transfer"}  # one at a time
    return names


def other_office(agency_id: int, current_id: int | None) -> bool:
    """Whether the agency has somewhere else to pass a case or referral at ``current_id``
    (None: its central office): its central office, or another active office."""
    if current_id is not None:
        return True
    return Office.objects.filter(agency_id=agency_id, is_active=True).exists()


def _transfer_under_way(case: Case) -> bool:
    """A transfer of the case offered, or proposed and awaiting approval (one query)."""
    offered = Transfer.objects.filter(case=OuterRef("pk"), status=TransferStatus.OFFERED)
    proposed = Proposal.objects.filter(
        case=OuterRef("pk"), kind=ProposalKind.TRANSFER, status=ProposalStatus.PENDING
    )
    return Case.objects.filter(Exists(offered) | Exists(proposed), pk=case.pk).exists()


def takeable(case: Case) -> bool:
    """Nobody works the case: one may take it. Once someone does, only a supervisor gives
    it to another (``assign``)."""
    return case.assigned_to_id is None


def reopenable(case: Case) -> bool:
    """Resolved within CASE_REOPEN_DAYS, the window in which it may be reopened, and still
    holding the person's data (an erased case stays closed)."""
    limit = timedelta(days=settings.CASE_REOPEN_DAYS)
    return (
        case.resolved_at is not None
        and case.anonymised_at is None
        and timezone.now() - case.resolved_at <= limit
    )


def available_referral_actions(user, case: Case, referral: Referral) -> set[str]:
    names = actions.possible(user, case, referral)
    if "pass_office" in names and not other_office(referral.to_agency_id, referral.to_office_id):
        names.discard("pass_office")
    if "propose_decline" in names and decline_proposed(referral):
        names.discard("propose_decline")  # proposed already: it awaits the decision
    return names


def decline_proposed(referral: Referral) -> bool:
    """Whether a decline of the referral awaits approval (read with the case page's
    referrals, ``case_page``, when it lists them)."""
    known = getattr(referral, "decline_proposed", None)
    if known is not None:
        return known
    return referral.proposals.filter(status=ProposalStatus.PENDING).exists()


def available_transfer_actions(user, case: Case) -> tuple[Transfer | None, set[str]]:
    """The transfer of the case waiting for an answer, and what ``user`` may do with it."""
    transfer = (
        Transfer.objects.filter(case=case, status=TransferStatus.OFFERED)
        .select_related("to_agency", "from_agency", "offered_by")
        .first()
    )
    if transfer is None:
        return None, set()
    return transfer, actions.possible(user, case, transfer)


def pending_proposals(user, case: Case | None = None) -> QuerySet[Proposal]:
    """The proposals waiting for approval that ``user`` may see: those of their agencies on
    ``case``, or (without it) those of the agencies whose declines and transfers they
    decide, the soonest due first: their approvals tab."""
    proposals = Proposal.objects.filter(status=ProposalStatus.PENDING)
    if case is not None:
        # Between an agency's own officers and approvers: not shown to the other agencies.
        proposals = proposals.filter(case=case, agency_id__in=permissions.working_agency_ids(user))
    else:
        proposals = permissions.visible_cases(
            user,
            proposals.filter(agency_id__in=permissions.approval_agency_ids(user)),
            through="case",
        )
    return proposals.select_related(
        "case",
        "case__category",
        "case__province",
        "referral",
        "agency",
        "to_agency",
        "proposed_by",
    ).order_by("due_at", "id")


def proposal_actions(user, proposal: Proposal) -> set[str]:
    return actions.possible(user, proposal.case, proposal)


def possible_duplicates(user, case: Case) -> list[tuple[PossibleDuplicate, bool]]:
    """The earlier cases linked to this one, each with whether ``user`` may open it."""
    links = list(
        PossibleDuplicate.objects.filter(case=case).select_related(
            "earlier", "earlier__lead_agency", "earlier__category"
        )
    )
    return [(link, permissions.can(user, Action.VIEW, link.earlier)) for link in links]


def pending_erasures(user) -> QuerySet[ErasureRequest]:
    """Erasure requests waiting for ``user``'s decision (see permissions.erasure_scope),
    each with the time by which it must be decided and when that is near (``decide_by``,
    ``decide_warning``, from its deadline)."""
    deadline = Deadline.objects.filter(
        case=OuterRef("case"), kind=DeadlineKind.DECIDE_ERASURE, met_at__isnull=True
    ).order_by("-started_at")
    return (
        ErasureRequest.objects.filter(
            permissions.erasure_scope(user), status=ErasureRequest.Status.PENDING
        )
        .select_related("case", "case__category", "case__lead_agency", "case__province")
        .annotate(
            decide_by=Subquery(deadline.values("due_at")[:1]),
            decide_warning=Subquery(deadline.values("reminder_at")[:1]),
        )
        .order_by("created_at")
    )


# --- What the citizen sees ----------------------------------------------------------------

# A secret that no case has, hashed when the reference is unknown, so that an unknown code
# and a wrong secret take the same time to answer.
_NO_CASE = "0" * 64


def case_for_citizen(reference: str, secret: str) -> Case | None:
    """The case whose reference and secret these are; None for any mistake, alike."""
    reference = re.sub(r"\s", "", reference or "").upper()
    case = (
        Case.objects.select_related("category", "lead_agency", "province", "duplicate_of")
        .filter(reference=reference)
        .first()
        if REFERENCE.match(reference)
        else None
    )
    expected = case.secret_hash if case is not None else _NO_CASE
    if not hmac.compare_digest(identity.secret_hash(secret), expected):
        return None
    return case


def tracked_case(reference: str) -> Case | None:
    """The case by reference, for a browser that has already proved it holds the secret."""
    return (
        Case.objects.select_related("category", "lead_agency", "province", "duplicate_of")
        .filter(reference=reference.upper())
        .first()
    )


# Public lines whose words are written for the citizen. The others (a referral's request,
# a transfer's reason, a referral's outcome) are between agencies: the citizen sees that
# they happened and which agency, not what one officer wrote to another.
WORDS_FOR_THE_CITIZEN = frozenset(
    {
        EventKind.NOTE,
        EventKind.INFORMATION_REQUESTED,
        EventKind.INFORMATION_RECEIVED,
        EventKind.RESOLVED,
        EventKind.REJECTED,
        EventKind.REOPENED,
        EventKind.WITHDRAWN,
        EventKind.ERASURE_REQUESTED,
        EventKind.ERASURE_REFUSED,
    }
)


def public_timeline(case: Case) -> list[CaseEvent]:
    """The lines of the timeline shown to the citizen: never an officer's name, and only
    the words written for the citizen. Each has its ``line`` (``referrals.news``), naming
    the agency it concerns, in the active language."""
    events = list(
        CaseEvent.objects.filter(case=case, is_public=True)
        .select_related("actor_agency", "referral__to_agency")
        .order_by("-created_at", "-id")
    )
    codes = {event.pk: news.agency_code(event) for event in events}
    agencies = {e.actor_agency.code: e.actor_agency for e in events if e.actor_agency_id}
    missing = set(codes.values()) - set(agencies) - {None}
    if missing:
        agencies.update((a.code, a) for a in Agency.objects.filter(code__in=missing))
    for event in events:
        if event.kind not in WORDS_FOR_THE_CITIZEN:
            event.message = ""
        event.line = news.describe_event(event, agencies.get(codes[event.pk]))
    return events


def citizen_files(case: Case, timeline: list[CaseEvent]) -> list[Attachment]:
    """The files the citizen sent, in order; ``later`` marks those sent after the request
    (with more information), which the page acknowledges as received. The files staff
    added are the agencies' working papers, not shown here."""
    added = [
        event.created_at
        for event in timeline
        if event.kind == EventKind.INFORMATION_RECEIVED and event.by_citizen
    ]
    first_added = min(added, default=None)
    files = list(case.attachments.filter(uploaded_by__isnull=True).order_by("created_at", "pk"))
    for attachment in files:
        attachment.later = first_added is not None and attachment.created_at >= first_added
    return files


@dataclass(frozen=True)
class Contact:
    name: str
    phone: str
    tel: str  # the number for a tel: link


def handling_contact(case: Case) -> Contact | None:
    """The public phone of the office handling the case (the lead agency's office in the
    province), else of the lead agency; None when neither has one."""
    office = case.lead_office if case.lead_office_id else None
    holder = office if office is not None and office.phone.strip() else case.lead_agency
    phone = holder.phone.strip()
    if not phone:
        return None
    dialled = re.match(r"[0-9+][0-9 ()+-]*", phone)
    tel = re.sub(r"[^0-9+]", "", dialled.group()) if dialled else ""
    return Contact(name=holder.name, phone=phone, tel=tel)


def agencies_helping(case: Case) -> list[Agency]:
    """The lead agency, then the agencies asked to help that have not declined."""
    helping = [case.lead_agency]
    for referral in case.referrals.filter(
        status__in=[ReferralStatus.PENDING, ReferralStatus.ACCEPTED, ReferralStatus.COMPLETED]
    ).select_related("to_agency"):
        if referral.to_agency not in helping:
            helping.append(referral.to_agency)
    return helping


def citizen_actions(case: Case) -> set[str]:
    """What the citizen may do now on the tracking page."""
    names = actions.possible_for_citizen(case)
    if "rate" in names and (
        case.anonymised_at is not None or Rating.objects.filter(case=case).exists()
    ):
        names.discard("rate")
    if "ask_reopen" in names and not reopenable(case):
        names.discard("ask_reopen")
    if "request_erasure" in names and (
        case.anonymised_at is not None
        or case.erasure_requests.filter(status=ErasureRequest.Status.PENDING).exists()
    ):
        names.discard("request_erasure")
    if not case.citizen_email or case.citizen_email_confirmed_at is not None:
        names.discard("send_email_link")
    # A safe way to be contacted decides alone; erased data leaves nothing to reach.
    if case.safe_channel or case.anonymised_at is not None:
        names.discard("choose_channels")
    return names


def personal_data_export(case: Case) -> dict:
    """Everything the portal holds about the citizen in this case, for them to download."""
    national_id = ""
    if case.national_id_encrypted:
        national_id = identity.decrypt(case.national_id_encrypted)
    rating = Rating.objects.filter(case=case).first()
    answers = EqualAccessAnswers.objects.filter(case=case).first()
    return {
        "reference": case.reference,
        "submitted": case.created_at.isoformat(),
        "status": case.status,
        "channel": case.channel,
        "person": {
            "name": case.citizen_name,
            "phone": case.citizen_phone,
            "email": case.citizen_email,
            "national_id": national_id,
            "safe_contact": {
                "channel": case.safe_channel,
                "hours": case.safe_hours,
                "no_message": case.no_message,
                "safe_word": identity.decrypt(case.safe_word_encrypted)
                if case.safe_word_encrypted
                else "",
                "in_danger_now": case.in_danger_now,
            },
        },
        "request": {
            "category": case.category.code,
            "description": case.description,
            "province": case.province.name_th,
            "district": case.district.name_th if case.district_id else "",
            "subdistrict": case.subdistrict.name_th if case.subdistrict_id else "",
        },
        # The optional answers on who reaches the portal: the citizen alone sees them.
        "equal_access": (
            {
                **{question: getattr(answers, question) for question in answers.QUESTIONS},
                "consent": answers.consent_at.isoformat() if answers.consent_at else None,
                "disability_consent": (
                    answers.disability_consent_at.isoformat()
                    if answers.disability_consent_at
                    else None
                ),
            }
            if answers
            else None
        ),
        "privacy_notice_version": case.privacy_notice_version,
        "sensitive_data_consent": (
            case.sensitive_consent_at.isoformat() if case.sensitive_consent_at else None
        ),
        "agencies": [agency.code for agency in agencies_helping(case)],
        "answer": case.public_answer,
        "timeline": [
            {
                "when": event.created_at.isoformat(),
                "what": event.kind,
                "by_you": event.by_citizen,
                "agency": event.actor_agency.code if event.actor_agency_id else None,
                "message": event.message,
            }
            for event in reversed(public_timeline(case))
        ],
        "files": [
            {
                "name": a.original_name,
                "type": a.content_type,
                "size": a.size,
                "sha256": a.sha256,
                "uploaded": a.created_at.isoformat(),
            }
            # The citizen's own files; staff's files are the agencies' working papers.
            for a in case.attachments.filter(uploaded_by__isnull=True)
        ],
        "rating": (
            {
                "usefulness": rating.usefulness,
                "clarity": rating.clarity,
                "satisfaction": rating.satisfaction,
                "comment": rating.comment,
            }
            if rating
            else None
        ),
        "erasure_requests": [
            {"requested": e.created_at.isoformat(), "status": e.status, "note": e.decision_note}
            for e in case.erasure_requests.all()
        ],
        "personal_data_erased": case.anonymised_at.isoformat() if case.anonymised_at else None,
    }
