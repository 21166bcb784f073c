"""A stand-in for a Thai SMS gateway (ThaiBulkSMS's v2 shape: a form POST of msisdn,
message and sender with HTTP Basic authentication), for the SMS tests and the browser
journey: a real HTTP server on a loopback port."""

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


class Gateway:
    """A stand-in for the SMS gateway: a real HTTP server on a loopback port. It keeps
    each message it received (the form fields and the Authorization header) and answers
    with the next status of ``answers`` (201, "accepted", once they run out). Until
    ``start`` it does not listen at all: the port refuses connections."""

    def __init__(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/sms"
        self.received: list[dict] = []
        self.answers: list[int] = []
        self.server = None

    def start(self):
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"])).decode("utf-8")
                fields = {name: values[0] for name, values in parse_qs(body).items()}
                status = gateway.answers.pop(0) if gateway.answers else 201
                if status < 300:
                    gateway.received.append(
                        {
                            **fields,
                            "path": self.path,
                            "authorization": self.headers["Authorization"],
                            "content_type": self.headers["Content-Type"],
                        }
                    )
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"remaining_credit": 99}' if status < 300 else b'{"error": 1}')

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    @property
    def texts(self) -> list[str]:
        return [message["message"] for message in self.received]
