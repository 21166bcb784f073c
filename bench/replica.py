"""The dashboards counted on a streaming replica while citizens' requests are written:
what a replica spares the primary, and how far it lags.

Usage: .venv/bin/python bench/replica.py [--cases 1000000] [--writers 2] [--baseline 20]

1. A PostgreSQL primary of the benchmark's own, made with initdb in var/bench/replica/primary
   on a free port, with the server's default settings (``wal_level=replica``), and seeded
   with ``--cases`` demo cases as bench/staff_pages.py seeds its database. It is kept for
   the next run (seeding a million cases takes minutes); ``--fresh`` makes it again. The
   machine's shared PostgreSQL is not used: its pg_hba.conf allows no replication.
2. A hot standby of it made with ``pg_basebackup -R -X stream`` in
   var/bench/replica/standby, started on another free port; removed at the end.
3. ``--writers`` processes (forked, a database connection each) submit requests back to
   back on the primary through ``services.create_case``, as the public form does after
   its validation, for the whole run; each submission's end and duration are kept.
4. With the writers running: ``--baseline`` seconds of them alone; then every dashboard
   snapshot removed and the task ``refresh_dashboards`` (what Celery beat runs) run in a
   process of its own on the primary alone; then again, every snapshot removed, in a
   process with ``DATABASE_REPLICA_URL`` naming the standby, so that its reads go there.
   Meanwhile the standby's lag is read every half second: WAL bytes not yet replayed, and
   the age of the last transaction it replayed.
5. For each window: the submissions a second and their p50 and p99; the refresh's time;
   the lag's largest values; the rows the standby's queries read (pg_stat_database).

Both servers run on this machine, so the standby's work takes the same two cores as the
primary's: what the figures show is the primary's own work (its buffers, its locks, its
queries), not a second machine's capacity. Writes var/bench/replica.json.
"""

import argparse
import json
import multiprocessing
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):
    sys.path[0] = str(BASE_DIR)  # as in staff_pages.py: import from the repository

from bench import data, sla_sweep, staff_pages  # noqa: E402
from bench.staff_pages import VAR_DIR  # noqa: E402
from tests.postgres_clusters import (  # noqa: E402
    free_port,
    initdb,
    owned_directory,
    server,
    standby_of,
)

HERE = VAR_DIR / "replica"
# The servers' own settings but the port and the WAL: fsync stays on, as in production.
OPTIONS = "-c max_connections=100"

REFRESH = """
import json, time
import django
django.setup()
from django.db import connections
from portal.tasks import refresh_dashboards
started = time.perf_counter()
done = refresh_dashboards()  # the task as beat has it run, in this process
done["wall_seconds"] = time.perf_counter() - started
done["replica_configured"] = "replica" in connections.settings
print(json.dumps(done))
"""


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000, help="cases on the primary")
    parser.add_argument("--writers", type=int, default=2, help="processes submitting requests")
    parser.add_argument("--baseline", type=float, default=20.0, help="seconds of the writers alone")
    parser.add_argument("--fresh", action="store_true", help="make the primary again")
    parser.add_argument("--output", type=Path, default=VAR_DIR / "replica.json")
    return sla_sweep.parse_leaving_load_options(parser)


# --- The writers -----------------------------------------------------------------------------


def _writer(number: int, stop, log: Path) -> None:
    """Submit requests back to back until ``stop``; each one's end and seconds to ``log``."""
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        connection.inc_thread_sharing()
        connection.close()  # the parent's, not to be shared
    from agencies.models import Province
    from referrals import services
    from referrals.models import Category, Channel

    category = Category.objects.get(code="unpaid-wages")
    province = Province.objects.get(code="10")
    with log.open("w") as out:
        n = 0
        while not stop.is_set():
            n += 1
            request = services.NewCase(
                category=category,
                province=province,
                citizen_name=f"ผู้ทดสอบ {number}-{n}",
                citizen_phone="081 234 5678",
                description="นายจ้างไม่จ่ายค่าจ้างมาสามเดือนแล้ว ขอความช่วยเหลือ",
                channel=Channel.WEB,
            )
            started = time.perf_counter()
            services.create_case(request)
            ended = time.perf_counter()
            out.write(f"{ended:.6f} {ended - started:.6f}\n")


def submissions(logs: list[Path], start: float, end: float) -> dict:
    """The submissions that ended within [start, end): how many a second, p50 and p99."""
    durations = []
    for log in logs:
        for line in log.read_text().splitlines():
            ended, seconds = map(float, line.split())
            if start <= ended < end:
                durations.append(seconds * 1000)
    durations.sort()
    if not durations:
        return {"count": 0}

    def at(share):
        return round(durations[min(len(durations) - 1, int(share * len(durations)))], 1)

    return {
        "count": len(durations),
        "per_second": round(len(durations) / (end - start), 1),
        "p50_ms": at(0.5),
        "p99_ms": at(0.99),
        "mean_ms": round(statistics.fmean(durations), 1),
    }


# --- The standby's lag -----------------------------------------------------------------------


class LagWatch(threading.Thread):
    """Reads the standby's lag every half second: WAL bytes the primary wrote that it has not
    replayed yet, and the age of the last transaction it replayed (while writes go on)."""

    def __init__(self, primary_url: str, standby_url: str):
        super().__init__(daemon=True)
        import psycopg2

        self.primary = psycopg2.connect(primary_url)
        self.primary.autocommit = True
        self.standby = psycopg2.connect(standby_url)
        self.standby.autocommit = True
        self.samples: list[tuple[float, int, float]] = []
        self.stopping = threading.Event()

    def lag(self) -> tuple[int, float]:
        with self.primary.cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()")
            (written,) = cursor.fetchone()
        with self.standby.cursor() as cursor:
            cursor.execute(
                "SELECT pg_wal_lsn_diff(%s, pg_last_wal_replay_lsn()),"
                " extract(epoch FROM now() - pg_last_xact_replay_timestamp())",
                [written],
            )
            behind, age = cursor.fetchone()
        return max(int(behind), 0), float(age or 0)

    def run(self) -> None:
        while not self.stopping.wait(0.5):
            behind, age = self.lag()
            self.samples.append((time.perf_counter(), behind, age))

    def between(self, start: float, end: float) -> dict:
        within = [(b, a) for t, b, a in self.samples if start <= t < end]
        if not within:
            return {}
        return {
            "samples": len(within),
            "bytes_max": max(b for b, _a in within),
            "bytes_median": int(statistics.median(b for b, _a in within)),
            "seconds_max": round(max(a for _b, a in within), 2),
            "seconds_median": round(statistics.median(a for _b, a in within), 2),
        }

    def caught_up(self, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while self.lag()[0] > 0:
            if time.monotonic() > deadline:
                sys.exit("The standby did not catch up with the primary.")
            time.sleep(0.2)

    def rows_read(self) -> int:
        """What the standby's queries have read so far (its pg_stat_database)."""
        with self.standby.cursor() as cursor:
            cursor.execute(
                "SELECT tup_returned + tup_fetched FROM pg_stat_database"
                " WHERE datname = current_database()"
            )
            return int(cursor.fetchone()[0])


# --- The run --------------------------------------------------------------------------------


def refresh(env: dict, replica_url: str | None) -> dict:
    """refresh_standard_views in a process of its own, every snapshot removed first."""
    from portal.models import DashboardSnapshot

    DashboardSnapshot.objects.all().delete()
    child = {**env, "DATABASE_REPLICA_URL": replica_url or ""}
    result = subprocess.run(
        [sys.executable, "-c", REFRESH],
        cwd=BASE_DIR,
        env=child,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if result.returncode:
        sys.exit(f"The refresh failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    args = parse_args()
    primary_dir, standby_dir = HERE / "primary", HERE / "standby"
    owned_directory(HERE)
    if args.fresh and primary_dir.exists():
        shutil.rmtree(primary_dir)
    if not primary_dir.exists():
        initdb(primary_dir)
    shutil.rmtree(standby_dir, ignore_errors=True)
    primary_port, standby_port = free_port(), free_port()
    with server(
        primary_dir, primary_port, HERE / "primary.log", OPTIONS, database="portal_bench"
    ) as primary_url:
        args.database_url = primary_url
        env = {**staff_pages.server_environment(args), "VAR_DIR": str(HERE / "var")}
        data.prepare(env, args.cases, static=False)
        from referrals.models import Case

        cases = Case.objects.count()
        print(f"Making the standby of {cases:,} cases (pg_basebackup)", flush=True)
        started = time.perf_counter()
        standby_of(primary_port, standby_dir, timeout=1800)
        basebackup_s = time.perf_counter() - started
        with server(
            standby_dir, standby_port, HERE / "standby.log", OPTIONS, database="portal_bench"
        ) as standby_url:
            report = measure(args, env, primary_url, standby_url)
        shutil.rmtree(standby_dir, ignore_errors=True)
    report["run"] = {
        "cases": cases,
        "writers": args.writers,
        "basebackup_s": round(basebackup_s, 1),
        "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(json.dumps(report, indent=2, ensure_ascii=False))
    print(f"Written to {args.output}")


def measure(args, env: dict, primary_url: str, standby_url: str) -> dict:
    from django.db import connections

    watch = LagWatch(primary_url, standby_url)
    watch.caught_up()
    watch.start()
    logs = [HERE / f"writer-{n}.log" for n in range(args.writers)]
    stop = multiprocessing.get_context("fork").Event()
    connections.close_all()  # the writers open their own
    writers = [
        multiprocessing.get_context("fork").Process(target=_writer, args=(n, stop, log))
        for n, log in enumerate(logs)
    ]
    for writer in writers:
        writer.start()
    try:
        time.sleep(3)  # the writers' first requests, unmeasured
        windows = {}
        start = time.perf_counter()
        time.sleep(args.baseline)
        windows["writers alone"] = (start, time.perf_counter(), None)
        for label, replica_url in (
            ("refresh on the primary", None),
            ("refresh on the replica", standby_url),
        ):
            read_before = watch.rows_read()
            start = time.perf_counter()
            done = refresh(env, replica_url)
            windows[label] = (start, time.perf_counter(), done)
            done["standby_rows_read"] = watch.rows_read() - read_before
            print(f"{label}: {done['computed']} views in {done['wall_seconds']:.1f} s", flush=True)
    finally:
        stop.set()
        for writer in writers:
            writer.join(timeout=60)
        watch.stopping.set()
    report = {}
    for label, (start, end, done) in windows.items():
        report[label] = {
            "seconds": round(end - start, 1),
            "submissions": submissions(logs, start, end),
            "lag": watch.between(start, end),
            "refresh": done,
        }
        print(f"{label}: {json.dumps(report[label], ensure_ascii=False)}", flush=True)
    return report


if __name__ == "__main__":
    main()
