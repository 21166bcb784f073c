"""Email delivery by one Celery worker to a local SMTP server, from a backlog in the outbox.

Usage: .venv/bin/python bench/delivery.py [--cases 1000000] [--emails 5000]
[--concurrency 2] [--dispatch each outbox]

Prepares the database of bench/staff_pages.py (``portal_bench``, demo cases up to
``--cases``) and starts a mail server (aiosmtpd, in a thread of this process) on a free
loopback port. Then, for each worker concurrency and each way of dispatching:

1. empties the broker's Redis database and writes ``--emails`` pending email notifications
   (an SLA reminder to a supervisor about an open case each); publishes ``--noop-tasks``
   tasks that find nothing to send (the worker's floor: a task and one query), then the
   emails' tasks: one ``deliver_notification`` per email (``each``, as a single event
   does), or ``save_and_dispatch`` of all the rows in one transaction (``outbox``, as the
   SLA sweep does; the code decides how it publishes them);
2. starts ONE real worker (``celery -A portal worker --loglevel=INFO --concurrency=N``,
   prefork, as in the Procfile) with ``EMAIL_URL=smtp://127.0.0.1:<port>``, and waits until
   the mail server has received every email; stops it by its pid;
3. reports emails per second from the first email received to the last, the tasks' own
   times from the worker's log, the SMTP sessions opened, where the CPU went (worker,
   PostgreSQL, Redis, the mail server, anything else), and that each row was sent once.

Then, in process: ``notifications.deliver`` of ``--profile-emails`` rows with their SQL
counted, under cProfile; and the mail server alone, one connection per message against
one connection for all. Prints and writes (var/bench/delivery.json) a JSON summary. See
bench/README.md.
"""

import argparse
import cProfile
import io
import os
import pstats
import re
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):
    sys.path[0] = str(BASE_DIR)  # as in staff_pages.py: import from the repository

from bench import load, server, sla_sweep, staff_pages  # noqa: E402
from bench.staff_pages import VAR_DIR  # noqa: E402

# What the issue asks: one worker delivers at least 200 emails a second to a local server.
EMAILS_TARGET = 200.0
NOOP_ID = -1  # no notification has it: the task claims nothing and returns
SUCCEEDED = re.compile(
    r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}): INFO/[^\]]*\] "
    r"Task ([\w.]+)\[([0-9a-f-]+)\] succeeded in ([\d.e-]+)s: (.*)$",
    re.MULTILINE,
)
READY = re.compile(
    r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}): \w+/MainProcess\] .* ready\.$", re.M
)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000, help="cases in the database")
    parser.add_argument("--emails", type=int, default=5000, help="emails in the backlog")
    parser.add_argument(
        "--concurrency",
        type=int,
        nargs="+",
        default=[2],
        help="worker processes (prefork); several values: one run each",
    )
    parser.add_argument(
        "--dispatch",
        nargs="+",
        choices=["each", "outbox"],
        default=["each", "outbox"],
        help="each: one deliver_notification task per email; outbox: save_and_dispatch "
        "of all the rows in one transaction, as the SLA sweep does",
    )
    parser.add_argument(
        "--noop-tasks",
        type=int,
        default=2000,
        help="tasks that find nothing to send, run before the emails (0: none)",
    )
    parser.add_argument(
        "--profile-emails",
        type=int,
        default=300,
        help="emails delivered in process under cProfile, and sent by SMTP alone (0: none)",
    )
    parser.add_argument(
        "--loglevel", default="INFO", help="the worker's (INFO, as in the Procfile)"
    )
    parser.add_argument(
        "--db-reuse-max",
        type=int,
        default=0,
        help="what-if: run the worker with CELERY_DB_REUSE_MAX=N added to the settings (a "
        "module written under var/bench), so that Celery stops closing the database "
        "connection around every task (0: the portal's settings as they are)",
    )
    parser.add_argument("--database-url", default=staff_pages.DEFAULT_DATABASE_URL)
    parser.add_argument(
        "--redis-url",
        default=sla_sweep.DEFAULT_REDIS_URL,
        help="the Celery broker; its database is emptied (FLUSHDB) before each run and after",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the notifications written (deleted by default)"
    )
    parser.add_argument("--output", type=Path, default=VAR_DIR / "delivery.json")
    return sla_sweep.parse_leaving_load_options(parser)


# --- The mail server ------------------------------------------------------------------------


class Inbox:
    """What the mail server received: each message's arrival, and the sessions opened."""

    def __init__(self):
        self.arrivals: list[float] = []  # time.time() of each message, in order
        self.sessions = 0

    async def handle_DATA(self, server, session, envelope):
        self.arrivals.append(time.time())
        return "250 Message accepted for delivery"

    def count(self) -> int:
        return len(self.arrivals)


def start_mail_server(port: int) -> tuple[object, Inbox]:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import SMTP

    class CountingSMTP(SMTP):
        def connection_made(self, transport):
            self.event_handler.sessions += 1
            super().connection_made(transport)

    class MailServer(Controller):
        def factory(self):
            return CountingSMTP(self.handler, **self.SMTP_kwargs)

    inbox = Inbox()
    controller = MailServer(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, inbox


# --- The worker -------------------------------------------------------------------------------


def start_worker(env, concurrency: int, loglevel: str, log: Path) -> subprocess.Popen:
    """One worker, in a process group of its own (stopped by its pid, as in tests/)."""
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "portal",
        "worker",
        f"--loglevel={loglevel}",
        f"--concurrency={concurrency}",
        "--hostname",
        f"bench-delivery-{concurrency}@%h",
    ]
    with log.open("w") as output:
        return subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def worker_environment(env: dict[str, str], db_reuse_max: int) -> dict[str, str]:
    """The worker's environment; with ``db_reuse_max``, the portal's settings plus
    CELERY_DB_REUSE_MAX, from a module under var/bench (the portal's code is untouched)."""
    if not db_reuse_max:
        return env
    folder = VAR_DIR / "worker_settings"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "bench_worker_settings.py").write_text(
        '"""Written by bench/delivery.py --db-reuse-max: a what-if, not a setting in use."""\n\n'
        "from portal.settings import *  # noqa: F403\n\n"
        f"CELERY_DB_REUSE_MAX = {db_reuse_max}\n"
    )
    path = os.pathsep.join(p for p in (str(folder), env.get("PYTHONPATH", "")) if p)
    return {**env, "DJANGO_SETTINGS_MODULE": "bench_worker_settings", "PYTHONPATH": path}


def stop_worker(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _log_time(stamp: str) -> float:
    """A worker log line's time (local, as logging writes it) as time.time() counts."""
    return datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f").timestamp()


def wait_until_ready(process: subprocess.Popen, log: Path, timeout: float = 90) -> float:
    """The time of the worker's "ready" line."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"The worker stopped (exit {process.returncode}):\n{log.read_text()[-3000:]}")
        found = READY.search(log.read_text())
        if found:
            return _log_time(found[1])
        time.sleep(0.1)
    sys.exit(f"The worker was not ready within {timeout:.0f} s:\n{log.read_text()[-3000:]}")


@dataclass
class TaskRun:
    name: str
    task_id: str
    finished: float  # time.time() of the "succeeded" line
    seconds: float  # the task's own time, as the worker reports it


def succeeded_tasks(log: Path) -> list[TaskRun]:
    return [
        TaskRun(name.rsplit(".", 1)[-1], task_id, _log_time(stamp), float(runtime))
        for stamp, name, task_id, runtime, _result in SUCCEEDED.findall(log.read_text())
    ]


def _task_figures(runs: list[TaskRun]) -> dict | None:
    if not runs:
        return None
    times = [r.seconds * 1000 for r in runs]
    span = runs[-1].finished - runs[0].finished
    return {
        "tasks": len(runs),
        "per_second": round((len(runs) - 1) / span, 1) if span > 0 else None,
        "own_ms_median": round(statistics.median(times), 3),
        "own_ms_p90": round(sla_sweep.percentile(times, 0.90), 3),
        "own_ms_total": round(sum(times), 1),
    }


# --- The backlog ------------------------------------------------------------------------------


def backlog(count: int, prefix: str) -> list:
    """``count`` pending emails, not saved: an SLA reminder about an open case (at random)
    to a supervisor of its lead agency, as the sweep writes them."""
    from agencies.models import Membership, Role
    from referrals.models import OPEN_CASE_STATUSES, Case, Notification

    supervisors = {}
    for membership in (
        Membership.objects.filter(role=Role.SUPERVISOR, is_active=True, user__is_active=True)
        .exclude(user__email="")
        .select_related("user")
        .order_by("user_id")
    ):
        supervisors.setdefault(membership.agency_id, membership.user)
    cases = list(
        Case.objects.filter(status__in=OPEN_CASE_STATUSES, lead_agency_id__in=supervisors)
        .order_by("?")
        .values_list("pk", "lead_agency_id")[:count]
    )
    if not cases:
        sys.exit("No open case led by an agency with a supervisor who has an email: seed first.")
    due = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    rows = []
    for n in range(count):
        case_id, agency_id = cases[n % len(cases)]
        user = supervisors[agency_id]
        rows.append(
            Notification(
                kind="sla_reminder",
                case_id=case_id,
                user=user,
                channel=Notification.Channel.EMAIL,
                recipient=user.email,
                language="th",
                context={"deadline_kind": "resolve", "due": due},
                idempotency_key=f"{prefix}:{n}",
            )
        )
    return rows


def queue_backlog(rows: list, dispatch: str, prefix: str) -> tuple[list[int], float]:
    """Write the rows and publish their tasks; their ids, and the seconds both took."""
    from django.db import transaction

    from referrals import notifications
    from referrals.models import Notification
    from referrals.tasks import deliver_notification

    started = time.perf_counter()
    if dispatch == "outbox":
        with transaction.atomic():
            notifications.save_and_dispatch(rows)  # publishes on commit, as the code does
        ids = list(
            Notification.objects.filter(idempotency_key__startswith=f"{prefix}:").values_list(
                "pk", flat=True
            )
        )
        return ids, time.perf_counter() - started
    Notification.objects.bulk_create(rows)
    for row in rows:
        deliver_notification.delay(row.pk)
    return [row.pk for row in rows], time.perf_counter() - started


def statuses(prefix: str) -> dict[str, int]:
    from django.db.models import Count

    from referrals.models import Notification

    return dict(
        Notification.objects.filter(idempotency_key__startswith=f"{prefix}:")
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )


def forget(prefix: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM referrals_notification WHERE idempotency_key LIKE %s", [f"{prefix}:%"]
        )
        return cursor.rowcount


def database_sessions() -> int:
    """Connections opened to this database so far (PostgreSQL 14 and later)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


# --- Where the CPU went -----------------------------------------------------------------------


def _children_seconds(pid: int) -> float:
    """CPU seconds of the children ``pid`` has reaped (cutime + cstime): PostgreSQL's
    backends that closed, whose own figures left /proc with them."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[13]) + int(fields[14])) / load.CLOCK_TICKS


def postmaster_pid() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (backend,) = cursor.fetchone()
    return load.CpuState.now().processes[backend][0]


def cpu_shares(before, after, worker_pid: int, redis_pid: int, postmaster: tuple) -> dict:
    """CPUs used (1.0 = one whole core) between two snapshots, by part of the benchmark.

    ``postmaster`` is (its pid, its reaped children's seconds at ``before``): a backend
    that a task opened and closed meanwhile is counted there (whatever its database)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE (datname = current_database()"
            " AND pid <> pg_backend_pid()) OR backend_type = ANY(%s)",
            [list(sla_sweep.POSTGRES_HELPERS)],
        )
        postgres = {pid for (pid,) in cursor.fetchall()}
    workers = {worker_pid} | {
        pid for pid, (parent, _s) in after.processes.items() if parent == worker_pid
    }
    seconds = after.at - before.at

    def used(pids) -> float:
        return sum(
            after.processes[pid][1] - before.processes.get(pid, (0, 0.0))[1]
            for pid in pids
            if pid in after.processes
        )

    pid, reaped_before = postmaster
    parts = {
        "worker": used(workers),
        "postgres": used(postgres) + _children_seconds(pid) - reaped_before,
        "redis": used({redis_pid}),
        "mail_server_and_bench": used({os.getpid()}),
    }
    parts["other"] = max(0.0, after.busy - before.busy - sum(parts.values()))
    return {name: round(cpu / seconds, 2) for name, cpu in parts.items()}


def connect_ms(times: int = 50) -> float:
    """What a new PostgreSQL connection costs this process: connect, and a first query."""
    from django.db import connection

    started = time.perf_counter()
    for _ in range(times):
        connection.close()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    return round((time.perf_counter() - started) * 1000 / times, 3)


# --- One run ----------------------------------------------------------------------------------


@dataclass
class Run:
    concurrency: int
    dispatch: str
    emails: int
    published_s: float
    messages: dict
    received: int = 0
    extra_received: int = 0  # after every email had arrived: a second copy of one
    seconds: float | None = None  # first email received to the last
    emails_per_second: float | None = None
    from_ready_per_second: float | None = None  # from the worker's "ready" line
    smtp_sessions: int = 0
    database_sessions: int = 0  # PostgreSQL connections opened meanwhile (pg_stat_database)
    worker_settings: str = "portal.settings"
    statuses: dict = field(default_factory=dict)
    noop_tasks: dict | None = None
    email_tasks: dict | None = None
    cpu: dict | None = None
    sent_once_each: bool = False
    meets_target: bool = False
    log: str = ""


def one_run(args, env, inbox, redis_client, concurrency: int, dispatch: str) -> Run:
    from referrals.tasks import deliver_notification

    stamp = f"bench-delivery:{int(time.time())}:{concurrency}:{dispatch}:{args.db_reuse_max}"
    redis_client.flushdb()
    rows = backlog(args.emails, stamp)
    noop_ids = {deliver_notification.delay(NOOP_ID).id for _ in range(args.noop_tasks)}
    ids, published_s = queue_backlog(rows, dispatch, stamp)
    messages = sla_sweep.queued_tasks(redis_client)
    print(
        f"\nc={concurrency}, {dispatch}: {len(ids):,} emails pending, {messages['messages']:,} "
        f"messages in the broker ({messages['by_task']}); the emails' published in "
        f"{published_s:.2f} s",
        flush=True,
    )
    run = Run(concurrency, dispatch, len(ids), round(published_s, 3), messages)
    if args.db_reuse_max:
        run.worker_settings = f"portal.settings + CELERY_DB_REUSE_MAX={args.db_reuse_max}"
    reuse = f"-reuse{args.db_reuse_max}" if args.db_reuse_max else ""
    log = VAR_DIR / f"delivery-worker-c{concurrency}-{dispatch}{reuse}.log"
    run.log = str(log)
    inbox.arrivals.clear()
    sessions_before = inbox.sessions
    redis_pid = int(redis_client.info("server")["process_id"])
    postmaster = postmaster_pid()
    sessions_opened = database_sessions()
    worker = start_worker(
        worker_environment(env, args.db_reuse_max), concurrency, args.loglevel, log
    )
    try:
        ready = wait_until_ready(worker, log)
        cpu_first = cpu_last = None
        deadline = time.monotonic() + max(120.0, args.emails / 20)
        progress_at, last_count = time.monotonic(), 0
        while inbox.count() < len(ids) and time.monotonic() < deadline:
            if worker.poll() is not None:
                break
            if cpu_first is None and inbox.count():
                cpu_first = load.CpuState.now()
                reaped = (postmaster, _children_seconds(postmaster))
            if inbox.count() != last_count:
                progress_at, last_count = time.monotonic(), inbox.count()
            elif time.monotonic() - progress_at > 60:
                break  # stalled: report what arrived
            time.sleep(0.05)
        cpu_last = load.CpuState.now()
        received = inbox.count()
        time.sleep(2)  # a second copy of any email would arrive now
        run.extra_received = inbox.count() - received
        if cpu_first is not None:
            run.cpu = cpu_shares(cpu_first, cpu_last, worker.pid, redis_pid, reaped)
    finally:
        stop_worker(worker)
    time.sleep(1)  # PostgreSQL's statistics are flushed within a second
    run.database_sessions = database_sessions() - sessions_opened
    arrivals = list(inbox.arrivals)
    run.received, run.smtp_sessions = len(arrivals), inbox.sessions - sessions_before
    if len(arrivals) > 1:
        run.seconds = round(arrivals[-1] - arrivals[0], 3)
        run.emails_per_second = round((len(arrivals) - 1) / (arrivals[-1] - arrivals[0]), 1)
        run.from_ready_per_second = round(len(arrivals) / (arrivals[-1] - ready), 1)
    tasks = succeeded_tasks(log)
    run.noop_tasks = _task_figures([t for t in tasks if t.task_id in noop_ids])
    run.email_tasks = _task_figures([t for t in tasks if t.task_id not in noop_ids])
    run.statuses = statuses(stamp)
    run.sent_once_each = (
        run.statuses == {"sent": len(ids)} and run.received == len(ids) == args.emails
    )
    run.meets_target = run.sent_once_each and (run.emails_per_second or 0) >= EMAILS_TARGET
    if not args.keep:
        forget(stamp)
    redis_client.flushdb()
    print(
        f"  {run.received:,} received in {run.seconds} s: {run.emails_per_second} emails/s "
        f"(target >= {EMAILS_TARGET:.0f}), {run.smtp_sessions} SMTP sessions, "
        f"{run.database_sessions:,} PostgreSQL connections opened, statuses "
        f"{run.statuses}, CPUs {run.cpu}",
        flush=True,
    )
    print(f"  no-op tasks: {run.noop_tasks}\n  email tasks: {run.email_tasks}", flush=True)
    return run


# --- In process: where an email's time goes ---------------------------------------------------


def profile_in_process(count: int, inbox) -> dict:
    """``deliver`` of ``count`` rows, timed with its SQL, then under cProfile; and the mail
    server alone: a connection per message (send_mail) against one for all."""
    from django.core.mail import EmailMessage, get_connection, send_mail
    from django.db import connection

    from referrals import notifications
    from referrals.models import Notification

    stamp = f"bench-delivery:{int(time.time())}:profile"
    rows = backlog(2 * count, stamp)
    Notification.objects.bulk_create(rows)
    queries, sql_seconds = 0, 0.0

    def timed_sql(execute, sql, params, many, context):
        nonlocal queries, sql_seconds
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            queries += 1
            sql_seconds += time.perf_counter() - started

    sessions = inbox.sessions
    with connection.execute_wrapper(timed_sql):
        started = time.perf_counter()
        sent = sum(notifications.deliver(row.pk) for row in rows[:count])
        timed_s = time.perf_counter() - started
    timed_sessions = inbox.sessions - sessions
    profile = cProfile.Profile()
    profile.enable()
    started = time.perf_counter()
    sent += sum(notifications.deliver(row.pk) for row in rows[count:])
    profiled_s = time.perf_counter() - started
    profile.disable()
    text = io.StringIO()
    pstats.Stats(profile, stream=text).sort_stats("cumulative").print_stats(35)

    subject, body = "Reminder: Resolve the case, case RP-2026-ABC123", "x" * 600
    messages = [EmailMessage(subject, body, None, [f"p{n}@bench.invalid"]) for n in range(count)]
    started = time.perf_counter()
    for message in messages:
        send_mail(message.subject, message.body, None, message.to)
    per_connection_s = time.perf_counter() - started
    started = time.perf_counter()
    with get_connection() as shared:
        shared.send_messages(messages)
    shared_s = time.perf_counter() - started
    forget(stamp)
    return {
        "postgres_connect_ms": connect_ms(),
        "emails": count,
        "sent": sent,
        "deliver_ms_each": round(timed_s * 1000 / count, 3),
        "deliver_per_second": round(count / timed_s, 1),
        "sql_ms_each": round(sql_seconds * 1000 / count, 3),
        "queries_each": round(queries / count, 2),
        "smtp_sessions_for_them": timed_sessions,
        "profiled_ms_each": round(profiled_s * 1000 / count, 3),
        "profile": text.getvalue(),
        "smtp_alone": {
            "connection_per_message_per_second": round(count / per_connection_s, 1),
            "one_connection_per_second": round(count / shared_s, 1),
        },
    }


# --- The run ----------------------------------------------------------------------------------


def main() -> None:
    args = parse_args()
    port = server.free_port()
    env = {**sla_sweep.environment(args), "EMAIL_URL": f"smtp://127.0.0.1:{port}"}
    sla_sweep.prepare(args, env)
    redis_client = sla_sweep.broker(args.redis_url)
    load_before = sla_sweep.machine_load()
    controller, inbox = start_mail_server(port)
    runs, profile = [], None
    try:
        for concurrency in args.concurrency:
            for dispatch in args.dispatch:
                runs.append(one_run(args, env, inbox, redis_client, concurrency, dispatch))
        if args.profile_emails:
            profile = profile_in_process(args.profile_emails, inbox)
            print(
                f"\n== In process: deliver() {profile['deliver_ms_each']:.2f} ms an email "
                f"({profile['deliver_per_second']:.0f}/s), SQL {profile['sql_ms_each']:.2f} ms "
                f"in {profile['queries_each']} queries, {profile['smtp_sessions_for_them']} "
                f"SMTP sessions for {profile['emails']}; SMTP alone: "
                f"{profile['smtp_alone']}; a new PostgreSQL connection "
                f"{profile['postgres_connect_ms']:.2f} ms =="
            )
            print("\n".join(profile["profile"].splitlines()[:50]))
    finally:
        controller.stop()
        redis_client.flushdb()

    from referrals.models import Case

    report = {
        "run": {
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "cases": Case.objects.count(),
            "machine_before": load_before,
            "machine_after": sla_sweep.machine_load(),
            "broker": args.redis_url,
            "mail_server": f"aiosmtpd in a thread of the benchmark, 127.0.0.1:{port}",
            "worker": f"celery -A portal worker --loglevel={args.loglevel} --concurrency=N "
            "(prefork)",
            "target_emails_per_second": EMAILS_TARGET,
            "code": sla_sweep.code_fingerprint(),
        },
        "runs": [run.__dict__ for run in runs],
        "in_process": profile,
    }
    summary = {
        "cases": report["run"]["cases"],
        "runs": [
            {
                "concurrency": run.concurrency,
                "dispatch": run.dispatch,
                "emails": run.emails,
                "emails_per_second": run.emails_per_second,
                "worker_settings": run.worker_settings,
                "smtp_sessions": run.smtp_sessions,
                "database_sessions": run.database_sessions,
                "noop_tasks_per_second": (run.noop_tasks or {}).get("per_second"),
                "email_task_ms_median": (run.email_tasks or {}).get("own_ms_median"),
                "cpu": run.cpu,
                "sent_once_each": run.sent_once_each,
                "meets_target": run.meets_target,
            }
            for run in runs
        ],
        "in_process": profile and {k: v for k, v in profile.items() if k != "profile"},
        "loadavg_before": load_before["loadavg"],
    }
    sla_sweep.write_report(report, args.output, summary)


if __name__ == "__main__":
    main()
