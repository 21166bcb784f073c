"""Demo cases as rows: every status, with the referrals, events and access it implies.

A case is drawn as its story (submitted, maybe transferred, accepted, assigned, referred,
resolved, closed...), timed in seconds from its submission; the submission time is chosen
last, so that the story ends before now. The rows match what the workflow services write.
"""

import itertools
import json
import random
import time
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.utils import timezone

from agencies import permissions
from agencies.models import Agency, Subdistrict
from agencies.offices import routing_table
from agencies.permissions import VIEW_CASE, VIEW_HISTORY
from portal.demo_cases import wording as words
from referrals import identity
from referrals.business_time import current_calendar
from referrals.identity import secret_hash
from referrals.models import (
    Case,
    CaseEvent,
    CaseGroupObjectPermission,
    Category,
    Channel,
    EqualAccessAnswers,
    Priority,
    Rating,
    Referral,
)
from referrals.models import CaseStatus as S
from referrals.models import EventKind as E
from referrals.models import ReferralStatus as R
from referrals.services.deadlines import policy_for
from referrals.services.intake import STAFF_CHANNELS
from strategies.fiscal import fiscal_year_of
from strategies.models import Project

DEMO_SECRET = "DEMA-CASE"  # noqa: S105 - printed by seed_demo, which refuses to run live
HOUR, DAY = 3600.0, 86400.0


def _deck(shares: dict) -> list:
    # Each value as many times as its share: weighted draws become a plain rng.choice.
    return [value for value, share in shares.items() for _ in range(share)]


# Percent of cases in each status; open cases are recent, the others span three years.
STATUS_SHARES = {S.NEW: 6, S.IN_PROGRESS: 14, S.WAITING_CITIZEN: 4, S.RESOLVED: 8, S.CLOSED: 52}
STATUS_SHARES |= {S.REJECTED: 6, S.DUPLICATE: 4, S.WITHDRAWN: 6}
STATUS_DECK = _deck(STATUS_SHARES)
MAX_AGE_DAYS = {S.NEW: 10, S.IN_PROGRESS: 90, S.WAITING_CITIZEN: 45, S.RESOLVED: 20}
OLDEST_DAYS = 3 * 365
WORKED = {S.IN_PROGRESS, S.WAITING_CITIZEN, S.RESOLVED, S.CLOSED}
REFERRED = {S.IN_PROGRESS, S.RESOLVED, S.CLOSED}
# resolve_case refuses a case whose referrals are still open.
FINISHED_REFERRALS = _deck({R.DECLINED: 2, R.COMPLETED: 7, R.CANCELLED: 1})
REFERRAL_DECKS = {
    S.IN_PROGRESS: _deck(
        {R.PENDING: 3, R.ACCEPTED: 3, R.DECLINED: 2, R.COMPLETED: 2, R.CANCELLED: 1}
    ),
    S.RESOLVED: FINISHED_REFERRALS,
    S.CLOSED: FINISHED_REFERRALS,
}
CHANNEL_DECK = _deck(
    {
        Channel.WEB: 40,
        Channel.PHONE: 15,
        Channel.WALK_IN: 15,
        Channel.HOTLINE_1111: 20,
        Channel.TRAFFY: 5,
        Channel.API: 5,
    }
)

# fmt: off
CASE_COLUMNS = (
    "id", "reference", "secret_hash", "citizen_name", "citizen_phone", "citizen_email",
    "national_id_encrypted", "national_id_hash", "category_id", "province_id", "district_id",
    "subdistrict_id", "description", "channel", "priority", "status", "lead_agency_id",
    "lead_office_id", "assigned_to_id", "is_restricted", "duplicate_of_id", "public_answer",
    "created_by_id", "created_at", "updated_at", "acknowledged_at", "resolved_at", "closed_at",
    "version", "project_id", "acknowledge_seconds", "resolve_seconds", "resolved_in_time",
)
REFERRAL_COLUMNS = (
    "id", "case_id", "from_agency_id", "to_agency_id", "to_office_id", "reason", "status",
    "created_by_id", "answered_by_id", "decline_reason", "outcome", "cancel_reason", "created_at",
    "answered_at", "closed_at", "version", "answer_seconds",
)
EVENT_COLUMNS = (
    "case_id", "referral_id", "kind", "actor_id", "actor_agency_id", "is_public", "message",
    "payload", "created_at",
)
RATING_COLUMNS = (
    "case_id", "usefulness", "clarity", "satisfaction", "comment", "created_at",
)
EQUAL_ACCESS_COLUMNS = (
    "case_id", "age_band", "sex", "disability", "nationality", "language", "consent_at",
    "disability_consent_at",
)
# fmt: on
PERMISSION_COLUMNS = ("group_id", "permission_id", "content_object_id")
RATED_SHARE = 0.35
# Most people who rate are content; a few are not.
SCORE_DECK = _deck({5: 40, 4: 35, 3: 15, 2: 6, 1: 4})
# A third of the people asked answer the optional questions on who reaches the portal
# (with their consent; disability with its own, given by most of them), skipping some.
EQUAL_ACCESS_SHARE = 0.3
DISABILITY_CONSENT_SHARE = 0.7
EQUAL_ACCESS_DECKS = {
    "age_band": _deck({"": 8, "under_18": 3, "18_24": 13, "25_39": 32, "40_59": 30, "60_plus": 14}),
    "sex": _deck({"": 6, "female": 50, "male": 41, "another": 1, "not_said": 2}),
    "nationality": _deck({"": 5, "thai": 86, "stateless": 4, "other": 5}),
    "language": _deck(
        {"": 10, "th": 70, "local": 11, "neighbour": 6, "en": 1, "sign": 1, "other": 1}
    ),
    "disability": _deck({"": 5, "yes": 7, "no": 82, "not_said": 6}),
}
# What the citizen asked, and where: the columns a duplicate repeats from the case it joins.
REQUEST = slice(CASE_COLUMNS.index("citizen_name"), CASE_COLUMNS.index("channel"))
CREATED_AT = CASE_COLUMNS.index("created_at")


@cache
def _payload(**details) -> str:
    # A few payloads repeat a million times (an agency code, a channel): encode each once.
    return json.dumps(details, ensure_ascii=False)


def national_id(rng: random.Random) -> str:
    """A random 13-digit Thai national ID with a correct check digit."""
    digits = [rng.randint(1, 8)] + [rng.randint(0, 9) for _ in range(11)]
    total = sum(digit * (13 - position) for position, digit in enumerate(digits))
    return "".join(map(str, digits)) + str((11 - total % 11) % 10)


@dataclass
class Batch:
    """Rows for four tables, each row a tuple in the order of its *_COLUMNS."""

    cases: list = field(default_factory=list)
    referrals: list = field(default_factory=list)
    events: list = field(default_factory=list)
    permissions: list = field(default_factory=list)
    ratings: list = field(default_factory=list)
    equal_access: list = field(default_factory=list)

    def tables(self) -> list[tuple]:
        """(model, columns, rows) in an order that keeps foreign keys pointing backwards."""
        return [
            (Case, CASE_COLUMNS, self.cases),
            (Referral, REFERRAL_COLUMNS, self.referrals),
            (CaseEvent, EVENT_COLUMNS, self.events),
            (CaseGroupObjectPermission, PERMISSION_COLUMNS, self.permissions),
            (Rating, RATING_COLUMNS, self.ratings),
            (EqualAccessAnswers, EQUAL_ACCESS_COLUMNS, self.equal_access),
        ]


class Story:
    """One case's events and referrals, timed in seconds from its submission.

    ``referrals`` holds functions that build each referral's row once the clock is known.
    """

    def __init__(self, case_id: int, rng: random.Random):
        self.case_id = case_id
        self.rng = rng
        self.t = 0.0
        self.events: list[tuple] = []
        self.referrals: list = []
        self.answers: list[tuple] = []  # (agency, status, closed) of each referral

    def wait(self, shortest: float, longest: float) -> float:
        self.t += self.rng.uniform(shortest, longest)
        return self.t

    def add(
        self, kind, actor, agency, *, public=True, message="", referral=None, at=None, **details
    ):
        """An event ``at`` seconds in, or at the story's present; ``details`` are its payload."""
        when = self.t if at is None else at
        self.events.append(
            (when, referral, kind, actor, agency, public, message, _payload(**details))
        )


class CaseFactory:
    """Reference data read once, and the random draws that turn it into rows.

    ``referral_ids`` yields free referral ids. National IDs come from a pool of
    ``national_ids`` encrypted values, because encrypting a million of them takes minutes.
    """

    def __init__(self, rng: random.Random, referral_ids, national_ids: int):
        self.rng = rng
        self.referral_ids = referral_ids
        self.now = time.time()
        self.tz = timezone.get_default_timezone()
        self.secret_hash = secret_hash(DEMO_SECRET)
        self.references = set(Case.objects.values_list("reference", flat=True))
        alphabet = identity.READABLE_ALPHABET
        self.halves = ["".join(chars) for chars in itertools.product(alphabet, repeat=3)]
        self.permission = Permission.objects.get_by_natural_key(VIEW_CASE, "referrals", "case").pk
        self.history = Permission.objects.get_by_natural_key(VIEW_HISTORY, "referrals", "case").pk
        agencies = Agency.objects.filter(is_active=True).values_list("id", "code", "group_id")
        self.codes = {pk: code for pk, code, _group in agencies}
        self.groups = {pk: group for pk, _code, group in agencies}
        self.others = {pk: [other for other in self.codes if other != pk] for pk in self.codes}
        categories = Category.objects.filter(is_active=True, lead_agency__is_active=True)
        self.categories = {
            pk: (lead, restricted, words.DESCRIPTIONS.get(code, [f"ขอความช่วยเหลือเรื่อง{name}"]))
            for pk, code, lead, restricted, name in categories.values_list(
                "id", "code", "lead_agency_id", "is_restricted", "name_th"
            )
        }
        self.category_ids = list(self.categories)
        # The project a case is served under: its kind's default, or one of its strategy's,
        # among those running in the fiscal year the case came in.
        self.years = {}
        projects: dict[int, list[int]] = {}
        for pk, strategy, first, last in Project.objects.values_list(
            "id", "strategy_id", "first_fiscal_year", "last_fiscal_year"
        ):
            projects.setdefault(strategy, []).append(pk)
            self.years[pk] = range(first, last + 1)
        self.projects = {
            pk: (default, projects.get(strategy, []))
            for pk, default, strategy in categories.values_list(
                "id", "default_project_id", "strategy_id"
            )
        }
        # Business time as the deadlines count it; the time allowed to resolve, in seconds.
        self.calendar = current_calendar()
        self.resolve_budgets = {
            (pk, priority): policy_for(Case(category_id=pk, priority=priority)).resolve
            for pk in self.categories
            for priority in Priority.values
        }
        self.places: dict[str, list] = {}
        for province, district, subdistrict in Subdistrict.objects.values_list(
            "district__province_id", "district_id", "code"
        ):
            self.places.setdefault(province, []).append((district, subdistrict))
        self.provinces = list(self.places)
        self.offices = routing_table()
        # seed_demo's staff (moj-intake, moj-officer, moj-supervisor...), when they exist.
        usernames = {
            f"{code.lower()}-{role}": (pk, role)
            for pk, code in self.codes.items()
            for role in ("intake", "officer", "supervisor")
        }
        users = get_user_model().objects.filter(username__in=usernames)
        self.staff = {usernames[name]: pk for name, pk in users.values_list("username", "id")}
        self.national_ids = [
            (identity.encrypt(value), identity.keyed_hash(value))
            for value in (national_id(rng) for _ in range(national_ids))
        ]
        self.originals: list[tuple] = []

    def batch(self, case_ids: list[int]) -> Batch:
        """Cases for ``case_ids``, in every status in the proportions of STATUS_SHARES.

        A duplicate joins an earlier case of the same batch, so that batches written side
        by side never point at each other.
        """
        size = len(case_ids)
        statuses = STATUS_DECK * (size // len(STATUS_DECK))
        statuses += self.rng.sample(STATUS_DECK, size % len(STATUS_DECK))
        self.rng.shuffle(statuses)
        statuses.sort(key=lambda status: status == S.DUPLICATE)  # last: after their originals
        self.originals = []
        batch = Batch()
        for case_id, status in zip(case_ids, statuses, strict=True):
            self._case(batch, case_id, status)
        return batch

    def _case(self, batch: Batch, case_id: int, status: str) -> None:
        rng, staff = self.rng, self.staff
        original = None
        if status == S.DUPLICATE:
            if self.originals:
                original = rng.choice(self.originals)
            else:  # nothing earlier to join
                status = S.REJECTED
        request = original[REQUEST] if original else self._request()
        category, province = request[5], request[6]
        lead, restricted, _templates = self.categories[category]
        channel = rng.choice(CHANNEL_DECK)
        intake = staff.get((lead, "intake")) if channel in STAFF_CHANNELS else None
        story = Story(case_id, rng)
        story.add(E.CREATED, intake, None, channel=channel, lead_agency=self.codes[lead])
        involved = {lead}
        if status in WORKED and rng.random() < 0.04:
            former, lead = lead, rng.choice(self.others[lead])
            involved.add(lead)
            story.wait(HOUR, 2 * DAY)
            codes = {"from_agency": self.codes[former], "to_agency": self.codes[lead]}
            message = words.TRANSFER_REASON
            story.add(
                E.TRANSFERRED, staff.get((former, "intake")), former, message=message, **codes
            )
        acknowledged = officer = None
        if status in WORKED or (status == S.WITHDRAWN and rng.random() < 0.5):
            acknowledged, officer = self._work(story, lead, status)
        if status in REFERRED and rng.random() < 0.4:
            targets = rng.sample(self.others[lead], rng.choice((1, 1, 2, 3)))
            story.t = max(
                self._refer(story, lead, to, province, REFERRAL_DECKS[status]) for to in targets
            )
            involved.update(targets)
        resolved, closed, answer = self._outcome(story, lead, officer, status, original)
        # Triage answers a case by accepting it, or by closing it as out of scope or a repeat.
        answered = closed if status in (S.REJECTED, S.DUPLICATE) else acknowledged
        start = self._start(status, story.t, original)
        at = self._clock(start)
        created = at(0.0)
        # The services add one to the version at each change of the case itself.
        version = sum(1 for event in story.events if event[1] is None)
        priority = Priority.URGENT if rng.random() < 0.1 else Priority.NORMAL
        row = (
            case_id, self._reference(created.year + 543), self.secret_hash, *request, channel,
            priority, status, lead, self.offices.get((lead, province)), officer, restricted,
            original[0] if original else None, answer, intake, created, at(story.t),
            at(acknowledged), at(resolved), at(closed), version, self._project(category, created),
            *self._figures(at, answered, resolved, category, priority),
        )  # fmt: skip
        batch.cases.append(row)
        if resolved is not None and rng.random() < RATED_SHARE:
            scores = [rng.choice(SCORE_DECK) for _ in range(3)]
            batch.ratings.append((case_id, *scores, "", at(resolved + rng.uniform(HOUR, 3 * DAY))))
        if not original and channel != Channel.API and rng.random() < EQUAL_ACCESS_SHARE:
            batch.equal_access.append(self._equal_access(case_id, created))
        if status != S.DUPLICATE and start < self.now - 14 * DAY:
            self.originals.append(row)
        story.events.sort(key=lambda event: event[0])
        # Each event's offset, first in the story, becomes its created_at, last in the row.
        batch.events.extend((case_id, *event[1:], at(event[0])) for event in story.events)
        batch.referrals.extend(build(at) for build in story.referrals)
        # The agencies whose part ended keep the history only, as the services leave them.
        answers = [
            SimpleNamespace(to_agency_id=to, status=status, closed_at=at(closed))
            for to, status, closed in story.answers
        ]
        part = permissions.agencies_with_a_part(SimpleNamespace(lead_agency_id=lead), answers)
        batch.permissions.extend(
            (self.groups[a], self.permission if a in part else self.history, case_id)
            for a in involved
        )

    def _equal_access(self, case_id: int, created: datetime) -> tuple:
        """What a person told of themselves, as ``services.equal_access.store`` keeps it."""
        answers = {q: self.rng.choice(deck) for q, deck in EQUAL_ACCESS_DECKS.items()}
        disability_consent = self.rng.random() < DISABILITY_CONSENT_SHARE
        if not disability_consent:
            answers["disability"] = ""
        return (
            case_id, *(answers[q] for q in EQUAL_ACCESS_COLUMNS[1:6]), created,
            created if disability_consent else None,
        )  # fmt: skip

    def _project(self, category: int, created: datetime) -> int | None:
        year = fiscal_year_of(created)
        default, of_strategy = self.projects[category]
        if default and year in self.years[default] and self.rng.random() < 0.8:
            return default
        running = [pk for pk in of_strategy if year in self.years[pk]]
        return self.rng.choice(running) if running and self.rng.random() < 0.5 else None

    def _figures(self, at, answered, resolved, category, priority) -> tuple:
        """The business seconds to acknowledge and to resolve, and whether in time, as
        ``deadlines`` keeps them (waits for the citizen are not taken out here)."""
        between = self.calendar.between
        created = at(0.0)
        ack = None if answered is None else int(between(created, at(answered)).total_seconds())
        if resolved is None:
            return ack, None, None
        took = between(created, at(resolved))
        return ack, int(took.total_seconds()), took <= self.resolve_budgets[category, priority]

    def _request(self) -> tuple:
        """Who asks for what, and where: the REQUEST columns of a new case."""
        rng = self.rng
        given, latin = rng.choice(words.GIVEN_NAMES)
        email = f"{latin}{rng.randrange(100)}@{rng.choice(words.EMAIL_DOMAINS)}"
        category = rng.choice(self.category_ids)
        province = rng.choice(self.provinces)
        template = rng.choice(self.categories[category][2])
        return (
            f"{given} {rng.choice(words.SURNAMES)}",
            f"0{rng.choice('689')}{rng.randrange(10**8):08d}",
            email if rng.random() < 0.35 else "",
            *(rng.choice(self.national_ids) if rng.random() < 0.3 else ("", "")),
            category,
            province,
            *rng.choice(self.places[province]),
            template.format(n=rng.randint(2, 9)) + rng.choice(words.CLOSINGS),
        )

    def _work(self, story: Story, lead: int, status: str) -> tuple:
        """The lead agency accepts, assigns and maybe asks the citizen; returns
        (acknowledged, officer)."""
        rng, staff = self.rng, self.staff
        acknowledged = story.wait(HOUR / 2, 3 * DAY)
        story.add(E.ACCEPTED, staff.get((lead, "intake")), lead)
        officer = staff.get((lead, "officer"))
        if officer:
            story.wait(HOUR / 6, DAY)
            username = f"{self.codes[lead].lower()}-officer"
            supervisor = staff.get((lead, "supervisor"))
            story.add(E.ASSIGNED, supervisor, lead, public=False, officer=username, previous=None)
        if status == S.WAITING_CITIZEN or rng.random() < 0.15:
            story.wait(HOUR, 5 * DAY)
            story.add(E.INFORMATION_REQUESTED, officer, lead, message=words.QUESTION_TO_CITIZEN)
            if status != S.WAITING_CITIZEN:
                story.wait(HOUR, 7 * DAY)
                story.add(E.INFORMATION_RECEIVED, officer, lead, message=words.CITIZEN_REPLY)
        return acknowledged, officer

    def _refer(self, story: Story, lead: int, to: int, province: str, statuses) -> float:
        """A referral to ``to`` with its events; returns when it last changed."""
        rng = self.rng
        status = rng.choice(statuses)
        referral = next(self.referral_ids)
        code = self.codes[to]
        ours, theirs = self.staff.get((lead, "officer")), self.staff.get((to, "officer"))
        sent = story.t + rng.uniform(HOUR, 3 * DAY)
        reason = words.REFERRAL_REASONS.get(code, words.ANY_REFERRAL_REASON)
        about = {"referral": referral, "to_agency": code}
        story.add(E.REFERRED, ours, lead, message=reason, at=sent, **about)
        answered = closed = None
        decline = outcome = cancel = ""
        if status != R.PENDING and (status != R.CANCELLED or rng.random() < 0.5):
            answered = sent + rng.uniform(HOUR, 2 * DAY)
            if status != R.DECLINED:
                story.add(E.REFERRAL_ACCEPTED, theirs, to, at=answered, **about)
        # Declines and cancellations stay between agencies, as in the referral services.
        if status == R.DECLINED:
            closed, decline = answered, rng.choice(words.DECLINE_REASONS)
            story.add(
                E.REFERRAL_DECLINED, theirs, to, public=False, message=decline, at=closed, **about
            )
        elif status == R.COMPLETED:
            closed, outcome = answered + rng.uniform(DAY, 20 * DAY), rng.choice(words.OUTCOMES)
            story.add(E.REFERRAL_COMPLETED, theirs, to, message=outcome, at=closed, **about)
        elif status == R.CANCELLED:
            closed = (answered or sent) + rng.uniform(HOUR, 5 * DAY)
            cancel = rng.choice(words.CANCEL_REASONS)
            story.add(
                E.REFERRAL_CANCELLED, ours, lead, public=False, message=cancel, at=closed, **about
            )
        version = 1 + (answered is not None) + (closed is not None and closed != answered)
        story.answers.append((to, status, closed))
        office = self.offices.get((to, province))
        took = self.calendar.between
        story.referrals.append(lambda at: (
            referral, story.case_id, lead, to, office, reason, status, ours,
            theirs if answered else None, decline, outcome, cancel,
            at(sent), at(answered), at(closed), version,
            None if answered is None or status == R.CANCELLED
            else int(took(at(sent), at(answered)).total_seconds()),
        ))  # fmt: skip
        return closed or answered or sent

    def _outcome(self, story: Story, lead: int, officer, status: str, original) -> tuple:
        """How the case ended so far; returns (resolved, closed, public answer)."""
        rng, intake = self.rng, self.staff.get((lead, "intake"))
        resolved = closed = None
        answer = ""
        if status in (S.RESOLVED, S.CLOSED):
            resolved = story.wait(HOUR, 15 * DAY)
            answer = rng.choice(words.RESOLUTIONS)
            story.add(E.RESOLVED, officer, lead, message=answer, override_reason=None)
        if status == S.CLOSED:
            closed = story.wait(DAY, 14 * DAY)
            story.add(E.CLOSED, officer, lead)
        elif status in (S.REJECTED, S.DUPLICATE, S.WITHDRAWN):
            closed = story.wait(HOUR / 2, 3 * DAY)
        if status == S.REJECTED:
            answer = rng.choice(words.REJECTIONS)
            story.add(E.REJECTED, intake, lead, message=answer)
        elif status == S.DUPLICATE:
            story.add(E.MARKED_DUPLICATE, intake, lead, duplicate_of=original[1])
        elif status == S.WITHDRAWN:
            story.add(E.NOTE, None, None, message=words.WITHDRAWAL_NOTE)
        return resolved, closed, answer

    def _start(self, status: str, duration: float, original) -> float:
        """When the case came in: recent if still open, and early enough to end before now."""
        if original:  # the same citizen asking again within days
            start = original[CREATED_AT].timestamp() + self.rng.uniform(HOUR, 10 * DAY)
        else:
            start = self.now - self.rng.random() * MAX_AGE_DAYS.get(status, OLDEST_DAYS) * DAY
        return min(start, self.now - duration - self.rng.uniform(60, HOUR))

    def _clock(self, start: float):
        tz = self.tz

        def at(offset: float | None) -> datetime | None:
            return None if offset is None else datetime.fromtimestamp(start + offset, tz)

        return at

    def _reference(self, year: int) -> str:
        while True:
            high, low = divmod(self.rng.randrange(len(self.halves) ** 2), len(self.halves))
            reference = f"RP-{year}-{self.halves[high]}{self.halves[low]}"
            if reference not in self.references:
                self.references.add(reference)
                return reference
