"""A median aggregate for PostgreSQL (``percentile_cont``) and the embedded SQLite."""

import statistics

from django.db.backends.signals import connection_created
from django.db.models import Aggregate, FloatField


class Median(Aggregate):
    """The median of the non-null values (the mean of the two middle ones when even)."""

    function = "percentile_cont"
    name = "Median"
    output_field = FloatField()
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"

    def as_sqlite(self, compiler, connection, **extra_context):
        median = self.copy()
        median.function, median.template = "MEDIAN", Aggregate.template
        return median.as_sql(compiler, connection, **extra_context)


class _SqliteMedian:
    def __init__(self):
        self.values = []

    def step(self, value):
        if value is not None:
            self.values.append(value)

    def finalize(self):
        return float(statistics.median(self.values)) if self.values else None


def _register_sqlite_median(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate("MEDIAN", 1, _SqliteMedian)


connection_created.connect(_register_sqlite_median, dispatch_uid="dashboards_sqlite_median")
