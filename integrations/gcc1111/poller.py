"""Reading the complaints 1111 forwards, from its CoreService, a page at a time.

Safe to run twice at once: each page is read and saved in one transaction that holds the
connection's row (``select_for_update(skip_locked=True)``); a second runner that finds it
held stops at once. The cursor (``Connection.read_up_to``) moves in the transaction that
saved the page's complaints, so a failure or a killed worker loses none: the page is read
again, and reading a complaint again changes nothing (``services.receive_case``). A
complaint that means nothing here (an unknown type or province) is logged as a failure,
with its number and the reason, and passed over; once its values are mapped, an
administrator sets "read up to" back in the admin and the next run reads it again.
"""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from integrations import services
from integrations.gcc1111 import soap
from integrations.gcc1111.complaints import Complaint, to_new_case
from integrations.models import Connection, Exchange, ExternalCase, System

logger = logging.getLogger(__name__)

OPERATION = "GetCases"


@dataclass
class Polled:
    """What one run did: complaints read, new cases, refused complaints; whether another
    runner held the connection (nothing done), and the failure that stopped it, if any."""

    read: int = 0
    created: int = 0
    refused: int = 0
    busy: bool = False
    error: str = ""


def polled_connections():
    """The connections to read: 1111's, on, with the address of its service."""
    return Connection.objects.filter(system=System.GCC_1111, is_enabled=True).exclude(endpoint="")


def poll_all() -> list[Polled]:
    return [poll(connection) for connection in polled_connections().select_related("agency")]


def poll(connection: Connection) -> Polled:
    """Read what changed at 1111 since the connection's cursor, every page of it."""
    polled = Polled()
    service = None
    skip, take = 0, max(settings.GCC_1111_PAGE_SIZE, 1)
    # Reasons are read by the supervisors, in the portal's language, whoever runs this.
    with translation.override(settings.LANGUAGE_CODE):
        try:
            while True:
                with transaction.atomic():
                    locked = _held(connection)
                    if locked is None:
                        polled.busy = service is None
                        break
                    if service is None:
                        since = locked.read_up_to
                        service = soap.CoreService(locked)
                        service.open()
                    page = service.cases(since, skip, take)
                    _save(locked, page, polled)
                if len(page) < take:
                    break
                skip += take
        except Exception as error:
            # The page was not saved (nor the cursor moved): it is read again next time.
            if not isinstance(error, soap.CoreServiceError):
                logger.exception("1111 poll of %s failed", connection)
            polled.error = str(error) if isinstance(error, soap.CoreServiceError) else repr(error)
            services.log(connection, Exchange.Direction.IN, OPERATION, error=polled.error)
        finally:
            if service is not None:
                service.close()
    return polled


def _held(connection: Connection) -> Connection | None:
    """The connection's row, held until the transaction ends; None if another runner
    holds it (or it was turned off meanwhile)."""
    return (
        polled_connections()
        .select_for_update(skip_locked=True, of=("self",))
        .select_related("agency", "key")
        .filter(pk=connection.pk)
        .first()
    )


def complaint_of(item: dict) -> Complaint:
    """A complaint as GetCases gives it (1111's own field names)."""

    def text(name: str) -> str:
        value = item.get(name)
        return "" if value is None else str(value).strip()

    return Complaint(
        number=text("case_code") or text("case_id"),
        name=" ".join(part for part in (text("contact_name"), text("contact_lastname")) if part),
        phone=text("contact_telephone"),
        description=text("detail"),
        complaint_type=text("type_id"),
        province=text("province_id"),
        district=text("district_id"),
        subdistrict=text("subdistrict_id"),
        national_id=text("contact_citizen_id"),
        email=text("contact_email"),
        state=text("status_id"),
    )


def _save(connection: Connection, page: list[dict], polled: Polled) -> None:
    """Each complaint of the page as a case (or the case it already is), then the cursor
    to the newest change of the page: all in the caller's transaction."""
    newest = connection.read_up_to
    for item in page:
        complaint = complaint_of(item)
        changed = soap.when(str(item.get("updated_date") or item.get("created_date") or ""))
        polled.read += 1
        try:
            if not complaint.number or changed is None:
                raise ValidationError(_("A complaint without its number or the time it changed."))
            newest = changed if newest is None else max(newest, changed)
            received = services.receive_case(
                connection, complaint.number, to_new_case(complaint), state=complaint.state
            )
        except ValidationError as refused:
            polled.refused += 1
            services.log(
                connection,
                Exchange.Direction.IN,
                "case",
                number=complaint.number,
                error=_reason(refused),
            )
            continue
        polled.created += received.created
        service_id = str(item.get("case_id") or "").strip()
        if service_id and received.link.service_id != service_id:
            ExternalCase.objects.filter(pk=received.link.pk).update(service_id=service_id)
    if newest != connection.read_up_to:
        Connection.objects.filter(pk=connection.pk).update(read_up_to=newest)
        connection.read_up_to = newest


def _reason(refused: ValidationError) -> str:
    """Every message of a refusal, field by field, on one line."""
    if hasattr(refused, "message_dict"):
        return " ".join(" ".join(messages) for messages in refused.message_dict.values())
    return " ".join(refused.messages)
