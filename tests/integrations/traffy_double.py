"""A local stand-in for Traffy Fondue's exchange API, built from its public documentation
(traffy-nectec/exchange-api-doc): a real HTTP server on 127.0.0.1 that answers get-auth,
get-issues, get-issue, update-issue (PATCH only), comment, join-forward and star in the
documented JSON wrapper, and serves the issues' photos.

    with TraffyDouble(user="mol", password="pw") as traffy:
        connection.endpoint = traffy.url
        traffy.calls              # every call: method, path, headers, body
        traffy.expire_tokens()    # the tokens given so far are now refused as expired
        traffy.failing = 503      # answers with that HTTP status until set back to None
        traffy.slow = 2.0         # answers that many seconds late
        traffy.malformed = True   # answers text that is not JSON
        traffy.warning = b"<b>Warning</b>"  # printed before each JSON answer
        traffy.expired_status = 401         # the HTTP status of an expired token's refusal
        traffy.photos["a.jpg"] = (b"...", "image/jpeg")   # at traffy.photo_url("a.jpg")
        traffy.fetched            # the names of the photos read

A token is good until ``expire_tokens``; then a call with it is answered like the API
does: ``{"status": "fail", "message": "This token has expired | ..."}`` (docs/error-codes.md).
"""

import io
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from PIL import Image

from integrations.traffy.webhooks import signature

EXPIRED = "This token has expired | Token นี้หมดอายุแล้ว"


class TraffyDouble:
    def __init__(self, user: str, password: str):
        self.user = user
        self.password = password
        self.calls: list[dict] = []
        self.tokens: set[str] = set()
        self.issues: dict[str, dict] = {}
        self.photos: dict[str, tuple[bytes, str]] = {}
        self.fetched: list[str] = []  # the photos read from the storage
        self.failing: int | None = None
        self.slow = 0.0
        self.malformed = False
        self.warning = b""  # printed before the JSON, as Traffy's PHP may (ADR-003)
        self.expired_status = 200  # 401: an expired token refused by HTTP status too
        self._lock = threading.Lock()

    def __enter__(self):
        double = self

        class Handler(BaseHTTPRequestHandler):
            def _any(self):
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                status, body, kind = double.take(self.command, self.path, dict(self.headers), raw)
                if double.slow:
                    time.sleep(double.slow)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", kind)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client stopped waiting

            do_GET = do_POST = do_PATCH = _any

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/exchange-api"
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def photo_url(self, name: str) -> str:
        return self.url.replace("/exchange-api", f"/storage/{name}")

    def expire_tokens(self):
        with self._lock:
            self.tokens.clear()

    def called(self, name: str) -> list[dict]:
        return [call for call in self.calls if call["name"] == name]

    def take(self, method: str, path: str, headers: dict, raw: bytes):
        headers = {name.lower(): value for name, value in headers.items()}
        parts = urlsplit(path)
        with self._lock:
            if parts.path.startswith("/storage/"):
                self.fetched.append(parts.path.removeprefix("/storage/"))
                content, kind = self.photos.get(self.fetched[-1], (b"", ""))
                return (200, content, kind) if kind else (404, b"not found", "text/plain")
            name = parts.path.removeprefix("/exchange-api/").split("/")[0]
            try:
                body = json.loads(raw) if raw else {}
            except ValueError:
                body = None
            self.calls.append(
                {
                    "method": method,
                    "name": name,
                    "headers": headers,
                    "query": {k: v[0] for k, v in parse_qs(parts.query).items()},
                    "body": body,
                }
            )
            if self.failing:
                return self.failing, b"<html>Service Unavailable</html>", "text/html"
            if self.malformed:
                return 200, b"<br /><b>Fatal error</b>: out of memory", "text/html"
            status, answer = self._answer(method, name, headers, body, self.calls[-1]["query"])
            if answer.get("message") == EXPIRED:
                status = self.expired_status
            content = self.warning + json.dumps(answer, ensure_ascii=False).encode()
            return status, content, "application/json"

    def _answer(self, method, name, headers, body, query):
        wrapper = {"exec_time": "0.010s", "credit_balance": 995, "api_log_session_id": "1"}
        if body is None:
            return 200, {**wrapper, "status": "fail", "message": "Invalid input JSON format"}
        if name == "get-auth" and method == "POST":
            if body.get("user") != self.user or body.get("pass") != self.password:
                return 200, {**wrapper, "status": "fail", "message": "Invalid user or pass"}
            token = uuid.uuid4().hex
            self.tokens.add(token)
            results = {"token": token, "expire_timestamp": "2099-12-31 23:59:59"}
            return 200, {**wrapper, "status": "success", "message": "", "results": results}
        token = headers.get("authorization", "").removeprefix("Bearer ")
        if token not in self.tokens:
            message = EXPIRED if token else "ERR 1 - Invalid token"
            return 200, {**wrapper, "status": "fail", "message": message, "results": []}
        allowed = {
            "get-issues": "GET",
            "get-issue": "GET",
            "update-issue": "PATCH",
            "comment": "POST",
            "join-forward": "POST",
            "star": "POST",
        }
        if allowed.get(name) != method:
            return 405, {**wrapper, "status": "fail", "message": "Method not allowed"}
        if name == "get-issues":
            return 200, {**wrapper, "status": "success", "results": list(self.issues.values())}
        ticket = body.get("ticket_id") or query.get("ticket_id") or body.get("client_ticket_id")
        if not ticket:
            return 200, {**wrapper, "status": "fail", "message": "ticket_id is not specified"}
        if name == "get-issue":
            issue = self.issues.get(ticket)
            if issue is None:
                return 200, {**wrapper, "status": "fail", "message": "ticket not found"}
            return 200, {**wrapper, "status": "success", "ticket_id": ticket, "results": issue}
        required = {
            "update-issue": ("note",),
            "comment": ("comment",),
            "join-forward": ("scenario",),
            "star": ("star",),
        }[name]
        for field in required:
            if body.get(field) in (None, ""):
                message = f"{field} is not specified"
                return 200, {**wrapper, "status": "fail", "message": message}
        if name == "update-issue" and not body.get("state_name"):
            return 200, {**wrapper, "status": "fail", "message": "state is not specified"}
        return 200, {**wrapper, "status": "success", "message": "", "results": []}


def jpeg() -> bytes:
    """A small photo, as a phone would send it."""
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 80, 20)).save(buffer, "JPEG")
    return buffer.getvalue()


def thai(message: str) -> str:
    """A message of the portal as a Thai reader gets it."""
    with translation.override("th"):
        return gettext(message)


def call_webhook(client, connection, payload, *, method="post", secret=None, delivery=None):
    """Call the agency's webhook as Traffy would: the JSON body signed with the secret."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    secret = connection.credential("webhook_secret") if secret is None else secret
    headers = {"HTTP_X_TRAFFY_SIGNATURE": f"sha256={signature(secret, body)}"}
    if delivery:
        headers["HTTP_X_TRAFFY_DELIVERY"] = delivery
    url = reverse("traffy:webhook", args=[connection.agency.code])
    return getattr(client, method)(url, body, content_type="application/json", **headers)
