"""Selectors of the dashboards: the figures of a selection of cases, already limited to
what the reader may see. Each returns plain data; none returns personal data.

The figures count the cases received in the selected period (a cohort): of those, how
many are open, overdue, resolved, and how fast and how often within their deadline the
lead agency answered. Times are business time, kept on each case and referral when the
deadline that measures it ends (``referrals.services.deadlines``). Every page costs the
same number of queries whatever the number of agencies, provinces or projects it shows.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Avg, Count, Exists, OuterRef, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from agencies.models import Agency
from agencies.permissions import DashboardScope
from portal.dashboards.aggregates import Median
from portal.dashboards.filters import Selection, case_filter, period_filter
from portal.dashboards.reach import who_reaches
from referrals.models import (
    OPEN_CASE_STATUSES,
    Case,
    CaseEvent,
    CaseStatus,
    Channel,
    EventKind,
    Rating,
    Referral,
    ReferralStatus,
    Transfer,
    TransferStatus,
)
from strategies.fiscal import BANGKOK

OPEN = sorted(OPEN_CASE_STATUSES)
RESOLVED = [CaseStatus.RESOLVED, CaseStatus.CLOSED]
ANSWERED = [ReferralStatus.ACCEPTED, ReferralStatus.DECLINED, ReferralStatus.COMPLETED]
ACCEPTED = [ReferralStatus.ACCEPTED, ReferralStatus.COMPLETED]
RECENT_WEEKS = 12


def case_figures(now) -> dict:
    """The aggregates of a group of cases (see ``finish``)."""
    resolved = Q(status__in=RESOLVED)
    return {
        "received": Count("created_at"),
        "open": Count("created_at", filter=Q(status__in=OPEN)),
        "overdue": Count("created_at", filter=Q(status__in=OPEN, due_at__lt=now)),
        "resolved": Count("created_at", filter=resolved),
        "in_time": Count("created_at", filter=resolved & Q(resolved_in_time=True)),
        "timed": Count("created_at", filter=resolved & Q(resolved_in_time__isnull=False)),
        "resolve_counted": Count("resolve_seconds", filter=resolved),
        "acknowledge_median": Median("acknowledge_seconds"),
        "resolve_median": Median("resolve_seconds", filter=resolved),
    }


def finish(figures: dict) -> dict:
    """Add the share resolved within the deadline (percent of resolved cases whose
    deadline was kept), or None when no resolved case had one."""
    timed = figures.get("timed") or 0
    figures["in_time_share"] = round(100 * figures["in_time"] / timed, 1) if timed else None
    return figures


def referral_figures() -> dict:
    return {
        "referrals": Count("*"),
        "answered": Count("created_at", filter=Q(status__in=ANSWERED)),
        "accepted": Count("created_at", filter=Q(status__in=ACCEPTED)),
        "answer_median": Median("answer_seconds"),
    }


def finish_referrals(figures: dict) -> dict:
    answered = figures.get("answered") or 0
    figures["acceptance_rate"] = (
        round(100 * figures["accepted"] / answered, 1) if answered else None
    )
    return figures


def rating_figures() -> dict:
    return {
        "ratings": Count("*"),
        "usefulness": Avg("usefulness"),
        "clarity": Avg("clarity"),
        "satisfaction": Avg("satisfaction"),
    }


def finish_ratings(figures: dict) -> dict:
    for key in ("usefulness", "clarity", "satisfaction"):
        if figures.get(key) is not None:
            figures[key] = round(figures[key], 2)
    return figures


def cases_of(selection: Selection, scope: DashboardScope):
    return Case.objects.filter(case_filter(selection, scope))


def referrals_of(selection: Selection, scope: DashboardScope):
    """Referrals made in the period about cases of the selection's place, kind and plan;
    with an agency (chosen, or the reader's own), those it sent or received."""
    conditions = period_filter(selection, "created_at") & case_filter(
        selection, scope, "case__", in_period=False, by_lead_agency=False
    )
    for agencies in (scope.agency_ids, [selection.agency.pk] if selection.agency else None):
        if agencies is not None:
            conditions &= Q(from_agency_id__in=agencies) | Q(to_agency_id__in=agencies)
    return Referral.objects.filter(conditions)


def ratings_of(selection: Selection, scope: DashboardScope):
    return Rating.objects.filter(case_filter(selection, scope, "case__"))


# --- Overview ---------------------------------------------------------------------------


@dataclass
class Overview:
    cases: dict
    referrals: dict
    ratings: dict
    months: list[dict]  # {"period": first day of the month, "received": n, "resolved": n}
    weeks: list[dict]  # the same by week (from Monday), the last RECENT_WEEKS
    # Who reaches the portal (``reach.who_reaches``), for inspectors only: the agency
    # handling a case never reads its person's answers, not even counted and narrowed by
    # filters until one person is left.
    reach: dict | None = None
    # By the channel the requests came through (``by_channel``); a tuple, so that a
    # snapshot counted before the table existed still reads (as none).
    channels: tuple = ()


def overview(selection: Selection, scope: DashboardScope, now=None) -> Overview:
    now = now or timezone.now()
    cases = cases_of(selection, scope)
    figures = finish(cases.aggregate(**case_figures(now)))
    return Overview(
        cases=figures,
        referrals=finish_referrals(referrals_of(selection, scope).aggregate(**referral_figures())),
        ratings=finish_ratings(ratings_of(selection, scope).aggregate(**rating_figures())),
        **trends(cases),
        reach=who_reaches(selection, scope, figures["received"]) if scope.is_national else None,
        channels=by_channel(cases, now),
    )


def by_channel(cases, now) -> tuple[dict, ...]:
    """The requests of the selection by the channel they came through (the web form, the
    phone, a counter, the 1111 center, Traffy Fondue, an agency's system): received, open,
    resolved and the share resolved in time; every channel listed, in one query."""
    resolved = Q(status__in=RESOLVED)
    counted = {
        row.pop("channel"): finish(row)
        for row in cases.order_by()
        .values("channel")
        .annotate(
            received=Count("created_at"),
            open=Count("created_at", filter=Q(status__in=OPEN)),
            resolved=Count("created_at", filter=resolved),
            in_time=Count("created_at", filter=resolved & Q(resolved_in_time=True)),
            timed=Count("created_at", filter=resolved & Q(resolved_in_time__isnull=False)),
        )
    }
    none = finish({"received": 0, "open": 0, "resolved": 0, "in_time": 0, "timed": 0})
    return tuple({"channel": code, **counted.get(code, none)} for code in Channel.values)


def trends(cases) -> dict[str, list[dict]]:
    """Cases received and resolved per month and per week of the period, oldest first: two
    queries by day (Bangkok), summed here into months and weeks."""
    received = cases.annotate(day=TruncDate("created_at", tzinfo=BANGKOK)).values("day")
    resolved = (
        cases.filter(status__in=RESOLVED, resolved_at__isnull=False)
        .annotate(day=TruncDate("resolved_at", tzinfo=BANGKOK))
        .values("day")
    )
    months: dict[date, Counter] = defaultdict(Counter)
    weeks: dict[date, Counter] = defaultdict(Counter)
    for figure, by_day in (("received", received), ("resolved", resolved)):
        for day, n in by_day.annotate(n=Count("created_at")).order_by().values_list("day", "n"):
            months[day.replace(day=1)][figure] += n
            weeks[day - timedelta(days=day.weekday())][figure] += n

    def rows(periods):
        return [
            {"period": period, "received": counts["received"], "resolved": counts["resolved"]}
            for period, counts in sorted(periods.items())
        ]

    return {"months": rows(months), "weeks": rows(weeks)[-RECENT_WEEKS:]}


# --- Agencies ---------------------------------------------------------------------------


def agencies_in(scope: DashboardScope, selection: Selection) -> list[Agency]:
    agencies = Agency.objects.filter(is_active=True)
    if not scope.is_national:
        agencies = agencies.filter(pk__in=scope.agency_ids)
    if selection.agency:
        agencies = agencies.filter(pk=selection.agency.pk)
    return list(agencies)


def by_agency(selection: Selection, scope: DashboardScope, now=None) -> list[dict]:
    """One row per agency: its cases as lead, and the referrals it was asked to answer."""
    now = now or timezone.now()
    agencies = agencies_in(scope, selection)
    cases = {
        row.pop("lead_agency_id"): finish(row)
        for row in cases_of(selection, scope)
        .values("lead_agency_id")
        .annotate(**case_figures(now))
        .order_by()
    }
    answered = {
        row.pop("to_agency_id"): finish_referrals(row)
        for row in referrals_of(selection, scope)
        .values("to_agency_id")
        .annotate(**referral_figures())
        .order_by()
    }
    empty_cases = finish(dict.fromkeys(("received", "open", "overdue", "resolved", "in_time"), 0))
    empty_referrals = finish_referrals({"referrals": 0, "answered": 0, "accepted": 0})
    return [
        {
            "agency": agency,
            **cases.get(agency.pk, empty_cases),
            **answered.get(agency.pk, empty_referrals),
        }
        for agency in agencies
    ]


def referral_matrix(selection: Selection, scope: DashboardScope) -> dict:
    """Referrals between agencies: ``{(from id, to id): figures}`` and the agencies."""
    cells = {
        (row.pop("from_agency_id"), row.pop("to_agency_id")): finish_referrals(row)
        for row in referrals_of(selection, scope)
        .values("from_agency_id", "to_agency_id")
        .annotate(**referral_figures())
        .order_by()
    }
    return cells


@dataclass
class ContestedCase:
    case: Case
    reasons: list[str]


CONTESTED_LIMIT = 200


def contested_cases(selection: Selection, scope: DashboardScope) -> list[ContestedCase]:
    """Cases the coordinating ministry must look at: declined by two agencies or more,
    referred from one agency to another and back, offered to another agency that returned
    the lead, or transferred twice or more.
    The newest ``CONTESTED_LIMIT``."""
    case_scope = case_filter(selection, scope, "case__")
    declined = (
        Referral.objects.filter(case_scope, status=ReferralStatus.DECLINED)
        .values("case_id")
        .annotate(n=Count("to_agency_id", distinct=True))
        .filter(n__gte=2)
        .values("case_id")
    )
    returned = Referral.objects.filter(case_scope).filter(
        Exists(
            Referral.objects.filter(
                case_id=OuterRef("case_id"),
                from_agency_id=OuterRef("to_agency_id"),
                to_agency_id=OuterRef("from_agency_id"),
            )
        )
    )
    # A transfer returned: the agency offered the lead did not take it.
    returned_leads = Transfer.objects.filter(case_scope, status=TransferStatus.RETURNED)
    transferred = (
        CaseEvent.objects.filter(case_scope, kind=EventKind.TRANSFERRED)
        .values("case_id")
        .annotate(n=Count("*"))
        .filter(n__gte=2)
        .values("case_id")
    )
    reasons = {
        "declined": set(declined.values_list("case_id", flat=True)),
        "returned": set(returned.values_list("case_id", flat=True))
        | set(returned_leads.values_list("case_id", flat=True)),
        "transferred": set(transferred.values_list("case_id", flat=True)),
    }
    ids = set().union(*reasons.values())
    # Only what the list shows: the cases are pickled into the page's snapshot, which must
    # never hold a name, contact or description (nor outlive their erasure with them).
    cases = (
        scope.listable(Case.objects.filter(pk__in=ids))
        .select_related("category", "province", "lead_agency")
        .only(
            "reference",
            "created_at",
            "status",
            "category__name_th",
            "category__name_en",
            "province__name_th",
            "province__name_en",
            "lead_agency__name_th",
            "lead_agency__name_en",
        )
        .order_by("-created_at")[:CONTESTED_LIMIT]
    )
    return [
        ContestedCase(case, [reason for reason, found in reasons.items() if case.pk in found])
        for case in cases
    ]


# --- The cases behind a figure ------------------------------------------------------------

DRILL_FIGURES = ("received", "open", "overdue", "resolved", "in_time", "late")


def figure_filter(figure: str, now) -> Q:
    resolved = Q(status__in=RESOLVED)
    return {
        "received": Q(),
        "open": Q(status__in=OPEN),
        "overdue": Q(status__in=OPEN, due_at__lt=now),
        "resolved": resolved,
        "in_time": resolved & Q(resolved_in_time=True),
        "late": resolved & Q(resolved_in_time=False),
    }[figure]


def cases_behind(
    selection: Selection,
    scope: DashboardScope,
    figure: str = "received",
    *,
    district=None,
    provinces: list[str] | None = None,
    referred: tuple[int, int] | None = None,
    now=None,
    restricted: bool = False,
):
    """The cases a figure counts that the reader may see listed (``scope.listable``), newest
    first, with only the columns a dashboard may show (no name, contact, identity or
    description). ``referred`` is (from agency, to agency): the cases with such a referral
    in the period. ``restricted``: the restricted cases held back from the list instead."""
    now = now or timezone.now()
    if referred:
        from_agency, to_agency = referred
        cases = Case.objects.filter(
            Exists(
                referrals_of(selection, scope).filter(
                    case_id=OuterRef("pk"), from_agency_id=from_agency, to_agency_id=to_agency
                )
            )
        )
    else:
        cases = cases_of(selection, scope).filter(figure_filter(figure, now))
    if district is not None:
        cases = cases.filter(district=district)
    if provinces is not None:
        cases = cases.filter(province_id__in=provinces)
    cases = scope.listable(cases, restricted)
    return (
        cases.select_related("category", "province", "district", "lead_agency")
        .only(
            "reference",
            "created_at",
            "status",
            "due_at",
            "resolved_at",
            "resolve_seconds",
            "resolved_in_time",
            "is_restricted",
            "category__name_th",
            "category__name_en",
            "province__name_th",
            "province__name_en",
            "district__name_th",
            "district__name_en",
            "lead_agency__code",
            "lead_agency__name_th",
            "lead_agency__name_en",
        )
        .order_by("-created_at", "-pk")
    )
