"""Trigram indexes for searching names and phone numbers (PostgreSQL only).

Thai is written without spaces between words, so word-based full-text search finds
little; trigram indexes serve ``LIKE '%...%'`` instead. SQLite, the embedded default,
scans instead, which is fine at its size.
"""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS case_name_trgm ON referrals_case "
    "USING gin (UPPER(citizen_name) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS case_phone_trgm ON referrals_case "
    "USING gin (citizen_phone gin_trgm_ops)",
]
DROP = ["DROP INDEX IF EXISTS case_name_trgm", "DROP INDEX IF EXISTS case_phone_trgm"]


def run(statements):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return operation


class Migration(migrations.Migration):
    dependencies = [("referrals", "0003_cases")]

    operations = [migrations.RunPython(run(CREATE), run(DROP))]
