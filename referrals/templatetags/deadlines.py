"""How a deadline stands: on track, due soon or overdue (``due_badge``)."""

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from agencies.thai_dates import shown_date

register = template.Library()


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


@register.simple_tag
def due_badge(due_at, warning_at=None) -> str:
    """A running deadline as the queue and the case page show it: how it stands, then
    when it is due; nothing without one. A tag rather than an included template: the
    queue shows one a row."""
    state = due_state(due_at, warning_at)
    if not state:
        return ""
    words = {"overdue": _("Overdue"), "due_soon": _("Due soon"), "on_track": _("On track")}
    return format_html(
        '<span class="due due-{}">{} · {}</span>', state, words[state], shown_date(due_at)
    )


@register.filter
def business_hours(duration) -> str:
    """A business duration in working days and hours (a working day is 8 hours)."""
    hours = duration.total_seconds() / 3600
    days, rest = divmod(hours, 8)
    if days and not rest:
        return _("%(days)d working days") % {"days": days} if days != 1 else _("1 working day")
    return _("%(hours)g working hours") % {"hours": round(hours, 2)}
