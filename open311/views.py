"""Open311 GeoReport v2 at /open311/v2/: thin views over the parsing of what clients send,
the selectors, the referrals services and the two formats.

Reading is public (no key), limited per client address; creating a request needs an
agency's API key that may change cases, and is limited per key like the REST API. Every
refusal is the standard's error list, in the format the path asks for.
"""

from functools import wraps

from django.conf import settings
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.http.multipartparser import MultiPartParserError
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from agencies.replica import replica_reads
from api.authentication import caller_for, key_from, raw_key
from api.services import note_use
from open311 import documents, formats, parsing, selectors
from open311.parsing import Invalid, line
from referrals import services, throttle
from referrals.errors import NotPermitted

READ_RATE = "600/m"  # public reads per client address
# The largest form a client needs: a description of 5,000 Thai characters, percent-encoded
# (nine bytes each), and the rest. Files do not come through Open311.
MAX_BODY = 64 * 1024


def _too_many(fmt: str, retry_after: int):
    response = formats.errors(
        fmt,
        429,
        _("Too many requests: try again in %(seconds)s seconds.") % {"seconds": retry_after},
    )
    response["Retry-After"] = str(retry_after)
    return response


def answers(*methods: str):
    """A method of the standard: other HTTP methods are answered 405, public reads are
    counted per client address, parameters are checked, and every refusal is in the
    standard's format. CSRF-exempt: the callers are machines posting forms."""

    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request, fmt: str, **kwargs):
            if request.method not in methods:
                response = formats.errors(
                    fmt,
                    405,
                    _("%(method)s is not allowed here; use %(allowed)s.")
                    % {"method": request.method, "allowed": ", ".join(methods)},
                )
                response["Allow"] = ", ".join(methods)
                return response
            if request.method == "GET":
                spent = throttle.over_limit(request, "open311-read", READ_RATE)
                if spent is not None:
                    return _too_many(fmt, spent.retry_after)
            try:
                if parsing.has_nul(request.GET):
                    raise Invalid([_("The request holds a NUL character.")])
                parsing.check_jurisdiction(request.GET)
                return view(request, fmt, **kwargs)
            except Invalid as error:
                return formats.errors(fmt, error.status, error.descriptions)

        return wrapper

    return decorate


def _endpoint_url(request) -> str:
    services_xml = reverse("open311:services", kwargs={"fmt": "xml"})
    return request.build_absolute_uri(services_xml).removesuffix("/services.xml")


@answers("GET")
def discovery(request, fmt):
    document = documents.discovery(_endpoint_url(request), selectors.coordinator())
    return formats.respond(fmt, "discovery", document)


@answers("GET")
def service_list(request, fmt):
    return formats.respond(fmt, "services", documents.services(selectors.services()))


@answers("GET")
def service_definition(request, fmt, service_code):
    category = selectors.service(service_code)
    if category is None:
        raise parsing.UnknownService()
    document = documents.service_definition(category, list(selectors.provinces()))
    return formats.respond(fmt, "service_definition", document)


@answers("GET", "POST")
def service_requests(request, fmt):
    if request.method == "POST":
        return _create(request, fmt)
    with replica_reads():  # a public list: a moment old is as good
        found = selectors.public_requests(parsing.request_filters(request.GET))
        moments = documents.Moments()
        document = [documents.service_request(row, moments) for row in found]
    return formats.respond(fmt, "service_requests", document)


@answers("GET")
def service_request(request, fmt, service_request_id):
    reference = parsing.reference(service_request_id)
    case = selectors.public_request(reference) if reference else None
    if case is None:
        return formats.errors(fmt, 404, line("service_request_id", _("No request has this id.")))
    return formats.respond(fmt, "service_requests", [documents.service_request(case)])


@answers("GET")
def token(request, fmt, token):
    return formats.errors(
        fmt,
        404,
        line(
            "token",
            _(
                "This portal creates each request at once and never gives tokens: the "
                "answer to POST requests holds the service_request_id."
            ),
        ),
    )


def not_found(request):
    return formats.errors(
        formats.format_of(request.path),
        404,
        _("No such method of Open311 GeoReport v2 here: see discovery.xml."),
    )


# --- POST requests ---------------------------------------------------------------------


def _form_data(request):
    """The posted form, or Invalid: too large (413), or unreadable."""
    try:
        too_large = int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY
    except ValueError:
        too_large = True
    if too_large:
        raise Invalid([_("The request is too large.")], 413)
    try:
        data = request.POST
    except (SuspiciousOperation, MultiPartParserError) as error:
        raise Invalid([_("The form sent could not be read.")]) from error
    if parsing.has_nul(data):
        raise Invalid([_("The request holds a NUL character.")])
    parsing.check_jurisdiction(data)
    return data


def _writing_key(request, data):
    """The usable key that may change cases, or Invalid (403), as the standard answers
    a missing or wrong api_key."""
    raw = data.get("api_key") or raw_key(request)
    if not raw:
        raise Invalid([line("api_key", _("Send the API key of your agency's system."))], 403)
    key = key_from(raw)
    if key is None:
        raise Invalid(
            [line("api_key", _("This API key is not valid: it is unknown, revoked or expired."))],
            403,
        )
    if not key.can_write:
        raise Invalid(
            [
                line(
                    "api_key",
                    _(
                        "This API key may only read; sending requests needs a key that may "
                        "change cases."
                    ),
                )
            ],
            403,
        )
    note_use(key)
    return key


def _create(request, fmt):
    data = _form_data(request)
    key = _writing_key(request, data)
    allowance = throttle.Allowance("open311", settings.API_RATE_PER_CALLER, f"key:{key.pk}")
    if not allowance.take():
        return _too_many(fmt, allowance.retry_after)
    new_case = parsing.new_case(data)
    try:
        case, secret = services.create_case(new_case, by=caller_for(key))
    except ValidationError as error:
        raise parsing.refused_by_service(error) from error
    except NotPermitted as error:
        raise Invalid([str(error.message)], 403) from error
    tracking = request.build_absolute_uri(reverse("public:track"))
    tracking += f"?reference={case.reference}"
    response = formats.respond(fmt, "service_requests", documents.created(case, secret, tracking))
    add_never_cache_headers(response)  # it holds the person's secret
    return response
