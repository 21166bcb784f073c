"""The portal served by gunicorn on a free loopback port, for the length of a benchmark."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(env, port: int, log: Path, workers: int, threads: int) -> subprocess.Popen:
    """gunicorn's master, sync workers or (threads > 1) gthread; see ``wait_until_healthy``."""
    command = [
        BIN / "gunicorn",
        "portal.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "gthread" if threads > 1 else "sync",
        "--threads",
        str(threads),
        "--log-level",
        "warning",
    ]
    with log.open("w") as output:
        return subprocess.Popen(
            command,
            cwd=Path(__file__).resolve().parent.parent,
            env=env,
            stdout=output,
            stderr=output,
        )


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def wait_until_healthy(server: subprocess.Popen, base_url: str, timeout: float = 60) -> None:
    """Until /healthz answers 200; a gunicorn that stops or never answers ends the run."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn stopped (exit {server.returncode}): see its log.")
        try:
            if fetch(f"{base_url}/healthz")[0] == 200:
                return
        except (urllib.error.URLError, ConnectionError):
            pass
        time.sleep(0.5)
    sys.exit(f"{base_url}/healthz did not answer 200 within {timeout:.0f} s.")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect (to the login page, say) is a failure here, not something to follow."""

    def redirect_request(self, *args, **kwargs):
        return None


def fetch(url: str, cookie: str | None = None) -> tuple[int, bytes]:
    """The status and body of a GET, redirects not followed."""
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError(f"Only the local server is fetched, not {url}")
    opener = urllib.request.build_opener(_NoRedirect)
    headers = {"Cookie": cookie} if cookie else {}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - checked above
    try:
        with opener.open(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def our_processes(server: subprocess.Popen, processes: dict) -> set[int]:
    """This script, gunicorn and its workers, and the database backends serving them."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        backends = {pid for (pid,) in cursor.fetchall()}
    workers = {pid for pid, (parent, _seconds) in processes.items() if parent == server.pid}
    return {os.getpid(), server.pid, *workers, *backends}
