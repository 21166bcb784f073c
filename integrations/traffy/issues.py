"""An issue of Traffy Fondue read as a request here: its fields checked, its type made one
of our help categories, its place one of our provinces, its photos checked like any file
a person uploads."""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext as _

from integrations.models import System, ValueMapping
from integrations.traffy.places import Place, place_of
from referrals.models import Category, Channel
from referrals.services.attachments import MAX_FILES_PER_SUBMISSION
from referrals.services.intake import MAX_DESCRIPTION, MAX_NAME, NewCase

# The row of Traffy's type list that every type not mapped by its id or name falls back
# on (made by the migration, pointed at "other"; the admin sees and changes it).
ANY_TYPE = "*"
MAX_NUMBER = 100
COORDINATE = Decimal("0.000001")


@dataclass(frozen=True)
class Issue:
    ticket_id: str
    description: str = ""
    type_id: str = ""
    type_name: str = ""
    address: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    photos: tuple[str, ...] = ()
    reporter_name: str = ""
    reporter_phone: str = ""
    # The fields that name the place (province, district, subdistrict, address).
    place_names: dict = field(default_factory=dict)


def ticket_of(payload: dict) -> str:
    """The issue number a webhook call is about; refused when missing or too long."""
    ticket = payload.get("ticket_id")
    if not isinstance(ticket, str | int) or not str(ticket).strip():
        raise ValidationError({"ticket_id": _("The Traffy Fondue issue number is missing.")})
    ticket = str(ticket).strip()
    if len(ticket) > MAX_NUMBER:
        raise ValidationError({"ticket_id": _("The Traffy Fondue issue number is too long.")})
    return ticket


def read_issue(payload: dict) -> Issue:
    """The issue of a new-issue webhook (or of a query answer); ValidationError with a
    message per field when it is not one."""
    errors = {}
    try:
        ticket = ticket_of(payload)
    except ValidationError as error:
        errors.update(error.message_dict)
        ticket = ""
    point = {}
    for name in ("latitude", "longitude"):  # their range is the intake's to check
        point[name] = _coordinate(payload.get(name))
        if point[name] is None:
            errors[name] = [_("The point of the issue is missing or is not a number.")]
    photos = payload.get("photo") or []
    if isinstance(photos, str):  # the query answers give one address, the webhooks a list
        photos = [photos]
    if not isinstance(photos, list) or not all(isinstance(p, str) for p in photos):
        errors["photo"] = [_("The photos must be a list of web addresses.")]
        photos = []
    texts = {}
    for name in ("description", "type", "address", "reporter_name", "reporter_phone"):
        value = payload.get(name)
        if value is not None and not isinstance(value, str):
            errors[name] = [_("This must be text.")]
        texts[name] = (value or "").strip() if isinstance(value, str) else ""
    if errors:
        raise ValidationError(errors)
    return Issue(
        ticket_id=ticket,
        description=texts["description"],
        type_id=str(payload.get("type_id") or "").strip(),
        type_name=texts["type"],
        address=texts["address"],
        latitude=point["latitude"],
        longitude=point["longitude"],
        # Traffy's storage keeps a folder address when there is no photo.
        photos=tuple(p for p in photos if p and not p.endswith("/"))[:MAX_FILES_PER_SUBMISSION],
        reporter_name=texts["reporter_name"][:MAX_NAME],
        reporter_phone=texts["reporter_phone"],
        place_names={
            name: payload.get(name)
            for name in ("province", "district", "subdistrict", "address")
            if isinstance(payload.get(name), str)
        },
    )


def _coordinate(value) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = Decimal(str(value).strip())
        return number.quantize(COORDINATE) if number.is_finite() else None
    except InvalidOperation:  # not a number, or too large to keep six decimals
        return None


def category_for(issue: Issue) -> Category:
    """Our help category for the issue's type: the row mapping its id, else its name, else
    the row for any type (ANY_TYPE). Refused when the administrator removed them all."""
    codes = [code for code in (issue.type_id, issue.type_name, ANY_TYPE) if code]
    rows = {
        row.code: row.category
        for row in ValueMapping.objects.filter(
            system=System.TRAFFY,
            kind=ValueMapping.Kind.CATEGORY,
            code__in=codes,
            category__isnull=False,
        ).select_related("category__lead_agency")
    }
    for code in codes:
        if code in rows:
            return rows[code]
    raise ValidationError(
        {"type": _("No help category is set for this type of issue, nor for any other type.")}
    )


def organisation_of(agency_code: str) -> str:
    """The number of the agency's organisation on Traffy (blank when none is set), from
    Traffy's list of organisations kept in the admin."""
    return (
        ValueMapping.objects.filter(
            system=System.TRAFFY, kind=ValueMapping.Kind.AGENCY, agency__code=agency_code
        )
        .values_list("code", flat=True)
        .first()
        or ""
    )


def place_for(issue: Issue) -> Place:
    place = place_of(issue.place_names)
    if place is None:
        raise ValidationError(
            {"address": _("The address does not name a Thai province that we could recognise.")}
        )
    return place


def description_of(issue: Issue) -> str:
    """The person's words, then what Traffy knows of the type and place, for triage."""
    details = [
        _("Type on Traffy Fondue: %(type)s") % {"type": issue.type_name or "-"},
        _("Place: %(address)s") % {"address": issue.address or "-"},
    ]
    room = MAX_DESCRIPTION - sum(len(line) + 1 for line in details) - 1
    words = issue.description or _("(No description was written on Traffy Fondue.)")
    return "\n".join([words[:room], "", *details])


def new_case(issue: Issue, category: Category, place: Place, photos: list) -> NewCase:
    """The request the issue is. The reporter's name and phone when Traffy gives them;
    else Traffy keeps them, and answers the reporter itself."""
    return NewCase(
        citizen_name=issue.reporter_name or _("Reporter on Traffy Fondue"),
        citizen_phone=issue.reporter_phone,
        category=category,
        province=place.province,
        district=place.district,
        subdistrict=place.subdistrict,
        description=description_of(issue),
        channel=Channel.TRAFFY,
        latitude=issue.latitude,
        longitude=issue.longitude,
        files=[SimpleUploadedFile(photo.name, photo.content) for photo in photos],
    )
