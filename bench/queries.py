"""The SQL of one page, captured in process with the test client, and the plan of a query.

Imported after ``django.setup()``: the benchmark configures Django from its own settings.
"""

import re
import sys
import time
from dataclasses import dataclass

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

# A queryset read with .iterator() runs as a server-side cursor; its SELECT is what to plan.
CURSOR = re.compile(r'^DECLARE "[^"]+" NO SCROLL CURSOR WITH(?:OUT)? HOLD FOR ')


@dataclass
class PageQueries:
    queries: list[dict]  # {"sql", "ms"}: each query with its fastest time over the requests
    request_ms: float  # the median time of a whole request in process
    sql_ms: float  # the part of it spent in queries (fastest times)

    @property
    def slowest(self) -> dict:
        return max(self.queries, key=lambda query: query["ms"])


def captured_queries(client, path: str, rounds: int = 5) -> PageQueries:
    """The queries of ``path`` as ``client`` asks for it, timed to the microsecond."""
    timings: list[float] = []

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timings.append((time.perf_counter() - started) * 1000)

    client.get(path)
    runs, totals = [], []
    for _ in range(rounds):
        timings.clear()
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as context, connection.execute_wrapper(timed):
            response = client.get(path)
        totals.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            sys.exit(f"{path} answered {response.status_code} in process, not 200.")
        captured = context.captured_queries
        runs.append([(q["sql"], ms) for q, ms in zip(captured, timings, strict=True)])
    if len({len(run) for run in runs}) != 1:
        runs = runs[-1:]  # the page does not always run the same queries: keep one request
    queries = [
        {"sql": same[0][0], "ms": round(min(ms for _sql, ms in same), 3)}
        for same in zip(*runs, strict=True)
    ]
    request_ms = sorted(totals)[len(totals) // 2]
    return PageQueries(queries, request_ms, sum(query["ms"] for query in queries))


def explain(sql: str) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of a captured query, rolled back: it may be an INSERT."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + CURSOR.sub("", sql))
        plan = "\n".join(row[0] for row in cursor.fetchall())
        transaction.set_rollback(True)
    return plan


def shorten(sql: str, width: int = 110) -> str:
    sql = " ".join(sql.split())
    return sql if len(sql) <= width else sql[: width - 1] + "…"
