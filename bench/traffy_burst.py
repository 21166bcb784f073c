"""A burst of Traffy Fondue new-issue webhooks against the portal under gunicorn, on
PostgreSQL.

Usage: .venv/bin/python bench/traffy_burst.py [--issues 1000] [--clients 8] [--resend 10]

Prepares a database of its own (``traffy_bench``; ``--cases`` demo cases first, none by
default), turns on the Ministry of Labour's Traffy connection with a webhook secret, serves
each issue's photo (a small JPEG) from a server on loopback, serves the portal with
gunicorn on a free loopback port (bench/server.py), then lets ``--clients`` senders POST
``--issues`` signed new-issue webhooks as fast as they are answered, every ``--resend``-th
one twice (Traffy sends a call again when our answer is lost). Then checks in the database
that every issue is exactly one case, with its photo: none lost, none twice.

Prints and writes (var/bench/traffy_burst.json) cases per second, the latency of the calls
(p50, p99), the answers by status, and the row check. See bench/README.md.
"""

import argparse
import http.client
import io
import json
import secrets
import statistics
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):
    sys.path[0] = str(BASE_DIR)  # as in staff_pages.py: import from the repository

from bench import data, server, staff_pages  # noqa: E402
from bench.staff_pages import VAR_DIR  # noqa: E402

DATABASE_URL = "postgres://postgres@127.0.0.1:5432/traffy_bench"
# The connection's webhook secret, new for each run.
SECRET = secrets.token_hex(16)
AGENCY = "MOL"
ADDRESSES = [
    "112 ถ.พหลโยธิน ต.คลองหนึ่ง อ.คลองหลวง จ.ปทุมธานี",
    "ซอยพหลโยธิน 18 แขวงจอมพล เขตจตุจักร กรุงเทพมหานคร",
    "ตำบลในเมือง อำเภอเมืองขอนแก่น จังหวัดขอนแก่น",
    "ถนนนิมมานเหมินท์ ต.สุเทพ อ.เมือง จ.เชียงใหม่",
]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--issues", type=int, default=1000, help="new issues in the burst")
    parser.add_argument("--clients", type=int, default=8, help="webhook calls in flight")
    parser.add_argument("--resend", type=int, default=10, help="send every n-th issue twice")
    parser.add_argument("--cases", type=int, default=0, help="demo cases in the database first")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--worker-threads", type=int, default=1, help="threads per worker")
    parser.add_argument("--database-url", default=DATABASE_URL)
    parser.add_argument("--output", type=Path, default=VAR_DIR / "traffy_burst.json")
    return parser.parse_args()


def photo_server() -> tuple[ThreadingHTTPServer, str]:
    """Traffy's storage for the burst: one small JPEG at every address."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (90, 120, 160)).save(buffer, "JPEG")
    photo = buffer.getvalue()

    class Storage(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Content-Length", str(len(photo)))
            self.end_headers()
            self.wfile.write(photo)

        def log_message(self, *args):
            pass

    storage = ThreadingHTTPServer(("127.0.0.1", 0), Storage)
    threading.Thread(target=storage.serve_forever, daemon=True).start()
    return storage, f"http://127.0.0.1:{storage.server_address[1]}"


def turn_on_connection(storage_url: str):
    from agencies.models import Agency
    from integrations.models import Connection, System

    connection, _created = Connection.objects.get_or_create(
        system=System.TRAFFY, agency=Agency.objects.get(code=AGENCY)
    )
    connection.endpoint = f"{storage_url}/exchange-api"
    connection.username = "bench"
    connection.credentials = {"password": "unused", "webhook_secret": SECRET}
    connection.is_enabled = True
    connection.save()
    return connection


def issue(run: str, n: int, storage_url: str) -> dict:
    return {
        "timestamp": "2026-08-31 10:00:00.000000",
        "ticket_id": f"B{run}-{n:05d}",
        "description": f"พบฝาท่อระบายน้ำชำรุด อาจเกิดอันตรายกับผู้สัญจร (ทดสอบ {n})",
        "type_id": 12,
        "type": "ถนน",
        "photo": [f"{storage_url}/photo/{run}-{n}.jpeg"],
        "latitude": 13.7 + n / 100_000,
        "longitude": 100.5 + n / 100_000,
        "address": ADDRESSES[n % len(ADDRESSES)],
        "orgs": [{"org_id": 151, "org": "กระทรวงแรงงาน"}],
    }


def burst(port: int, bodies: list[bytes], clients: int):
    """POST every body, ``clients`` at a time; each answer's status and time (ms)."""
    from integrations.traffy.webhooks import signature

    path = f"/exchanges/traffy/{AGENCY}/webhook/"
    results: list[tuple[int, float]] = []
    lock = threading.Lock()
    queue = iter(bodies)

    def sender():
        link = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                body = next(queue, None)
            if body is None:
                break
            headers = {
                "Content-Type": "application/json",
                "X-Traffy-Signature": f"sha256={signature(SECRET, body)}",
            }
            started = time.perf_counter()
            try:
                link.request("POST", path, body, headers)
                answer = link.getresponse()
                answer.read()
                status = answer.status
            except (OSError, http.client.HTTPException):
                link.close()
                link = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                status = 0
            with lock:
                results.append((status, (time.perf_counter() - started) * 1000))
        link.close()

    threads = [threading.Thread(target=sender) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, time.perf_counter() - started


def check_rows(tickets: list[str]) -> dict:
    """Every ticket one link, every link its own case, every case one photo."""
    from django.db.models import Count

    from integrations.models import ExternalCase
    from referrals.models import Attachment

    links = ExternalCase.objects.filter(system="traffy", external_id__in=tickets)
    case_ids = list(links.values_list("case_id", flat=True))
    photos = Counter(
        Attachment.objects.filter(case_id__in=case_ids)
        .values("case_id")
        .annotate(n=Count("id"))
        .values_list("n", flat=True)
    )
    return {
        "issues": len(tickets),
        "linked": links.count(),
        "distinct_cases": len(set(case_ids)),
        "lost": len(tickets) - links.count(),
        "twice": len(case_ids) - len(set(case_ids)),
        "cases_with_one_photo": photos.get(1, 0),
    }


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    args = parse_args()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    env = {**staff_pages.server_environment(args), "EXCHANGE_TIMEOUT": "10"}
    data.prepare(env, args.cases)
    storage, storage_url = photo_server()
    turn_on_connection(storage_url)
    run = uuid.uuid4().hex[:6].upper()
    issues = [issue(run, n, storage_url) for n in range(args.issues)]
    bodies = []
    for n, body in enumerate(json.dumps(i, ensure_ascii=False).encode() for i in issues):
        # The copy right after the first, so that two senders carry them at once.
        bodies += [body, body] if args.resend and n % args.resend == 0 else [body]
    port = server.free_port()
    gunicorn = server.start_gunicorn(
        env, port, VAR_DIR / "gunicorn.log", args.workers, args.worker_threads
    )
    try:
        server.wait_until_healthy(gunicorn, f"http://127.0.0.1:{port}")
        print(f"gunicorn pid {gunicorn.pid}: {args.workers} workers, {args.clients} senders")
        results, seconds = burst(port, bodies, args.clients)
    finally:
        server.stop(gunicorn)
        storage.shutdown()
    times = [ms for _status, ms in results]
    rows = check_rows([i["ticket_id"] for i in issues])
    report = {
        "run": {
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "issues": args.issues,
            "calls": len(results),
            "resent": len(bodies) - args.issues,
            "clients": args.clients,
            "gunicorn_workers": args.workers,
        },
        "seconds": round(seconds, 2),
        "cases_per_second": round(rows["distinct_cases"] / seconds, 1),
        "p50_ms": round(statistics.median(times), 1),
        "p99_ms": round(percentile(times, 0.99), 1),
        "answers": dict(Counter(str(status) for status, _ms in results)),
        "rows": rows,
    }
    print(json.dumps(report, ensure_ascii=False, indent=2))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, ensure_ascii=False, indent=2))
    ok = rows["lost"] == 0 and rows["twice"] == 0 and rows["linked"] == args.issues
    print(f"\n{'OK' if ok else 'FAILED'}: none lost, none twice. Written to {args.output}")
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
