"""What a citizen adds to their case: possible duplicates found at submission, the rating
of the service, and requests to erase their personal data."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from referrals.models.cases import Case


class PossibleDuplicate(models.Model):
    """An earlier case that may be the same request, for the triage officer to judge.

    Found when a case is created; never merged automatically.
    """

    class Reason(models.TextChoices):
        NATIONAL_ID = "national_id", _("Same national ID")
        PHONE_CATEGORY = "phone_category", _("Same phone and help category within 30 days")

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="possible_duplicates", verbose_name=_("case")
    )
    earlier = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="+", verbose_name=_("earlier case")
    )
    reason = models.CharField(_("why"), max_length=20, choices=Reason.choices)
    created_at = models.DateTimeField(_("found"), default=timezone.now)

    class Meta:
        ordering = ["-earlier__created_at"]
        verbose_name = _("possible duplicate")
        verbose_name_plural = _("possible duplicates")
        constraints = [
            models.UniqueConstraint(fields=["case", "earlier"], name="one_link_per_pair"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} ~ {self.earlier_id}"


SCORE = [MinValueValidator(1), MaxValueValidator(5)]


class Rating(models.Model):
    """The citizen's rating of the help given, once per case, after it is resolved."""

    case = models.OneToOneField(
        Case, on_delete=models.CASCADE, related_name="rating", verbose_name=_("case")
    )
    # Not asked where the person rated on an outside system that takes one score (Traffy
    # Fondue's stars): that score is the overall satisfaction.
    usefulness = models.PositiveSmallIntegerField(
        _("how useful the help was"), null=True, blank=True, validators=SCORE
    )
    clarity = models.PositiveSmallIntegerField(
        _("how clearly it was explained"), null=True, blank=True, validators=SCORE
    )
    satisfaction = models.PositiveSmallIntegerField(_("overall satisfaction"), validators=SCORE)
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("rated"), default=timezone.now)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(usefulness__isnull=True) | models.Q(usefulness__range=(1, 5)))
                & (models.Q(clarity__isnull=True) | models.Q(clarity__range=(1, 5)))
                & models.Q(satisfaction__range=(1, 5)),
                name="rating_scores_1_to_5",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.usefulness}/{self.clarity}/{self.satisfaction}"


class ErasureRequest(models.Model):
    """A citizen's request to erase the personal data of a finished case (PDPA section 33).

    The lead agency's administrator approves it (the case is then anonymised, its figures
    kept for the statistics) or refuses it with a reason the citizen sees.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a decision")
        APPROVED = "approved", _("Approved: personal data erased")
        REFUSED = "refused", _("Refused")

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="erasure_requests", verbose_name=_("case")
    )
    reason = models.TextField(_("why the citizen asks"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decision_note = models.TextField(_("reason for the decision"), blank=True)
    created_at = models.DateTimeField(_("requested"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("erasure request")
        verbose_name_plural = _("erasure requests")
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(status="pending"),
                name="one_pending_erasure_per_case",
            )
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(status="pending"),
                name="erasure_pending_created",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.status}"


class SecretRecovery(models.Model):
    """A one-time code sent to the citizen who lost their request's secret.

    Only a keyed hash of the code is kept. The code works until ``expires_at``, for
    ``SECRET_CODE_TRIES`` wrong tries at most, and once; a newer request for the same case
    supersedes it (``superseded_at``).
    """

    class SentTo(models.TextChoices):
        SMS = "sms", _("SMS")
        EMAIL = "email", _("Email")

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="secret_recoveries", verbose_name=_("case")
    )
    code_hash = models.CharField(max_length=64, editable=False)
    sent_to = models.CharField(_("sent by"), max_length=10, choices=SentTo.choices)
    created_at = models.DateTimeField(_("asked"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    attempts = models.PositiveSmallIntegerField(_("wrong tries"), default=0)
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    superseded_at = models.DateTimeField(_("superseded"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("secret recovery code")
        verbose_name_plural = _("secret recovery codes")
        indexes = [
            # The one code of a case that may still work.
            models.Index(
                fields=["case", "-created_at"],
                condition=models.Q(used_at__isnull=True, superseded_at__isnull=True),
                name="secret_recovery_live",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} ({self.get_sent_to_display()})"
