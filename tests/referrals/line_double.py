"""A local stand-in for the LINE Messaging API: a real HTTP server on 127.0.0.1 that takes
the Reply and Push calls as LINE documents them and records what it was sent.

    with LineDouble(token="t") as line:
        settings.LINE_API_URL = line.url
        ...
        line.replies, line.pushes          # the JSON bodies taken
        line.down = True                   # answers 500 until set back

Like LINE, it refuses a call without the channel's bearer token (401), and answers 409 to a
push whose X-Line-Retry-Key it already accepted, without sending the message again.
"""

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class LineDouble:
    def __init__(self, token: str):
        self.token = token
        self.requests: list[dict] = []  # every call: path, headers, body
        self.replies: list[dict] = []
        self.pushes: list[dict] = []  # the pushes accepted (sent to the user)
        self.accepted_keys: dict[str, str] = {}
        self.down = False
        self._lock = threading.Lock()

    def __enter__(self):
        double = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                status, answer, extra = double.take(self.path, dict(self.headers), raw)
                body = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def take(self, path: str, headers: dict, raw: bytes) -> tuple[int, dict, dict]:
        headers = {name.lower(): value for name, value in headers.items()}
        with self._lock:
            self.requests.append({"path": path, "headers": headers, "body": raw})
            if self.down:
                return 500, {"message": "Internal server error"}, {}
            if headers.get("authorization") != f"Bearer {self.token}":
                return 401, {"message": "Authentication failed"}, {}
            try:
                body = json.loads(raw)
            except ValueError:
                return 400, {"message": "The request body has 1 error(s)"}, {}
            if path == "/v2/bot/message/reply":
                self.replies.append(body)
                return 200, {"sentMessages": [{"id": "1", "quoteToken": "q"}]}, {}
            if path == "/v2/bot/message/push":
                key = headers.get("x-line-retry-key", "")
                if key in self.accepted_keys:
                    return (
                        409,
                        {"message": "The retry key is already accepted"},
                        {"x-line-accepted-request-id": self.accepted_keys[key]},
                    )
                request_id = str(uuid.uuid4())
                if key:
                    self.accepted_keys[key] = request_id
                self.pushes.append(body)
                return 200, {"sentMessages": [{"id": "2", "quoteToken": "q"}]}, {}
            return 404, {"message": "Not found"}, {}

    def reply_texts(self) -> list[str]:
        return [message["text"] for body in self.replies for message in body["messages"]]
