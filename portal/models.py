"""What the portal itself keeps: the dashboards' figures, computed ahead of their readers."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DashboardSnapshot(models.Model):
    """The figures of one dashboard view (a page, a reader's scope and a selection), as
    computed from the cases at ``computed_at``; see ``portal.dashboards.snapshots``.

    ``figures`` is what the page's selectors returned, pickled: written only by this
    portal's own code, never from outside.
    """

    key = models.CharField(_("view"), max_length=500, unique=True)
    figures = models.BinaryField(editable=False)
    computed_at = models.DateTimeField(_("computed"))
    seconds = models.FloatField(_("seconds to compute"))
    # When a reader found the figures past their lifetime (or asked for them again) and a
    # worker was asked to count them again; cleared when they are kept anew.
    recount_asked_at = models.DateTimeField(_("asked to count again"), null=True, blank=True)

    class Meta:
        verbose_name = _("dashboard snapshot")
        verbose_name_plural = _("dashboard snapshots")

    def __str__(self) -> str:
        return self.key
