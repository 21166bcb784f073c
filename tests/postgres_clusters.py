"""PostgreSQL clusters of a test's or a benchmark's own: made with initdb on a free port,
a streaming replica of one made with pg_basebackup, each stopped by its own data directory
so that the machine's shared server is never touched (tests/portal/test_replica.py,
bench/replica.py)."""

import glob
import os
import shutil
import socket
import subprocess
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def postgres_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name) or name


def as_postgres(*command: str) -> list[str]:
    """PostgreSQL's servers refuse to run as root: as the postgres user then."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else list(command)


def run(*command: str, timeout: float = 120) -> None:
    subprocess.run(command, check=True, capture_output=True, timeout=timeout)


def tool(name: str, port: int | str, *arguments: str) -> list[str]:
    """A PostgreSQL client tool run against the server on ``port`` of this machine."""
    return [postgres_bin(name), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", *arguments]


def owned_directory(path: Path) -> Path:
    """A directory the postgres user may write (the servers run as it under root)."""
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(path, "postgres")
    return path


def initdb(data: Path) -> None:
    run(*as_postgres(postgres_bin("initdb"), "-D", str(data), "-U", "postgres",
                     "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"))  # fmt: skip


def standby_of(primary_port: int, data: Path, timeout: float = 120) -> None:
    """A hot standby of the server on ``primary_port`` in ``data``, streaming from it."""
    streamed = ("-R", "-X", "stream", "-c", "fast")  # a standby, at once
    backup = tool("pg_basebackup", primary_port, "-D", str(data), *streamed)
    run(*as_postgres(*backup), timeout=timeout)


@contextmanager
def server(data: Path, port: int, log: Path, options: str = "-c fsync=off", database="portal"):
    """The PostgreSQL server of ``data`` on ``port``, stopped by its data directory; yields
    the URL of ``database`` on it."""
    options = (
        f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={data.parent} "
        f"-c wal_level=replica -c max_wal_senders=4 {options}"
    )
    pg_ctl = postgres_bin("pg_ctl")
    run(*as_postgres(pg_ctl, "-D", str(data), "-l", str(log), "-w", "-t", "300", "-o", options,
                     "start"), timeout=320)  # fmt: skip
    try:
        yield f"postgres://postgres@127.0.0.1:{port}/{database}"
    finally:
        run(*as_postgres(pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"), timeout=320)
