"""Traffy Fondue's agency exchange API, as NECTEC documents it (repository
``traffy-nectec/exchange-api-doc``): REST and JSON under ``<endpoint>/<name>/v<n>``, a JWT
from ``get-auth`` sent as ``Authorization: Bearer``, answers wrapped as
``{"status", "message", "results", ...}``.

One client per connection. The token is kept in the cache (shared by every worker) until
shortly before the expiry Traffy gives; a call refused for an expired or unknown token
gets one new token and is tried once more.
"""

import functools
import json
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from integrations.models import Connection

# Traffy writes its times in Thai time, without an offset (docs/authentication.md).
THAI_TIME = ZoneInfo("Asia/Bangkok")
# A token is renewed this long before Traffy says it expires.
TOKEN_MARGIN = timedelta(minutes=2)
# How the API says a token is no longer good (docs/error-codes.md).
TOKEN_REFUSALS = ("token has expired", "invalid token")
# The largest photo read from Traffy's storage; the intake's own limit applies after.
PHOTO_LIMIT = 20 * 1024 * 1024


class TraffyError(Exception):
    """Traffy refused the call, was not reached in time, or answered something that is not
    its API. The message says which, for the exchange log."""


@dataclass(frozen=True)
class Photo:
    name: str
    content: bytes


class TraffyClient:
    def __init__(self, connection: Connection):
        if not connection.endpoint:
            raise TraffyError("the connection has no address")
        self.connection = connection
        self.base = connection.endpoint.rstrip("/")
        self.http = httpx.Client(
            timeout=settings.EXCHANGE_TIMEOUT,
            verify=_tls(),
            headers={"User-Agent": "referral-portal", "Accept": "application/json"},
        )

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.http.close()

    # --- The calls (docs/query-apis.md, docs/action-apis.md) ------------------------

    def get_issues(self, duration: str = "today", **filters) -> list[dict]:
        """The issues of the account's organisation active within ``duration`` (today,
        3days, all), filtered as the API allows."""
        answer = self._call("GET", "get-issues/v2", params={"duration": duration, **filters})
        return _listed(answer)

    def get_issue(self, ticket_id: str) -> dict:
        """One issue in full, its organisations and timeline (ADR-001: version 2)."""
        answer = self._call("GET", "get-issue/v2", params={"ticket_id": ticket_id})
        results = answer.get("results")
        if not isinstance(results, dict):
            raise TraffyError("get-issue: the answer holds no issue")
        return results

    def update_issue(self, ticket_id: str, client_ticket_id: str, state_name: str, note: str):
        """Put the issue in the state of that name (a central state or the organisation's
        own), with a note the reporter reads. PATCH, as the API requires."""
        self._call(
            "PATCH",
            "update-issue/v1",
            json={
                "ticket_id": ticket_id,
                "client_ticket_id": client_ticket_id,
                "state_name": state_name,
                "note": note,
            },
        )

    def comment(self, ticket_id: str, client_ticket_id: str, text: str, kind: str = "chat"):
        """A message on the issue: ``chat`` reaches the reporter (by SMS), ``comment``
        follows a rating (ADR-005)."""
        self._call(
            "POST",
            "comment/v1",
            json={
                "ticket_id": ticket_id,
                "client_ticket_id": client_ticket_id,
                "comment": text,
                "comment_type": kind,
            },
        )

    def join_forward(
        self, ticket_id: str, client_ticket_id: str, organisations: list[int], scenario: int, note
    ):
        """Invite ``organisations`` to share the issue (scenario 1) or forward it to them
        (scenario 2). The origin is the token's own organisation (ADR-004)."""
        self._call(
            "POST",
            "join-forward/v1",
            json={
                "ticket_id": ticket_id,
                "client_ticket_id": client_ticket_id,
                "destination_group": organisations,
                "scenario": scenario,
                "note": note,
            },
        )

    def star(self, ticket_id: str, client_ticket_id: str, stars: int):
        self._call(
            "POST",
            "star/v1",
            json={"ticket_id": ticket_id, "client_ticket_id": client_ticket_id, "star": stars},
        )

    def fetch_photo(self, url: str) -> Photo:
        """A photo of an issue from Traffy's storage (public addresses: no token is sent
        there). Read up to PHOTO_LIMIT bytes."""
        if not url.startswith(("https://", "http://")):
            raise TraffyError(f"not a web address: {url[:200]}")
        try:
            with self.http.stream("GET", url, headers={"Accept": "*/*"}) as response:
                if response.status_code != 200:
                    raise TraffyError(f"photo: HTTP {response.status_code}")
                content = bytearray()
                for chunk in response.iter_bytes():
                    content.extend(chunk)
                    if len(content) > PHOTO_LIMIT:
                        raise TraffyError("photo: larger than the portal takes")
        except httpx.TimeoutException as error:
            raise TraffyError(_no_answer()) from error
        except httpx.HTTPError as error:
            raise TraffyError(f"photo: {type(error).__name__}: {error}") from error
        name = url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1] or "photo"
        return Photo(name=name[-100:], content=bytes(content))

    # --- The token and the wrapping of every answer --------------------------------

    def _call(self, method: str, name: str, *, params=None, json=None) -> dict:
        """One call with the token; an answer that refuses the token gets one new token
        and one more try."""
        response = self._send(method, name, params=params, json=json, token=self._token())
        if _token_refused(response):
            token = self._token(renew=True)
            response = self._send(method, name, params=params, json=json, token=token)
        return _answer(name, response)

    def _token(self, renew: bool = False) -> str:
        key = f"traffy-token:{self.connection.pk}"
        token = None if renew else cache.get(key)
        if token:
            return token
        answer = _answer(
            "get-auth",
            self._send(
                "POST",
                "get-auth/v1",
                json={
                    "user": self.connection.username,
                    "pass": self.connection.credential("password"),
                },
            ),
        )
        results = answer.get("results")
        if isinstance(results, list) and results:  # older answers (ADR-002)
            results = results[0]
        if not isinstance(results, dict) or not results.get("token"):
            raise TraffyError("get-auth: the answer holds no token")
        token = str(results["token"])
        cache.set(key, token, _seconds_left(results.get("expire_timestamp")))
        return token

    def _send(self, method: str, name: str, token: str = "", **kwargs) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            return self.http.request(method, f"{self.base}/{name}", headers=headers, **kwargs)
        except httpx.TimeoutException as error:
            raise TraffyError(f"{name}: {_no_answer()}") from error
        except httpx.HTTPError as error:
            raise TraffyError(f"{name}: {type(error).__name__}: {error}") from error


@functools.cache
def _tls() -> ssl.SSLContext:
    """One TLS context for every client of the process: reading the certificate
    authorities takes longer than a call to Traffy on a good day."""
    return httpx.create_ssl_context()


def _no_answer() -> str:
    return f"no answer within {settings.EXCHANGE_TIMEOUT:g} s"


def _token_refused(response: httpx.Response) -> bool:
    if response.status_code == 401:
        return True
    message = str(_body(response).get("message", "")).lower()
    return any(words in message for words in TOKEN_REFUSALS)


def _body(response: httpx.Response) -> dict:
    """The JSON object of an answer; {} for anything else. Traffy's PHP may print a warning
    before the JSON (ADR-003): the object starts at the first brace."""
    text = response.text
    start = text.find("{")
    if start < 0:
        return {}
    try:
        body = json.loads(text[start:])
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _answer(name: str, response: httpx.Response) -> dict:
    """The answer's body when the call succeeded; TraffyError otherwise. The status is
    "success" or "warning" (quota nearly spent), or 200 in some answers (ADR-002)."""
    body = _body(response)
    message = str(body.get("message", ""))[:500]
    if response.status_code >= 400:
        raise TraffyError(f"{name}: HTTP {response.status_code} {message}".strip())
    if not body:
        raise TraffyError(f"{name}: the answer is not Traffy's JSON")
    if body.get("status") not in ("success", "warning", 200, "200"):
        raise TraffyError(f"{name}: {body.get('status')} {message}".strip())
    return body


def _listed(answer: dict) -> list[dict]:
    results = answer.get("results")
    if not isinstance(results, list):
        raise TraffyError("get-issues: the answer holds no list")
    return [issue for issue in results if isinstance(issue, dict) and issue.get("ticket_id")]


def _seconds_left(expiry) -> int:
    """Seconds to keep a token: until TOKEN_MARGIN before its expiry in Thai time; a minute
    when Traffy gives no readable time."""
    try:
        expires = datetime.strptime(str(expiry)[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=THAI_TIME)
    except ValueError:
        return 60
    return max(int((expires - TOKEN_MARGIN - timezone.now()).total_seconds()), 1)
