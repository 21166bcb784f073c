"""Creating a case: from the public form, an intake officer, or another system's API."""

from dataclasses import dataclass, field, fields
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from agencies import permissions
from agencies.models import Agency, District, Province, Subdistrict
from agencies.offices import office_for
from agencies.permissions import SystemCaller
from referrals import identity
from referrals.errors import NotPermitted
from referrals.models import (
    Case,
    Category,
    Channel,
    Deadline,
    EventKind,
    PossibleDuplicate,
    Priority,
    SafeChannel,
)
from referrals.notifications import (
    notify_agency_system,
    notify_citizen,
    notify_staff,
    triage_staff,
)
from referrals.services import deadlines, email_link, equal_access
from referrals.services._common import person, record
from referrals.services.attachments import check_uploads, remove_files, store_uploads
from referrals.services.channels import language_of, unreachable
from referrals.services.equal_access import EqualAccess

STAFF_CHANNELS = frozenset({Channel.PHONE, Channel.WALK_IN, Channel.HOTLINE_1111})
# Channels whose system keeps the person's contact and answers them itself (Traffy Fondue
# sends its reporters the agencies' comments): a request from there may come without a
# phone number.
CONTACT_KEPT_ELSEWHERE = frozenset({Channel.TRAFFY})


def channels_of(by) -> frozenset:
    """The channels through which ``by`` records cases: a system its own (an agency's
    system the API, the link to 1111 or Traffy Fondue theirs); an intake officer those
    where a person took the request (phone, counter, 1111)."""
    return frozenset({by.channel}) if isinstance(by, SystemCaller) else STAFF_CHANNELS


MAX_DESCRIPTION = 5000
MAX_NAME = Case._meta.get_field("citizen_name").max_length
MAX_EMAIL = Case._meta.get_field("citizen_email").max_length
MAX_SAFE_HOURS = Case._meta.get_field("safe_hours").max_length
MAX_SAFE_WORD = 50


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
    # Explicit consent to the processing of sensitive data (PDPA section 26): required
    # when the category holds health, disability or criminal information.
    sensitive_consent: bool = False
    # How to reach a person at risk safely: asked, and the way required, for the
    # restricted kinds of help (see ``needs_safe_contact``).
    safe_channel: str = ""
    safe_hours: str = ""
    no_message: bool = False
    safe_word: str = ""
    # "I am in danger now": the case is urgent whatever else was chosen.
    in_danger_now: bool = False
    # The language of the person's messages, and the channels they chose to hear on
    # (email None: not asked, so by email once an address is confirmed).
    language: str = ""
    notify_email: bool | None = None
    notify_sms: bool = False
    notify_line: bool = False
    files: list = field(default_factory=list)
    # The point of the problem, when the channel gives one (Traffy Fondue's GPS).
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    # The optional questions on who reaches the portal, kept for statistics alone and only
    # with their consent (see ``services.equal_access``).
    equal_access: EqualAccess = field(default_factory=EqualAccess)

    @classmethod
    def from_form(cls, data: dict, **values) -> "NewCase":
        """The fields of a form's cleaned data that a new case takes (the optional
        questions on who reaches the portal among them), plus ``values``."""
        names = {f.name for f in fields(cls)}
        values.setdefault("equal_access", EqualAccess.from_form(data))
        return cls(**{**{k: v for k, v in data.items() if k in names}, **values})


def needs_safe_contact(data: NewCase, by=None) -> bool:
    """Whether the safe way to contact the person must be given: for a restricted kind of
    help (violence, trafficking, witnesses) when a person was asked, on the form or by an
    intake officer; another system (``by`` a ``SystemCaller``) may not know it."""
    return data.category.is_restricted and not isinstance(by, SystemCaller)


def _validated(data: NewCase, by=None) -> dict:
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
    if (data.citizen_phone or "").strip() or data.channel not in CONTACT_KEPT_ELSEWHERE:
        check("citizen_phone", identity.normalise_phone, data.citizen_phone)
    else:
        values["citizen_phone"] = ""
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
    for coordinate, limit in (("latitude", 90), ("longitude", 180)):
        value = getattr(data, coordinate)
        if value is not None and not -limit <= value <= limit:
            errors[coordinate] = [_("This is not a point on Earth.")]
    if data.channel not in Channel.values:
        errors["channel"] = [_("Unknown channel.")]
    if data.priority not in Priority.values:
        errors["priority"] = [_("Unknown priority.")]
    if data.category.is_sensitive and not data.sensitive_consent:
        errors["sensitive_consent"] = [
            _(
                "This kind of request holds information about health, disability or "
                "criminal matters: we can handle it only with your explicit consent."
            )
        ]
    if data.safe_channel and data.safe_channel not in SafeChannel.values:
        errors["safe_channel"] = [_("Choose one of the ways offered.")]
    elif not data.safe_channel and needs_safe_contact(data, by):
        errors["safe_channel"] = [_("Choose how it is safe for us to contact you.")]
    safe_hours = " ".join((data.safe_hours or "").split())
    if len(safe_hours) > MAX_SAFE_HOURS:
        errors["safe_hours"] = [
            _("Keep the hours under %(limit)s characters.") % {"limit": MAX_SAFE_HOURS}
        ]
    # Not asked (an agency's system, say): by email whenever there is a confirmed address,
    # with nothing to refuse; ticked, it needs an address.
    missing = unreachable(
        email=email,
        phone=values.get("citizen_phone", ""),
        notify_email=bool(data.notify_email),
        notify_sms=data.notify_sms,
    )
    if "email" in missing:
        errors.setdefault("citizen_email", []).append(
            _("Enter an email address, or untick “Email” if the news should not come by email.")
        )
    if "sms" in missing and "citizen_phone" in values:
        errors.setdefault("notify_sms", []).append(
            _(
                "SMS reach only a mobile number: give one starting 06, 08 or 09, "
                "or choose another way."
            )
        )
    # A person on the web form reads the language they chose there; a caller, Thai unless
    # the officer records another.
    spoken = translation.get_language() if data.channel == Channel.WEB else ""
    language = language_of(data.language or spoken)
    safe_word = (data.safe_word or "").strip()
    if len(safe_word) > MAX_SAFE_WORD:
        errors["safe_word"] = [
            _("Keep the safe word under %(limit)s characters.") % {"limit": MAX_SAFE_WORD}
        ]
    try:
        values["files"] = check_uploads(data.files)
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        equal_access.validate(data.equal_access)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    return {
        "citizen_name": name,
        "citizen_email": email,
        "description": description,
        "safe_hours": safe_hours,
        "safe_word": safe_word,
        "language": language,
        "notify_email": data.notify_email is not False,
        **values,
    }


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


def create_case(data: NewCase, by=None, deadlines_also: tuple[str, ...] = ()) -> tuple[Case, str]:
    """Save a new case, routed to the category's lead agency and its office in the province.

    Returns the case and its verification secret, which is shown once (never sent) and
    stored only as a keyed hash. ``by`` is the intake officer recording it on the
    citizen's behalf (then the channel must be the phone, a counter or the 1111 center), an
    agency's system through the API (a ``SystemCaller``: channel API), or None for the
    citizen on the web form. A person in danger now makes the case urgent. The answers to
    the optional questions on who reaches the portal are kept only with their consent
    (``data.equal_access.dropped()`` names those that were not, for the caller to say so);
    an answer that is not one of those offered is refused like any field. Earlier
    cases of the same person are linked as possible duplicates for the triage officer.
    ``deadlines_also``: deadlines started apart that the case has from the start (1111's
    report-back for a complaint it forwarded). Raises ValidationError with a message per
    field; nothing is saved then, not even the files.
    """
    if by is not None and not permissions.may_create_case(by):
        raise NotPermitted()
    if by is not None and data.channel not in channels_of(by):
        raise ValidationError({"channel": [_("This channel is not yours to record.")]})
    clean = _validated(data, by)
    lead = data.category.lead_agency
    secret = identity.new_secret()
    national_id = clean.get("national_id", "")
    now = timezone.now()
    stored = []
    try:
        with transaction.atomic():
            case = Case(
                reference=_free_reference(now),
                secret_hash=identity.secret_hash(secret),
                citizen_name=clean["citizen_name"],
                citizen_phone=clean["citizen_phone"],
                citizen_email=clean["citizen_email"],
                national_id_encrypted=identity.encrypt(national_id) if national_id else "",
                national_id_hash=identity.keyed_hash(national_id) if national_id else "",
                category=data.category,
                # The kind of help's usual project of the action plan; triage may change it.
                project_id=data.category.default_project_id,
                province=data.province,
                district=data.district,
                subdistrict=data.subdistrict,
                latitude=data.latitude,
                longitude=data.longitude,
                description=clean["description"],
                channel=data.channel,
                priority=Priority.URGENT if data.in_danger_now else data.priority,
                safe_channel=data.safe_channel,
                safe_hours=clean["safe_hours"],
                no_message=data.no_message,
                safe_word_encrypted=identity.encrypt(clean["safe_word"])
                if clean["safe_word"]
                else "",
                in_danger_now=data.in_danger_now,
                language=clean["language"],
                notify_email=clean["notify_email"],
                notify_sms=data.notify_sms,
                notify_line=data.notify_line,
                lead_agency=lead,
                lead_office=office_for(lead, data.province),
                is_restricted=data.category.is_restricted,
                privacy_notice_version=settings.PRIVACY_NOTICE_VERSION,
                sensitive_consent_at=now if data.sensitive_consent else None,
                created_by=person(by),
                created_by_key_id=by.key_id if isinstance(by, SystemCaller) else None,
                created_at=now,
            )
            # Its deadlines first, so that the case is saved with its due time in one row.
            first = deadlines.first_deadlines(case, now, also=deadlines_also)
            case.save(force_insert=True)
            Deadline.objects.bulk_create(first)
            equal_access.store(case, data.equal_access, now)
            permissions.grant_case_access(case, lead)
            event = record(
                case,
                EventKind.CREATED,
                by,
                agency=_recording_agency(by, lead),
                public=True,
                by_citizen=by is None and data.channel == Channel.WEB,
                channel=data.channel,
                lead_agency=lead.code,
            )
            stored = store_uploads(
                case, clean["files"], by, by_citizen=by is None and data.channel == Channel.WEB
            )
            _link_possible_duplicates(case)
            key = f"new_case:e{event.pk}"
            notify_staff(
                "new_case",
                key,
                triage_staff(lead.pk, case.lead_office_id, restricted=case.is_restricted),
                case=case,
                agency=lead,
            )
            notify_agency_system("new_case", key, lead, case=case)
            if email_link.awaits_confirmation(case):
                email_link.queue(case, f"case_received:c{case.pk}")
            notify_citizen("case_received", f"case_received:c{case.pk}", case)
    except Exception:
        remove_files(stored)
        raise
    return case, secret


def _recording_agency(by, lead: Agency) -> Agency | None:
    """The agency that recorded the request for the citizen (None: they sent it): the
    lead when the recorder works there, else the first of the recorder's own."""
    if by is None:
        return None
    ids = permissions.intake_agency_ids(by)
    if lead.pk in ids:
        return lead
    return Agency.objects.filter(pk__in=ids).order_by("sort_order").first()


DUPLICATE_WINDOW = timedelta(days=30)
MAX_DUPLICATE_LINKS = 5


def _link_possible_duplicates(case: Case) -> None:
    """Link the latest earlier cases with the same national ID, or the same phone and
    category within 30 days. The triage officer decides; nothing is merged here."""
    found: dict[int, str] = {}
    if case.national_id_hash:
        for pk in (
            Case.objects.filter(national_id_hash=case.national_id_hash)
            .exclude(pk=case.pk)
            .order_by("-created_at")
            .values_list("pk", flat=True)[:MAX_DUPLICATE_LINKS]
        ):
            found[pk] = PossibleDuplicate.Reason.NATIONAL_ID
    if case.citizen_phone:  # no phone (a Traffy Fondue reporter) is nobody's phone
        for pk in (
            Case.objects.filter(
                citizen_phone=case.citizen_phone,
                category_id=case.category_id,
                created_at__gte=case.created_at - DUPLICATE_WINDOW,
            )
            .exclude(pk=case.pk)
            .order_by("-created_at")
            .values_list("pk", flat=True)[:MAX_DUPLICATE_LINKS]
        ):
            found.setdefault(pk, PossibleDuplicate.Reason.PHONE_CATEGORY)
    PossibleDuplicate.objects.bulk_create(
        PossibleDuplicate(case=case, earlier_id=pk, reason=reason, created_at=case.created_at)
        for pk, reason in list(found.items())[:MAX_DUPLICATE_LINKS]
    )
