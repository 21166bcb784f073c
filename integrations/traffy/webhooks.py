"""The address Traffy Fondue calls for one agency (``/exchanges/traffy/<agency>/webhook/``):
POST for a new issue, or (with ``event``) a message or a rating; PATCH for a change of
state (docs/webhooks.md).

Traffy's documentation asks the receiving end to verify what it receives, without saying
how; ours is an HMAC-SHA256 of the raw body with the connection's webhook secret, in hex,
in ``X-Traffy-Signature`` (``sha256=`` before it is allowed). Answers are JSON; refusals
say why in the portal's language, and change nothing.
"""

import hashlib
import hmac
import json

from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from integrations.models import Connection, System
from integrations.traffy import inbound

SIGNATURE = "X-Traffy-Signature"
DELIVERY = "X-Traffy-Delivery"


def signature(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signed(connection: Connection, body: bytes, header: str) -> bool:
    """Whether the body was signed with the connection's webhook secret (none set: no
    call is taken, since none can be verified)."""
    secret = connection.credential("webhook_secret")
    given = header.strip().removeprefix("sha256=")
    if not secret or not given:
        return False
    return hmac.compare_digest(signature(secret, body), given.lower())


@csrf_exempt
@require_http_methods(["POST", "PATCH"])
def webhook(request, agency: str):
    connection = (
        Connection.objects.select_related("agency", "key")
        .filter(system=System.TRAFFY, agency__code__iexact=agency, is_enabled=True)
        .first()
    )
    if connection is None:
        return _refused(404, _("There is no Traffy Fondue link for this agency."))
    body = request.body
    if not signed(connection, body, request.headers.get(SIGNATURE, "")):
        return _refused(403, _("The signature of this call is missing or wrong."))
    try:
        payload = json.loads(body)
    except ValueError:
        return _refused(400, _("The body is not JSON."))
    if not isinstance(payload, dict):
        return _refused(400, _("The body must be a JSON object."))
    delivery = request.headers.get(DELIVERY, "").strip()
    if request.method == "PATCH":
        receive = inbound.receive_state
    elif "event" in payload:
        receive = inbound.receive_message
    else:
        receive = inbound.receive_issue
    try:
        outcome = receive(connection, payload, delivery)
    except ValidationError as error:
        fields = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
        return _refused(400, _("The call was not taken: %(reasons)s") % _reasons(fields), fields)
    except inbound.NotLinked:
        return _refused(404, _("This Traffy Fondue issue is not a case here."))
    return JsonResponse({"status": str(outcome)})


def _reasons(fields: dict) -> dict:
    return {"reasons": "; ".join(" ".join(messages) for messages in fields.values())}


def _refused(status: int, message: str, fields: dict | None = None) -> JsonResponse:
    body = {"status": "fail", "message": message}
    if fields:
        body["errors"] = fields
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
