"""Real servers that the delivery tests start and stop themselves: a Redis of their own, a
mail server (aiosmtpd) and an agency's system (a webhook receiver), each on a free port.

Each is stopped by its own handle (the pid of its process, or its thread), never by name,
so the machine's shared Redis and PostgreSQL stay up.
"""

import asyncio
import email
import hashlib
import hmac
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import uuid
from contextlib import ExitStack, contextmanager, suppress
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from unittest.mock import patch

import pytest
import redis
from aiosmtpd.controller import Controller
from django.test import override_settings

from portal.celery import app
from tests.processes import celery_process, wait_until
from tests.services import REQUIRE_SERVICES


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """A redis-server of the test's own on a free port, without persistence: killing it
    loses its data, as a crashed Redis without AOF would."""

    def __init__(self, directory: Path):
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        log = (self.directory / "redis.log").open("a")
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + 10
        while True:
            try:
                with redis.Redis.from_url(self.url, socket_connect_timeout=0.5) as client:
                    client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise
                time.sleep(0.05)

    def kill(self) -> None:
        """Stop this server at once (SIGKILL, by its pid), as a crash would."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None


@contextmanager
def redis_server(directory: Path):
    if shutil.which("redis-server") is None:
        message = "the redis-server program is not installed"
        if REQUIRE_SERVICES:
            pytest.fail(f"{message} and REQUIRE_SERVICES=1", pytrace=False)
        pytest.skip(message)
    server = RedisServer(directory)
    server.start()
    try:
        yield server
    finally:
        server.kill()


class Mailbox:
    """An aiosmtpd handler that keeps each message it receives.

    ``delay`` makes the server slow to answer: it keeps the message as soon as the DATA
    arrives, then waits before saying "250", as a mail server that has the message but
    whose answer has not reached the sender yet.
    """

    def __init__(self, delay: float = 0):
        self.delay = delay
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content, policy=policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        if self.delay:
            await asyncio.sleep(self.delay)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list:
        return [m for m in self.messages if address in m["X-Envelope-To"]]


@contextmanager
def smtp_server(delay: float = 0):
    """A mail server on a free port: (its EMAIL_URL, the Mailbox)."""
    mailbox = Mailbox(delay)
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{controller.port}", mailbox
    finally:
        controller.stop()


class WebhookReceiver:
    """An agency's own system: keeps each POST with whether its signature is right."""

    def __init__(self, secret: str):
        self.secret = secret
        self.posts: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                valid = receiver.valid(body, self.headers.get("X-Portal-Signature", ""))
                receiver.posts.append(
                    {"valid": valid, "headers": dict(self.headers), "json": json.loads(body)}
                )
                self.send_response(204 if valid else 401)
                self.end_headers()

            def log_message(self, format, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/portal-events"

    def valid(self, body: bytes, header: str) -> bool:
        """The check an agency's system makes, written here independently of the portal's
        code: HMAC-SHA256 of the raw body with the shared secret."""
        expected = "sha256=" + hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, header)


@contextmanager
def webhook_receiver(secret: str):
    receiver = WebhookReceiver(secret)
    thread = threading.Thread(target=receiver.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()
        thread.join(5)


def forget_broker_connections() -> None:
    """Make this process's next task go to the broker the settings name now.

    Celery reads CELERY_BROKER_URL from the Django settings when it opens a connection, but
    keeps the pool it opened first; it has no public call to drop it, so do what it does
    itself after a fork. The pools stay open in kombu's registry (shared by every user of
    the same broker address), so they are dropped, not closed.
    """
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def private_queue(url: str):
    """A queue name no other worker on a shared Redis reads; its keys (the queue and
    kombu's bindings) are deleted afterwards, and nothing else."""
    name = f"test-delivery-{uuid.uuid4().hex[:8]}"
    try:
        yield name
    finally:
        with redis.Redis.from_url(url) as client:
            client.delete(name, f"_kombu.binding.{name}", f"_kombu.binding_permanent.{name}")


@contextmanager
def broker_of_this_process(url: str, queue: str | None = None):
    """Send the tasks this process queues (``.delay()`` after commit) to ``url``, and to
    ``queue`` when given (a queue that no other worker on a shared Redis reads)."""
    previous_routes = app.conf.task_routes
    with override_settings(CELERY_BROKER_URL=url):
        forget_broker_connections()
        if queue:
            app.conf.update(task_routes={"referrals.tasks.*": {"queue": queue}})
        try:
            yield
        finally:
            if queue:
                app.conf.update(task_routes=previous_routes)
    forget_broker_connections()


@contextmanager
def worker(
    directory: Path,
    name: str,
    *,
    broker_url: str,
    email_url: str,
    queue: str | None = None,
    pool: str = "solo",
    environment: dict | None = None,
    ready: bool = True,
):
    """A real Celery worker on the test database, sending mail to ``email_url``; stopped by
    its pid when the block ends (see tests/processes.py). Yields (process, log)."""
    log = directory / f"{name}.log"
    stack = ExitStack()
    with patch.dict(
        os.environ, {"EMAIL_URL": email_url, "REDIS_URL": broker_url, **(environment or {})}
    ):
        process = stack.enter_context(
            celery_process(
                "worker",
                f"--pool={pool}",
                "--concurrency=1",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                # Every queue the portal declares, unless the test gives one of its own.
                *(["-Q", queue] if queue else []),
                "-n",
                f"{name}@%h",
                "--loglevel=INFO",
                broker_url=broker_url,
                var_dir=directory / name,
                log=log,
            )
        )
    try:
        if ready:
            wait_until(lambda: " ready." in log.read_text(), 30, f"worker {name} to start", log)
        yield process, log
    finally:
        with suppress(ProcessLookupError):  # the test killed it already
            stack.close()


def kill_process_group(process: subprocess.Popen) -> None:
    """kill -9 a worker and its pool's children (its own session: its pid is the group)."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
