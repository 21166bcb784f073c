"""Template filters for Thai readers: dates in the Buddhist Era, hotline numbers to call."""

import re

from django import template
from django.utils import formats
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from agencies.thai_dates import BUDDHIST_ERA_OFFSET, THAI_MONTHS, in_thai, shown_date

register = template.Library()


@register.filter
def thai_date(value, with_time=True):
    """``29 พ.ย. 2569 14:05`` in Thai (Buddhist Era), ``29 Nov 2026 14:05`` in English."""
    return shown_date(value, with_time)


@register.filter
def thai_month(value):
    """``พ.ย. 2569`` in Thai (Buddhist Era), ``Nov 2026`` in English."""
    if not value:
        return ""
    if in_thai():
        return f"{THAI_MONTHS[value.month - 1]} {value.year + BUDDHIST_ERA_OFFSET}"
    return formats.date_format(value, "M Y")


# The numbers a person in Thailand calls for help: police, social assistance, the
# Government Complaint Center. Three or four digits standing alone in a sentence.
HOTLINES = re.compile(r"(?<![0-9A-Za-z/-])(191|1300|1111)(?![0-9A-Za-z/])")


@register.filter(needs_autoescape=True)
def hotlines(text, autoescape=True):
    """The text, escaped, with each hotline number a ``tel:`` link a phone can call."""
    escaped = conditional_escape(text) if autoescape else str(text)
    return mark_safe(  # noqa: S308 - the text is escaped above; only our own link is added
        HOTLINES.sub(r'<a class="tel" href="tel:\1">\1</a>', str(escaped))
    )


@register.filter
def error_summary(form) -> list[tuple[str, str]]:
    """The lines of a form's error summary, each linking to its field: "label: message",
    or the form's own short instruction for a field whose label is a whole sentence (a
    consent) — ``short_errors`` — so that the summary says in one line what to do."""
    short = getattr(form, "short_errors", {})
    lines = []
    for field in form:
        if not field.errors:
            continue
        # A field of several inputs (choices, a date's day, month and year): its first.
        anchor = field.auto_id + ("_0" if field.widget_type in ("radioselect", "thaidate") else "")
        if field.name in short:
            lines.append((anchor, str(short[field.name])))
        else:
            lines.extend((anchor, f"{field.label}: {error}") for error in field.errors)
    return lines
