"""What one browser holds of the citizen's requests, in its session.

No account: a request is opened by its reference code and verification secret; once
checked, the browser's session may act on that case for TRACK_SESSION_MINUTES, as long as
the secret it was opened with is still the case's. The answer page keeps the secret of a
request just sent, or of a secret just replaced, encrypted, for ANSWER_PAGE_SECONDS.
"""

import hmac
import time

from django.conf import settings

from referrals import identity, selectors

SUBMITTED_KEY = "submitted_requests"
SUBMISSIONS_KEY = "submission_tokens"
TRACKED_KEY = "tracked_requests"
REPLACED_KEY = "replaced_secrets"
ANSWER_PAGE_SECONDS = 3600


def _fingerprint(case) -> str:
    """Which secret opened the case: a browser signed in with a secret since replaced is
    signed out (``services.reset_secret_with_code``, ``services.reissue_secret``)."""
    return identity.keyed_hash(f"tracking-session:{case.secret_hash}")[:24]


def remember_tracked(request, case) -> None:
    tracked = request.session.get(TRACKED_KEY, {})
    tracked[case.reference] = [time.time(), _fingerprint(case)]
    request.session[TRACKED_KEY] = tracked


def opened_case(request, reference):
    """The case this browser has opened with its present secret recently, or None."""
    tracked = request.session.get(TRACKED_KEY, {})
    reference = reference.upper()
    opened = tracked.get(reference)
    if (
        not isinstance(opened, list)
        or time.time() - opened[0] > settings.TRACK_SESSION_MINUTES * 60
    ):
        return None
    case = selectors.tracked_case(reference)
    if case is None or not hmac.compare_digest(opened[1], _fingerprint(case)):
        forget(request, reference)
        return None
    remember_tracked(request, case)
    return case


def forget(request, reference: str) -> None:
    """Close the request on this browser: neither opened nor just sent any more."""
    for key in (TRACKED_KEY, SUBMITTED_KEY):
        held = request.session.get(key, {})
        held.pop(reference.upper(), None)
        request.session[key] = held


def keep_new_secret(request, case, secret: str) -> None:
    """A secret just replaced, kept encrypted for the one page that shows it."""
    kept = request.session.get(REPLACED_KEY, {})
    kept[case.reference] = [identity.encrypt(secret), time.time()]
    request.session[REPLACED_KEY] = kept


def take_new_secret(request, reference: str) -> str | None:
    """The secret just replaced, once: the page that shows it shows it only once."""
    kept = request.session.get(REPLACED_KEY, {})
    encrypted, at = kept.pop(reference.upper(), (None, 0))
    request.session[REPLACED_KEY] = kept
    if encrypted is None or time.time() - at > ANSWER_PAGE_SECONDS:
        return None
    return identity.decrypt(encrypted)
