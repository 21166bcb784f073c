"""What the tests of the members' pages share: the email a person received (sent from the
outbox as the worker would), and the set-password link in it."""

import re

from django.core import mail

from referrals import notifications
from referrals.models import Notification

LINK = re.compile(r"https?://\S+(/staff/members/password/[^/\s]+/[^/\s]+/)")


def emailed(to: str) -> str:
    """Send what waits in the outbox for ``to`` and return the last email's body."""
    for pk in Notification.objects.filter(recipient=to, status="pending").values_list(
        "pk", flat=True
    ):
        notifications.deliver(pk)
    received = [m for m in mail.outbox if m.to == [to]]
    assert received, f"no email to {to}"
    return received[-1].body


def link_in(body: str) -> str:
    """The path of the set-password link in an email."""
    found = LINK.search(body)
    assert found, body
    return found.group(1)
