"""Where one staff page spends its time: the pages of the staff benchmark, each requested in
process through Django's WSGI handler (as gunicorn calls it), timed, then run under
cProfile, with the time split between SQL, template rendering and the rest.

Usage: .venv/bin/python bench/profile_page.py [--pages "case page,queue: new"]
       [--requests 30] [--database-url URL] [--top 25]

On the database of the staff benchmark (``staff_pages.py --prepare-only`` makes it). Prints,
for each page: the median and fastest of ``--requests`` requests, its queries and their
time, the time spent drawing the templates (``django.shortcuts.render``), and the
functions with the most time of their own. Writes var/bench/profile_page.json. See
bench/README.md.
"""

import argparse
import cProfile
import json
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):
    sys.path[0] = str(BASE_DIR)

from bench import data, staff_pages  # noqa: E402

# Drawing the page: django.shortcuts.render (both engines), called once a request.
RENDERER = ("django/shortcuts.py", "render")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", default="case page,queue: new,queue: all,search: name")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--agency", default="MOJ")
    parser.add_argument("--database-url", default=staff_pages.DEFAULT_DATABASE_URL)
    parser.add_argument("--top", type=int, default=25, help="functions listed per page")
    parser.add_argument("--queries", action="store_true", help="list each page's queries")
    parser.add_argument("--output", type=Path, default=staff_pages.VAR_DIR / "profile_page.json")
    return parser.parse_args()


def cumulative(stats: pstats.Stats, file_end: str, function: str) -> float:
    """Seconds inside ``function`` defined in a file ending so (not itself recursive)."""
    return sum(
        timing[3]
        for (filename, _line, name), timing in stats.stats.items()
        if name == function and filename.endswith(file_end)
    )


def main() -> None:
    args = parse_args()
    env = staff_pages.server_environment(args)
    os.environ.update(env)
    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    app = WSGIHandler()
    case = data.representative_case(f"{args.agency.lower()}-supervisor", args.agency)
    wanted = [label.strip() for label in args.pages.split(",")]
    targets = {t.label: t for t in staff_pages.targets_for(args, case) if t.username}
    missing = [label for label in wanted if label not in targets]
    if missing:
        sys.exit(f"No such page: {', '.join(missing)}; the pages: {', '.join(targets)}")
    sessions = {}
    report = {}
    for label in wanted:
        target = targets[label]
        if target.username not in sessions:
            sessions[target.username] = data.sign_in(target.username)
        cookie = sessions[target.username].cookie
        for _ in range(3):
            status = data.wsgi_get(app, target.path, cookie)
        if status != 200:
            sys.exit(f"{label} ({target.path}) answered {status}")
        times = []
        for _ in range(args.requests):
            started = time.perf_counter()
            data.wsgi_get(app, target.path, cookie)
            times.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as asked:
            data.wsgi_get(app, target.path, cookie)
        # Read now: the next request's request_started signal empties the log.
        queries = list(asked.captured_queries)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.requests):
            data.wsgi_get(app, target.path, cookie)
        profiler.disable()
        stats = pstats.Stats(profiler)
        whole = stats.total_tt / args.requests
        rendering = cumulative(stats, *RENDERER) / args.requests
        own = sorted(
            (
                (tt / args.requests, nc / args.requests, f"{Path(fn).name}:{line}({name})")
                for (fn, line, name), (_cc, nc, tt, _ct, _callers) in stats.stats.items()
            ),
            reverse=True,
        )[: args.top]
        report[label] = {
            "path": target.path,
            "median_ms": round(statistics.median(times), 2),
            "fastest_ms": round(min(times), 2),
            "queries": len(queries),
            "sql_ms": round(sum(float(q["time"]) for q in queries) * 1000, 2),
            "profiled_ms": round(whole * 1000, 2),
            "rendering_ms": round(rendering * 1000, 2),
            "own_time": [[round(t * 1000, 3), round(n, 1), where] for t, n, where in own],
            "sql": [[float(query["time"]) * 1000, query["sql"]] for query in queries],
        }
        page = report[label]
        print(
            f"\n{label}: median {page['median_ms']} ms (fastest {page['fastest_ms']}), "
            f"{page['queries']} queries in {page['sql_ms']} ms; under the profiler "
            f"{page['profiled_ms']} ms, of which rendering templates {page['rendering_ms']} ms"
        )
        if args.queries:
            for query in queries:
                print(f"  {float(query['time']) * 1000:8.3f} ms  {query['sql'][:150]}")
        for ms, calls, where in page["own_time"]:
            print(f"  {ms:8.3f} ms  {calls:8.1f} calls  {where}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2))
    print(f"\nWritten to {args.output}")


if __name__ == "__main__":
    main()
