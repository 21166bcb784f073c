"""One shape for every failure of the API: ``{"code", "message", "fields"}``.

The message is in the caller's language (``Accept-Language``: Thai unless English is
asked); ``fields`` maps an input's name to its messages. Domain errors become: a case the
caller may not see 404, an action beyond the role 403, a stale version 409 (or 412 for an
``If-Match`` that no longer matches), an action the case's state does not allow 409,
invalid input 400.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.views import exception_handler

from api.shapes import CODES, body
from referrals.errors import CaseNotFound, NotPermitted, StaleObject, WorkflowError


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "precondition_failed"

    def __init__(self):
        super().__init__(
            _("The case changed since you read it (If-Match): read it again and retry.")
        )


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


def _fields(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's errors as one flat map of messages by field, nested fields named with dots
    (``asks.1.agency``), so that every answer has the schema's ``{name: [message]}``."""
    if isinstance(detail, dict):
        pairs = detail.items()
    elif isinstance(detail, list) and any(isinstance(item, dict | list) for item in detail):
        pairs = enumerate(detail)
    else:
        messages = detail if isinstance(detail, list) else [detail]
        return {prefix: [str(message) for message in messages]} if prefix else {}
    flat: dict[str, list[str]] = {}
    for name, value in pairs:
        if name == "non_field_errors" and prefix:
            key = prefix  # what is wrong with the nested object as a whole
        else:
            key = f"{prefix}.{name}" if prefix else str(name)
        for field, messages in _fields(value, key).items():
            flat.setdefault(field, []).extend(messages)
    return flat


def _domain(error):
    if isinstance(error, CaseNotFound):
        return exceptions.NotFound(error.message)
    if isinstance(error, NotPermitted):
        return exceptions.PermissionDenied(error.message)
    if isinstance(error, StaleObject):
        return Conflict(error.message, code="stale")
    if isinstance(error, WorkflowError):
        if error.field:
            return exceptions.ValidationError({error.field: [str(error.message)]})
        return Conflict(error.message, code="not_allowed_now")
    if isinstance(error, DjangoValidationError):
        if hasattr(error, "error_dict"):
            return exceptions.ValidationError(error.message_dict)
        return exceptions.ValidationError({"non_field_errors": error.messages})
    if isinstance(error, Http404):
        return exceptions.NotFound(_("Not found."))
    return error


def handle(error, context):
    """DRF's exception handler, answering in the one shape."""
    error = _domain(error)
    response = exception_handler(error, context)
    if response is None:
        return None
    detail = error.detail if isinstance(error, exceptions.APIException) else None
    code = CODES.get(response.status_code, "error")
    if isinstance(error, exceptions.ValidationError):
        fields = _fields(detail)
        message = _("Some of what was sent is not valid: see the fields.")
        if list(fields) == ["non_field_errors"]:
            message = fields["non_field_errors"][0]
        response.data = body(code, message, fields)
    else:
        if isinstance(error, Conflict | exceptions.Throttled) and hasattr(error, "get_codes"):
            specific = error.get_codes()
            code = specific if isinstance(specific, str) and specific != "error" else code
        response.data = body(code, detail if isinstance(detail, str) else str(error))
    if isinstance(error, exceptions.Throttled):
        response.data["message"] = _("Too many requests: try again in %(seconds)s seconds.") % {
            "seconds": error.wait or 1
        }
    return response
