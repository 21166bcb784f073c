"""The client of the 1111 center's CoreService (SOAP, .asmx, document/literal).

There is no public specification. The shape is the one public client code shows (PHP and
Node.js clients of agencies, calling ``http://service.1111.go.th/SOAP/``): ``Officer.asmx``
gives a token (``GetToken``) that every other call takes as ``token_id`` and that is given
back at the end (``ReleaseToken``); ``ManageCenter.asmx GetCases`` lists the complaints
changed since ``last_get_date_time``, ``skip`` and ``take`` at a time; ``Officer.asmx
AddOperating`` records a step taken on a complaint and ``SetOrgSummaryResult`` the outcome
told to the person; ``ListOfValues.asmx`` lists types, states, organisations and
provinces. Every answer is one string: JSON, or ``Err:...`` when the service refuses (an
expired token answers ``Err:Not found user!!!``). The WSDL files beside this module are
written to that shape; only the address comes from the connection.
"""

import json
import logging
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import requests
from django.conf import settings
from zeep import Client
from zeep.exceptions import Error as ZeepError
from zeep.exceptions import Fault, TransportError
from zeep.transports import Transport

from integrations.models import Connection

logger = logging.getLogger(__name__)

WSDL = Path(__file__).resolve().parent / "wsdl"
NAMESPACE = "http://tempuri.org/"
# 1111 writes its times without an offset, in Thai time.
BANGKOK = ZoneInfo("Asia/Bangkok")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
# What the service answers for a token it no longer knows.
EXPIRED = "Err:Not found user"
# GetToken's "authen_from": S, a system account (public clients send S for systems).
SYSTEM_ACCOUNT = "S"
# AddOperating's fixed values, as the public clients send them: the objective of a report
# by the agency, and the channel "system" (ช่องทางระบบ).
OBJECTIVE = "16"
SYSTEM_CHANNEL = "5899EE5D72CF3652A4AAE69E429D9DED"
# Its severity and secrecy levels (severity_id, secret_id): 1, ordinary.
ORDINARY = "1"


class CoreServiceError(Exception):
    """1111 did not do what was asked: it refused, failed, did not answer in time, or
    answered what cannot be read. The message says which, for the supervisors' page."""


class TokenExpired(CoreServiceError):
    """The token was refused: a new one is asked for once, and the call made again."""


def when(text: str) -> datetime | None:
    """A time as 1111 writes it (Thai time, no offset); None when it is not one."""
    try:
        stamp = (text or "").strip().replace("T", " ")[:19]
        return datetime.strptime(stamp, TIME_FORMAT).replace(tzinfo=BANGKOK)
    except ValueError:
        return None


def written(moment: datetime | None) -> str:
    """A time as 1111 reads it; blank for "from the beginning"."""
    return moment.astimezone(BANGKOK).strftime(TIME_FORMAT) if moment else ""


def answer(operation: str, text, read: bool = True) -> object:
    """The JSON of an answer; raises CoreServiceError for a refusal or an unreadable one.

    ``read=False`` (a write): any answer but a refusal means it was done, as it is: a
    write that went through must not be retried because its answer reads oddly."""
    if not isinstance(text, str) or not text.strip():
        raise CoreServiceError(f"{operation}: empty answer")
    text = text.strip()
    if text.startswith(EXPIRED):
        raise TokenExpired(f"{operation}: {text}")
    if text.startswith("Err"):
        raise CoreServiceError(f"{operation}: {text}")
    if not read:
        return text
    try:
        return json.loads(text)
    except ValueError:
        raise CoreServiceError(f"{operation}: malformed answer: {text[:200]}") from None


class CoreService:
    """One conversation with 1111 for one connection: a token taken on entering, given
    back on leaving (whatever happened in between)."""

    def __init__(self, connection: Connection):
        self.endpoint = connection.endpoint.rstrip("/")
        self.username = connection.username
        self.password = connection.credential("password")
        timeout = settings.EXCHANGE_TIMEOUT
        self._transport = Transport(timeout=timeout, operation_timeout=timeout)
        self._services = {}
        self.token = ""

    def _service(self, name: str):
        """The proxy of one .asmx (Officer, ManageCenter, ListOfValues), from its WSDL file
        here, at the connection's address."""
        if name not in self._services:
            client = Client(str(WSDL / f"{name}.wsdl"), transport=self._transport)
            self._services[name] = client.create_service(
                f"{{{NAMESPACE}}}{name}Soap", f"{self.endpoint}/{name}.asmx"
            )
        return self._services[name]

    def _raw(self, service: str, operation: str, **params):
        """Call one operation; every way it can fail becomes a CoreServiceError."""
        try:
            return getattr(self._service(service), operation)(**params)
        except Fault as fault:
            raise CoreServiceError(f"{operation}: SOAP fault: {fault.message}") from None
        except TransportError as error:
            if error.status_code == 200:  # an answer, but not XML
                raise CoreServiceError(f"{operation}: malformed answer: not XML") from None
            raise CoreServiceError(f"{operation}: HTTP {error.status_code}") from None
        except requests.Timeout:
            raise CoreServiceError(
                f"{operation}: no answer within {settings.EXCHANGE_TIMEOUT:g} s"
            ) from None
        except requests.RequestException as error:
            raise CoreServiceError(f"{operation}: {type(error).__name__}") from None
        except ZeepError as error:  # an answer that is not the XML of the WSDL
            raise CoreServiceError(f"{operation}: malformed answer: {error}") from None

    def open(self) -> "CoreService":
        """Take a token (GetToken) for the calls that follow."""
        try:
            self._take_token()
        except CoreServiceError:
            self._transport.session.close()
            raise
        return self

    def __enter__(self) -> "CoreService":
        return self.open()

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Give the token back; a failure here is only logged (the token expires anyway)."""
        token, self.token = self.token, ""
        try:
            if token:
                self._raw("Officer", "ReleaseToken", token_id=token)
        except CoreServiceError as error:
            logger.warning("1111 token not released: %s", error)
        finally:
            self._transport.session.close()

    def _take_token(self) -> None:
        found = answer(
            "GetToken",
            self._raw(
                "Officer",
                "GetToken",
                user=self.username,
                password=self.password,
                authen_from=SYSTEM_ACCOUNT,
                ip_address="",
            ),
        )
        token = found.get("token_id") if isinstance(found, dict) else None
        if not token:
            raise CoreServiceError("GetToken: no token in the answer")
        self.token = str(token)

    def call(self, service: str, operation: str, read: bool = True, **params) -> object:
        """An operation that takes the token: a refused token is replaced once."""
        for attempt in (1, 2):
            try:
                found = self._raw(service, operation, token_id=self.token, **params)
                return answer(operation, found, read)
            except TokenExpired:
                if attempt == 2:
                    raise
                self._take_token()

    # --- What the portal asks ------------------------------------------------------------

    def cases(self, since: datetime | None, skip: int, take: int) -> list[dict]:
        """The complaints changed at or after ``since``, oldest change first, a page."""
        found = self.call(
            "ManageCenter", "GetCases", last_get_date_time=written(since), skip=skip, take=take
        )
        if not isinstance(found, list) or not all(isinstance(item, dict) for item in found):
            raise CoreServiceError("GetCases: malformed answer: not a list of complaints")
        return found

    def add_operating(self, case_id: str, *, step: str, org: str, detail: str, at: datetime):
        """Record a step taken on the complaint, with the organisation it is passed to."""
        return self.call(
            "Officer",
            "AddOperating",
            read=False,
            case_id=case_id,
            type_id=step,
            objective_id=OBJECTIVE,
            terminal_org_id=org,
            terminal_owner_id="",
            channel_id=SYSTEM_CHANNEL,
            contact_detail="",
            date_opened=written(at),
            date_closed=written(at),
            detail=detail,
            severity_id=ORDINARY,
            secret_id=ORDINARY,
        )

    def set_summary(self, case_id: str, *, status: str, result: str):
        """The outcome told to the person, and 1111's state for it."""
        return self.call(
            "Officer",
            "SetOrgSummaryResult",
            read=False,
            case_id=case_id,
            status_id=status,
            result=result,
        )

    def values(self, operation: str) -> list[dict]:
        """One of 1111's lists (types, states, organisations, provinces), in Thai."""
        params = {"is_thai": True}
        if operation != "GetProvinces":
            params["ref_id"] = ""  # the whole list, not the children of one value
        found = answer(operation, self._raw("ListOfValues", operation, **params))
        if not isinstance(found, list) or not all(isinstance(item, dict) for item in found):
            raise CoreServiceError(f"{operation}: malformed answer: not a list")
        return found
