"""The REST API and Open311 under load at a million cases, beside the reference views.

Usage: .venv/bin/python bench/api.py [--cases 1000000] [--duration 20] [--connections 8]

Prepares the database ``portal_bench`` as bench/staff_pages.py does, makes an API key for
the agency's system, serves the portal with gunicorn, and runs wrk against: the case list
(first page and a filtered page), a case's detail, Open311 ``GET requests.json``, and
``POST /api/v1/cases/`` with a new ``Idempotency-Key`` on every request. After the creates
it counts what was saved: every 201 must be one case and one key, nothing lost. Prints
and writes (var/bench/api.json) requests per second, p50 and p99, and each read's share of
the trivial-query view's throughput (aim: at least a third; creates: 200 a second).
"""

import argparse
import json
import os
import subprocess
import sys
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):
    sys.path[0] = str(BASE_DIR)

from bench import data, load, server, staff_pages  # noqa: E402

VAR_DIR = staff_pages.VAR_DIR
READ_SHARE_TARGET = 1 / 3
CREATES_PER_SECOND_TARGET = 200.0

# One request per call, each with an Idempotency-Key of its own (thread id and counter).
CREATE_SCRIPT = """
local counter = 0
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("prefix", "%(run)s-" .. threads .. "-")
end
function request()
  counter = counter + 1
  local headers = {}
  headers["Content-Type"] = "application/json"
  headers["Authorization"] = "Api-Key %(key)s"
  headers["Idempotency-Key"] = prefix .. counter
  return wrk.format("POST", "/api/v1/cases/", headers, [[%(body)s]])
end
"""


@dataclass
class Result:
    label: str
    path: str
    requests_per_second: float
    p50_ms: float | None
    p99_ms: float | None
    requests: int
    bad_responses: int
    socket_errors: int
    other_cpu: float
    share_of_trivial_query: float = 0.0
    meets_target: bool | None = None


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--worker-threads", type=int, default=1)
    parser.add_argument("--agency", default="MOJ")
    parser.add_argument("--database-url", default=staff_pages.DEFAULT_DATABASE_URL)
    parser.add_argument("--output", type=Path, default=VAR_DIR / "api.json")
    return parser.parse_args()


def make_key(agency_code: str) -> str:
    from agencies.models import Agency, AgencyApiKey

    _key, raw = AgencyApiKey.objects.create_key(
        agency=Agency.objects.get(code=agency_code),
        name=f"bench-{datetime.now(UTC):%Y%m%d%H%M%S}",
        can_write=True,
        can_see_restricted=True,  # the representative case may be a restricted one
    )
    return raw


def new_case_body() -> str:
    from referrals.models import Category

    category = Category.objects.filter(is_active=True, is_sensitive=False).first()
    return json.dumps(
        {
            "category": category.code,
            "description": "นายจ้างไม่จ่ายค่าจ้างมาสามเดือนแล้ว ขอความช่วยเหลือ",
            "citizen_name": "สมชาย ใจดี",
            "citizen_phone": "081 234 5678",
            "province": "50",
        },
        ensure_ascii=False,
    )


def run(args, wrk: str, gunicorn, url: str, headers: dict, script: Path | None = None):
    command = [wrk, f"-t{args.threads}", f"-c{args.connections}", "--latency", "--timeout", "30s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    if script:
        command += ["-s", str(script)]
    if args.warmup and script is None:
        subprocess.run([*command, f"-d{args.warmup}s", url], capture_output=True)
    return load.run_wrk(
        [*command, f"-d{args.duration}s", url],
        lambda processes: server.our_processes(gunicorn, processes),
    )


def check(base_url: str, path: str, headers: dict) -> None:
    import urllib.request

    request = urllib.request.Request(base_url + path, headers=headers)  # noqa: S310
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        if response.status != 200:
            sys.exit(f"{path} answered {response.status}")


def main() -> None:
    args = parse_args()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    env = {**staff_pages.server_environment(args), "RATELIMIT_ENABLE": "0"}
    data.prepare(env, args.cases)
    wrk = load.ensure_wrk()

    from api.models import IdempotentRequest
    from referrals.models import Case

    case = data.representative_case(f"{args.agency.lower()}-supervisor", args.agency)
    raw = make_key(args.agency)
    auth = {"Authorization": f"Api-Key {raw}"}
    reads = [
        ("constant", staff_pages.CONSTANT, {}),
        ("trivial query", staff_pages.TRIVIAL_QUERY, {}),
        ("API case list", "/api/v1/cases/", auth),
        ("API list, filtered", "/api/v1/cases/?province=50&priority=urgent", auth),
        ("API case detail", f"/api/v1/cases/{case.reference}/", auth),
        ("Open311 requests", "/open311/v2/requests.json", {}),
    ]
    run_id = uuid.uuid4().hex[:8]
    script = VAR_DIR / "api_create.lua"
    body = new_case_body().replace("]]", "")
    script.write_text(CREATE_SCRIPT % {"run": run_id, "key": raw, "body": body})

    port = server.free_port()
    base_url = f"http://127.0.0.1:{port}"
    gunicorn = server.start_gunicorn(
        env, port, VAR_DIR / "gunicorn-api.log", args.workers, args.worker_threads
    )
    results = []
    try:
        server.wait_until_healthy(gunicorn, base_url)
        print(f"\ngunicorn on {base_url}; case {case.reference}; key of {args.agency}\n")
        for label, path, headers in reads:
            check(base_url, path, headers)
            done = run(args, wrk, gunicorn, base_url + path, headers)
            results.append(Result(label, path, **_figures(done)))
            _print(results[-1])
        cases_before = Case.objects.count()
        done = run(args, wrk, gunicorn, base_url + "/api/v1/cases/", {}, script)
        results.append(Result("API create (new key)", "POST /api/v1/cases/", **_figures(done)))
        _print(results[-1])
    finally:
        server.stop(gunicorn)

    created = done.requests - done.bad_responses
    saved_keys = IdempotentRequest.objects.filter(key__startswith=f"{run_id}-").count()
    saved_cases = Case.objects.count() - cases_before
    trivial = next(r for r in results if r.path == staff_pages.TRIVIAL_QUERY)
    for r in results:
        r.share_of_trivial_query = r.requests_per_second / trivial.requests_per_second
        if r.label.startswith(("API", "Open311")):
            if r.path.startswith("POST"):
                r.meets_target = (
                    r.requests_per_second >= CREATES_PER_SECOND_TARGET
                    and saved_cases == saved_keys
                    and saved_keys >= created
                )
            else:
                ok = not (r.bad_responses or r.socket_errors)
                r.meets_target = ok and r.share_of_trivial_query >= READ_SHARE_TARGET
    print(f"\n{'what':<22} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'share':>6}  target")
    for r in results:
        verdict = {None: "", True: "ok", False: "MISSED"}[r.meets_target]
        print(
            f"{r.label:<22} {r.requests_per_second:>7.0f} {_ms(r.p50_ms):>7} "
            f"{_ms(r.p99_ms):>7} {r.share_of_trivial_query:>6.0%}  {verdict}"
        )
    print(
        f"\ncreates: {created} answered 201 (wrk counts the last ones of the run too), "
        f"{saved_cases} cases and {saved_keys} idempotency keys saved; "
        f"{done.bad_responses} non-2xx, {done.socket_errors} socket errors"
    )
    report = {
        "run": {
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "cases": Case.objects.count(),
            "duration_s": args.duration,
            "connections": args.connections,
            "gunicorn_workers": args.workers,
            "cpus": os.cpu_count(),
        },
        "results": [asdict(r) for r in results],
        "creates": {"answered_201": created, "cases_saved": saved_cases, "keys_saved": saved_keys},
    }
    args.output.write_text(json.dumps(report, ensure_ascii=False, indent=2))
    print(f"Written to {args.output}")


def _figures(done) -> dict:
    return {k: v for k, v in asdict(done).items() if k != "output"}


def _ms(value):
    return "-" if value is None else f"{value:.1f}"


def _print(r: Result) -> None:
    print(
        f"{r.label:<22} {r.requests_per_second:8.0f} req/s  p50 {_ms(r.p50_ms):>7} ms  "
        f"p99 {_ms(r.p99_ms):>7} ms  ({r.bad_responses} non-2xx; other CPU {r.other_cpu:.0%})",
        flush=True,
    )


if __name__ == "__main__":
    main()
