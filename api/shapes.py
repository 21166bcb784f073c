"""The one shape of the API's errors, for DRF's views and for the request guards before
them (which must not import DRF's views while the apps load)."""

from django.http import JsonResponse

CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    412: "precondition_failed",
    413: "too_large",
    415: "unsupported_media_type",
    429: "throttled",
}


def body(code: str, message, fields: dict | None = None) -> dict:
    return {"code": code, "message": str(message), "fields": fields or {}}


def error_response(status_code: int, message) -> JsonResponse:
    """An error answered outside DRF's views (the request guards), in the same shape."""
    return JsonResponse(body(CODES.get(status_code, "error"), message), status=status_code)
