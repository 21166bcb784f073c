"""QR codes of the portal's addresses, drawn as inline SVG (segno: pure Python, no script,
nothing fetched), so that a phone's camera opens the address from a screen or a slip."""

import segno
from django.conf import settings
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe


def tracking_address(reference: str) -> str:
    """The tracking page with the request's reference filled in (as in every message)."""
    return f"{settings.SITE_URL}{reverse('public:track')}?{urlencode({'reference': reference})}"


def svg(text: str, title: str) -> SafeString:
    """``text`` as a QR code: black on white with the quiet zone a scanner needs, sized by
    CSS (its viewBox kept), with ``title`` for screen readers."""
    code = segno.make(text, error="m", micro=False)
    drawn = code.svg_inline(
        scale=4, border=4, dark="#000", light="#fff", title=title, svgclass="qr", omitsize=True
    )
    return mark_safe(drawn.replace("<svg ", '<svg role="img" ', 1))  # noqa: S308 (segno escapes)
