"""Help categories (cases, referrals, their timeline and attachments build on them)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from agencies.bilingual import BilingualName, pick
from agencies.models import Agency
from strategies.models import Strategy


class Category(BilingualName):
    """What a citizen asks help for, in words they recognise.

    The category decides the agency that leads a new case, the strategy of the action plan
    it serves, and whether its cases are restricted to the officers assigned to them.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    description_th = models.TextField(_("description (Thai)"))
    description_en = models.TextField(_("description (English)"))
    lead_agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="led_categories",
        verbose_name=_("default lead agency"),
    )
    strategy = models.ForeignKey(
        Strategy, on_delete=models.PROTECT, related_name="categories", verbose_name=_("strategy")
    )
    is_restricted = models.BooleanField(
        _("restricted"),
        default=False,
        help_text=_(
            "Cases of this category are seen only by the officers assigned, their "
            "supervisors and the agency's CCEO (witness protection, trafficking, violence)."
        ),
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("help category")
        verbose_name_plural = _("help categories")

    @property
    def description(self) -> str:
        return pick(self.description_th, self.description_en)
