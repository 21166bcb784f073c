"""The staff queue and case page under load, beside two reference views, on PostgreSQL.

Usage: .venv/bin/python bench/staff_pages.py [--cases 1000000] [--duration 20]
[--connections 8]

Prepares the database ``portal_bench`` (migrations, demo staff, demo cases up to
``--cases``), serves the portal with gunicorn on a free loopback port, signs in one demo
supervisor and one case officer, and runs wrk against each page in turn, in one run with
a view that returns a constant and one that makes a single trivial query. Prints and
writes (var/bench/staff_pages.json) requests per second, p50 and p99, and each page's
share of the trivial-query view's throughput; then the queries of the slowest page and the
plan (EXPLAIN ANALYZE) of its slowest query. See bench/README.md.
"""

import argparse
import json
import math
import os
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):
    # Run as a script: import from the repository, not from bench/ (its modules' plain
    # names, such as ``load``, must not hide anything else).
    sys.path[0] = str(BASE_DIR)

from bench import data, load, server  # noqa: E402

VAR_DIR = BASE_DIR / "var" / "bench"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_bench"

# What the issue asks of every staff page: a median under 30 ms, and at least a quarter
# of the throughput of the trivial-query view on the same server in the same run.
MEDIAN_TARGET_MS = 30.0
SHARE_TARGET = 0.25
# Above this share of the CPUs taken by other processes, a run's figures are not trusted.
OTHER_CPU_WARNING = 0.10
CONSTANT, TRIVIAL_QUERY = "/bench/constant", "/bench/trivial-query"


@dataclass
class Target:
    label: str
    path: str
    username: str | None = None  # None: sent without a session


@dataclass
class Result:
    label: str
    path: str
    username: str | None
    matching: int | None
    requests_per_second: float
    p50_ms: float | None  # None: not one request finished within the run
    p99_ms: float | None
    requests: int
    bad_responses: int
    socket_errors: int
    other_cpu: float  # share of all CPUs that processes outside the benchmark took meanwhile
    share_of_trivial_query: float = 0.0
    meets_target: bool | None = None
    # The same page requested alone, in process, after the load: where its time goes.
    alone_ms: float | None = None
    sql_ms: float | None = None
    queries: int | None = None
    wrk_output: str = field(default="", repr=False)  # kept in the JSON for a second look


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000, help="cases in the database")
    parser.add_argument("--duration", type=int, default=20, help="seconds of load per URL")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of unmeasured load")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument(
        "--worker-threads", type=int, default=1, help="threads per worker (>1: gthread)"
    )
    parser.add_argument("--agency", default="MOJ", help="agency code of the demo staff")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument(
        "--explain",
        choices=["slowest", "missing"],
        default="slowest",
        help="plan the slowest page only, or every page that misses the target",
    )
    parser.add_argument("--output", type=Path, default=VAR_DIR / "staff_pages.json")
    parser.add_argument(
        "--pages",
        help="comma-separated labels of the pages to measure (default: all); the two "
        "reference views are always measured",
    )
    parser.add_argument(
        "--prepare-only",
        action="store_true",
        help="create and fill the database, then stop (measure in a later, quieter run)",
    )
    return parser.parse_args()


# --- The environment -----------------------------------------------------------------------


def server_environment(args) -> dict[str, str]:
    """What both this process and its children (manage.py, gunicorn) run with."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DATABASE_URL": args.database_url,
        "DEBUG": "0",
        "SECRET_KEY": _secret_key(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "ROOT_URLCONF": "bench.urls",
        "AXES_ENABLED": "0",
        # Connections kept for the whole run, so that each belongs to one worker throughout.
        "CONN_MAX_AGE": "600",
        "VAR_DIR": str(VAR_DIR),
        "STATIC_ROOT": str(VAR_DIR / "staticfiles"),
        "LOG_LEVEL": "WARNING",
        # The staff signed in here have no authenticator: the second sign-in step is not
        # what is measured (in use it is one session read per request, as here).
        "TWO_FACTOR_REQUIRED_ROLES": "agency_admin",
    }


def _secret_key() -> str:
    """One key for the life of the bench database: demo national IDs are encrypted with it."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        import secrets

        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


# --- What is asked, by whom -------------------------------------------------------------


def targets_for(args, case) -> list[Target]:
    from agencies.models import Membership

    supervisor = f"{args.agency.lower()}-supervisor"
    officer = f"{args.agency.lower()}-officer"
    given_name = case.citizen_name.split()[0]
    pages = [
        ("queue: new", "/staff/?tab=new", supervisor),
        ("queue: mine", "/staff/?tab=mine", supervisor),
        ("queue: mine (officer)", "/staff/?tab=mine", officer),
        ("queue: referrals", "/staff/?tab=referrals", supervisor),
        ("queue: waiting", "/staff/?tab=waiting", supervisor),
        ("queue: all", "/staff/?tab=all", supervisor),
        ("filter", "/staff/?tab=all&province=50&priority=urgent", supervisor),
        ("search: name", f"/staff/?tab=all&q={_quote(given_name)}", supervisor),
        ("search: phone", f"/staff/?tab=all&q={case.citizen_phone[-6:]}", supervisor),
        ("search: reference", f"/staff/?tab=all&q={case.reference}", supervisor),
        ("case page", f"/staff/cases/{case.reference}/", supervisor),
    ]
    # An office's own queue, and the central office's narrowed to it, when seed_demo made
    # the agency's office staff (moj-south-supervisor ...).
    office_member = f"{args.agency.lower()}-south-supervisor"
    membership = Membership.objects.filter(user__username=office_member).first()
    if membership is not None and membership.office_id is not None:
        for tab in ("new", "referrals", "waiting", "overdue", "all"):
            pages.append((f"office queue: {tab}", f"/staff/?tab={tab}", office_member))
        pages.append(
            ("central, one office", f"/staff/?tab=all&office={membership.office_id}", supervisor)
        )
    return [
        Target("constant", CONSTANT),
        Target("trivial query", TRIVIAL_QUERY),
        *(Target(*page) for page in pages),
    ]


def chosen(targets: list[Target], pages: str | None) -> list[Target]:
    """The reference views and the pages labelled in ``pages`` (all when None)."""
    if not pages:
        return targets
    wanted = {label.strip() for label in pages.split(",")}
    unknown = wanted - {t.label for t in targets}
    if unknown:
        sys.exit(f"No such page: {', '.join(sorted(unknown))}")
    return [t for t in targets if t.username is None or t.label in wanted]


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text)


def matching_cases(target: Target, sessions) -> int | None:
    """How many cases the queue page would list over all its pages (None: not a queue)."""
    if not target.path.startswith("/staff/?"):
        return None
    from django.http import QueryDict

    from agencies import permissions
    from agencies.models import Agency
    from referrals import forms, selectors

    user = sessions[target.username].user
    agency_ids = permissions.staff_profile(user).agencies_with(permissions.HANDLERS)
    agency = Agency.objects.filter(pk__in=agency_ids).first()
    query = QueryDict(target.path.split("?", 1)[1])
    # The office filter is offered to members of the agency as a whole, as the queue does.
    whole = permissions.office_scope(user, agency.pk) is None
    form = forms.QueueFilterForm(query, offices=list(agency.offices.all()) if whole else [])
    cases = selectors.queue(user, agency, query["tab"], form.filters(), form.sort_key())
    return cases.count()


# --- Requests -------------------------------------------------------------------------------


def check_ok(base_url: str, target: Target, cookie: str | None) -> int:
    """Fetch once; anything but 200 stops the run. Returns the size of the body."""
    status, body = server.fetch(base_url + target.path, cookie)
    if status != 200:
        sys.exit(f"{target.path} as {target.username or 'anonymous'} answered {status}, not 200.")
    return len(body)


def _headers(cookie: str | None) -> dict[str, str]:
    return {"Cookie": cookie} if cookie else {}


def wrk_command(wrk: str, args, url: str, cookie: str | None, seconds: int) -> list[str]:
    command = [wrk, f"-t{args.threads}", f"-c{args.connections}", f"-d{seconds}s"]
    command += ["--latency", "--timeout", "30s"]
    for name, value in _headers(cookie).items():
        command += ["-H", f"{name}: {value}"]
    return [*command, url]


def explain_page(result: Result, page) -> dict:
    from bench.queries import explain, shorten

    slowest = page.slowest
    plan = explain(slowest["sql"])
    print(
        f"\n== {result.label} ({result.path}) as {result.username}, in process: "
        f"{page.request_ms:.1f} ms a request, {page.sql_ms:.1f} ms of it in "
        f"{len(page.queries)} queries =="
    )
    for number, query in enumerate(page.queries, 1):
        print(f"{number:>3} {query['ms']:8.2f} ms  {shorten(query['sql'])}")
    print(f"\n== Slowest query ({slowest['ms']:.2f} ms) ==\n{slowest['sql']}\n")
    print(f"== EXPLAIN (ANALYZE, BUFFERS) ==\n{plan}")
    return {"label": result.label, "path": result.path, **asdict(page), "plan": plan}


# --- The run ----------------------------------------------------------------------------


def measure(args, wrk: str, base_url: str, gunicorn, targets, sessions) -> list[Result]:
    """Each target in turn under the same load; the reference views first."""
    results = []
    for target in targets:
        cookie = sessions[target.username].cookie if target.username else None
        size = check_ok(base_url, target, cookie)
        matching = matching_cases(target, sessions)
        url = base_url + target.path
        if args.warmup:
            subprocess.run(wrk_command(wrk, args, url, cookie, args.warmup), capture_output=True)
        run = load.run_wrk(
            wrk_command(wrk, args, url, cookie, args.duration),
            lambda processes: server.our_processes(gunicorn, processes),
        )
        print(
            f"{target.label:<22} {run.requests_per_second:8.0f} req/s  "
            f"p50 {_ms(run.p50_ms):>7} ms  p99 {_ms(run.p99_ms):>7} ms  "
            f"({size:,} bytes; other processes {run.other_cpu:.0%} of the CPUs)",
            flush=True,
        )
        figures = {k: v for k, v in asdict(run).items() if k != "output"}
        results.append(Result(target.label, target.path, target.username, matching, **figures,
                              wrk_output=run.output))  # fmt: skip
    trivial = next(r for r in results if r.path == TRIVIAL_QUERY).requests_per_second
    for result in results:
        result.share_of_trivial_query = result.requests_per_second / trivial
        if result.username is not None:
            result.meets_target = (
                result.p50_ms is not None
                and result.p50_ms < MEDIAN_TARGET_MS
                and result.share_of_trivial_query >= SHARE_TARGET
                and not (result.bad_responses or result.socket_errors)
            )
    return results


def profile_pages(results: list[Result], sessions) -> dict:
    """Each page once more, alone and in process: its time, and the part spent in SQL."""
    from bench.queries import captured_queries

    profiles = {}
    for r in results:
        if r.username is not None:
            page = captured_queries(sessions[r.username].client, r.path)
            r.alone_ms, r.sql_ms, r.queries = page.request_ms, page.sql_ms, len(page.queries)
            profiles[r.label] = page
    return profiles


def _ms(milliseconds: float | None) -> str:
    return "-" if milliseconds is None else f"{milliseconds:.2f}"


def print_table(results: list[Result]) -> None:
    from bench.queries import shorten

    print(
        f"\n{'page':<22} {'URL':<44} {'req/s':>6} {'p50 ms':>7} {'p99 ms':>7} {'share':>5} "
        f"{'other':>5} {'alone':>6} {'SQL':>5} {'q':>2} {'matching':>8}  target"
    )
    for r in results:
        verdict = {None: "", True: "ok", False: "MISSED"}[r.meets_target]
        if r.bad_responses or r.socket_errors:
            verdict += f" ({r.bad_responses} non-2xx, {r.socket_errors} socket errors)"
        alone = "" if r.alone_ms is None else f"{r.alone_ms:6.1f} {r.sql_ms:5.1f} {r.queries:>2}"
        matching = "" if r.matching is None else f"{r.matching:,}"
        print(
            f"{r.label:<22} {shorten(r.path, 44):<44} {r.requests_per_second:>6.0f} "
            f"{_ms(r.p50_ms):>7} {_ms(r.p99_ms):>7} {r.share_of_trivial_query:>5.0%} "
            f"{r.other_cpu:>5.0%} {alone:<15} {matching:>8}  {verdict}"
        )
    print(
        "share: of the trivial-query view's req/s. other: CPUs taken by processes outside the "
        "benchmark during the run.\nalone, SQL, q: one request in process after the load, its "
        f"time in queries, its queries (ms).\ntarget: p50 under {MEDIAN_TARGET_MS:.0f} ms and "
        f"a share of at least {SHARE_TARGET:.0%}."
    )
    disturbed = [r.label for r in results if r.other_cpu > OTHER_CPU_WARNING]
    if disturbed:
        print(
            f"Warning: other processes took more than {OTHER_CPU_WARNING:.0%} of the CPUs "
            f"during: {', '.join(disturbed)}. Run again on a quiet machine."
        )


def main() -> None:
    args = parse_args()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    env = server_environment(args)
    data.prepare(env, args.cases)
    if args.prepare_only:
        return
    wrk = load.ensure_wrk()

    from referrals.models import Case

    case = data.representative_case(f"{args.agency.lower()}-supervisor", args.agency)
    targets = chosen(targets_for(args, case), args.pages)
    sessions = {t.username: data.sign_in(t.username) for t in targets if t.username}
    port = server.free_port()
    base_url = f"http://127.0.0.1:{port}"
    log = VAR_DIR / "gunicorn.log"
    gunicorn = server.start_gunicorn(env, port, log, args.workers, args.worker_threads)
    try:
        server.wait_until_healthy(gunicorn, base_url)
        print(
            f"\ngunicorn pid {gunicorn.pid} on {base_url}, {args.workers} workers × "
            f"{args.worker_threads} threads; wrk -t{args.threads} -c{args.connections} "
            f"-d{args.duration}s; case {case.reference}\n"
        )
        results = measure(args, wrk, base_url, gunicorn, targets, sessions)
    finally:
        server.stop(gunicorn)
    profiles = profile_pages(results, sessions)
    print_table(results)

    pages = [r for r in results if r.username is not None]
    slowest = max(pages, key=lambda r: math.inf if r.p50_ms is None else r.p50_ms)
    planned = [slowest]
    if args.explain == "missing":
        planned += [r for r in pages if r.meets_target is False and r is not slowest]
    explained = [explain_page(r, profiles[r.label]) for r in planned]

    report = {
        "run": {
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "cases": Case.objects.count(),
            "agency": args.agency,
            "case_reference": case.reference,
            "duration_s": args.duration,
            "connections": args.connections,
            "wrk_threads": args.threads,
            "gunicorn_workers": args.workers,
            "gunicorn_threads_per_worker": args.worker_threads,
            "cpus": os.cpu_count(),
            "targets": {"p50_ms_below": MEDIAN_TARGET_MS, "share_at_least": SHARE_TARGET},
        },
        "results": [asdict(r) for r in results],
        "explained": explained,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, ensure_ascii=False, indent=2))
    print(f"\nWritten to {args.output}")


if __name__ == "__main__":
    main()
