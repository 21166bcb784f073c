"""The <option> tags of a list, drawn in one pass.

A select drawn by a widget's template costs a template per option; joined by
``format_html`` it still costs a call and an escape of every part. The staff queue draws
some three hundred options on every request (provinces, categories, two dates), so they are
written here as plain strings, escaped as Django's templates escape (``html.escape``).
"""

from html import escape

from django.utils.safestring import SafeString, mark_safe


def options_html(choices, current) -> SafeString:
    """``<option value="..." selected>label</option>`` for each (value, label) of
    ``choices``, the one whose value is ``current`` (None: the empty one) selected, as a
    ``Select`` widget draws them."""
    current = "" if current is None else str(current)
    tags = []
    for value, label in choices:
        value = str(value)
        selected = " selected" if value == current else ""
        tags.append(f'<option value="{escape(value)}"{selected}>{escape(str(label))}</option>')
    return mark_safe("".join(tags))  # noqa: S308 - every value and label escaped above
