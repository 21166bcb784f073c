"""What one browser holds of the citizen's requests, in its session.

No account: a request is opened by its reference code and verification secret; once
checked, the browser's session may act on that case for TRACK_SESSION_MINUTES. The answer
page keeps the secret of a request just sent, encrypted, for ANSWER_PAGE_SECONDS.
"""

import time

from django.conf import settings

from referrals import selectors

SUBMITTED_KEY = "submitted_requests"
SUBMISSIONS_KEY = "submission_tokens"
TRACKED_KEY = "tracked_requests"
ANSWER_PAGE_SECONDS = 3600


def remember_tracked(request, reference: str) -> None:
    tracked = request.session.get(TRACKED_KEY, {})
    tracked[reference] = time.time()
    request.session[TRACKED_KEY] = tracked


def opened_case(request, reference):
    """The case this browser has opened with its secret recently, or None."""
    tracked = request.session.get(TRACKED_KEY, {})
    reference = reference.upper()
    opened = tracked.get(reference)
    if opened is None or time.time() - opened > settings.TRACK_SESSION_MINUTES * 60:
        return None
    case = selectors.tracked_case(reference)
    if case is not None:
        remember_tracked(request, reference)
    return case


def forget(request, reference: str) -> None:
    """Close the request on this browser: neither opened nor just sent any more."""
    for key in (TRACKED_KEY, SUBMITTED_KEY):
        held = request.session.get(key, {})
        held.pop(reference.upper(), None)
        request.session[key] = held
