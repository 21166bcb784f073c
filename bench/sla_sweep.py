"""The SLA sweep over a million running deadlines of which 1 % are due, on PostgreSQL.

Usage: .venv/bin/python bench/sla_sweep.py [--cases 1000000] [--deadlines 1000000]
[--due-share 0.01]

Prepares the database of bench/staff_pages.py (``portal_bench``, demo cases up to
``--cases``). The demo cases that seed_demo copies in have no deadlines, so this script
writes ``--deadlines`` running ones for the open cases with one INSERT ... SELECT (as many
rounds of each open case's steps as it takes), ``--due-share`` of them due now and the
rest later; then, in process, with the Celery broker in Redis as in production:

1. times ``escalation.sweep`` when nothing is due (its ``now`` before every point);
2. times the sweep that handles the due deadlines (events, notifications in the portal and
   by email, one Celery task published per email), with its SQL and its publishing apart;
3. plans (EXPLAIN ANALYZE, BUFFERS) the sweep's selecting query, captured as it runs, with
   nothing due and with a batch due, and checks that it reads the index deadline_next_check;
4. profiles a second sweep of as many due deadlines (cProfile).

Prints and writes (var/bench/sla_sweep.json) a JSON summary. See bench/README.md.
"""

import argparse
import cProfile
import io
import json
import math
import os
import pstats
import re
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):
    sys.path[0] = str(BASE_DIR)  # as in staff_pages.py: import from the repository

from bench import data, load, staff_pages  # noqa: E402
from bench.staff_pages import VAR_DIR  # noqa: E402

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/12"
# What the issues ask: the sweep of the due deadlines of a million under 1 s (the
# performance issue; 2 s before), under 50 ms for a sweep that finds nothing due, and an
# index scan rather than a sequential scan.
DUE_TARGET_S = 1.0
EMPTY_TARGET_MS = 50.0
INDEX = "deadline_next_check"
# Business time to wall-clock time, roughly: 40 working hours in the 168 of a week.
WALL_PER_BUSINESS_HOUR = 168 / 40
# Deadlines not due start their first point at least this long after "now".
FUTURE_LEAD = timedelta(minutes=10)
# The second set of due deadlines (planned, then profiled) is due this long after "now".
SECOND_SET_AFTER = timedelta(minutes=5)
SLA_KINDS = ("sla_reminder", "sla_supervisor", "sla_cceo")
POSTGRES_HELPERS = ("walwriter", "checkpointer", "background writer", "autovacuum worker")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000, help="cases in the database")
    parser.add_argument(
        "--deadlines",
        type=int,
        default=None,
        help="running deadlines to write (default: as many as --cases)",
    )
    parser.add_argument(
        "--due-share", type=float, default=0.01, help="share of the deadlines due now"
    )
    parser.add_argument(
        "--batch", type=int, default=1000, help="the sweep's batch (sweep_deadlines: 1000)"
    )
    parser.add_argument(
        "--empty-runs", type=int, default=20, help="timed sweeps that find nothing due"
    )
    parser.add_argument(
        "--staff-per-role",
        type=int,
        default=1,
        help="at least this many members with an email per agency for intake, supervisor "
        "and CCEO (bench-<agency>-<role>-<n> accounts are added when the demo has fewer)",
    )
    parser.add_argument("--database-url", default=staff_pages.DEFAULT_DATABASE_URL)
    parser.add_argument(
        "--redis-url",
        default=DEFAULT_REDIS_URL,
        help="the Celery broker; its database is emptied (FLUSHDB) before and after",
    )
    parser.add_argument(
        "--keep-notifications",
        action="store_true",
        help="keep the notifications the sweeps write (by default deleted at the end, so "
        "that the demo staff's bells stay as the other benchmarks expect)",
    )
    parser.add_argument("--no-profile", action="store_true", help="skip the cProfile sweep")
    parser.add_argument(
        "--tell-processes",
        type=int,
        default=2,
        help="processes telling the chunks at once, as the deadlines workers do (default 2)",
    )
    parser.add_argument("--output", type=Path, default=VAR_DIR / "sla_sweep.json")
    return parse_leaving_load_options(parser)


# The load options of staff_pages.py and public_submit.py: `make bench BENCH_ARGS=...` passes
# them to every benchmark, and these two have no load to shape.
LOAD_OPTIONS = {
    "--duration",
    "--connections",
    "--threads",
    "--warmup",
    "--workers",
    "--worker-threads",
    "--agency",
    "--explain",
    "--clients",
    "--rate",
}


def parse_leaving_load_options(parser):
    """The arguments, leaving out (with a note) the other benchmarks' load options."""
    args, unknown = parser.parse_known_args()
    names = [word.split("=", 1)[0] for word in unknown if word.startswith("-")]
    if any(name not in LOAD_OPTIONS for name in names) or (unknown and not names):
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    if unknown:
        print(f"Left to the load benchmarks: {' '.join(unknown)}")
    return args


# --- The environment, shared with delivery.py ---------------------------------------------


def environment(args) -> dict[str, str]:
    """The staff benchmark's environment, with the Celery broker in Redis."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)  # for the secret key kept there
    exclusive_run(args)
    return {**staff_pages.server_environment(args), "CELERY_BROKER_URL": args.redis_url}


def prepare(args, env: dict[str, str]) -> None:
    """The database migrated and seeded up to ``--cases``; Django set up in this process."""
    data.prepare(env, args.cases, static=False)


def broker(url: str):
    """The Redis database of the broker, emptied: only a database of its own (not 0)."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    if client.connection_pool.connection_kwargs.get("db", 0) == 0:
        sys.exit(f"{url}: name a Redis database of the benchmark's own (not 0), it is flushed.")
    client.ping()
    client.flushdb()
    return client


def queued_tasks(client) -> dict:
    """The Celery messages waiting in the broker (kombu keeps a list per priority step):
    how many, of which task, and how many notification ids they carry."""
    import base64

    by_task, ids = {}, 0
    # Every list of the benchmark's own database: one per queue the tasks are routed to
    # (settings.CELERY_QUEUE_NAMES), and per priority step.
    for key in client.scan_iter():
        if client.type(key) != b"list":
            continue
        for raw in client.lrange(key, 0, -1):
            message = json.loads(raw)
            name = message["headers"]["task"].rsplit(".", 1)[-1]
            by_task[name] = by_task.get(name, 0) + 1
            (argument, *_rest), _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
            ids += len(argument) if isinstance(argument, list) else 1
    return {"messages": sum(by_task.values()), "by_task": by_task, "notification_ids": ids}


def code_fingerprint() -> dict[str, str]:
    """The code measured (others change it between runs): a short hash of each file."""
    import hashlib

    files = [
        "referrals/notifications.py",
        "referrals/services/escalation.py",
        "referrals/services/deadlines.py",
        "referrals/tasks.py",
        "referrals/models/sla.py",
        "referrals/models/notifications.py",
        "portal/settings.py",
    ]
    return {name: hashlib.sha256((BASE_DIR / name).read_bytes()).hexdigest()[:12] for name in files}


def benchmark_pids(redis_client, extra=()) -> set[int]:
    """This process, PostgreSQL's backends of this database and its writers, Redis."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " OR backend_type = ANY(%s)",
            [list(POSTGRES_HELPERS)],
        )
        pids = {pid for (pid,) in cursor.fetchall()}
    pids.add(int(redis_client.info("server")["process_id"]))
    return {os.getpid(), *pids, *extra}


def machine_load() -> dict:
    """The load average: what else ran on the machine around the run."""
    one, five, fifteen = os.getloadavg()
    return {"loadavg": [one, five, fifteen], "cpus": os.cpu_count()}


def percentile(values: list[float], share: float) -> float:
    """Nearest rank: with fewer than 100 values, p99 is the largest."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def write_report(report: dict, output: Path, summary: dict) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    print("\n" + json.dumps(summary, ensure_ascii=False, indent=2, default=str))
    print(f"\nWritten to {output}")


# --- Recipients -------------------------------------------------------------------------------


def ensure_recipients(per_role: int) -> dict:
    """Every agency that leads an open case or has a pending referral has at least
    ``per_role`` active members with an email in each role the sweep writes to."""
    from django.contrib.auth import get_user_model

    from agencies.models import Agency, Membership, Role
    from referrals.models import OPEN_CASE_STATUSES, Case, Referral

    roles = {Role.INTAKE_OFFICER: "intake", Role.SUPERVISOR: "supervisor", Role.CCEO: "cceo"}
    agency_ids = set(
        Case.objects.filter(status__in=OPEN_CASE_STATUSES)
        .values_list("lead_agency_id", flat=True)
        .distinct()
    ) | set(
        Referral.objects.filter(status="pending").values_list("to_agency_id", flat=True).distinct()
    )
    found, added = {}, []
    for agency in Agency.objects.filter(pk__in=agency_ids).order_by("code"):
        found[agency.code] = {}
        for role, slug in roles.items():
            members = (
                Membership.objects.filter(
                    agency=agency, role=role, is_active=True, user__is_active=True
                )
                .exclude(user__email="")
                .exclude(user__inspector__is_active=True)
                .values("user_id")
                .distinct()
                .count()
            )
            for n in range(members + 1, per_role + 1):
                username = f"bench-{agency.code.lower()}-{slug}-{n}"
                user, created = get_user_model().objects.get_or_create(
                    username=username, defaults={"email": f"{username}@bench.invalid"}
                )
                if created:
                    user.set_unusable_password()
                    user.save(update_fields=["password"])
                Membership.objects.get_or_create(user=user, agency=agency, role=role)
                added.append(username)
            found[agency.code][slug] = max(members, per_role)
    return {"members_with_email": found, "accounts_added": added}


# --- Deadlines --------------------------------------------------------------------------------

# Every open case's steps as the workflow opens them (acknowledging while new, resolving
# while open, answering each pending referral), repeated until there are enough; each
# with the default policy of its priority. 1 in 1/due-share of them, spread evenly, has a
# point that passed within the last minute: 7 in 10 of those a reminder, 2 a supervisors'
# escalation, 1 a CCEO's (the earlier levels marked as sent). The others' first point is
# between 10 minutes and a reminder's span after "now".
DEADLINES_SQL = """
INSERT INTO referrals_deadline (
    case_id, referral_id, kind, budget, used, counting_since, started_at, due_at,
    reminder_at, supervisor_at, cceo_at, level_reached, level_told, next_check_at, met_at)
WITH steps AS (
    SELECT c.id AS case_id, NULL::bigint AS referral_id, 'resolve' AS kind, c.priority
      FROM referrals_case c WHERE c.status = ANY(%(open)s)
    UNION ALL
    SELECT c.id, NULL, 'acknowledge', c.priority FROM referrals_case c WHERE c.status = 'new'
    UNION ALL
    SELECT r.case_id, r.id, 'answer_referral', c.priority
      FROM referrals_referral r JOIN referrals_case c ON c.id = r.case_id
     WHERE r.status = 'pending' AND c.status = ANY(%(open)s)
), numbered AS (
    SELECT s.*, row_number() OVER (ORDER BY pass, s.case_id, s.kind, s.referral_id) AS n
      FROM steps s CROSS JOIN generate_series(1, %(rounds)s) AS pass
), planned AS (
    SELECT n.case_id, n.referral_id, n.kind,
           CASE n.kind WHEN 'acknowledge' THEN p.acknowledge
                       WHEN 'answer_referral' THEN p.answer_referral
                       ELSE p.resolve END AS budget,
           p.reminder_percent::float8 AS reminder, p.supervisor_percent::float8 AS supervisor,
           p.cceo_percent::float8 AS cceo,
           n.n * %(due)s / %(total)s > (n.n - 1) * %(due)s / %(total)s AS is_due,
           n.n * %(due)s / %(total)s AS due_rank
      FROM numbered n
      JOIN referrals_slapolicy p ON p.category_id IS NULL AND p.priority = n.priority
     WHERE n.n <= %(total)s
), leveled AS (
    SELECT *, budget * %(wall)s AS wall,
           CASE WHEN NOT is_due OR mod(due_rank, 10) < 7 THEN 1
                WHEN mod(due_rank, 10) < 9 THEN 2 ELSE 3 END AS level
      FROM planned
), pointed AS (
    SELECT *,
           CASE WHEN is_due
                THEN %(now)s - interval '1 second' - random() * interval '58 seconds'
                ELSE %(now)s + %(lead)s + random() * (wall * reminder / 100) END AS point
      FROM leveled
), started AS (
    SELECT *, point - wall * (CASE level WHEN 1 THEN reminder WHEN 2 THEN supervisor
                                         ELSE cceo END) / 100 AS started_at
      FROM pointed
)
SELECT case_id, referral_id, kind, budget, interval '0', started_at, started_at,
       started_at + wall,
       CASE level WHEN 1 THEN point ELSE started_at + wall * reminder / 100 END,
       CASE level WHEN 2 THEN point ELSE started_at + wall * supervisor / 100 END,
       CASE level WHEN 3 THEN point ELSE started_at + wall * cceo / 100 END,
       level - 1, level - 1, point, NULL
  FROM started
"""

STEPS_SQL = """
SELECT (SELECT count(*) FROM referrals_case WHERE status = ANY(%(open)s)),
       (SELECT count(*) FROM referrals_case WHERE status = 'new'),
       (SELECT count(*) FROM referrals_referral r JOIN referrals_case c ON c.id = r.case_id
         WHERE r.status = 'pending' AND c.status = ANY(%(open)s))
"""


# The deadlines this script writes are told from any other by their due time: the business
# budget at WALL_PER_BUSINESS_HOUR after the start, which the calendar never gives exactly.
KEEP_OTHERS_SQL = """
CREATE TEMPORARY TABLE kept_deadlines ON COMMIT DROP AS
SELECT * FROM referrals_deadline
 WHERE NOT coalesce(due_at = started_at + budget * %(wall)s, false)
"""


def remove_earlier_deadlines() -> int:
    """The deadlines earlier runs wrote (an interrupted one's too). The table is emptied
    and every other deadline written back as it was, so that each run starts from a table
    without a million dead rows."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL lock_timeout = '30s'")
        cursor.execute("LOCK TABLE referrals_deadline IN ACCESS EXCLUSIVE MODE")
        cursor.execute("SELECT count(*) FROM referrals_deadline")
        (total,) = cursor.fetchone()
        cursor.execute(KEEP_OTHERS_SQL, {"wall": WALL_PER_BUSINESS_HOUR})
        kept = cursor.rowcount
        if kept == total:
            return 0
        cursor.execute("TRUNCATE referrals_deadline")
        cursor.execute("INSERT INTO referrals_deadline SELECT * FROM kept_deadlines")
    print(f"Removed {total - kept:,} deadlines of earlier runs; kept {kept:,} others.")
    return total - kept


def exclusive_run(args) -> None:
    """One run of sla_sweep.py or delivery.py at a time on this machine: they share the
    broker's Redis database (emptied by each) and the deadlines. Waits for the other."""
    import fcntl

    lock = (VAR_DIR / "sla_delivery.lock").open("w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print("Another sla_sweep.py or delivery.py is running: waiting for it.", flush=True)
        fcntl.flock(lock, fcntl.LOCK_EX)
    args.lock = lock  # held until this process ends


def write_deadlines(args, now: datetime) -> dict:
    """``--deadlines`` running deadlines of open cases, ``--due-share`` of them due at
    ``now``, in place of those of earlier runs."""
    from django.db import connection, transaction

    from referrals.models import OPEN_CASE_STATUSES

    removed = remove_earlier_deadlines()
    params = {"open": list(OPEN_CASE_STATUSES)}
    with connection.cursor() as cursor:
        cursor.execute(STEPS_SQL, params)
        open_cases, new_cases, pending_referrals = cursor.fetchone()
        cursor.execute("SELECT priority FROM referrals_slapolicy WHERE category_id IS NULL")
        policies = {priority for (priority,) in cursor.fetchall()}
    if policies != {"normal", "urgent"}:
        sys.exit(f"Default SLA policies missing (found {sorted(policies)}): migrate first.")
    steps = open_cases + new_cases + pending_referrals
    if steps == 0:
        sys.exit("No open case: seed first.")
    due = round(args.deadlines * args.due_share)
    params.update(
        rounds=math.ceil(args.deadlines / steps),
        total=args.deadlines,
        due=due,
        now=now,
        lead=FUTURE_LEAD,
        wall=WALL_PER_BUSINESS_HOUR,
    )
    print(
        f"Writing {args.deadlines:,} deadlines ({due:,} due) for {open_cases:,} open cases: "
        f"{steps:,} steps ({open_cases:,} to resolve, {new_cases:,} to acknowledge, "
        f"{pending_referrals:,} referrals to answer), {params['rounds']} rounds",
        flush=True,
    )
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        # No other writer in between: the ids written are one range, kept for the next run.
        cursor.execute("LOCK TABLE referrals_deadline IN EXCLUSIVE MODE")
        cursor.execute("SELECT coalesce(max(id), 0) FROM referrals_deadline")
        (largest,) = cursor.fetchone()
        cursor.execute(DEADLINES_SQL, params)
        written = cursor.rowcount
        cursor.execute("SELECT min(id), max(id) FROM referrals_deadline WHERE id > %s", [largest])
        first_id, last_id = cursor.fetchone()
    insert_s = time.perf_counter() - started
    started = time.perf_counter()
    vacuum("referrals_deadline")  # as autovacuum would: statistics and visibility map
    vacuum_s = time.perf_counter() - started
    print(f"  written in {insert_s:.1f} s, vacuumed in {vacuum_s:.1f} s", flush=True)
    return {
        "written": written,
        "due_written": due,
        "first_id": first_id,
        "last_id": last_id,
        "removed_from_earlier_run": removed,
        "open_cases": open_cases,
        "steps": {
            "resolve": open_cases,
            "acknowledge": new_cases,
            "answer_referral": pending_referrals,
        },
        "rounds": params["rounds"],
        "insert_s": round(insert_s, 1),
        "vacuum_s": round(vacuum_s, 1),
    }


def rearm(info: dict, count: int, at: datetime) -> int:
    """Make ``count`` more deadlines (not yet reminded, spread over the range) due at
    ``at``: their reminder moves to the minute before it."""
    from django.db import connection

    stride = max(1, (info["last_id"] - info["first_id"] + 1) // max(count, 1))
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE referrals_deadline d
               SET reminder_at = s.point, next_check_at = s.point
              FROM (SELECT id, %(at)s - interval '1 second' - random() * interval '58 seconds'
                               AS point
                      FROM referrals_deadline
                     WHERE id BETWEEN %(first)s AND %(last)s AND level_reached = 0
                       AND next_check_at > %(at)s AND mod(id - %(first)s, %(stride)s) = %(half)s
                     LIMIT %(count)s) s
             WHERE d.id = s.id
            """,
            {
                "at": at,
                "first": info["first_id"],
                "last": info["last_id"],
                "stride": stride,
                "half": stride // 2,
                "count": count,
            },
        )
        return cursor.rowcount


def deadline_figures(now: datetime) -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*), count(*) FILTER (WHERE met_at IS NULL),
                   count(next_check_at), count(*) FILTER (WHERE next_check_at <= %s),
                   min(next_check_at),
                   pg_size_pretty(pg_relation_size('referrals_deadline')),
                   pg_size_pretty(pg_relation_size(%s))
              FROM referrals_deadline
            """,
            [now, INDEX],
        )
        total, running, checked, due, first_check, table_size, index_size = cursor.fetchone()
    return {
        "rows": total,
        "open": running,
        "with_next_check": checked,
        "due_now": due,
        "earliest_next_check": first_check,
        "table_size": table_size,
        "index_size": index_size,
    }


# --- Measuring the sweep ----------------------------------------------------------------------


@dataclass
class SweepTrace:
    """What one sweep spent: its SQL by statement, and the publishing of Celery tasks."""

    batches: list[dict] = field(default_factory=list)  # {"handled", "s"}
    statements: dict[str, dict] = field(default_factory=dict)  # label -> {"n", "ms"}
    commit_s: float = 0.0
    dispatch_s: float = 0.0  # the after-commit callbacks, their SQL included
    dispatch_sql_ms: float = 0.0
    dispatched_keys: int = 0  # notifications handed to the dispatch (keys or ids)
    wrapped: list[str] = field(default_factory=list)  # the functions timed
    _in_dispatch: int = 0  # depth of wrapped dispatch calls

    def sql_ms(self) -> float:
        return sum(s["ms"] for s in self.statements.values())


STATEMENT_TABLE = re.compile(r'\b(?:FROM|INTO|UPDATE)\s+"(\w+)"', re.IGNORECASE)


def statement_label(sql: str) -> str:
    verb = sql.lstrip().split(None, 1)[0].upper()
    table = STATEMENT_TABLE.search(sql)
    label = f"{verb} {table[1] if table else ''}".strip()
    if "FOR UPDATE" in sql:
        label += " FOR UPDATE"
    return label


def traced_sweep(now: datetime, batch: int) -> tuple[int, float, SweepTrace]:
    """``escalation.sweep(now, batch, tell_later=True)``, as the periodic task runs it, with
    its batches, its statements and its publishing of the telling timed (the functions are
    wrapped, not changed)."""
    from django.db import connection

    from referrals import notifications
    from referrals.services import escalation

    trace = SweepTrace()

    def timed_batch(sweep_batch):
        def timed(*arguments):
            started = time.perf_counter()
            handled = sweep_batch(*arguments)
            count = handled if isinstance(handled, int) else len(handled)
            trace.batches.append({"handled": count, "s": round(time.perf_counter() - started, 4)})
            return handled

        return timed

    def timed_dispatch(dispatch_function):
        def timed(items):
            # Depth, not a flag: one dispatch function may call another that is wrapped too.
            trace._in_dispatch += 1
            started = time.perf_counter()
            try:
                return dispatch_function(items)
            finally:
                trace._in_dispatch -= 1
                if not trace._in_dispatch:
                    trace.dispatch_s += time.perf_counter() - started
                    trace.dispatched_keys += len(items)

        return timed

    def timed_sql(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            ms = (time.perf_counter() - started) * 1000
            label = ("dispatch: " if trace._in_dispatch else "") + statement_label(sql)
            figures = trace.statements.setdefault(label, {"n": 0, "ms": 0.0})
            figures["n"] += 1
            figures["ms"] += ms
            if trace._in_dispatch:
                trace.dispatch_sql_ms += ms

    # Looked up by name when called, so wrapping the module attribute times every call;
    # a function renamed by later work is left alone (its figure is then missing).
    wrapped = {}
    for module, name, wrap in [
        (escalation, "_claim", timed_batch),
        # What publishes the tasks after commit, by the names it has had.
        (escalation, "_hand_to_workers", timed_dispatch),
        (notifications, "_dispatch_keys", timed_dispatch),
        (notifications, "dispatch", timed_dispatch),
    ]:
        if callable(original := getattr(module, name, None)):
            wrapped[module, name] = original
            setattr(module, name, wrap(original))
    commit = connection.commit

    def timed_commit():
        # The deferred foreign-key checks of the rows written run here, in COMMIT.
        started = time.perf_counter()
        try:
            return commit()
        finally:
            trace.commit_s += time.perf_counter() - started

    connection.commit = timed_commit  # this connection only, until the sweep ends
    try:
        with connection.execute_wrapper(timed_sql):
            started = time.perf_counter()
            handled = escalation.sweep(now, batch, tell_later=True)
            seconds = time.perf_counter() - started
    finally:
        del connection.commit
        for (module, name), original in wrapped.items():
            setattr(module, name, original)
    trace.wrapped = sorted(name for _module, name in wrapped)
    for figures in trace.statements.values():
        figures["ms"] = round(figures["ms"], 1)
    return handled, seconds, trace


def empty_sweeps(args, quiet: datetime) -> dict:
    """The sweep with nothing due, ``--empty-runs`` times after two unmeasured runs."""
    from referrals.services import escalation

    for _ in range(2):
        escalation.sweep(quiet, args.batch)
    times, handled = [], 0
    for _ in range(args.empty_runs):
        started = time.perf_counter()
        handled += escalation.sweep(quiet, args.batch)
        times.append((time.perf_counter() - started) * 1000)
    if handled:
        sys.exit(f"A sweep at {quiet} handled {handled} deadlines: something is due before it.")
    return {
        "now": quiet,
        "runs": len(times),
        "median_ms": round(statistics.median(times), 3),
        "p99_ms": round(percentile(times, 0.99), 3),
        "min_ms": round(min(times), 3),
        "max_ms": round(max(times), 3),
        "meets_target": percentile(times, 0.99) < EMPTY_TARGET_MS,
    }


def captured_selection(now: datetime, batch: int, rolled_back: bool) -> str:
    """The SQL of the sweep's selecting query, as it runs at ``now`` (CaptureQueriesContext);
    with ``rolled_back``, one batch in a transaction that is then rolled back (its
    notifications and tasks discarded with it)."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from referrals.services import escalation

    with transaction.atomic():
        with CaptureQueriesContext(connection) as captured:
            one_batch = getattr(escalation, "_claim", None)
            if rolled_back and one_batch is not None:
                one_batch(now, batch)
            else:
                escalation.sweep(now, batch)
        transaction.set_rollback(True)
    for query in captured.captured_queries:
        if "FOR UPDATE SKIP LOCKED" in query["sql"] and "referrals_deadline" in query["sql"]:
            return query["sql"]
    sys.exit("The sweep ran no SELECT ... FOR UPDATE SKIP LOCKED on referrals_deadline.")


def planned(sql: str) -> dict:
    from bench.queries import explain

    plan = explain(sql)
    return {
        "sql": sql,
        "plan": plan,
        "uses_index": INDEX in plan,
        "seq_scan": "Seq Scan on referrals_deadline" in plan,
    }


def vacuum(table: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {table}")


def database_activity() -> dict:
    """Counters to subtract: this database's blocks found in shared buffers or read (from
    the OS cache or the disk), and the WAL written by the whole server (others' work
    included)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
        cursor.execute(
            "SELECT blks_hit, blks_read, pg_current_wal_lsn() - '0/0'::pg_lsn"
            " FROM pg_stat_database WHERE datname = current_database()"
        )
        hit, read, wal = cursor.fetchone()
    return {"blocks_hit": hit, "blocks_read": read, "wal_bytes": int(wal)}


def server_settings() -> dict:
    from django.db import connection

    names = [
        "shared_buffers",
        "max_wal_size",
        "checkpoint_timeout",
        "synchronous_commit",
        "wal_compression",
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, current_setting(name) FROM unnest(%s::text[]) AS name", [names]
        )
        return dict(cursor.fetchall())


def rows_written(before: dict) -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM referrals_caseevent WHERE id > %s", [before["event_id"]]
        )
        (events,) = cursor.fetchone()
        cursor.execute(
            "SELECT channel, status, count(*) FROM referrals_notification WHERE id > %s"
            " AND kind = ANY(%s) GROUP BY 1, 2 ORDER BY 1, 2",
            [before["notification_id"], list(SLA_KINDS)],
        )
        notifications = {f"{channel} {status}": n for channel, status, n in cursor.fetchall()}
    return {"case_events": events, "notifications": notifications}


def largest_ids() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT coalesce(max(id), 0) FROM referrals_caseevent),"
            " (SELECT coalesce(max(id), 0) FROM referrals_notification)"
        )
        event_id, notification_id = cursor.fetchone()
    return {"event_id": event_id, "notification_id": notification_id}


def untold_chunks() -> list[list[int]]:
    """The deadlines the sweep recorded and handed to the workers, in its chunks."""
    from django.db.models import F

    from referrals.models import Deadline
    from referrals.services import escalation

    ids = list(
        Deadline.objects.filter(level_told__lt=F("level_reached"))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    size = escalation.TELL_CHUNK
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def _tell_in_a_process(chunk: list[int]) -> tuple[int, float]:
    from referrals.services import escalation

    started = time.perf_counter()
    told = escalation.tell(chunk)
    return told, time.perf_counter() - started


def _forget_inherited_connections() -> None:
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        connection.inc_thread_sharing()
        connection.close()


def timed_telling(chunks: list[list[int]], processes: int) -> dict:
    """What the deadlines workers do with the chunks: ``escalation.tell`` of each, in
    ``processes`` processes at once (forked from this one, each with its own database
    connection), as that many worker processes of the deadlines queue would take them;
    their notifications' publishing for the mail workers included."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from django.db import connections

    connections.close_all()  # not shared with the forked processes
    started = time.perf_counter()
    with ProcessPoolExecutor(
        processes,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_forget_inherited_connections,
    ) as pool:
        results = list(pool.map(_tell_in_a_process, chunks))
    seconds = time.perf_counter() - started
    times = sorted(s for _told, s in results)
    return {
        "processes": processes,
        "chunks": len(chunks),
        "told": sum(told for told, _s in results),
        "seconds": round(seconds, 3),
        "chunk_median_s": round(statistics.median(times), 3) if times else 0.0,
        "chunk_max_s": round(times[-1], 3) if times else 0.0,
        "chunks_sum_s": round(sum(times), 3),
    }


def profiled_sweep(now: datetime, batch: int) -> tuple[int, float, str]:
    from referrals.services import escalation

    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.enable()
    handled = escalation.sweep(now, batch)
    profile.disable()
    seconds = time.perf_counter() - started
    text = io.StringIO()
    stats = pstats.Stats(profile, stream=text)
    stats.sort_stats("cumulative").print_stats(30)
    stats.sort_stats("tottime").print_stats(15)
    return handled, seconds, text.getvalue()


def forget_notifications(before: dict) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM referrals_notification WHERE id > %s AND kind = ANY(%s)",
            [before["notification_id"], list(SLA_KINDS)],
        )
        return cursor.rowcount


# --- The run ----------------------------------------------------------------------------------


def main() -> None:
    args = parse_args()
    args.deadlines = args.deadlines or args.cases
    env = environment(args)
    prepare(args, env)
    redis_client = broker(args.redis_url)

    from django.db import connection
    from django.utils import timezone

    from referrals.models import Case

    load_before = machine_load()
    recipients = ensure_recipients(args.staff_per_role)
    now = timezone.now().replace(microsecond=0)
    written = write_deadlines(args, now)
    figures = deadline_figures(now)
    print(
        f"Deadlines: {figures['rows']:,} rows, {figures['with_next_check']:,} in {INDEX} "
        f"({figures['index_size']}; table {figures['table_size']}), {figures['due_now']:,} "
        f"due at {now:%H:%M:%S}",
        flush=True,
    )

    # The million rows just written are not left to a checkpoint in the middle of the
    # measurements (a live table is not bulk-loaded a minute before its sweep).
    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")

    # 1. Nothing due: "now" before every point.
    quiet = figures["earliest_next_check"] - timedelta(seconds=1)
    cpu = load.CpuState.now()
    empty = empty_sweeps(args, quiet)
    empty["other_cpu"] = round(
        load.CpuState.now().other_share(cpu, benchmark_pids(redis_client)), 3
    )
    empty_plan = planned(captured_selection(quiet, args.batch, rolled_back=False))
    print(
        f"Sweep with nothing due ({empty['runs']} runs): median {empty['median_ms']:.2f} ms, "
        f"p99 {empty['p99_ms']:.2f} ms (target < {EMPTY_TARGET_MS:.0f} ms)",
        flush=True,
    )

    # 2. The due deadlines, timed with their SQL and their publishing apart.
    before = largest_ids()
    activity = database_activity()
    cpu = load.CpuState.now()
    handled, seconds, trace = traced_sweep(now, args.batch)
    other_cpu = load.CpuState.now().other_share(cpu, benchmark_pids(redis_client))
    activity = {k: v - activity[k] for k, v in database_activity().items()}
    written_rows = rows_written(before)
    tasks = queued_tasks(redis_client)
    publishing_s = trace.dispatch_s - trace.dispatch_sql_ms / 1000
    python_s = seconds - trace.sql_ms() / 1000 - trace.commit_s - publishing_s
    due = {
        "now": now,
        "handled": handled,
        "seconds": round(seconds, 3),
        "per_deadline_ms": round(seconds * 1000 / max(handled, 1), 3),
        "batches": trace.batches,
        "sql_s": round(trace.sql_ms() / 1000, 3),
        "sql_statements": sum(s["n"] for s in trace.statements.values()),
        "statements": dict(sorted(trace.statements.items(), key=lambda kv: -kv[1]["ms"])),
        "commits_s": round(trace.commit_s, 3),
        "publishing_s": round(publishing_s, 3),
        "after_commit_s": round(trace.dispatch_s, 3),
        "python_s": round(python_s, 3),
        "rows_written": {"deadlines_updated": handled, **written_rows},
        "emails_handed_to_dispatch": trace.dispatched_keys,
        "tasks_published": tasks,
        "functions_timed": trace.wrapped,
        "database": activity,
        "other_cpu": round(other_cpu, 3),
        "meets_target": seconds < DUE_TARGET_S,
    }
    chunks = untold_chunks()
    telling = timed_telling(chunks, args.tell_processes)
    due["telling"] = telling
    due["rows_written"] = {"deadlines_updated": handled, **rows_written(before)}
    due["tasks_published"] = tasks = queued_tasks(redis_client)
    redis_client.flushdb()
    print(
        f"Sweep of the due deadlines: {handled:,} in {seconds:.2f} s (target < "
        f"{DUE_TARGET_S:.0f} s): SQL {due['sql_s']:.2f} s in {due['sql_statements']:,} "
        f"statements, COMMIT {trace.commit_s:.2f} s, handing {len(chunks)} chunks to the "
        f"workers {due['publishing_s']:.2f} s, the rest {python_s:.2f} s",
        flush=True,
    )
    print(
        f"Telling them: {telling['told']:,} deadlines in {telling['chunks']} chunks by "
        f"{telling['processes']} processes in {telling['seconds']:.2f} s (a chunk: median "
        f"{telling['chunk_median_s']:.2f} s, longest {telling['chunk_max_s']:.2f} s; "
        f"{telling['chunks_sum_s']:.2f} s in all), publishing {tasks['messages']:,} Celery "
        f"messages for {tasks['notification_ids']:,} emails; rows: {due['rows_written']}",
        flush=True,
    )
    for label, stats in list(due["statements"].items())[:8]:
        print(f"  {stats['ms']:9.1f} ms {stats['n']:6,}×  {label}")
    print(
        f"  blocks of this database: {activity['blocks_hit']:,} in shared buffers, "
        f"{activity['blocks_read']:,} read; WAL written by the server: "
        f"{activity['wal_bytes'] / 2**20:.0f} MB; other processes took {other_cpu:.0%} "
        "of the CPUs",
        flush=True,
    )

    # 3. and 4. A second set due a few minutes later: planned, then profiled.
    second_at = now + SECOND_SET_AFTER
    rearmed = rearm(written, written["due_written"], second_at)
    due_sql = captured_selection(second_at, args.batch, rolled_back=True)
    vacuum("referrals_deadline")  # the rolled-back batch's dead rows, as autovacuum would
    due_plan = planned(due_sql)
    print(f"\n== EXPLAIN (ANALYZE, BUFFERS), {rearmed:,} due ==\n{due_plan['plan']}")
    print(f"\n== EXPLAIN (ANALYZE, BUFFERS), nothing due ==\n{empty_plan['plan']}", flush=True)
    profile = None
    if not args.no_profile:
        handled_again, profiled_s, profile_text = profiled_sweep(second_at, args.batch)
        profile = {"handled": handled_again, "seconds": round(profiled_s, 3), "top": profile_text}
        print(f"\n== cProfile: {handled_again:,} due in {profiled_s:.2f} s (profiled) ==")
        print("\n".join(profile_text.splitlines()[:45]))
    redis_client.flushdb()
    deleted = 0 if args.keep_notifications else forget_notifications(before)

    report = {
        "run": {
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "cases": Case.objects.count(),
            "machine_before": load_before,
            "machine_after": machine_load(),
            "batch": args.batch,
            "broker": args.redis_url,
            "targets": {"due_s_below": DUE_TARGET_S, "empty_ms_below": EMPTY_TARGET_MS},
            "code": code_fingerprint(),
            "postgresql": server_settings(),
        },
        "recipients": recipients,
        "deadlines": {**written, **figures},
        "empty_sweep": empty,
        "due_sweep": due,
        "plans": {"due": due_plan, "nothing_due": empty_plan},
        "profile": profile,
        "notifications_deleted_after": deleted,
    }
    summary = {
        "cases": report["run"]["cases"],
        "deadlines": figures["with_next_check"],
        "due": handled,
        "empty_sweep_ms": {"median": empty["median_ms"], "p99": empty["p99_ms"]},
        "due_sweep_s": due["seconds"],
        "telling": telling,
        "sweep_and_telling_s": round(due["seconds"] + telling["seconds"], 3),
        "due_sweep_parts_s": {
            "sql": due["sql_s"],
            "publishing": due["publishing_s"],
            "commits": due["commits_s"],
            "python": due["python_s"],
        },
        "rows_written": due["rows_written"],
        "tasks_published": tasks,
        "index_scan": due_plan["uses_index"] and empty_plan["uses_index"],
        "seq_scan": due_plan["seq_scan"] or empty_plan["seq_scan"],
        "targets_met": {
            "empty_below_50_ms": empty["meets_target"],
            "due_below_1_s": due["meets_target"],
            "index_scan": due_plan["uses_index"]
            and not (due_plan["seq_scan"] or empty_plan["seq_scan"]),
        },
        "other_cpu": {"empty": empty["other_cpu"], "due": due["other_cpu"]},
        "loadavg_before": load_before["loadavg"],
    }
    write_report(report, args.output, summary)


if __name__ == "__main__":
    main()
