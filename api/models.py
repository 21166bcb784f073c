"""What the API keeps of its own: the requests to create a case, by idempotency key."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class IdempotentRequest(models.Model):
    """A case created through the API under a caller's ``Idempotency-Key``.

    A retried request with the same key and body answers the same case (with its secret,
    kept encrypted until the key expires after ``API_IDEMPOTENCY_HOURS``) and creates
    nothing; the same key with another body is refused. The row is written in the case's
    own transaction, so a case and its key are saved together or not at all.
    """

    api_key = models.ForeignKey(
        "agencies.AgencyApiKey", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    key = models.CharField(_("idempotency key"), max_length=255)
    fingerprint = models.CharField(max_length=64)
    case = models.ForeignKey("referrals.Case", on_delete=models.CASCADE, related_name="+")
    secret_encrypted = models.TextField(blank=True)
    created_at = models.DateTimeField(_("created"), db_index=True)

    class Meta:
        verbose_name = _("idempotent request")
        verbose_name_plural = _("idempotent requests")
        constraints = [
            models.UniqueConstraint(
                fields=["api_key", "key"],
                condition=models.Q(api_key__isnull=False),
                name="one_request_per_key_and_idempotency_key",
            ),
            models.UniqueConstraint(
                fields=["user", "key"],
                condition=models.Q(user__isnull=False),
                name="one_request_per_user_and_idempotency_key",
            ),
        ]

    def __str__(self) -> str:
        return self.key
