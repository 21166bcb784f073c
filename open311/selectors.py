"""What Open311 reads: the kinds of help offered, the places, and the public view of cases.

The public view carries no personal data: the rows are loaded with the columns it shows
and nothing else (no name, phone, email, national ID or description), restricted cases
are left out, and the status notes come from the public timeline's words only.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import models
from django.db.models import OuterRef, QuerySet, Subquery

from agencies import permissions
from agencies.models import Agency, District, Province, Subdistrict
from referrals import selectors as referral_selectors
from referrals.models import OPEN_CASE_STATUSES, Case, CaseEvent, Category

MAX_REQUESTS = 1000  # the standard's limit on one answer of GET requests

# What a public row needs, and nothing else.
PUBLIC_COLUMNS = (
    "reference",
    "status",
    "created_at",
    "updated_at",
    "due_at",
    "category__code",
    "category__name_th",
    "category__name_en",
    "lead_agency__name_th",
    "lead_agency__name_en",
)


def services() -> QuerySet[Category]:
    """The kinds of help offered now, in display order, with their lead agency."""
    return referral_selectors.help_categories()


def service(code: str) -> Category | None:
    """An offered kind of help by its code, or None."""
    return services().filter(code=code).first()


def known_service_codes(codes: list[str]) -> set[str]:
    """Which of ``codes`` name a kind of help (offered now or in the past)."""
    return set(Category.objects.filter(code__in=codes).values_list("code", flat=True))


def provinces() -> QuerySet[Province]:
    return Province.objects.order_by("code")


def province(code: str) -> Province | None:
    return Province.objects.filter(code=code).first()


def district(code: str) -> District | None:
    return District.objects.filter(code=code).first()


def subdistrict(code: str) -> Subdistrict | None:
    return Subdistrict.objects.filter(code=code).first()


def coordinator() -> Agency | None:
    """The agency that coordinates the MOU, whose contacts the discovery document gives."""
    return Agency.objects.filter(is_coordinator=True, is_active=True).first()


@dataclass
class RequestFilters:
    """GET requests' parameters, checked: ``references`` overrides all the others."""

    references: list[str] = field(default_factory=list)
    service_codes: list[str] = field(default_factory=list)
    start: datetime | None = None
    end: datetime | None = None
    statuses: set[str] = field(default_factory=set)  # "open", "closed"


def _status_notes() -> Subquery:
    """The words of the latest line of the public timeline, as ``public_timeline`` shows
    them: only lines whose words are written for the citizen keep their words."""
    latest_public = (
        CaseEvent.objects.filter(case=OuterRef("pk"), is_public=True)
        .order_by("-created_at", "-id")
        .annotate(
            words=models.Case(
                models.When(kind__in=referral_selectors.WORDS_FOR_THE_CITIZEN, then="message"),
                default=models.Value(""),
                output_field=models.TextField(),
            )
        )
        .values("words")[:1]
    )
    return Subquery(latest_public, output_field=models.TextField())


def _public(cases: QuerySet[Case]) -> QuerySet:
    """Rows of the public columns (dicts, not cases: a thousand of them are read at once)."""
    return permissions.public_cases(cases).values(*PUBLIC_COLUMNS, status_notes=_status_notes())


def public_requests(filters: RequestFilters) -> QuerySet:
    """The public view of the cases the filters choose, newest first, at most 1000.

    Without references, the cases are read by the range of their submission time (the
    ``case_created`` index, newest first), so one answer costs the same at a million
    cases as at a thousand: one query, whatever the number of rows.
    """
    cases = Case.objects.all()
    if filters.references:
        cases = cases.filter(reference__in=filters.references)
    else:
        cases = cases.filter(created_at__gte=filters.start, created_at__lte=filters.end)
        if filters.service_codes:
            cases = cases.filter(category__code__in=filters.service_codes)
        if filters.statuses == {"open"}:
            cases = cases.filter(status__in=OPEN_CASE_STATUSES)
        elif filters.statuses == {"closed"}:
            cases = cases.exclude(status__in=OPEN_CASE_STATUSES)
    return _public(cases).order_by("-created_at", "-id")[:MAX_REQUESTS]


def public_request(reference: str) -> dict | None:
    """One case's public view, or None if there is no such case or it is restricted."""
    return _public(Case.objects.filter(reference=reference)).first()
