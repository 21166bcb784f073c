"""Form widgets of the portal's own."""

from django import forms


class CountedTextarea(forms.Textarea):
    """A text box that never cuts what is typed or pasted: its limit (the field's
    max_length) is shown as a live count by portal.js, and the server says when a text is
    too long. The browser's own maxlength would drop the end of a pasted text without a word."""

    def build_attrs(self, base_attrs, extra_attrs=None):
        attrs = super().build_attrs(base_attrs, extra_attrs)
        limit = attrs.pop("maxlength", None)
        if limit:
            # A limit set on the widget itself (one that follows another field) wins.
            attrs.setdefault("data-max-length", limit)
        return attrs
