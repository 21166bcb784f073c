"""Dates as Thai readers write them: the Buddhist Era (B.E. = A.D. + 543) and Thai month
names, shown and chosen. Here, at the bottom of the layers, so that the pages and forms of
every app use the one set.

A browser's own date box shows the Gregorian mm/dd/yyyy of the computer's settings beside
pages that speak B.E.; ``ThaiDateField`` asks for the day, the month by its name and the
year (B.E. in Thai) as three lists instead, which need no JavaScript and no typing.
"""

from collections.abc import Callable, Iterable
from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils import formats, timezone
from django.utils.dates import MONTHS
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from agencies.options import options_html

BUDDHIST_ERA_OFFSET = 543
THAI_MONTHS = [
    "ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
    "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.",
]  # fmt: skip


def in_thai() -> bool:
    return (get_language() or "th").startswith("th")


def shown_year(year: int) -> int:
    """A year (A.D.) as the reader counts it: B.E. in Thai, A.D. in English."""
    return year + BUDDHIST_ERA_OFFSET if in_thai() else year


def shown_date(value, with_time: bool = True) -> str:
    """``29 พ.ย. 2569 14:05`` in Thai (Buddhist Era), ``29 Nov 2026 14:05`` in English."""
    if not value:
        return ""
    if hasattr(value, "tzinfo"):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    show_time = with_time and hasattr(value, "hour")
    if in_thai():
        text = f"{value.day} {THAI_MONTHS[value.month - 1]} {value.year + BUDDHIST_ERA_OFFSET}"
    else:
        text = formats.date_format(value, "j M Y")
    return f"{text} {value:%H:%M}" if show_time else text


class ThaiDateWidget(forms.MultiWidget):
    """Three lists: the day, the month by its name, the year (B.E. in Thai); each has its
    own label for screen readers, and the field's label is their legend. A date given
    whole in the query string (``date_from=2025-11-01``, as links write it) fills them."""

    def __init__(self, years: Callable[[], Iterable[int]], attrs=None):
        self.years = years
        parts = [
            forms.Select(attrs={"aria-label": _("Day")}),
            forms.Select(attrs={"aria-label": _("Month")}),
            forms.Select(attrs={"aria-label": _("Year")}),
        ]
        super().__init__(parts, attrs)

    def choices(self) -> list[list[tuple[str, str]]]:
        """The day's, the month's and the year's choices, in the reader's language."""
        return [
            [("", _("Day")), *((str(d), str(d)) for d in range(1, 32))],
            [("", _("Month")), *((str(m), name) for m, name in MONTHS.items())],
            [("", _("Year")), *((str(y), str(shown_year(y))) for y in self.years())],
        ]

    def get_context(self, name, value, attrs):
        # The names and years of the reader's language, at each rendering.
        for part, choices in zip(self.widgets, self.choices(), strict=True):
            part.choices = choices
        return super().get_context(name, value, attrs)

    def render(self, name, value, attrs=None, renderer=None):
        """The three lists as Django's templates draw them, written here: a template per
        option made the two dates of a filter form its costliest part (some 130 options)."""
        if not isinstance(value, list):
            value = self.decompress(value)
        final = self.build_attrs(self.attrs, attrs)
        lists = []
        for index, (part, choices) in enumerate(zip(self.widgets, self.choices(), strict=True)):
            part_attrs = {**final, "id": f"{final['id']}_{index}"} if final.get("id") else final
            part_attrs = part.build_attrs(part.attrs, part_attrs)
            current = value[index] if index < len(value) else None
            lists.append(
                format_html(
                    '<select name="{}"{}>{}</select>',
                    f"{name}_{index}",
                    flatatt(part_attrs),
                    options_html(choices, current),
                )
            )
        return mark_safe("".join(lists))  # noqa: S308 - each part escaped by format_html

    def decompress(self, value):
        if isinstance(value, date):
            return [str(value.day), str(value.month), str(value.year)]
        return [None, None, None]

    def value_from_datadict(self, data, files, name):
        if any(f"{name}_{index}" in data for index in range(3)):
            return super().value_from_datadict(data, files, name)
        whole = data.get(name)
        if not whole:
            return ["", "", ""]
        try:
            return self.decompress(date.fromisoformat(whole))
        except ValueError:
            return [whole, "", ""]  # refused below as a day that does not exist


def recent_years() -> range:
    """Ten years back and ten ahead: the years a date field offers unless told otherwise."""
    this_year = timezone.localdate().year
    return range(this_year - 10, this_year + 11)


class ThaiDateField(forms.MultiValueField):
    """A date chosen as day, month and year (``ThaiDateWidget``); empty when all three are.
    ``years`` (A.D.), a callable read at each rendering: the years offered (``recent_years``
    unless told); a date of another year, given whole by a link, is still a date."""

    default_error_messages = {
        "incomplete": _("Choose the day, the month and the year."),
        "invalid": _("There is no such day: check the day and the month."),
    }

    def __init__(self, years: Callable[[], Iterable[int]] = recent_years, **kwargs):
        parts = (forms.CharField(), forms.CharField(), forms.CharField())
        super().__init__(parts, widget=ThaiDateWidget(years), require_all_fields=False, **kwargs)

    def compress(self, data_list):
        if not data_list:
            return None
        try:
            day, month, year = (int(part) for part in data_list)
            return date(year, month, day)
        except (TypeError, ValueError) as error:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from error
