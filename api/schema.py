"""The OpenAPI description (drf-spectacular): every operation lists the errors it may
answer, all in the one shape, and the key is described as a security scheme."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse

from api.serializers import ErrorSerializer

ERRORS = {
    400: "Invalid input: the fields say what and where.",
    401: "No credentials, or a key that is unknown, revoked or expired.",
    403: "Not allowed for this caller's role or key.",
    404: "No such case (or one the caller may not see).",
    409: "A stale version, or an action the case's state does not allow now.",
    412: "If-Match no longer matches: read the case again.",
    413: "The body is too large.",
    415: "Unsupported content type.",
    429: "Too many requests: wait for Retry-After seconds.",
}
READ_ERRORS = (400, 401, 403, 404, 429)


class PortalAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        codes = READ_ERRORS if self.method in ("GET", "HEAD") else tuple(ERRORS)
        for code in codes:
            if str(code) not in responses:
                responses[str(code)] = self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, description=ERRORS[code]), str(code)
                )
        return responses


class AgencyKeyScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.AgencyKeyAuthentication"
    name = "agencyKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key <key>`, a key made by the agency's administrators.",
        }


class StaffSessionScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.StaffSessionAuthentication"
    name = "staffSession"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}
