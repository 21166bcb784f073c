"""The standard's documents, built from the portal's data, with GeoReport v2's field names.

Names and texts are in the active language (Accept-Language: Thai unless English is
asked). Times are W3C date-times with the offset of Bangkok, as the standard requires.
"""

from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.bilingual import pick
from agencies.models import Agency, Province
from open311.formats import MEDIA_TYPES
from referrals.models import OPEN_CASE_STATUSES, Case, Category

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# The portal serves one jurisdiction; a client may send this id or none.
JURISDICTION_ID = "th.mou-referral"
# When this interface or the shape of its service definitions last changed: clients keep
# the services and definitions they read until it moves.
CHANGESET = "2026-12-06T00:00:00+07:00"


def discovery(endpoint_url: str, coordinator: Agency | None) -> dict:
    contacts = coordinator and ", ".join(
        part for part in (coordinator.email, coordinator.phone, coordinator.website) if part
    )
    if contacts:
        contact = _("Ask the coordinating agency, %(agency)s: %(contacts)s") % {
            "agency": coordinator.name,
            "contacts": contacts,
        }
    else:
        contact = _("Ask the administrators of the referral portal.")
    return {
        "changeset": CHANGESET,
        "contact": contact,
        "key_service": _(
            "Reading is open to everyone without a key. To send requests, an agency's "
            "system needs an API key that may change cases, made by that agency's "
            "administrators in the portal. This portal's jurisdiction_id is %(id)s."
        )
        % {"id": JURISDICTION_ID},
        "jurisdiction_id": JURISDICTION_ID,
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": endpoint_url,
                "changeset": CHANGESET,
                "type": "production",
                "formats": list(MEDIA_TYPES.values()),
            }
        ],
    }


def _keywords(category: Category) -> str:
    words = [category.name_th, category.name_en, category.lead_agency.code]
    return ", ".join(dict.fromkeys(word for word in words if word))


def services(categories) -> list[dict]:
    return [
        {
            "service_code": category.code,
            "service_name": category.name,
            "description": category.description,
            "metadata": True,  # the province, at least, is asked in the definition
            "type": "realtime",  # the request id is answered at once: no tokens
            "keywords": _keywords(category),
            "group": category.lead_agency.name,
        }
        for category in categories
    ]


def _attribute(order: int, code: str, datatype: str, required: bool, **texts) -> dict:
    return {
        "variable": True,
        "code": code,
        "datatype": datatype,
        "required": required,
        "datatype_description": texts["datatype_description"],
        "order": order,
        "description": texts["description"],
        **({"values": texts["values"]} if "values" in texts else {}),
    }


def service_definition(category: Category, provinces: list[Province]) -> dict:
    """The attributes a request of this kind takes besides the standard's own fields (the
    person's name, phone, email and description, which are not attributes)."""
    return {
        "service_code": category.code,
        "attributes": [
            _attribute(
                1,
                "province",
                "singlevaluelist",
                True,
                description=_("The province where the person needs help."),
                datatype_description=_("The province's two-digit code, from the list."),
                values=[{"key": p.code, "name": p.name} for p in provinces],
            ),
            _attribute(
                2,
                "district",
                "string",
                False,
                description=_("The district (amphoe or khet), if known."),
                datatype_description=_("The district's four-digit code."),
            ),
            _attribute(
                3,
                "subdistrict",
                "string",
                False,
                description=_("The subdistrict (tambon or khwaeng), if known."),
                datatype_description=_("The subdistrict's six-digit code; give its district too."),
            ),
            _attribute(
                4,
                "sensitive_consent",
                "singlevaluelist",
                category.is_sensitive,
                description=_(
                    "The person gives explicit consent to the processing of information "
                    "about their health, disability or criminal matters (PDPA section 26)."
                ),
                datatype_description=(
                    _("Required for this kind of help: true if the person consents.")
                    if category.is_sensitive
                    else _("true if the person consents.")
                ),
                values=[
                    {"key": "true", "name": _("Yes, the person consents")},
                    {"key": "false", "name": _("No")},
                ],
            ),
        ],
    }


def created(case: Case, secret: str, tracking_url: str) -> list[dict]:
    """The answer to POST requests: the request's id, and the secret the person needs."""
    notice = _(
        "Your request %(reference)s was received by %(agency)s. Keep your secret "
        "%(secret)s safe and share it with no one: with the reference and the secret you "
        "follow your request on the portal's tracking page, %(url)s. The secret is shown "
        "only now and cannot be sent again."
    ) % {
        "reference": case.reference,
        "agency": case.lead_agency.name,
        "secret": secret,
        "url": tracking_url,
    }
    return [
        {
            "service_request_id": case.reference,
            "service_notice": notice,
            "account_id": None,
            "token": None,
            "secret": secret,
        }
    ]


def service_request(row: dict, moments: "Moments | None" = None) -> dict:
    """A case as the public sees it, from its public columns (``selectors.PUBLIC_COLUMNS``):
    no personal data, not even the description."""
    moments = moments or Moments()
    return {
        "service_request_id": row["reference"],
        "status": "open" if row["status"] in OPEN_CASE_STATUSES else "closed",
        "status_notes": row["status_notes"] or None,
        "service_name": pick(row["category__name_th"], row["category__name_en"]),
        "service_code": row["category__code"],
        "description": None,
        "agency_responsible": pick(row["lead_agency__name_th"], row["lead_agency__name_en"]),
        "service_notice": None,
        "requested_datetime": moments.w3(row["created_at"]),
        "updated_datetime": moments.w3(row["updated_at"]),
        "expected_datetime": moments.w3(row["due_at"]),
    }


class Moments:
    """W3C times in the active time zone, read once for a whole list."""

    def __init__(self):
        self.zone = timezone.get_current_timezone()

    def w3(self, moment) -> str | None:
        return moment.astimezone(self.zone).isoformat(timespec="seconds") if moment else None
