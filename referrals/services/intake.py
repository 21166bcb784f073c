"""Creating a case: from the public form, an intake officer, or another system's API."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies import permissions
from agencies.models import District, Office, Province, Subdistrict
from referrals import identity
from referrals.errors import NotPermitted
from referrals.models import Case, Category, Channel, EventKind, Priority
from referrals.services._common import record

STAFF_CHANNELS = {Channel.PHONE, Channel.WALK_IN, Channel.HOTLINE_1111}
MAX_DESCRIPTION = 5000
MAX_NAME = Case._meta.get_field("citizen_name").max_length
MAX_EMAIL = Case._meta.get_field("citizen_email").max_length


@dataclass
class NewCase:
    """What a citizen tells us; validated by ``create_case`` whoever sends it."""

    citizen_name: str
    citizen_phone: str
    category: Category
    province: Province
    description: str
    channel: str
    district: District | None = None
    subdistrict: Subdistrict | None = None
    citizen_email: str = ""
    national_id: str = ""
    priority: str = Priority.NORMAL


def _validated(data: NewCase) -> dict:
    errors: dict[str, list] = {}
    values: dict = {}

    def check(field, function, *args):
        try:
            values[field] = function(*args)
        except ValidationError as error:
            errors.setdefault(field, []).extend(error.messages)

    name = " ".join((data.citizen_name or "").split())
    if not name:
        errors["citizen_name"] = [_("Enter the name of the person who needs help.")]
    elif len(name) > MAX_NAME:
        errors["citizen_name"] = [
            _("Keep the name under %(limit)s characters.") % {"limit": MAX_NAME}
        ]
    email = (data.citizen_email or "").strip()
    if email:
        check("citizen_email", _valid_email, email)
    check("citizen_phone", identity.normalise_phone, data.citizen_phone)
    if data.national_id.strip():
        check("national_id", identity.normalise_national_id, data.national_id)
    description = (data.description or "").strip()
    if len(description) < 10:
        errors["description"] = [_("Describe the problem in a few words (10 characters or more).")]
    elif len(description) > MAX_DESCRIPTION:
        errors["description"] = [
            _("Keep the description under %(limit)s characters.") % {"limit": MAX_DESCRIPTION}
        ]
    if not data.category.is_active:
        errors["category"] = [_("This kind of help is no longer offered here.")]
    if data.district is not None and data.district.province_id != data.province.pk:
        errors["district"] = [_("This district is not in the chosen province.")]
    if data.subdistrict is not None and (
        data.district is None or data.subdistrict.district_id != data.district.pk
    ):
        errors["subdistrict"] = [_("This subdistrict is not in the chosen district.")]
    if data.channel not in Channel.values:
        errors["channel"] = [_("Unknown channel.")]
    if data.priority not in Priority.values:
        errors["priority"] = [_("Unknown priority.")]
    if errors:
        raise ValidationError(errors)
    return {"citizen_name": name, "citizen_email": email, "description": description, **values}


def _valid_email(value: str) -> str:
    if len(value) > MAX_EMAIL:
        raise ValidationError(_("This email address is too long."))
    validate_email(value)
    return value


def _free_reference(now) -> str:
    """RP-<Buddhist Era year>-<6 readable characters>: 729 million a year, drawn at random
    so that one reference says nothing about the next. The unique index guards the rest."""
    buddhist_year = timezone.localtime(now).year + 543
    while True:
        reference = f"RP-{buddhist_year}-{identity.random_code(6)}"
        if not Case.objects.filter(reference=reference).exists():
            return reference


def new_secret() -> str:
    code = identity.random_code(8)
    return f"{code[:4]}-{code[4:]}"


def secret_hash(secret: str) -> str:
    return identity.keyed_hash(secret.replace("-", "").replace(" ", "").upper())


def create_case(data: NewCase, by=None) -> tuple[Case, str]:
    """Save a new case, routed to the category's lead agency and its office in the province.

    Returns the case and its verification secret, which is shown once and stored only as a
    keyed hash. ``by`` is the intake officer recording it on the citizen's behalf (then the
    channel must be the phone, a counter or the 1111 center), or None for the citizen or a
    system. Raises ValidationError with a message per field; nothing is saved then.
    """
    if by is not None and (
        not permissions.may_record_intake(by) or data.channel not in STAFF_CHANNELS
    ):
        raise NotPermitted()
    clean = _validated(data)
    lead = data.category.lead_agency
    secret = new_secret()
    national_id = clean.get("national_id", "")
    now = timezone.now()
    with transaction.atomic():
        case = Case.objects.create(
            reference=_free_reference(now),
            secret_hash=secret_hash(secret),
            citizen_name=clean["citizen_name"],
            citizen_phone=clean["citizen_phone"],
            citizen_email=clean["citizen_email"],
            national_id_encrypted=identity.encrypt(national_id) if national_id else "",
            national_id_hash=identity.keyed_hash(national_id) if national_id else "",
            category=data.category,
            province=data.province,
            district=data.district,
            subdistrict=data.subdistrict,
            description=clean["description"],
            channel=data.channel,
            priority=data.priority,
            lead_agency=lead,
            lead_office=Office.objects.filter(
                agency=lead, province=data.province, is_active=True
            ).first(),
            is_restricted=data.category.is_restricted,
            created_by=by,
            created_at=now,
        )
        permissions.grant_case_access(case, lead)
        record(
            case, EventKind.CREATED, by, public=True, channel=data.channel, lead_agency=lead.code
        )
    return case, secret
