from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def pick(thai: str, english: str) -> str:
    """The text for the active language: English when chosen and present, otherwise Thai."""
    language = get_language() or "th"
    return english if language.startswith("en") and english else thai


class BilingualName(models.Model):
    """A name kept in Thai and English; ``name`` gives the one for the active language."""

    name_th = models.CharField(_("name (Thai)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return pick(self.name_th, self.name_en)
