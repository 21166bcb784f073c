"""The webhook LINE calls with what happens on the Official Account (POST /line/webhook/)."""

import json

from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from referrals import line
from referrals.line import api, chat


@csrf_exempt
@require_POST
def webhook(request):
    """Events signed by LINE with the channel secret; anything else is refused and
    changes nothing. 404 while the portal has no LINE account."""
    if not line.configured():
        raise Http404("LINE is not configured.")
    body = request.body
    if not api.signed(body, request.headers.get("X-Line-Signature", "")):
        return HttpResponseBadRequest("Bad signature.")
    try:
        payload = json.loads(body)
        events = payload["events"]
        if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        return HttpResponseBadRequest("Not a LINE webhook body.")
    for event in events:
        chat.handle(event)
    return HttpResponse(status=200)
