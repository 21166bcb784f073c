"""The codes that let a citizen follow their request from a phone: a QR code of the
tracking address, and, when they chose LINE, one that opens a chat with the portal's LINE
account with the reference and secret typed in. On the answer page and the printed slip."""

from django import template
from django.utils.translation import gettext as _

from referrals import line, qr
from referrals.services.line_links import chose_line

register = template.Library()


@register.inclusion_tag("public/_follow_codes.html")
def follow_codes(case, secret=""):
    tracking = qr.tracking_address(case.reference)
    chat = line.chat_address(case.reference, secret) if secret and chose_line(case) else ""
    line_title = _("QR code that opens a chat with our LINE account")
    return {
        "tracking_address": tracking,
        "tracking_qr": qr.svg(tracking, _("QR code of the tracking page")),
        "line_chat": chat,
        "line_qr": qr.svg(chat, line_title) if chat else "",
        "line_account": line.account_id(),
    }
