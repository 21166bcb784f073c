"""Demo cases in bulk: realistic Thai requests with their referrals, timelines and access.

``factory`` draws the rows, ``wording`` holds what people write, and this module puts the
rows into the database: COPY on PostgreSQL (a million cases in minutes), ``bulk_create``
elsewhere. Every demo case shares one tracking secret, ``factory.DEMO_SECRET``.
"""

import csv
import io
import json
import random
import time
from collections import Counter, deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Max

from portal.demo_cases.factory import CASE_COLUMNS, REFERRAL_COLUMNS, Batch, CaseFactory
from referrals.models import Case, CaseEvent, Referral

BATCH_SIZE = 20_000
NATIONAL_IDS = 1000
# PostgreSQL does most of the work (indexes, foreign key checks): two sessions keep both
# cores busy while this thread draws the next batch.
WRITERS = 2


@dataclass
class Summary:
    """What a run added: cases and referrals by status, events, permission rows, time."""

    cases: Counter = field(default_factory=Counter)
    referrals: Counter = field(default_factory=Counter)
    events: int = 0
    permissions: int = 0
    seconds: float = 0.0

    def add(self, batch: Batch) -> None:
        case_status, referral_status = (
            CASE_COLUMNS.index("status"),
            REFERRAL_COLUMNS.index("status"),
        )
        self.cases.update(row[case_status] for row in batch.cases)
        self.referrals.update(row[referral_status] for row in batch.referrals)
        self.events += len(batch.events)
        self.permissions += len(batch.permissions)


class PostgresRows:
    """Batches into PostgreSQL by COPY, ids reserved from the tables' sequences."""

    def reserve(self, model, count: int) -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [model._meta.db_table, count],
            )
            return [pk for (pk,) in cursor.fetchall()]

    def save_all(self, batches):
        """Write each batch in its own transaction; yield each batch once it is saved."""
        if connection.in_atomic_block:  # the caller's transaction must hold every row
            for batch in batches:
                self._save(batch)
                yield batch
            return
        with ThreadPoolExecutor(WRITERS) as pool:
            saving: deque = deque()
            for batch in batches:
                saving.append(pool.submit(self._save_in_own_session, batch))
                if len(saving) > WRITERS:
                    yield saving.popleft().result()
            while saving:
                yield saving.popleft().result()

    def finish(self) -> None:
        tables = ", ".join(model._meta.db_table for model, _columns, _rows in Batch().tables())
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {tables}")

    def _save_in_own_session(self, batch: Batch) -> Batch:
        try:
            self._save(batch)
        finally:
            connection.close()  # this thread's connection, opened by _save
        return batch

    @transaction.atomic
    def _save(self, batch: Batch) -> None:
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            # Demo rows: losing the last batches in a crash is cheaper than a flush per batch.
            cursor.execute("SET LOCAL synchronous_commit = off")
            for model, columns, rows in batch.tables():
                buffer = io.StringIO()
                csv.writer(buffer, lineterminator="\n").writerows(rows)
                buffer.seek(0)
                fields = [model._meta.get_field(column) for column in columns]
                # An empty CSV field is NULL, except in these columns, where it is "".
                not_null = ", ".join(quote(f.column) for f in fields if not f.null)
                names = ", ".join(quote(f.column) for f in fields)
                cursor.copy_expert(
                    f"COPY {quote(model._meta.db_table)} ({names}) FROM STDIN "
                    f"WITH (FORMAT csv, FORCE_NOT_NULL ({not_null}))",
                    buffer,
                    1 << 20,
                )


class OrmRows:
    """Batches through ``bulk_create``, for the embedded SQLite: slower, the same rows."""

    def __init__(self):
        self.next_ids: dict = {}

    def reserve(self, model, count: int) -> list[int]:
        if model not in self.next_ids:
            self.next_ids[model] = (model.objects.aggregate(last=Max("id"))["last"] or 0) + 1
        first = self.next_ids[model]
        self.next_ids[model] += count
        return list(range(first, first + count))

    def save_all(self, batches):
        """Write each batch in its own transaction; yield each batch once it is saved."""
        for batch in batches:
            with transaction.atomic():
                for model, columns, rows in batch.tables():
                    objects = [model(**dict(zip(columns, row, strict=True))) for row in rows]
                    if model is CaseEvent:  # payloads come as JSON text, ready for COPY
                        for event in objects:
                            event.payload = json.loads(event.payload)
                    model.objects.bulk_create(objects, batch_size=500)
            yield batch

    def finish(self) -> None:
        pass


def _ids(store, model, block: int):
    while True:
        yield from store.reserve(model, block)


def create_demo_cases(count: int, progress=None) -> Summary:
    """Add ``count`` demo cases with their referrals, events and agency permissions.

    Batches commit one by one (inside the caller's transaction, if there is one), so a long
    run can be stopped without losing what is done. ``progress(done, count)`` is called as
    each batch is saved.
    """
    started = time.monotonic()
    store = PostgresRows() if connection.vendor == "postgresql" else OrmRows()
    rng = random.Random()  # noqa: S311 - demo data, not secrets
    factory = CaseFactory(rng, _ids(store, Referral, BATCH_SIZE), min(count, NATIONAL_IDS))
    sizes = [min(BATCH_SIZE, count - first) for first in range(0, count, BATCH_SIZE)]
    summary = Summary()
    for batch in store.save_all(factory.batch(store.reserve(Case, size)) for size in sizes):
        summary.add(batch)
        if progress:
            progress(sum(summary.cases.values()), count)
    store.finish()
    summary.seconds = time.monotonic() - started
    return summary
