"""What leaves an officer's desk only with a supervisor's approval (declining a referral,
transferring a case), and a transfer's offer to the agency that would lead."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from referrals.models.cases import Case, Referral


class ProposalKind(models.TextChoices):
    DECLINE = "decline", _("Decline the referral")
    TRANSFER = "transfer", _("Transfer the case")


class ProposalStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Not approved")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Proposal(models.Model):
    """An officer's decline of a referral or transfer of a case, waiting for a supervisor
    (or the CCEO) of ``agency``, the agency whose decision it is, to approve or reject it.
    ``due_at``: the SLA policy's time to decide, in business time."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="proposals", verbose_name=_("case")
    )
    referral = models.ForeignKey(
        Referral,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="proposals",
        verbose_name=_("referral"),
    )
    kind = models.CharField(_("what"), max_length=20, choices=ProposalKind.choices)
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("agency deciding")
    )
    to_agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("to agency"),
    )
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ProposalStatus.choices,
        default=ProposalStatus.PENDING,
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    created_at = models.DateTimeField(_("proposed"), default=timezone.now)
    due_at = models.DateTimeField(_("decision due"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.TextField(_("note on the decision"), blank=True)
    # When the agency's CCEO was told that nobody decided it in time (once).
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("proposal awaiting approval")
        verbose_name_plural = _("proposals awaiting approval")
        indexes = [
            # The approvals tab: an agency's pending proposals, the soonest due first.
            models.Index(
                fields=["agency", "due_at"],
                condition=models.Q(status="pending"),
                name="proposal_pending_agency_due",
            ),
            # The sweep: the pending proposals past due and not yet escalated.
            models.Index(
                fields=["due_at"],
                condition=models.Q(status="pending", escalated_at__isnull=True),
                name="proposal_to_escalate",
            ),
        ]
        constraints = [
            # The same thing is not proposed twice while the first waits (one open
            # referral per agency and case: a decline proposal per referral too).
            models.UniqueConstraint(
                fields=["case", "kind", "agency"],
                condition=models.Q(status="pending"),
                name="one_pending_proposal_per_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.status}"

    @property
    def is_pending(self) -> bool:
        return self.status == ProposalStatus.PENDING


class TransferStatus(models.TextChoices):
    OFFERED = "offered", _("Awaiting the other agency")
    ACCEPTED = "accepted", _("Accepted")
    RETURNED = "returned", _("Returned")


class Transfer(models.Model):
    """The lead of a case offered to another agency: it sees the case from the offer, and
    accepts (it leads from then on) or returns it with a reason (the former lead keeps it)."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="transfers", verbose_name=_("case")
    )
    from_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("from agency")
    )
    to_agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="incoming_transfers",
        verbose_name=_("to agency"),
    )
    reason = models.TextField(_("why the other agency should lead"))
    status = models.CharField(
        _("status"), max_length=20, choices=TransferStatus.choices, default=TransferStatus.OFFERED
    )
    offered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("offered by"),
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    created_at = models.DateTimeField(_("offered"), default=timezone.now)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    return_reason = models.TextField(_("reason for returning"), blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        indexes = [
            models.Index(
                fields=["to_agency", "-created_at"],
                condition=models.Q(status="offered"),
                name="transfer_offered_agency",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(status="offered"),
                name="one_offered_transfer_per_case",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.to_agency_id} {self.status}"

    @property
    def is_offered(self) -> bool:
        return self.status == TransferStatus.OFFERED
