"""Whether the staff pages cost more as cases grow: each page of the staff benchmark, at
100,000, 300,000 and 1,000,000 cases, requested in process through Django's WSGI handler
(as gunicorn calls it, without a load tool): its median time, its time in SQL and its
number of queries.

Usage: .venv/bin/python bench/growth.py [--sizes 100000,300000,1000000] [--requests 30]

Each size has its own database (``portal_bench`` for a million, as the other benchmarks,
``portal_bench_100k`` and ``portal_bench_300k`` for the others), made as
``staff_pages.py`` makes it (``--prepare-only``) when missing. Each size is measured in a
process of its own (the settings name one database). Writes var/bench/growth.json and
prints a table: a page whose time or queries grow with the cases shows it across a row.
See bench/README.md.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):
    sys.path[0] = str(BASE_DIR)

from bench import data, staff_pages  # noqa: E402

SERVER = "postgres://postgres@127.0.0.1:5432"


def database_url(size: int) -> str:
    return (
        f"{SERVER}/portal_bench" if size >= 1_000_000 else f"{SERVER}/portal_bench_{size // 1000}k"
    )


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,300000,1000000")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page")
    parser.add_argument("--agency", default="MOJ")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # a child: one size
    parser.add_argument("--output", type=Path, default=staff_pages.VAR_DIR / "growth.json")
    return parser.parse_args()


def measure_one(args) -> list[dict]:
    """In this process, on the database of ``args.one`` cases: every page of the staff
    benchmark, warmed, then timed ``args.requests`` times and its queries counted once."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from referrals.models import Case

    app = WSGIHandler()
    case = data.representative_case(f"{args.agency.lower()}-supervisor", args.agency)
    pages = [t for t in staff_pages.targets_for(args, case) if t.username]
    sessions = {t.username: data.sign_in(t.username) for t in pages}

    def get(target) -> int:
        return data.wsgi_get(app, target.path, sessions[target.username].cookie)

    rows = []
    for target in pages:
        for _ in range(3):
            status = get(target)
        if status != 200:
            sys.exit(f"{target.label} ({target.path}) answered {status}")
        times = []
        for _ in range(args.requests):
            started = time.perf_counter()
            get(target)
            times.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as asked:
            get(target)
        rows.append(
            {
                "label": target.label,
                "path": target.path,
                "median_ms": round(statistics.median(times), 1),
                "sql_ms": round(sum(float(q["time"]) for q in asked.captured_queries) * 1000, 1),
                "queries": len(asked.captured_queries),
                "matching": staff_pages.matching_cases(target, sessions),
            }
        )
    return [{"cases": Case.objects.count()}, *rows]


def main() -> None:
    args = parse_args()
    if args.one:
        env = staff_pages.server_environment(
            argparse.Namespace(database_url=database_url(args.one))
        )
        os.environ.update(env)
        import django

        django.setup()
        print(json.dumps(measure_one(args)))
        return
    sizes = [int(size) for size in args.sizes.split(",")]
    python = Path(sys.executable)
    results = {}
    for size in sizes:
        url = database_url(size)
        script = BASE_DIR / "bench" / "staff_pages.py"
        prepare = [python, script, "--cases", str(size), "--database-url", url, "--prepare-only"]
        subprocess.run(prepare, cwd=BASE_DIR, check=True)
        child = [python, __file__, "--one", str(size), "--requests", str(args.requests)]
        found = subprocess.run(
            [*child, "--agency", args.agency], cwd=BASE_DIR, check=True, capture_output=True
        )
        results[size] = json.loads(found.stdout.decode().strip().splitlines()[-1])
    print_table(sizes, results)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({str(k): v for k, v in results.items()}, indent=2))
    print(f"\nWritten to {args.output}")


def print_table(sizes: list[int], results: dict) -> None:
    print("\npage" + "".join(f" | {results[s][0]['cases']:>9,} cases: ms (SQL) q" for s in sizes))
    labels = [row["label"] for row in results[sizes[0]][1:]]
    for index, label in enumerate(labels, start=1):
        cells = []
        for size in sizes:
            row = results[size][index]
            cells.append(f" | {row['median_ms']:>7.1f} ({row['sql_ms']:>5.1f}) {row['queries']:>2}")
        print(f"{label:<24}" + "".join(cells))


if __name__ == "__main__":
    main()
