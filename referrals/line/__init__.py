"""The portal's LINE Official Account, through the LINE Messaging API.

A citizen adds the account and sends their request's reference and secret (or scans the
QR code on the answer page or the slip, which types them in): the webhook (``views``)
checks LINE's signature, links the account to the case (``chat``, which calls
``referrals.services.line_links``) and answers in Thai. From then on the case's news is
pushed to that account through the outbox (``api.send_notification``, the sender of the
"line" channel); "stop" unlinks it.

Settings: LINE_CHANNEL_SECRET, LINE_CHANNEL_ACCESS_TOKEN, LINE_API_URL and
LINE_OFFICIAL_ACCOUNT_ID. Without the secret and the token, LINE is not offered at all.
"""

from urllib.parse import quote

from django.conf import settings


def configured() -> bool:
    """Whether the portal has a LINE Official Account to offer."""
    return bool(settings.LINE_CHANNEL_SECRET and settings.LINE_CHANNEL_ACCESS_TOKEN)


def account_id() -> str:
    """The Official Account's id as people search for it ("@referral"), when LINE is on."""
    return settings.LINE_OFFICIAL_ACCOUNT_ID if configured() else ""


def chat_address(reference: str, secret: str) -> str:
    """The address that opens a chat with the Official Account, with the reference and the
    secret already typed in for the citizen to send; "" when the account is not set up."""
    account = account_id()
    if not account:
        return ""
    text = f"{reference} {secret}"
    return f"https://line.me/R/oaMessage/{quote(account, safe='@')}/?{quote(text, safe='')}"
