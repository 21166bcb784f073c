"""Many rows of one model written in one statement, without a model instance per row.

``bulk_create`` builds an instance per row, asks each field of each instance for its
database value and sends a VALUES list as long as the rows: at the thousands of rows a
sweep writes, that Python is most of the time. On PostgreSQL, ``insert`` sends one array
per column instead (``INSERT ... SELECT * FROM unnest(...)``): a statement of constant
length whatever the number of rows, its values converted by psycopg2 in C. Elsewhere
(SQLite) it falls back to ``bulk_create``, to the same rows.
"""

import json
from datetime import date

from django.db import connection
from django.db.models import JSONField


def insert(model, rows: list[dict], *, unique: str = "", returning: tuple[str, ...] = ()) -> list:
    """Write ``rows`` and return the ``returning`` fields of each row written, as tuples.

    Each row is a dict of the model's field names (a related object) or attnames (its
    id), every dict with the same keys, as ``model(**row)`` takes them; a field left out
    gets its default as it would there (a ``db_default``: the database's). With ``unique``
    (a field with a unique constraint), a row whose value is already there is not written
    again, and the row already there is returned in its place."""
    if not rows:
        return []
    if connection.vendor != "postgresql":
        return _bulk_create(model, rows, unique, returning)
    meta = model._meta
    given = list(rows[0])
    fields = [meta.get_field(name) for name in given]
    # What model(**row) would fill in: a default, or the empty value of a field that
    # may not be null (a blank text); a db_default alone is left to the database.
    defaulted = [
        field
        for field in meta.concrete_fields
        if field not in fields
        and not field.primary_key
        and (field.has_default() or not (field.null or field.has_db_default()))
    ]
    arrays, casts = [], []
    for name, field in [*zip(given, fields, strict=True), *((None, f) for f in defaulted)]:
        if name is None:
            values = [field.get_default() for _row in rows]
        elif field.is_relation and name == field.name:
            values = [None if row[name] is None else row[name].pk for row in rows]
        else:
            values = [row[name] for row in rows]
        if isinstance(field, JSONField):
            values = [None if v is None else json.dumps(v, cls=field.encoder) for v in values]
        arrays.append(_array(values))
        casts.append(f"%s::{field.db_type(connection)}[]")
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in [*fields, *defaulted])
    # Names and types come from the model's metadata; every value is a parameter.
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) "  # noqa: S608
        f"SELECT * FROM unnest({', '.join(casts)})"
    )
    if unique:
        column = quote(meta.get_field(unique).column)
        # A no-op update of the row already there, so that RETURNING gives it too.
        sql += f" ON CONFLICT ({column}) DO UPDATE SET {column} = EXCLUDED.{column}"
    if returning:
        sql += " RETURNING " + ", ".join(quote(meta.get_field(f).column) for f in returning)
    with connection.cursor() as cursor:
        cursor.execute(sql, arrays)
        return [tuple(row) for row in cursor.fetchall()] if returning else []


def _array(values: list) -> str:
    """A column's values as one PostgreSQL array literal: parsed by the server as a
    single value, where a list adapted element by element is an ARRAY[...] expression of
    as many casts as rows for it to parse and plan. Numbers, moments and truth values
    need no quotes; text is quoted and escaped."""
    sample = next((value for value in values if value is not None), None)
    if isinstance(sample, bool):
        text = {True: "t", False: "f", None: "NULL"}.__getitem__
    elif isinstance(sample, date):
        text = _moment
    elif isinstance(sample, int):
        text = _number
    else:
        text = _quoted
    return "{" + ",".join(map(text, values)) + "}"


def _moment(value) -> str:
    return "NULL" if value is None else value.isoformat()


def _number(value) -> str:
    return "NULL" if value is None else str(value)


def _quoted(value) -> str:
    if value is None:
        return "NULL"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _bulk_create(model, rows: list[dict], unique: str, returning: tuple[str, ...]) -> list:
    conflicts = {}
    if unique:
        conflicts = {"update_conflicts": True, "unique_fields": [unique], "update_fields": [unique]}
    made = model.objects.bulk_create([model(**row) for row in rows], **conflicts)
    return [tuple(getattr(instance, f) for f in returning) for instance in made]
