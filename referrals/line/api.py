"""The LINE Messaging API, as much of it as the portal uses: the signature of webhook
calls, the Reply API (answers to a citizen's message) and the Push API (a case's news).

Written to LINE's documented interface (https://developers.line.biz/en/reference/
messaging-api/) and tested against a local double of it (tests/referrals/line_double.py).
"""

import base64
import hashlib
import hmac
import json
import urllib.error
import urllib.request
import uuid

from django.conf import settings

from referrals.notifications import render_text

TIMEOUT = 10
# LINE refuses a text message longer than this.
MAX_TEXT = 5000
# The namespace of the retry keys drawn from the outbox's idempotency keys: the same row
# always gives the same key, so LINE drops a push it already accepted.
RETRY_KEYS = uuid.UUID("1b7c6f0e-4a55-4f4e-9a0c-8d7e3f1c2b60")


class LineError(OSError):
    """LINE refused the call or could not be reached; the outbox retries a push."""


def signature(secret: str, body: bytes) -> str:
    """The value of X-Line-Signature: base64 of the HMAC-SHA256 of the body."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def signed(body: bytes, header: str) -> bool:
    """Whether LINE sent ``body``: its signature made with the channel secret."""
    secret = settings.LINE_CHANNEL_SECRET
    if not secret or not header:
        return False
    return hmac.compare_digest(signature(secret, body).encode(), header.strip().encode())


def retry_key(idempotency_key: str) -> str:
    return str(uuid.uuid5(RETRY_KEYS, idempotency_key))


def _post(path: str, payload: dict, headers: dict | None = None) -> int:
    """POST JSON to the Messaging API; its HTTP status. Raises ``LineError`` for anything
    but a success, except the statuses the caller accepts (409 for a push already sent)."""
    request = urllib.request.Request(  # noqa: S310 (LINE's address, or the operator's)
        f"{settings.LINE_API_URL}{path}",
        data=json.dumps(payload, ensure_ascii=False).encode(),
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "Authorization": f"Bearer {settings.LINE_CHANNEL_ACCESS_TOKEN}",
            "User-Agent": "referral-portal",
            **(headers or {}),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        if error.code == 409 and headers and "X-Line-Retry-Key" in headers:
            return error.code
        detail = error.read(500).decode("utf-8", "replace")
        raise LineError(f"HTTP {error.code}: {detail}") from None
    except (urllib.error.URLError, TimeoutError) as error:
        raise LineError(str(error)) from None


def _text(text: str) -> dict:
    return {"type": "text", "text": text[:MAX_TEXT]}


def reply(reply_token: str, text: str) -> None:
    """Answer a message with the token LINE gave with it (valid once, for a short time)."""
    _post("/v2/bot/message/reply", {"replyToken": reply_token, "messages": [_text(text)]})


def push(to: str, text: str, retry: str) -> None:
    """Send ``text`` to the LINE user ``to``. ``retry`` is the same for every attempt of
    the same message: LINE answers 409 to a second attempt of one it accepted, which is
    a success here."""
    _post(
        "/v2/bot/message/push",
        {"to": to, "messages": [_text(text)]},
        headers={"X-Line-Retry-Key": retry},
    )


def send_notification(notification) -> None:
    """The outbox's sender for LINE rows: the message's short text, pushed to the account
    linked to the case. Raises when LINE did not take it (the outbox retries)."""
    if not settings.LINE_CHANNEL_ACCESS_TOKEN:
        raise LineError("LINE is not configured (LINE_CHANNEL_ACCESS_TOKEN)")
    push(
        notification.recipient,
        render_text(notification),
        retry_key(notification.idempotency_key),
    )
