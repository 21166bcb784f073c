"""The import of a large 1111 file: a generated file of ``--rows`` complaints (100,000 by
default) imported through the same service as the page and the command, on PostgreSQL, in
a throwaway database made for the run and dropped after it; then the same file again,
which must change nothing.

    .venv/bin/python bench/import_1111.py                    # 100,000 rows
    .venv/bin/python bench/import_1111.py --rows 20000 --format xlsx

Reports the time of each import, rows a second, the peak memory of the process
(``ru_maxrss``) after each step, and the counts; writes them to var/bench/import_1111.json.
One row in a hundred is bad on purpose (a phone number too short), so that refused rows
are part of the cost.
"""

import argparse
import csv
import io
import json
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
if __name__ == "__main__":
    sys.path[0] = str(BASE_DIR)  # as in staff_pages.py: import from the repository

from bench import data  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bench_import"
OUTPUT = BASE_DIR / "var" / "bench" / "import_1111.json"
BAD_EVERY = 100


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    return parser.parse_args()


def national_id(rng: random.Random) -> str:
    digits = [rng.randint(1, 8)] + [rng.randint(0, 9) for _ in range(11)]
    check = (11 - sum(d * (13 - i) for i, d in enumerate(digits)) % 11) % 10
    return "".join(map(str, digits)) + str(check)


def complaints(count: int) -> tuple[list[str], list[list[str]]]:
    """The header and ``count`` rows: categories, provinces and districts drawn from the
    database; each row its own phone number; every BAD_EVERY-th row refused."""
    from agencies.models import District
    from integrations.gcc1111.files import IMPORT_COLUMNS
    from referrals.models import Category

    rng = random.Random(1111)
    categories = list(
        Category.objects.filter(is_active=True, is_restricted=False).values_list(
            "name_th", flat=True
        )
    )
    places = list(District.objects.values_list("province__name_th", "name_th"))
    rows = []
    for n in range(1, count + 1):
        province, district = rng.choice(places)
        rows.append(
            [
                f"6912-{n:07d}",
                f"{rng.randint(1, 28):02d}/11/2569",
                f"ผู้ร้องทดสอบ {n}",
                national_id(rng) if n % 2 else "",
                "123" if n % BAD_EVERY == 0 else f"06{n:08d}",
                "",
                rng.choice(categories),
                province,
                district,
                "",
                "ขอความช่วยเหลือเรื่องที่ร้องเรียนผ่านสายด่วน 1111 รายละเอียดตามที่แจ้งไว้",
                "ส่งต่อหน่วยงาน",
            ]
        )
    return [column.header for column in IMPORT_COLUMNS], rows


def file_content(kind: str, header: list[str], rows: list[list[str]]) -> bytes:
    if kind == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        writer.writerows(rows)
        return buffer.getvalue().encode("utf-8-sig")
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def timed_import(content: bytes, name: str) -> dict:
    from django.core.files.base import ContentFile

    from agencies.models import Agency
    from integrations import imports
    from integrations.models import ImportRun

    started = time.perf_counter()
    run = imports.start_import(ContentFile(content, name=name), Agency.objects.get(code="MOL"))
    checked = time.perf_counter() - started
    imports.import_rows(run.pk)
    seconds = time.perf_counter() - started
    run = ImportRun.objects.get(pk=run.pk)
    return {
        "seconds": round(seconds, 1),
        "upload_check_seconds": round(checked, 1),
        "rows_per_second": round(run.total_rows / seconds, 1),
        "peak_memory_mb": peak_mb(),
        "rows": run.total_rows,
        "created": run.created,
        "linked": run.linked,
        "unchanged": run.unchanged,
        "failed": run.failed,
    }


def drop_database(url: str, close: bool = True) -> None:
    import environ
    import psycopg2

    if close:
        from django.db import connections

        connections.close_all()
    config = environ.Env.db_url_config(url)
    server = {k.lower(): config[k] for k in ("HOST", "PORT", "USER", "PASSWORD") if config[k]}
    connection = psycopg2.connect(dbname="postgres", **server)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{config["NAME"]}"')
    connection.close()


def main() -> None:
    args = parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="bench-import-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DATABASE_URL": args.database_url,
        # DEBUG off: with it on, Django keeps every query in memory (millions here).
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-import-not-a-secret"),
        "ALLOWED_HOSTS": "127.0.0.1",
        "VAR_DIR": str(scratch),
        "MEDIA_ROOT": str(scratch / "media"),
    }
    os.environ.update(env)
    # A fresh database every run: complaints left by an earlier run would be "already
    # imported" the first time.
    drop_database(args.database_url, close=False)
    data.ensure_database(args.database_url)
    try:
        data.manage(env, "migrate", "--noinput", "--verbosity", "0")
        import django

        django.setup()
        header, rows = complaints(args.rows)
        content = file_content(args.format, header, rows)
        print(f"{args.rows:,} rows, {len(content) / 1024 / 1024:.1f} MB of {args.format.upper()}")
        result = {
            "rows": args.rows,
            "format": args.format,
            "file_mb": round(len(content) / 1024 / 1024, 1),
            "peak_memory_before_mb": peak_mb(),
        }
        result["first"] = timed_import(content, f"bench.{args.format}")
        print("first import:", json.dumps(result["first"]))
        result["again"] = timed_import(content, f"bench.{args.format}")
        print("same file again:", json.dumps(result["again"]))
        good = args.rows - args.rows // BAD_EVERY
        assert result["first"]["created"] == good, "every good row a case"
        assert result["again"]["created"] == 0 and result["again"]["unchanged"] == good
    finally:
        if not args.keep:
            drop_database(args.database_url)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
