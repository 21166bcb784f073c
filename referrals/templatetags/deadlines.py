"""How a deadline stands: on track, due soon or overdue (templates/staff/_due.html)."""

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def due_state(due_at, warning_at=None) -> str:
    """ "overdue" past the due time, "due_soon" past the reminder point, else "on_track";
    "" without a running deadline."""
    if due_at is None:
        return ""
    now = timezone.now()
    if due_at <= now:
        return "overdue"
    if warning_at is not None and warning_at <= now:
        return "due_soon"
    return "on_track"


@register.filter
def business_hours(duration) -> str:
    """A business duration in working days and hours (a working day is 8 hours)."""
    hours = duration.total_seconds() / 3600
    days, rest = divmod(hours, 8)
    if days and not rest:
        return _("%(days)d working days") % {"days": days} if days != 1 else _("1 working day")
    return _("%(hours)g working hours") % {"hours": round(hours, 2)}
