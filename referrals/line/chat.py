"""What the portal's LINE account answers: each webhook event read, acted on, answered.

A message holding a request's reference and secret links this LINE account to the
request, checked exactly as the tracking page checks them, with the same growing wait and
lock-out after wrong ones, counted per LINE account (LINE's servers make every call, so
the client's address says nothing). A wrong reference and a wrong secret get the same
answer. "stop" (หยุด, ยกเลิก) unlinks; blocking the account does too.

Every event is handled once: LINE sends one again when our answer did not reach it, and
its ``webhookEventId`` is recorded in the same transaction as what the event changed.
Answers are in Thai, the language of the account's users.
"""

import logging
import re

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from agencies.permissions import CitizenAccess
from referrals import selectors, throttle
from referrals.identity import THAI_DIGITS
from referrals.line import api
from referrals.services import line_links

logger = logging.getLogger(__name__)

# LINE's id of a user for one provider.
USER_ID = re.compile(r"U[0-9a-f]{32}")
# A reference as people type it: dashes or spaces optional, any letter case.
REFERENCE_IN_TEXT = re.compile(r"RP[\s-]*([0-9]{4})[\s-]*([0-9A-Z]{6})(?![0-9A-Z])")
# A secret as printed (ABCD-2345), with or without its dash.
SECRET_IN_TEXT = re.compile(r"(?<![0-9A-Z])([0-9A-Z]{4})[\s-]?([0-9A-Z]{4})(?![0-9A-Z])")
STOP_WORDS = ("stop", "หยุด", "ยกเลิก")
ANSWER_LANGUAGE = "th"


def read(text: str) -> tuple[str, str]:
    """The reference and the secret in a message, as (``RP-2569-7KQ3XD``, ``ABCD2345``);
    "" for what is not there. Thai digits count as digits."""
    text = (text or "").translate(THAI_DIGITS).upper()
    found = REFERENCE_IN_TEXT.search(text)
    if not found:
        return "", ""
    reference = f"RP-{found.group(1)}-{found.group(2)}"
    rest = text[: found.start()] + " " + text[found.end() :]
    secret = SECRET_IN_TEXT.search(rest)
    return reference, "".join(secret.groups()) if secret else ""


def is_stop(text: str) -> bool:
    """ "stop", or a Thai word for it at the start (Thai writes no space after a word)."""
    words = (text or "").strip().lower().split()
    return bool(words) and (words[0] == "stop" or words[0].startswith(STOP_WORDS[1:]))


def handle(event: dict) -> None:
    """Act on one webhook event and answer it. Events of other kinds, from groups or
    rooms, or sent while another channel has the chat (``mode`` standby) are ignored."""
    user = (event.get("source") or {}).get("userId", "")
    if (event.get("source") or {}).get("type") != "user" or not USER_ID.fullmatch(str(user)):
        return
    if event.get("mode", "active") != "active":
        return
    kind = event.get("type")
    if kind not in ("message", "follow", "unfollow"):
        return
    with translation.override(ANSWER_LANGUAGE), transaction.atomic():
        if not line_links.first_time(str(event.get("webhookEventId") or "")):
            return
        if kind == "unfollow":
            line_links.unlink_line(user, left=True)
            return
        answer = greeting() if kind == "follow" else _answer(user, event.get("message") or {})
    token = event.get("replyToken")
    if token and answer:
        try:
            api.reply(str(token), answer)
        except api.LineError as error:
            # What the message changed is kept; the citizen may send it again for an answer.
            logger.warning("LINE reply not sent: %s", error)


def _answer(user: str, message: dict) -> str:
    text = message.get("text", "") if message.get("type") == "text" else ""
    if is_stop(text):
        return _stop(user, read(text)[0])
    reference, secret = read(text)
    if not (reference and secret):
        return instructions()
    return _link(user, reference, secret)


def _stop(user: str, reference: str) -> str:
    unlinked = line_links.unlink_line(user, reference)
    if not unlinked:
        return _("No request is linked to this LINE account.")
    return ngettext(
        "Done: you will no longer get news of request %(references)s here.",
        "Done: you will no longer get news of requests %(references)s here.",
        len(unlinked),
    ) % {"references": ", ".join(unlinked)}


def _link(user: str, reference: str, secret: str) -> str:
    holder = f"line:{user}"
    guard = throttle.TrackingGuard(holder=holder)
    wait = guard.begin()
    if wait:
        return _wait(wait)
    case, checked = None, False
    try:
        allowance = throttle.Allowance("track-line", settings.TRACK_RATE_PER_ADDRESS, holder)
        if not allowance.take():
            return _("Too many tries from this LINE account. Please try again later.")
        case = selectors.case_for_citizen(reference, secret)
        checked = True
    finally:
        # Only a well-formed code that was checked and opens nothing counts as a wrong one.
        guard.end(counted=checked and case is None)
    if case is None:
        return _(
            "We could not find a request with this reference and secret. Check both and "
            "send them again in one message."
        )
    try:
        line_links.link_line(case, CitizenAccess(case.pk), user)
    except line_links.NotOnLine:
        return _(
            "This request cannot be followed on LINE. Follow it on the portal's tracking "
            "page, or call the agency handling it."
        )
    return _(
        "Your request %(reference)s is now linked to this LINE account: you will get its "
        'news here. To stop, send "stop".'
    ) % {"reference": case.reference}


def _wait(seconds: int) -> str:
    minutes = max(1, (seconds + 59) // 60)
    return ngettext(
        "Too many wrong codes were sent. Please try again in %(count)s minute.",
        "Too many wrong codes were sent. Please try again in %(count)s minutes.",
        minutes,
    ) % {"count": minutes}


def instructions() -> str:
    return _(
        "To get news of your request here, send its reference and secret in one message, "
        'for example: RP-2569-7KQ3XD ABCD-2345. To stop, send "stop".'
    )


def greeting() -> str:
    return _("Hello, this is the LINE account of the Citizen Help Referral Portal.") + (
        "\n" + instructions()
    )
