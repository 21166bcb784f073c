"""Small fixed sets of cases for the dashboard tests; the tests count every figure by hand.

A case is sent through the real intake service, then put straight into the state a figure
reads (status, dates, the business seconds kept when its deadline ended). The services and
the business clock that fill those columns in real life are tested through the services in
``test_dashboard_figures.py``.
"""

from agencies.permissions import DashboardScope
from referrals.models import Case, CaseStatus, Rating, Referral, ReferralStatus
from tests.referrals.clock import at
from tests.referrals.factories import agency, fresh, submit

EVERYONE = DashboardScope(agency_ids=None)  # an inspector's scope: every agency
YEAR = 2569  # fiscal year B.E. 2569: 1 October 2025 to 30 September 2026
NOW = at(2026, 3, 20, 12)  # when the figures of YEAR are read
HOUR = 3600

NEW, IN_PROGRESS, WAITING = CaseStatus.NEW, CaseStatus.IN_PROGRESS, CaseStatus.WAITING_CITIZEN
RESOLVED, CLOSED, REJECTED = CaseStatus.RESOLVED, CaseStatus.CLOSED, CaseStatus.REJECTED
PENDING, ACCEPTED, DECLINED = (
    ReferralStatus.PENDING,
    ReferralStatus.ACCEPTED,
    ReferralStatus.DECLINED,
)
COMPLETED, CANCELLED = ReferralStatus.COMPLETED, ReferralStatus.CANCELLED


def make_case(created, status=NEW, category="unpaid-wages", province="10", **columns) -> Case:
    """A case of ``category`` (unpaid wages: led by MOL) in ``province``, received at
    ``created``, now in ``status``, with ``columns`` set as the services would have."""
    case, _secret = submit(category, province)
    Case.objects.filter(pk=case.pk).update(created_at=created, status=status, **columns)
    return fresh(case)


def make_referral(case, to, status, created, answer_seconds=None) -> Referral:
    """A referral from the case's lead agency to agency ``to``."""
    return Referral.objects.create(
        case=case,
        from_agency_id=case.lead_agency_id,
        to_agency=agency(to),
        reason="ขอให้ช่วยดูแลผู้ร้อง",
        status=status,
        created_at=created,
        answer_seconds=answer_seconds,
    )


def rate(case, usefulness, clarity, satisfaction, comment="") -> Rating:
    return Rating.objects.create(
        case=case,
        usefulness=usefulness,
        clarity=clarity,
        satisfaction=satisfaction,
        comment=comment,
    )


def year_of_cases() -> dict:
    """Eight cases led by MOL received in FY 2569, and one of the year before, read at NOW:

    ====  ==========  ============  ========  =========  =======  =======  ==========
    case  received    status        resolved  in time    resolve  ack.     due
    ====  ==========  ============  ========  =========  =======  =======  ==========
    c1    3 Nov 25    resolved      20 Nov    yes        10 h     1 h
    c2    10 Nov 25   closed        5 Dec     no         150 h    2 h
    c3    1 Dec 00:00 resolved      2 Dec     yes        2 h      0.5 h
    c4    15 Jan 26   resolved      1 Feb     (no deadline kept)
    c5    1 Feb 00:00 in progress                                 0.25 h   1 Mar (past)
    c6    2 Mar 26    waiting                                              (paused)
    c7    10 Mar 26   new                                                  25 Mar
    c8    20 Jan 26   rejected                                             21 Jan
    old   1 Dec 24    resolved      5 Dec 24  yes
    ====  ==========  ============  ========  =========  =======  =======  ==========

    Ratings of c1, c2, c3 (and of ``old``); referrals from MOL made in the year: to MOPH
    (c1 accepted in 1 h, c2 completed after 2 h, c5 pending), to MOI (c1 declined in 3 h),
    to MOE (c3 cancelled) and to MSDHS (c3 declined in 4 h).
    """
    c = {
        "c1": make_case(
            at(2025, 11, 3, 10),
            RESOLVED,
            resolved_at=at(2025, 11, 20, 10),
            resolved_in_time=True,
            resolve_seconds=10 * HOUR,
            acknowledge_seconds=1 * HOUR,
        ),
        "c2": make_case(
            at(2025, 11, 10, 10),
            CLOSED,
            resolved_at=at(2025, 12, 5, 10),
            resolved_in_time=False,
            resolve_seconds=150 * HOUR,
            acknowledge_seconds=2 * HOUR,
        ),
        "c3": make_case(
            at(2025, 12, 1),
            RESOLVED,
            resolved_at=at(2025, 12, 2, 10),
            resolved_in_time=True,
            resolve_seconds=2 * HOUR,
            acknowledge_seconds=HOUR // 2,
        ),
        "c4": make_case(at(2026, 1, 15, 10), RESOLVED, resolved_at=at(2026, 2, 1, 10)),
        "c5": make_case(
            at(2026, 2, 1), IN_PROGRESS, due_at=at(2026, 3, 1, 9), acknowledge_seconds=HOUR // 4
        ),
        "c6": make_case(at(2026, 3, 2, 10), WAITING, due_at=None),
        "c7": make_case(at(2026, 3, 10, 10), NEW, due_at=at(2026, 3, 25, 9)),
        "c8": make_case(at(2026, 1, 20, 10), REJECTED, due_at=at(2026, 1, 21, 9)),
        "old": make_case(
            at(2024, 12, 1, 10),
            RESOLVED,
            resolved_at=at(2024, 12, 5, 10),
            resolved_in_time=True,
            resolve_seconds=1,
            acknowledge_seconds=1,
        ),
    }
    rate(c["c1"], 5, 4, 5)
    rate(c["c2"], 3, 3, 2)
    rate(c["c3"], 4, 5, 4)
    rate(c["old"], 1, 1, 1)
    make_referral(c["c1"], "MOPH", ACCEPTED, at(2025, 11, 4, 9), 1 * HOUR)
    make_referral(c["c1"], "MOI", DECLINED, at(2025, 11, 4, 9), 3 * HOUR)
    make_referral(c["c2"], "MOPH", COMPLETED, at(2025, 11, 11, 9), 2 * HOUR)
    make_referral(c["c5"], "MOPH", PENDING, at(2026, 2, 2, 9))
    make_referral(c["c3"], "MOE", CANCELLED, at(2025, 12, 1, 9))
    make_referral(c["c3"], "MSDHS", DECLINED, at(2025, 12, 1, 9), 4 * HOUR)
    make_referral(c["old"], "MOPH", ACCEPTED, at(2024, 12, 2, 9), 99 * HOUR)
    return c


COMMENT = "ความเห็นส่วนตัวของผู้ร้องที่ไม่ควรเผยแพร่"  # a rating's comment: never published


def published_year() -> None:
    """The public statistics of FY 2569. Bangkok: six cases, five resolved (1-5 h; three
    in time, one late, one without a deadline), four rated. Chiang Mai: four resolved in
    1 h and in time, one rated, and a case of 2568. Khon Kaen: five new cases of health
    care (led by MOPH)."""
    for hours, in_time, satisfaction in [(1, True, 5), (2, True, 4), (3, True, 4), (4, False, 3)]:
        rated = make_case(
            at(2025, 11, 3, 10), RESOLVED, resolve_seconds=hours * HOUR, resolved_in_time=in_time
        )
        rate(rated, 3, 3, satisfaction, COMMENT)
    make_case(at(2025, 11, 3, 10), RESOLVED, resolve_seconds=5 * HOUR)
    make_case(at(2025, 11, 3, 10), NEW)
    for number in range(4):
        chiang_mai = make_case(
            at(2025, 12, 3, 10),
            RESOLVED,
            province="50",
            resolve_seconds=HOUR,
            resolved_in_time=True,
        )
        if number == 0:
            rate(chiang_mai, 2, 2, 2, COMMENT)
    make_case(at(2024, 12, 3, 10), RESOLVED, province="50", resolve_seconds=HOUR)
    for _number in range(5):
        make_case(at(2026, 1, 5, 10), NEW, category="healthcare-access", province="40")
