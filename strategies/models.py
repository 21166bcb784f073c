"""The MOU action plan: its six strategies (projects, activities and indicators follow)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from agencies.bilingual import BilingualName


class Strategy(BilingualName):
    """One of the six strategies (กลยุทธ์) of the action plan, numbered 1 to 6."""

    number = models.PositiveSmallIntegerField(_("number"), unique=True)
    name_th = models.CharField(_("name (Thai)"), max_length=300)
    name_en = models.CharField(_("name (English)"), max_length=300)

    class Meta:
        ordering = ["number"]
        verbose_name = _("strategy")
        verbose_name_plural = _("strategies")

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"
