"""What the links to outside systems (the 1111 center, Traffy Fondue) write on a case's
timeline: that a case there is this one, that its forwarding between the systems was
stopped, what happened to it there, the person's rating given there, and the deadline a
link brings (report back to 1111). The ``integrations`` app calls these; it never writes a
case itself."""

from django.db import transaction
from django.utils.translation import gettext as _

from agencies.models import Agency, Role
from referrals.errors import TransitionNotAllowed
from referrals.models import Case, EventKind, Rating
from referrals.notifications import notify_staff, staff_of
from referrals.services import deadlines
from referrals.services._common import lock_case, record
from referrals.services.citizen import MAX_TEXT, valid_score

COORDINATOR_ROLES = frozenset({Role.SUPERVISOR, Role.CCEO})


@transaction.atomic
def link_outside_case(case: Case, by, system: str, number: str) -> None:
    """Record on the timeline (for the agencies only) that the case ``number`` of the
    outside ``system`` is this case: the same request, reported there too, so that it is
    handled once here and news of it goes to both."""
    record(case, EventKind.OUTSIDE_LINKED, by, system=system, number=number)


@transaction.atomic
def stop_forwarding(case: Case, by, system: str, number: str, hops: int) -> None:
    """The case was forwarded back and forth with ``system`` ``hops`` times: record that
    no more forwarding goes out, and tell the coordinating ministry's supervisors and CCEOs,
    who settle which agency keeps it."""
    event = record(case, EventKind.FORWARDING_STOPPED, by, system=system, number=number, hops=hops)
    coordinator = Agency.objects.filter(is_coordinator=True, is_active=True).first()
    if coordinator is None:
        return
    notify_staff(
        "forwarding_stopped",
        f"forwarding_stopped:e{event.pk}",
        staff_of(coordinator.pk, COORDINATOR_ROLES, None),
        case=case,
        agency=coordinator,
        context={"system": system, "number": number, "hops": hops},
    )


@transaction.atomic
def note_outside_news(
    case: Case, by, system: str, number: str, message: str, *, state: str = "", sender: str = ""
) -> None:
    """Record (for the agencies only) what happened to the case ``number`` on the outside
    ``system``: a change of its state there, or a message written there, by ``sender``."""
    record(
        case,
        EventKind.OUTSIDE_NEWS,
        by,
        message=(message or "").strip()[:MAX_TEXT],
        system=system,
        number=number,
        state=state,
        sender=sender,
    )


@transaction.atomic
def rate_from_outside(case: Case, by, system: str, number: str, score, comment: str = "") -> Rating:
    """The person's rating of the help, given on the outside ``system`` that knows them:
    its one score (1 to 5) is the overall satisfaction; the questions it does not ask stay
    empty. Once per case, like a rating on the tracking page."""
    satisfaction = valid_score(score, "star")
    case = lock_case(case)
    if case.anonymised_at is not None:
        raise TransitionNotAllowed(_("The personal data of this request is already erased."))
    if Rating.objects.filter(case=case).exists():
        raise TransitionNotAllowed(_("The help for this request has already been rated."))
    comment = (comment or "").strip()[:MAX_TEXT]
    rating = Rating.objects.create(case=case, satisfaction=satisfaction, comment=comment)
    record(
        case,
        EventKind.RATED,
        by,
        by_citizen=True,
        public=True,
        satisfaction=satisfaction,
        system=system,
        number=number,
    )
    return rating


@transaction.atomic
def expect_deadlines(case: Case, kinds: tuple[str, ...]) -> None:
    """An outside system linked the case: start the deadlines a case it brings has (1111's
    report-back; ``deadlines.start_apart``), once per case however often it is linked."""
    locked = lock_case(case)
    for kind in kinds:
        deadlines.start_apart(locked, kind)
