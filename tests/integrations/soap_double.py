"""A stand-in for the 1111 center's CoreService: a real HTTP server on loopback, in a thread,
that serves the WSDL files and answers SOAP 1.1 envelopes the way the service does (every
answer one string, JSON or ``Err:...``).

It keeps what a test looks at: the tokens it gave and took back, the complaints it lists
(GetCases, by time of change, ``skip`` and ``take``), the steps and outcomes it was sent,
and every call in order. It can be told to fail the next calls (``fail``): answer late
(``timeout``), answer 500 (``500``), a SOAP fault (``fault``), something that is not XML
(``garbage``), JSON that is not (``bad-json``), or forget its tokens first (``expire``);
and to hold a call unanswered until released (``hold``), to kill a worker or race a
second poller then.
"""

import json
import threading
import time
import uuid
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from lxml import etree

from integrations.models import System, ValueMapping

WSDL = Path(__file__).resolve().parents[2] / "integrations" / "gcc1111" / "wsdl"
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
USERNAME, PASSWORD = "mol-system", "1111-secret"
EXPIRED = "Err:Not found user!!!"

LISTS = {
    "GetCaseType": [
        {"type_id": "0304", "type_name": "ค่าจ้างค้างจ่าย"},
        {"type_id": "0901", "type_name": "ร้องเรียนอื่น ๆ"},
    ],
    "GetCaseStatus": [
        {"status_id": "1", "status_name": "รอดำเนินการ"},
        {"status_id": "5", "status_name": "ยุติเรื่อง"},
    ],
    "GetOrganization": [
        {"org_id": "110", "org_name": "กระทรวงแรงงาน"},
        {"org_id": "120", "org_name": "กระทรวงสาธารณสุข"},
        {"org_id": "999", "org_name": "องค์กรที่ไม่มีในระบบ"},
    ],
    "GetProvinces": [
        {"province_id": "P01", "province_name": "กรุงเทพมหานคร"},
        {"province_id": "P38", "province_name": "เชียงใหม่"},
    ],
}


def complaint(code: str, changed: str = "2026-12-01 09:00:00", **fields) -> dict:
    """A complaint as GetCases lists it, with 1111's field names."""
    return {
        "case_id": uuid.uuid5(uuid.NAMESPACE_URL, code).hex.upper(),
        "case_code": code,
        "type_id": "unpaid-wages",
        "status_id": "1",
        "province_id": "10",
        "district_id": "1001",
        "subdistrict_id": "",
        "contact_citizen_id": "",
        "contact_name": "สมชาย",
        "contact_lastname": "ใจดี",
        "contact_telephone": "0812345678",
        "detail": f"นายจ้างไม่จ่ายค่าจ้าง ({code})",
        "created_date": changed,
        "updated_date": changed,
        **fields,
    }


class CoreServiceDouble:
    def __init__(self, late_seconds: float = 2.0):
        self.cases: list[dict] = []
        self.tokens: set[str] = set()
        self.released: list[str] = []
        self.calls: list[tuple[str, dict]] = []
        self.operations: list[dict] = []
        self.summaries: list[dict] = []
        self.lists = {name: list(values) for name, values in LISTS.items()}
        self.late_seconds = late_seconds
        self._failures: list[list] = []  # [mode, operation or None, calls to answer first]
        self._lock = threading.Lock()
        self.holding = ""
        self.held = threading.Event()  # a call of the operation held has arrived
        self.release = threading.Event()
        self.server = None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/SOAP"

    def fail(self, mode: str, operation: str | None = None, times: int = 1, after: int = 0):
        """The next ``times`` calls (of ``operation``, or any) fail this way, once ``after``
        such calls have been answered."""
        with self._lock:
            self._failures += [[mode, operation, after] for _ in range(times)]

    def expire_tokens(self) -> None:
        with self._lock:
            self.tokens.clear()

    def hold(self, operation: str = "AddOperating") -> None:
        """Keep the next calls of ``operation`` unanswered until ``release`` is set."""
        self.holding = operation

    def called(self, operation: str) -> list[dict]:
        return [params for name, params in self.calls if name == operation]

    # --- Serving -----------------------------------------------------------------------

    def _failure_for(self, operation: str) -> str | None:
        with self._lock:
            for index, (mode, only, after) in enumerate(self._failures):
                if only in (None, operation):
                    if after:
                        self._failures[index][2] -= 1
                        return None
                    del self._failures[index]
                    return mode
        return None

    def answer(self, operation: str, params: dict) -> str:
        with self._lock:
            self.calls.append((operation, params))
        if operation == "GetToken":
            if (params.get("user"), params.get("password")) != (USERNAME, PASSWORD):
                return "Err:Invalid user or password"
            token = uuid.uuid4().hex
            with self._lock:
                self.tokens.add(token)
            return json.dumps({"token_id": token})
        if operation in self.lists:
            return json.dumps(self.lists[operation], ensure_ascii=False)
        token = params.get("token_id", "")
        with self._lock:
            known = token in self.tokens
        if not known:
            return EXPIRED
        if operation == "ReleaseToken":
            with self._lock:
                self.tokens.discard(token)
                self.released.append(token)
            return json.dumps({"result": "OK"})
        if operation == "AddOperating":  # recorded as it arrives, held or not
            with self._lock:
                self.operations.append(params)
        if operation == self.holding:
            self.held.set()
            self.release.wait(30)
        if operation == "GetCases":
            since = params.get("last_get_date_time") or ""
            changed = sorted(
                (c for c in self.cases if c["updated_date"] >= since),
                key=lambda c: (c["updated_date"], c["case_code"]),
            )
            skip, take = int(params.get("skip") or 0), int(params.get("take") or 0)
            return json.dumps(changed[skip : skip + take], ensure_ascii=False)
        if operation == "AddOperating":
            return json.dumps({"operating_id": uuid.uuid4().hex.upper()})
        if operation == "SetOrgSummaryResult":
            with self._lock:
                self.summaries.append(params)
            return "Success"
        return f"Err:Unknown operation {operation}"

    @contextmanager
    def running(self):
        double = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                name = self.path.split("?")[0].rsplit("/", 1)[-1].removesuffix(".asmx")
                path = WSDL / f"{name}.wsdl"
                if "wsdl" not in self.path.lower() or not path.exists():
                    self.send_error(404)
                    return
                text = path.read_text().replace("http://service.1111.go.th/SOAP", double.url)
                self._send(200, text, "text/xml; charset=utf-8")

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    request = etree.fromstring(body)
                    (call,) = request.find(f"{{{SOAP}}}Body")
                except (etree.XMLSyntaxError, TypeError, ValueError):
                    self._send(400, "Bad Request", "text/plain")
                    return
                operation = etree.QName(call).localname
                params = {etree.QName(child).localname: child.text or "" for child in call}
                mode = double._failure_for(operation)
                if mode == "timeout":
                    time.sleep(double.late_seconds)
                elif mode == "expire":
                    double.expire_tokens()
                elif mode == "500":
                    self._send(500, "Server Error<br>", "text/html")
                    return
                elif mode == "fault":
                    self._send(500, _fault("Server was unable to process request."), "text/xml")
                    return
                elif mode == "garbage":
                    self._send(200, "<<<this is not XML", "text/xml; charset=utf-8")
                    return
                elif mode == "bad-json":
                    self._send(200, _envelope(operation, "{not json"), "text/xml; charset=utf-8")
                    return
                text = double.answer(operation, params)
                self._send(200, _envelope(operation, text), "text/xml; charset=utf-8")

            def _send(self, status, text, content_type):
                data = text.encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout) or was killed

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.release.set()
            self.server.shutdown()
            self.server.server_close()


def _envelope(operation: str, text: str) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<soap:Envelope xmlns:soap="{SOAP}"><soap:Body>'
        f'<{operation}Response xmlns="http://tempuri.org/">'
        f"<{operation}Result>{escape(text)}</{operation}Result>"
        f"</{operation}Response></soap:Body></soap:Envelope>"
    )


def _fault(message: str) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<soap:Envelope xmlns:soap="{SOAP}"><soap:Body><soap:Fault>'
        f"<faultcode>soap:Server</faultcode><faultstring>{escape(message)}</faultstring>"
        "</soap:Fault></soap:Body></soap:Envelope>"
    )


@pytest.fixture
def double(settings):
    """The CoreService double, running; the portal waits two seconds for its answers."""
    settings.EXCHANGE_TIMEOUT = 2.0
    with CoreServiceDouble(late_seconds=3.0).running() as running:
        yield running


@pytest.fixture
def soap_link(connect, double):
    """MOL's connection to the double, its password kept encrypted, MOL mapped to 1111's
    organisation 110."""
    connection = connect(System.GCC_1111, endpoint=double.url, username=USERNAME)
    connection.credentials = {"password": PASSWORD}
    connection.save()
    ValueMapping.objects.create(
        system=System.GCC_1111, kind=ValueMapping.Kind.AGENCY, code="110", agency=connection.agency
    )
    return connection
