"""What Open311 clients send, checked: the form of POST requests and the parameters of
GET requests. Each function answers the values, or raises ``Invalid`` with the standard's
error descriptions ("field: message", with the standard's field names). The services
decide the rest (the person's name, phone, email, description, consent, places)."""

import re
from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies.models import District, Province, Subdistrict
from open311 import selectors
from open311.documents import JURISDICTION_ID
from open311.selectors import MAX_REQUESTS, RequestFilters
from referrals.models import Category, Channel
from referrals.selectors import REFERENCE
from referrals.services import NewCase
from referrals.services.intake import MAX_DESCRIPTION

MAX_JURISDICTION_ID = 100
MAX_RANGE = timedelta(days=90)  # the standard's default span, and its longest
ATTRIBUTE = re.compile(r"^attribute\[([^\]]*)\](\[\])?$")

# The services' names for what they refuse, as Open311 names the input.
FIELD_NAMES = {
    "citizen_name": "first_name",
    "citizen_phone": "phone",
    "citizen_email": "email",
    "category": "service_code",
    "province": "attribute[province]",
    "district": "attribute[district]",
    "subdistrict": "attribute[subdistrict]",
    "sensitive_consent": "attribute[sensitive_consent]",
}


def line(field: str, message) -> str:
    """One error description of the standard: the input's name, then what is wrong."""
    return f"{field}: {message}"


class Invalid(Exception):
    """Input refused: ``descriptions`` are the standard's error descriptions."""

    def __init__(self, descriptions: list[str], status: int = 400):
        self.descriptions = descriptions
        self.status = status
        super().__init__("; ".join(descriptions))


class UnknownService(Invalid):
    """A service_code that names no offered kind of help (404, as the standard says)."""

    def __init__(self):
        super().__init__(
            [line("service_code", _("No kind of help has this code: see services.xml."))], 404
        )


def described(errors: dict, names: dict | None = None) -> list[str]:
    """``{field: [messages]}`` as "field: message" lines, one per message."""
    lines = []
    for field, messages in errors.items():
        name = (names or {}).get(field, field)
        for message in messages:
            lines.append(str(message) if field == "__all__" else line(name, message))
    return lines


def refused_by_service(error: ValidationError) -> Invalid:
    """A ValidationError of ``create_case`` in the standard's shape."""
    if hasattr(error, "error_dict"):
        return Invalid(described(error.message_dict, FIELD_NAMES))
    return Invalid([str(message) for message in error.messages])


def has_nul(data) -> bool:
    return any("\x00" in key or any("\x00" in v for v in data.getlist(key)) for key in data)


def check_jurisdiction(data) -> None:
    """The portal serves one jurisdiction: any id is taken, if it is not absurdly long."""
    if len(data.get("jurisdiction_id") or "") > MAX_JURISDICTION_ID:
        raise Invalid(
            [
                line(
                    "jurisdiction_id",
                    _("At most %(limit)s characters (this portal's is %(id)s).")
                    % {"limit": MAX_JURISDICTION_ID, "id": JURISDICTION_ID},
                )
            ]
        )


# --- POST requests ---------------------------------------------------------------------


class NewRequestForm(forms.Form):
    """The standard's own fields. Name, phone, email and description are checked by the
    service that creates the case; the others, which the portal does not keep, here."""

    service_code = forms.CharField(max_length=Category._meta.get_field("code").max_length)
    first_name = forms.CharField(required=False)
    last_name = forms.CharField(required=False)
    phone = forms.CharField(required=False)
    email = forms.CharField(required=False)
    description = forms.CharField(required=False)
    lat = forms.FloatField(required=False, min_value=-90, max_value=90)
    long = forms.FloatField(required=False, min_value=-180, max_value=180)
    address_string = forms.CharField(required=False, max_length=500)
    address_id = forms.CharField(required=False, max_length=100)
    device_id = forms.CharField(required=False, max_length=100)
    account_id = forms.CharField(required=False, max_length=100)
    media_url = forms.URLField(required=False, max_length=2000, assume_scheme="https")

    def clean(self):
        data = super().clean()
        lat, long = data.get("lat"), data.get("long")
        if (lat is None) != (long is None):
            missing = "long" if lat is not None else "lat"
            if not self.has_error(missing):
                self.add_error(missing, _("Send lat and long together, or neither."))
        return data


class AttributesForm(forms.Form):
    """The attributes of the service definition (documents.service_definition)."""

    province = forms.ModelChoiceField(
        queryset=Province.objects.all(),
        error_messages={"invalid_choice": gettext_lazy("No province has this code.")},
    )
    district = forms.ModelChoiceField(
        queryset=District.objects.all(),
        required=False,
        error_messages={"invalid_choice": gettext_lazy("No district has this code.")},
    )
    subdistrict = forms.ModelChoiceField(
        queryset=Subdistrict.objects.all(),
        required=False,
        error_messages={"invalid_choice": gettext_lazy("No subdistrict has this code.")},
    )
    sensitive_consent = forms.ChoiceField(
        choices=[("true", "true"), ("false", "false")],
        required=False,
        error_messages={"invalid_choice": gettext_lazy("Send true or false.")},
    )


def _attributes(data) -> tuple[dict, list[str]]:
    """``attribute[code]=value`` pairs, each code at most once and known."""
    values, errors = {}, []
    known = set(AttributesForm.base_fields)
    for key in data:
        found = ATTRIBUTE.match(key)
        if not found:
            continue
        code, given = found.group(1), data.getlist(key)
        if code not in known:
            errors.append(line(key, _("Not an attribute of this service.")))
        elif code in values or len(given) > 1:
            errors.append(line(f"attribute[{code}]", _("Send one value.")))
        else:
            values[code] = given[0]
    return values, errors


def _with_location(description: str, data: dict) -> str:
    """The description, and the location on a line of its own if one was sent."""
    where = [data.get("address_string") or ""]
    if data.get("lat") is not None:
        where.append(f"{round(data['lat'], 6)}, {round(data['long'], 6)}")
    where = ", ".join(part for part in where if part)
    if not where or not description.strip():
        return description
    with_line = f"{description.rstrip()}\n{_('Location: %(where)s') % {'where': where}}"
    if len(description.strip()) <= MAX_DESCRIPTION < len(with_line.strip()):
        raise Invalid(
            [
                line(
                    "description",
                    _(
                        "With the location added, the description would pass %(limit)s "
                        "characters: shorten it."
                    )
                    % {"limit": MAX_DESCRIPTION},
                )
            ]
        )
    return with_line


def new_case(data) -> NewCase:
    """A new case (channel API) from POST requests' form data; raises Invalid (400), or
    UnknownService (404) for a service_code that names no kind of help offered."""
    form = NewRequestForm(data)
    values, errors = _attributes(data)
    attributes = AttributesForm(values)
    if not form.is_valid():
        errors += described(form.errors)
    if not attributes.is_valid():
        errors += described(
            attributes.errors, {name: f"attribute[{name}]" for name in AttributesForm.base_fields}
        )
    category = None
    if "service_code" in form.cleaned_data:
        category = selectors.service(form.cleaned_data["service_code"])
        if category is None:
            raise UnknownService()
    if errors:
        raise Invalid(errors)
    clean, places = form.cleaned_data, attributes.cleaned_data
    return NewCase(
        citizen_name=" ".join(part for part in (clean["first_name"], clean["last_name"]) if part),
        citizen_phone=clean["phone"],
        citizen_email=clean["email"],
        category=category,
        province=places["province"],
        district=places.get("district"),
        subdistrict=places.get("subdistrict"),
        description=_with_location(clean["description"], clean),
        channel=Channel.API,
        sensitive_consent=places.get("sensitive_consent") == "true",
    )


# --- GET requests ----------------------------------------------------------------------


class RequestsQueryForm(forms.Form):
    service_request_id = forms.CharField(required=False, max_length=MAX_REQUESTS * 21)
    service_code = forms.CharField(required=False, max_length=10_000)
    start_date = forms.CharField(required=False, max_length=40)
    end_date = forms.CharField(required=False, max_length=40)
    status = forms.CharField(required=False, max_length=40)


def _listed(value: str) -> list[str]:
    return list(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))


def _moment(name: str, value: str):
    try:
        moment = parse_datetime(value.strip())
    except ValueError:
        moment = None
    if moment is None:
        raise Invalid(
            [line(name, _("Not a W3C date and time, such as 2026-01-31T09:00:00+07:00."))]
        )
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _period(start_text: str, end_text: str):
    """The range of submission times: the last 90 days unless asked, never more."""
    start = _moment("start_date", start_text) if start_text else None
    end = _moment("end_date", end_text) if end_text else None
    if start and end:
        if end < start:
            raise Invalid([line("end_date", _("It comes before start_date."))])
        if end - start > MAX_RANGE:
            raise Invalid([line("end_date", _("The dates may span at most 90 days."))])
    elif start:
        end = start + MAX_RANGE
    elif end:
        start = end - MAX_RANGE
    else:
        end = timezone.now()
        start = end - MAX_RANGE
    return start, end


def request_filters(data) -> RequestFilters:
    """GET requests' parameters, checked; raises Invalid."""
    form = RequestsQueryForm(data)
    if not form.is_valid():
        raise Invalid(described(form.errors))
    clean = form.cleaned_data
    references = [reference.upper() for reference in _listed(clean["service_request_id"])]
    errors = [
        line(
            "service_request_id",
            _("%(id)s is not a request id of this portal.") % {"id": reference},
        )
        for reference in references
        if not REFERENCE.match(reference)
    ]
    if len(references) > MAX_REQUESTS:
        errors.append(
            line(
                "service_request_id", _("At most %(limit)s ids at once.") % {"limit": MAX_REQUESTS}
            )
        )
    codes = _listed(clean["service_code"])
    known = selectors.known_service_codes(codes)
    unknown = [code for code in codes if code not in known]
    errors += [
        line("service_code", _("No kind of help has the code %(code)s.") % {"code": code})
        for code in unknown
    ]
    statuses = {status.lower() for status in _listed(clean["status"])}
    if statuses - {"open", "closed"}:
        errors.append(line("status", _("Use open, closed, or both separated by a comma.")))
    if errors:
        raise Invalid(errors)
    start, end = _period(clean["start_date"], clean["end_date"])
    return RequestFilters(
        references=references, service_codes=codes, start=start, end=end, statuses=statuses
    )


def reference(value: str) -> str | None:
    """A request id of this portal as stored, or None if it cannot be one."""
    value = (value or "").strip().upper()
    return value if REFERENCE.match(value) else None
