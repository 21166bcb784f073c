"""The dashboards read a period's cases from covering indexes, on PostgreSQL: nationally from
``case_period_figures`` (received time first), for one agency's readers from
``case_agency_figures`` (lead agency first), so that a view of one agency reads that
agency's cases only, and neither reads the table itself.

Each statement of the overview that reads a period's cases, alone or joined to their
referrals, events or ratings, must find every column of the cases it reads in the index
(what an index-only scan needs: whether PostgreSQL then takes it depends on the table's
statistics, and is measured at a million cases by bench/dashboards.py --refresh-only); and
the agency's index must start with the lead agency and the received time, which those
statements filter on."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agencies.permissions import DashboardScope
from portal.dashboards import figures
from portal.dashboards.filters import Selection
from tests.portal.dashboard_data import EVERYONE, NOW, YEAR, make_case
from tests.referrals.clock import at
from tests.referrals.factories import agency

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def columns_of(index: str) -> tuple[list[str], set[str]]:
    """The key columns of ``index``, in order, and every column it holds."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT attribute.attname, position <= index.indnkeyatts
            FROM pg_index AS index
            JOIN pg_class AS class ON class.oid = index.indexrelid
            CROSS JOIN LATERAL unnest(index.indkey) WITH ORDINALITY AS key(attnum, position)
            JOIN pg_attribute AS attribute
              ON attribute.attrelid = index.indrelid AND attribute.attnum = key.attnum
            WHERE class.relname = %s
            ORDER BY position
            """,
            [index],
        )
        rows = cursor.fetchall()
    return [name for name, is_key in rows if is_key], {name for name, _is_key in rows}


@pytest.mark.parametrize(
    ("reader", "index"),
    [("national", "case_period_figures"), ("MOL", "case_agency_figures")],
)
def test_the_overview_finds_every_column_of_the_cases_in_its_covering_index(reader, index):
    for day in range(1, 21):
        make_case(at(2026, 1, day, 10), category="unpaid-wages" if day % 2 else "legal-aid")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE referrals_case")
    scope = EVERYONE if reader == "national" else DashboardScope(frozenset({agency(reader).pk}))

    with CaptureQueriesContext(connection) as asked:
        figures.overview(Selection(fiscal_year=YEAR), scope, now=NOW)

    of_the_period = [
        query["sql"]
        for query in asked.captured_queries
        if '"referrals_case"."created_at" >=' in query["sql"]
    ]
    # The figures, by channel, received and resolved by day; the ratings (joined).
    assert len(of_the_period) >= 5
    assert any("JOIN" in sql for sql in of_the_period)
    keys, held = columns_of(index)
    assert keys == (["created_at"] if reader == "national" else ["lead_agency_id", "created_at"])
    for sql in of_the_period:
        read = set(re.findall(r'"referrals_case"\."(\w+)"', sql))
        assert read <= held, (sorted(read - held), sql)
