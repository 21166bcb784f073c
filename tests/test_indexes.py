"""The tables that grow with the cases keep no index that another already gives: an index
whose columns lead another (a foreign key's own index beside a composite one starting
with it) serves no read the other does not, and is one more to write with every case,
line of the timeline, referral, notification or permission (60 MB for the timeline's at a
million cases). Read from PostgreSQL's catalogue of the migrated test database."""

import pytest
from django.db import connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

GROWING = [
    "referrals_case",
    "referrals_caseevent",
    "referrals_referral",
    "referrals_deadline",
    "referrals_notification",
    "referrals_casegroupobjectpermission",
    "referrals_personaldataaccess",
    "integrations_externalcase",
]

# (table, index, the index that covers it): both plain b-trees without a condition or an
# expression, the first not unique, its columns (and their operator classes) the leading
# columns of the second, in the same order and direction.
COVERED = """
SELECT a.indrelid::regclass::text, ia.relname, ib.relname
FROM pg_index a
JOIN pg_index b ON b.indrelid = a.indrelid AND b.indexrelid <> a.indexrelid
JOIN pg_class ia ON ia.oid = a.indexrelid
JOIN pg_class ib ON ib.oid = b.indexrelid
JOIN pg_am am ON am.oid = ia.relam AND am.amname = 'btree' AND ib.relam = ia.relam
WHERE a.indrelid::regclass::text = ANY(%s)
  AND a.indpred IS NULL AND b.indpred IS NULL
  AND a.indexprs IS NULL AND b.indexprs IS NULL
  AND NOT a.indisunique
  AND a.indnatts <= b.indnatts
  AND ' ' || array_to_string(b.indkey::int2[], ' ') || ' '
      LIKE ' ' || array_to_string(a.indkey::int2[], ' ') || ' %%'
  AND ' ' || array_to_string(b.indclass::oid[], ' ') || ' '
      LIKE ' ' || array_to_string(a.indclass::oid[], ' ') || ' %%'
  AND ' ' || array_to_string(b.indoption::int2[], ' ') || ' '
      LIKE ' ' || array_to_string(a.indoption::int2[], ' ') || ' %%'
ORDER BY 1, 2
"""


def covered(tables: list[str]) -> list[tuple[str, str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(COVERED, [tables])
        return cursor.fetchall()


def test_no_index_of_a_table_that_grows_with_the_cases_is_covered_by_another():
    assert covered(GROWING) == []


def test_the_check_sees_an_index_another_covers():
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE index_check (a int, b int)")
        cursor.execute("CREATE INDEX index_check_a ON index_check (a)")
        cursor.execute("CREATE INDEX index_check_a_b ON index_check (a, b)")
        cursor.execute("CREATE INDEX index_check_b_desc ON index_check (b DESC)")
        cursor.execute("CREATE INDEX index_check_b_a ON index_check (b, a)")

    # An index of another direction is left alone: it may be kept for an order of its own.
    assert covered(["index_check"]) == [("index_check", "index_check_a", "index_check_a_b")]


def test_the_timeline_indexes_the_keys_most_lines_leave_empty_only_where_they_are_set():
    """Three lines in four concern no referral, and only lines written through the API name
    a key: their indexes hold only the lines that name one, and the key, a text, has no
    copy for LIKE (nothing searches keys by their beginning)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'referrals_caseevent'"
        )
        indexes = dict(cursor.fetchall())

    for column in ("referral_id", "actor_key_id"):
        on_it = [d for d in indexes.values() if f"({column})" in d]
        assert on_it, column
        assert all(f"WHERE ({column} IS NOT NULL)" in d for d in on_it), on_it
    assert not [name for name, d in indexes.items() if "pattern_ops" in d]
