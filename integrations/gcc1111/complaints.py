"""A complaint the 1111 center forwarded, however it came (its exported file, or its SOAP
CoreService), and the request it is here: the one place where 1111's types, places and
fields become a help category, a province and a ``NewCase``."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from integrations.models import System, ValueMapping
from integrations.places import place
from referrals.models import Category, Channel
from referrals.services.intake import NewCase


@dataclass(frozen=True)
class Complaint:
    """What 1111 tells of a complaint, as text, in its own words."""

    number: str
    name: str
    phone: str
    description: str
    complaint_type: str  # the type's code or name at 1111
    province: str
    district: str = ""
    subdistrict: str = ""
    national_id: str = ""
    email: str = ""
    state: str = ""  # 1111's state of the complaint


def category_for(complaint_type: str) -> Category | None:
    """The help category a 1111 type is: as an administrator mapped it, else the active
    category of that code or name (Thai or English)."""
    text = " ".join(complaint_type.split())
    if not text:
        return None
    mapped = (
        ValueMapping.objects.filter(
            system=System.GCC_1111, kind=ValueMapping.Kind.CATEGORY, code=text
        )
        .select_related("category__lead_agency")
        .first()
    )
    if mapped is not None and mapped.category is not None:
        return mapped.category
    return (
        Category.objects.select_related("lead_agency")
        .filter(Q(code=text) | Q(name_th=text) | Q(name_en__iexact=text), is_active=True)
        .first()
    )


def to_new_case(complaint: Complaint, memo: dict | None = None) -> NewCase:
    """The request a complaint is. Raises ValidationError naming each field 1111 gave that
    means nothing here (an unknown type or province); what is missing or malformed in
    the rest is refused by ``create_case`` like any request. ``memo``: a dict kept by a
    reader of many complaints at once (a chunk of a file), so that each type and place
    is looked up once."""
    memo = {} if memo is None else memo
    errors = {}
    kind = ("category", complaint.complaint_type)
    if kind not in memo:
        memo[kind] = category_for(complaint.complaint_type)
    category = memo[kind]
    if category is None:
        errors["category"] = [
            _("Unknown type of complaint “%(value)s”: ask an administrator to map it.")
            % {"value": complaint.complaint_type or "—"}
        ]
    names = ("place", complaint.province, complaint.district, complaint.subdistrict)
    if names not in memo:
        memo[names] = place(System.GCC_1111, *names[1:])
    where = memo[names]
    if where.province is None:
        errors["province"] = [
            _("Unknown province “%(value)s”.") % {"value": complaint.province or "—"}
        ]
    elif complaint.district and where.district is None:
        errors["district"] = [
            _("There is no district “%(value)s” in %(province)s.")
            % {"value": complaint.district, "province": where.province.name}
        ]
    if errors:
        raise ValidationError(errors)
    return NewCase(
        citizen_name=complaint.name.strip(),
        citizen_phone=complaint.phone.strip(),
        category=category,
        province=where.province,
        district=where.district,
        subdistrict=where.subdistrict,
        description=complaint.description.strip(),
        channel=Channel.HOTLINE_1111,
        citizen_email=complaint.email.strip(),
        national_id=complaint.national_id.strip(),
        # The person told 1111 and agreed to be helped; 1111 forwards it under its MOU.
        sensitive_consent=True,
    )
