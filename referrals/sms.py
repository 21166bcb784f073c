"""Text messages to citizens' phones: one small interface, the backend chosen in settings.

``SMS_BACKEND`` names a class with ``send(to, text)``, which raises when the gateway did
not take the message (the outbox then retries it, like an email):

- ``referrals.sms.ConsoleBackend`` (the default): writes each message to standard output;
- ``referrals.sms.FileBackend``: appends each message as a JSON line to ``SMS_FILE_PATH``;
- ``referrals.sms.MemoryBackend``: keeps them in ``referrals.sms.outbox`` (for tests);
- ``referrals.sms.HttpGatewayBackend``: a Thai SMS gateway over HTTPS, configured by
  ``SMS_GATEWAY_URL``, ``SMS_GATEWAY_KEY``, ``SMS_GATEWAY_SECRET`` and ``SMS_SENDER``. It
  speaks the shape of ThaiBulkSMS's API v2, which most Thai gateways follow: a form POST of
  ``msisdn``, ``message`` and ``sender`` with HTTP Basic authentication by the API key and
  secret, answered 201 (or any 2xx) when accepted.

A Thai text is sent in UCS-2: 70 characters fit one SMS, and a longer text is split by
``parts`` into messages of at most 67 characters (the length of each part of a
concatenated SMS), between lines or words where it can, so that no link is cut.
"""

import base64
import json
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime

from django.conf import settings
from django.utils.module_loading import import_string

# GSM 03.38's basic alphabet: a text wholly in it is sent 160 characters to an SMS.
GSM_7 = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
UCS2_SINGLE, UCS2_PART = 70, 67
GSM_SINGLE, GSM_PART = 160, 153
TIMEOUT = 10


def limits(text: str) -> tuple[int, int]:
    """The characters of one SMS, and of each part of a longer one, for this text."""
    if set(text) <= GSM_7:
        return GSM_SINGLE, GSM_PART
    return UCS2_SINGLE, UCS2_PART


def parts(text: str) -> list[str]:
    """``text`` as the messages to send: itself when it fits one SMS, else parts that
    each fit, cut between lines, then between words, and inside a word only when a
    single word is longer than a part."""
    text = text.strip()
    single, size = limits(text)
    if len(text) <= single:
        return [text] if text else []
    result: list[str] = []
    current = ""
    for line in text.splitlines():
        for piece in _pieces(line.strip(), size):
            joined = f"{current}\n{piece}" if current else piece
            if len(joined) <= size:
                current = joined
            else:
                result.append(current)
                current = piece
    if current:
        result.append(current)
    return result


def _pieces(line: str, size: int) -> list[str]:
    """A line as pieces no longer than ``size``: words packed together, a long word cut."""
    pieces: list[str] = []
    current = ""
    for word in line.split(" "):
        while len(word) > size:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(word[:size])
            word = word[size:]
        joined = f"{current} {word}" if current else word
        if len(joined) <= size:
            current = joined
        else:
            pieces.append(current)
            current = word
    if current:
        pieces.append(current)
    return pieces


class ConsoleBackend:
    def send(self, to: str, text: str) -> None:
        sys.stdout.write(f"SMS to {to}:\n{text}\n{'-' * 40}\n")
        sys.stdout.flush()


_file_lock = threading.Lock()


class FileBackend:
    def send(self, to: str, text: str) -> None:
        line = json.dumps(
            {"to": to, "text": text, "at": datetime.now(UTC).isoformat()}, ensure_ascii=False
        )
        with _file_lock, open(settings.SMS_FILE_PATH, "a", encoding="utf-8") as file:
            file.write(line + "\n")


outbox: list[dict] = []


class MemoryBackend:
    def send(self, to: str, text: str) -> None:
        outbox.append({"to": to, "text": text})


class GatewayError(OSError):
    """The gateway refused the message or could not be reached; the outbox retries."""


class HttpGatewayBackend:
    def send(self, to: str, text: str) -> None:
        credentials = f"{settings.SMS_GATEWAY_KEY}:{settings.SMS_GATEWAY_SECRET}".encode()
        body = urllib.parse.urlencode(
            {"msisdn": to, "message": text, "sender": settings.SMS_SENDER}
        ).encode()
        request = urllib.request.Request(  # noqa: S310 (the address the operator set)
            settings.SMS_GATEWAY_URL,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
                "Accept": "application/json",
                "Authorization": "Basic " + base64.b64encode(credentials).decode(),
                "User-Agent": "referral-portal",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
                status = response.status
        except urllib.error.HTTPError as error:
            detail = error.read(500).decode("utf-8", "replace")
            raise GatewayError(f"HTTP {error.code}: {detail}") from None
        if not 200 <= status < 300:
            raise GatewayError(f"HTTP {status}")


def backend():
    return import_string(settings.SMS_BACKEND)()


def send_notification(notification) -> None:
    """The outbox's sender for SMS rows: the message's short text, in parts if long.

    A row is one message to one phone: when a part fails after others went, the retry
    sends only those not yet sent (the parts sent are counted in the row's context)."""
    from referrals.notifications import render_text

    texts = parts(render_text(notification))
    done = int(notification.context.get("sms_parts_sent", 0))
    gateway = backend()
    for index, text in enumerate(texts):
        if index < done:
            continue
        gateway.send(notification.recipient, text)
        done = index + 1
        if len(texts) > 1:
            notification.context["sms_parts_sent"] = done
            type(notification).objects.filter(pk=notification.pk).update(
                context=notification.context
            )
