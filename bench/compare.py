"""Two versions of the portal under the same load, in turn: the staff benchmark's pages served
by gunicorn from another checkout (``--before``) and from this one, alternated for
``--rounds`` rounds, so that a machine whose speed drifts moves both alike.

Usage: .venv/bin/python bench/compare.py --before /tmp/old [--pages "case page,queue: all"]
       [--rounds 3] [--duration 12] [--connections 8]

``--before`` is a checkout of the code to compare with (``git worktree add /tmp/old
<commit>``), run with this checkout's virtualenv on the staff benchmark's database and
settings (``staff_pages.server_environment``): its migrations must be those of the
database. Each round starts gunicorn (3 sync workers) from one checkout, runs ``wrk -t2
-c8`` for ``--duration`` seconds against each page after ``--warmup`` seconds, stops it, and
does the same from the other. Prints each run and the range of each page's req/s and p50
for each version; writes var/bench/compare.json. See bench/README.md.
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):
    sys.path[0] = str(BASE_DIR)

from bench import data, load, server, staff_pages  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, required=True, help="the other checkout")
    parser.add_argument("--pages", default="case page,queue: all")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=12)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--agency", default="MOJ")
    parser.add_argument("--database-url", default=staff_pages.DEFAULT_DATABASE_URL)
    parser.add_argument("--output", type=Path, default=staff_pages.VAR_DIR / "compare.json")
    return parser.parse_args()


def serve(root: Path, env: dict, port: int, log: Path) -> subprocess.Popen:
    """gunicorn as ``server.start_gunicorn`` starts it, from the checkout ``root``."""
    command = [server.BIN / "gunicorn", "portal.wsgi", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", "3", "--log-level", "warning"]
    with log.open("w") as output:
        return subprocess.Popen(command, cwd=root, env=env, stdout=output, stderr=output)


def main() -> None:
    args = parse_args()
    before = args.before.resolve()
    if not (before / "portal" / "wsgi.py").exists():
        sys.exit(f"{before} is not a checkout of the portal.")
    env = staff_pages.server_environment(args)
    os.environ.update(env)
    import django

    django.setup()
    wrk = load.ensure_wrk()
    case = data.representative_case(f"{args.agency.lower()}-supervisor", args.agency)
    targets = [
        t for t in staff_pages.chosen(staff_pages.targets_for(args, case), args.pages) if t.username
    ]
    sessions = {t.username: data.sign_in(t.username) for t in targets}
    versions = {"before": before, "after": BASE_DIR}
    runs = []
    for round_number in range(1, args.rounds + 1):
        for version, root in versions.items():
            port = server.free_port()
            base_url = f"http://127.0.0.1:{port}"
            log = staff_pages.VAR_DIR / f"gunicorn-compare-{version}.log"
            gunicorn = serve(root, env, port, log)
            try:
                server.wait_until_healthy(gunicorn, base_url)
                for target in targets:
                    cookie = sessions[target.username].cookie
                    size = staff_pages.check_ok(base_url, target, cookie)
                    url = base_url + target.path
                    warm = staff_pages.wrk_command(wrk, args, url, cookie, args.warmup)
                    subprocess.run(warm, capture_output=True, check=True)
                    run = load.run_wrk(
                        staff_pages.wrk_command(wrk, args, url, cookie, args.duration),
                        lambda processes, g=gunicorn: server.our_processes(g, processes),
                    )
                    runs.append(
                        {
                            "round": round_number,
                            "version": version,
                            "page": target.label,
                            "bytes": size,
                            "requests_per_second": run.requests_per_second,
                            "p50_ms": run.p50_ms,
                            "p99_ms": run.p99_ms,
                            "other_cpu": run.other_cpu,
                        }
                    )
                    print(
                        f"round {round_number} {version:<6} {target.label:<22} "
                        f"{run.requests_per_second:7.1f} req/s  p50 {run.p50_ms or 0:7.1f} ms  "
                        f"({size:,} bytes; other processes {run.other_cpu:.0%})",
                        flush=True,
                    )
            finally:
                server.stop(gunicorn)
    print()
    for target in targets:
        for version in versions:
            mine = [r for r in runs if r["page"] == target.label and r["version"] == version]
            rates = [r["requests_per_second"] for r in mine]
            medians = [r["p50_ms"] or 0 for r in mine]
            print(
                f"{target.label:<22} {version:<6} {min(rates):7.1f}-{max(rates):<7.1f} req/s  "
                f"p50 {min(medians):.1f}-{max(medians):.1f} ms"
            )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({"before": str(before), "runs": runs}, indent=2))
    print(f"\nWritten to {args.output}")


if __name__ == "__main__":
    main()
