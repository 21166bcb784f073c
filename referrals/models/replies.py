"""Ready-made replies: texts an agency's administrators keep for its staff to insert, and
then edit, in the text boxes of the case page."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from referrals.models.cases import Case, Category

# The longest text each box of the staff case page takes (``referrals.forms``): a
# ready-made reply is never longer than the box it fills.
NOTE_LENGTH = 5000
QUESTION_LENGTH = 2000
OUTCOME_LENGTH = 5000


class ReplyKind(models.TextChoices):
    """The box a reply fills: a note shown to the citizen, a request for information, or
    what was done (a resolution, or the outcome of a referral)."""

    PUBLIC_NOTE = "public_note", _("Note to the citizen")
    REQUEST_INFORMATION = "request_information", _("Request for information")
    OUTCOME = "outcome", _("Outcome of the help")


LONGEST_REPLY = {
    ReplyKind.PUBLIC_NOTE: NOTE_LENGTH,
    ReplyKind.REQUEST_INFORMATION: QUESTION_LENGTH,
    ReplyKind.OUTCOME: OUTCOME_LENGTH,
}

# What a reply may leave to be filled from the case, in one pass (a name that itself looks
# like a placeholder stays as written).
PLACEHOLDERS = ("{reference}", "{agency}", "{citizen_name}")
PLACEHOLDER = re.compile(r"\{\w+\}")


class ReplyTemplate(models.Model):
    """A text an agency's staff insert instead of typing it, for one kind of box and for
    one kind of help (or any). Archived rather than deleted, so that it can come back."""

    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="reply_templates", verbose_name=_("agency")
    )
    kind = models.CharField(
        _("used for"),
        max_length=30,
        choices=ReplyKind.choices,
        help_text=_(
            "The box it is offered in: a note shown to the citizen, a request for "
            "information, or the outcome when a case is resolved or a referral's help is "
            "reported."
        ),
    )
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reply_templates",
        verbose_name=_("kind of help"),
        help_text=_("Offered only on cases of this kind of help. Empty: on every case."),
    )
    title = models.CharField(
        _("title"),
        max_length=120,
        help_text=_("What staff choose it by, e.g. “Ask for the employment contract”."),
    )
    body = models.TextField(
        _("text"),
        max_length=max(LONGEST_REPLY.values()),
        help_text=_(
            "Staff can change it before sending. {reference}, {agency} and {citizen_name} "
            "are replaced by the case's reference, your agency's name and the person's name."
        ),
    )
    is_active = models.BooleanField(_("in use"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("written by"),
    )
    created_at = models.DateTimeField(_("written"), auto_now_add=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("last changed by"),
    )
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    class Meta:
        ordering = ["agency__sort_order", "kind", "title"]
        verbose_name = _("ready-made reply")
        verbose_name_plural = _("ready-made replies")

    def __str__(self) -> str:
        return self.title

    def clean(self):
        errors = {}
        longest = LONGEST_REPLY.get(self.kind)
        if longest and len(self.body or "") > longest:
            errors["body"] = gettext(
                "Keep the text to %(limit)s characters or fewer (it has %(count)s): it fills "
                "a box that takes no more."
            ) % {"limit": f"{longest:,}", "count": f"{len(self.body):,}"}
        unknown = sorted(set(PLACEHOLDER.findall(self.body or "")) - set(PLACEHOLDERS))
        if unknown and "body" not in errors:
            errors["body"] = gettext(
                "%(unknown)s cannot be filled in: use {reference}, {agency} or {citizen_name}."
            ) % {"unknown": ", ".join(unknown)}
        if errors:
            raise ValidationError(errors)

    def filled_for(self, case: Case) -> str:
        """The text with the case's reference, this agency's name (in the language of the
        page) and the person's name in place of its placeholders."""
        values = {
            "{reference}": case.reference,
            "{agency}": self.agency.name,
            "{citizen_name}": case.citizen_name,
        }
        return PLACEHOLDER.sub(lambda found: values.get(found[0], found[0]), self.body)
