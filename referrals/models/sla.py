"""Deadlines in Thai business time: the policies, the extra days off, and each case's and
referral's deadlines with the points at which the workers remind and escalate."""

from datetime import timedelta

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from referrals.models.cases import Case, Category, Priority, Referral


class ExtraDayOff(models.Model):
    """A day the agencies do not work beyond the public holidays of the ``holidays``
    package: a special government holiday announced by the cabinet."""

    date = models.DateField(_("date"), unique=True)
    name_th = models.CharField(_("name (Thai)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("extra day off")
        verbose_name_plural = _("extra days off")

    def __str__(self) -> str:
        return f"{self.date}: {self.name_th}"


class SlaPolicy(models.Model):
    """How much business time each step may take, for a category (or every category) and
    a priority, and when the workers remind and escalate, as shares of that time."""

    category = models.ForeignKey(
        Category,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="sla_policies",
        verbose_name=_("help category"),
        help_text=_("Empty: the default for every category without its own policy."),
    )
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices)
    acknowledge = models.DurationField(
        _("time to acknowledge a new case"), help_text=_("Business time, e.g. 08:00:00 = 1 day.")
    )
    answer_referral = models.DurationField(_("time to answer a referral"))
    resolve = models.DurationField(_("time to resolve"))
    complete_referral = models.DurationField(
        _("time to complete an accepted referral"),
        help_text=_("Counted from the acceptance of the referral."),
    )
    approve = models.DurationField(
        _("time for a supervisor to decide a proposed decline or transfer"),
        default=timedelta(hours=4),
        help_text=_("Business time, e.g. 04:00:00 = half a working day."),
    )
    reminder_percent = models.PositiveSmallIntegerField(
        _("remind the officer at (percent of the time)"), default=75
    )
    supervisor_percent = models.PositiveSmallIntegerField(
        _("escalate to the supervisors at (percent)"), default=100
    )
    cceo_percent = models.PositiveSmallIntegerField(
        _("escalate to the agency's CCEO at (percent)"), default=150
    )

    class Meta:
        ordering = ["category__sort_order", "priority"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.UniqueConstraint(
                fields=["category", "priority"],
                condition=models.Q(category__isnull=False),
                name="one_policy_per_category_priority",
            ),
            models.UniqueConstraint(
                fields=["priority"],
                condition=models.Q(category__isnull=True),
                name="one_default_policy_per_priority",
            ),
            models.CheckConstraint(
                condition=models.Q(reminder_percent__lte=models.F("supervisor_percent"))
                & models.Q(supervisor_percent__lte=models.F("cceo_percent")),
                name="sla_points_in_order",
            ),
        ]

    def __str__(self) -> str:
        category = self.category.name if self.category_id else _("every category")
        return f"{category} · {self.get_priority_display()}"


class DeadlineKind(models.TextChoices):
    ACKNOWLEDGE = "acknowledge", _("Acknowledge the new case")
    ANSWER_REFERRAL = "answer_referral", _("Answer the referral")
    RESOLVE = "resolve", _("Resolve the case")
    COMPLETE_REFERRAL = "complete_referral", _("Complete the referral")
    CITIZEN_ANSWER = "citizen_answer", _("Answer from the citizen")
    CONFIRMATION = "confirmation", _("Confirmation by the citizen")
    DECIDE_ERASURE = "decide_erasure", _("Decide the erasure request")
    REPORT_BACK = "report_back", _("Report back to 1111")


class EscalationLevel(models.IntegerChoices):
    REMINDER = 1, _("Reminder to the officer")
    SUPERVISOR = 2, _("Escalated to the supervisors")
    CCEO = 3, _("Escalated to the CCEO")


# What each point of a deadline does, for the steps whose points are not the SLA's
# reminder, supervisors and CCEO (referrals.services.escalation acts on them).
LADDERS = {
    DeadlineKind.CITIZEN_ANSWER: {
        EscalationLevel.REMINDER: _("Reminder to the citizen"),
        EscalationLevel.SUPERVISOR: _("The lead agency asked to resolve or close"),
    },
    DeadlineKind.CONFIRMATION: {EscalationLevel.REMINDER: _("Closed automatically")},
    DeadlineKind.DECIDE_ERASURE: {
        EscalationLevel.REMINDER: _("Reminder to those who decide"),
        EscalationLevel.SUPERVISOR: _("Second reminder to those who decide"),
        EscalationLevel.CCEO: _("Deadline passed: those who decide told"),
    },
}
# Steps counted in calendar days rather than business time: PDPA section 30, and the
# report back to 1111 (its days are days, whatever the agencies' working week).
CALENDAR_KINDS = frozenset({DeadlineKind.DECIDE_ERASURE, DeadlineKind.REPORT_BACK})


class Deadline(models.Model):
    """One step's deadline. Its clock counts business time while it runs, and stops while
    the case waits for the citizen (``counting_since`` empty).

    ``used`` is the business time spent before ``counting_since``; the points (reminder,
    supervisor, CCEO) are wall-clock times computed from the calendar. ``next_check_at`` is
    the earliest point not yet handled: the sweep reads only the rows whose time has come.
    """

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="deadlines", verbose_name=_("case")
    )
    referral = models.ForeignKey(
        Referral,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deadlines",
        verbose_name=_("referral"),
    )
    kind = models.CharField(_("step"), max_length=20, choices=DeadlineKind.choices)
    budget = models.DurationField(_("business time allowed"))
    used = models.DurationField(_("business time used before the clock stopped"), default=timedelta)
    counting_since = models.DateTimeField(_("counting since"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    reminder_at = models.DateTimeField(_("reminder"), null=True, blank=True)
    supervisor_at = models.DateTimeField(_("escalation to supervisors"), null=True, blank=True)
    cceo_at = models.DateTimeField(_("escalation to the CCEO"), null=True, blank=True)
    level_reached = models.PositiveSmallIntegerField(
        _("last reminder or escalation sent"),
        default=0,
        choices=[(0, "-"), *EscalationLevel.choices],
    )
    next_check_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The sweep only records the level a deadline reached (``claimed_at``: when); the
    # deadlines workers then tell the people of each level above ``level_told`` and write
    # its timeline line. A deadline whose level_told is below its level_reached is one
    # they have still to tell (escalation.tell).
    level_told = models.PositiveSmallIntegerField(default=0, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    met_at = models.DateTimeField(_("done"), null=True, blank=True)

    # Open, its clock stopped (the case waits for the citizen): ``is_paused`` of a row,
    # ``PAUSED`` of a query.
    PAUSED = models.Q(met_at__isnull=True, counting_since__isnull=True)

    class Meta:
        ordering = ["started_at", "id"]
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        indexes = [
            # The sweep: only deadlines whose next point has come, however many cases exist.
            models.Index(
                fields=["next_check_at"],
                condition=models.Q(next_check_at__isnull=False),
                name="deadline_next_check",
            ),
            models.Index(
                fields=["case", "kind"],
                condition=models.Q(met_at__isnull=True),
                name="deadline_open_case_kind",
            ),
            # The deadlines reached but not told yet: a handful, found by the next sweep
            # when the task that was to tell them was lost.
            models.Index(
                fields=["claimed_at"],
                condition=models.Q(level_told__lt=models.F("level_reached")),
                name="deadline_untold",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.due_at}"

    @property
    def is_open(self) -> bool:
        return self.met_at is None

    @property
    def is_paused(self) -> bool:
        return self.met_at is None and self.counting_since is None

    @property
    def in_calendar_days(self) -> bool:
        return self.kind in CALENDAR_KINDS

    @property
    def level_label(self):
        """What the last point reached did, in the words of this step."""
        ladder = LADDERS.get(self.kind, dict(EscalationLevel.choices))
        return ladder.get(self.level_reached, "")
