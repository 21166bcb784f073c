"""Fill in the dashboards' business-time figures of cases and referrals that ended before
the figures were kept (``deadlines._keep_figures`` keeps them since). Idempotent: only
empty figures are filled, so it can run again at any time, in batches."""

from django.core.management.base import BaseCommand
from django.db import transaction

from referrals.business_time import current_calendar
from referrals.models import Case, CaseStatus, Deadline, DeadlineKind, Referral, ReferralStatus
from referrals.services.deadlines import ACKNOWLEDGED, policy_for

RESOLVED = [CaseStatus.RESOLVED, CaseStatus.CLOSED]
BATCH = 2000


def _took(deadline: Deadline, calendar) -> tuple[int, bool]:
    """The business seconds a deadline met before the figures were kept had used (its
    ``used`` then left out the stretch that was running when it was met), and whether
    that was within its budget."""
    used = deadline.used
    if deadline.counting_since is not None and deadline.met_at > deadline.counting_since:
        used += calendar.between(deadline.counting_since, deadline.met_at)
    return int(used.total_seconds()), used <= deadline.budget


class Command(BaseCommand):
    help = "Fill in the business-time figures of the dashboards where they are missing."

    def handle(self, *args, **options):
        calendar = current_calendar()
        cases = self._cases(calendar)
        referrals = self._referrals(calendar)
        self.stdout.write(f"Figures filled in: {cases:,} cases, {referrals:,} referrals.")

    def _last_met(self, kind: str, ids: list[int], field: str) -> dict[int, Deadline]:
        found = {}
        for deadline in Deadline.objects.filter(
            kind=kind, met_at__isnull=False, **{f"{field}__in": ids}
        ).order_by("met_at"):
            found[getattr(deadline, f"{field}_id")] = deadline
        return found

    def _cases(self, calendar) -> int:
        missing = Case.objects.filter(
            status__in=ACKNOWLEDGED | {CaseStatus.CLOSED}, acknowledge_seconds__isnull=True
        ) | Case.objects.filter(status__in=RESOLVED, resolve_seconds__isnull=True)
        ids = list(missing.values_list("pk", flat=True))
        filled = 0
        for start in range(0, len(ids), BATCH):
            batch = list(Case.objects.filter(pk__in=ids[start : start + BATCH]))
            before = {case.pk: (case.acknowledge_seconds, case.resolve_seconds) for case in batch}
            pks = [case.pk for case in batch]
            acknowledged = self._last_met(DeadlineKind.ACKNOWLEDGE, pks, "case")
            resolved = self._last_met(DeadlineKind.RESOLVE, pks, "case")
            for case in batch:
                if case.acknowledge_seconds is None:
                    if case.pk in acknowledged:
                        case.acknowledge_seconds = _took(acknowledged[case.pk], calendar)[0]
                    elif case.acknowledged_at:
                        took = calendar.between(case.created_at, case.acknowledged_at)
                        case.acknowledge_seconds = int(took.total_seconds())
                if case.status in RESOLVED and case.resolve_seconds is None:
                    if case.pk in resolved:
                        case.resolve_seconds, case.resolved_in_time = _took(
                            resolved[case.pk], calendar
                        )
                    elif case.resolved_at:
                        took = calendar.between(case.created_at, case.resolved_at)
                        case.resolve_seconds = int(took.total_seconds())
                        case.resolved_in_time = took <= policy_for(case).resolve
            with transaction.atomic():
                Case.objects.bulk_update(
                    batch, ["acknowledge_seconds", "resolve_seconds", "resolved_in_time"]
                )
            filled += sum(
                before[case.pk] != (case.acknowledge_seconds, case.resolve_seconds)
                for case in batch
            )
        return filled

    def _referrals(self, calendar) -> int:
        answered = [ReferralStatus.ACCEPTED, ReferralStatus.DECLINED, ReferralStatus.COMPLETED]
        ids = list(
            Referral.objects.filter(status__in=answered, answer_seconds__isnull=True).values_list(
                "pk", flat=True
            )
        )
        filled = 0
        for start in range(0, len(ids), BATCH):
            batch = list(Referral.objects.filter(pk__in=ids[start : start + BATCH]))
            met = self._last_met(DeadlineKind.ANSWER_REFERRAL, [r.pk for r in batch], "referral")
            for referral in batch:
                if referral.pk in met:
                    referral.answer_seconds = _took(met[referral.pk], calendar)[0]
                elif referral.answered_at:
                    took = calendar.between(referral.created_at, referral.answered_at)
                    referral.answer_seconds = int(took.total_seconds())
            with transaction.atomic():
                Referral.objects.bulk_update(batch, ["answer_seconds"])
            filled += sum(referral.answer_seconds is not None for referral in batch)
        return filled
