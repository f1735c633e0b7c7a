"""Counter upserts for the digest, in SQL both SQLite and PostgreSQL run.

Django's bulk_create(update_conflicts=True) can only overwrite a column with the new value, but
counters must add to it (`times_seen = times_seen + excluded.times_seen`) so that a batch costs
one statement per table, not one UPDATE per counter. Rows are sorted by their unique key so two
workers that touch the same rows take their locks in the same order and never deadlock.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import connection, models

MAX_PARAMS = 30_000  # below SQLite's 32,766 and PostgreSQL's 65,535 bind parameters


def _adapt(value: Any) -> Any:
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


def _chunks(rows: list[tuple], width: int) -> list[list[tuple]]:
    size = max(1, MAX_PARAMS // width)
    return [rows[start:start + size] for start in range(0, len(rows), size)]


def stored_field(model: type[models.Model], name: str) -> models.Field:
    """The field of `model` that a column stores (never a reverse relation)."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or not field.column:
        raise ValueError(f"{model.__name__}.{name} is not stored in a column")
    return field


def quoted_column(model: type[models.Model], name: str) -> str:
    return connection.ops.quote_name(str(stored_field(model, name).column))


def _column_type(model: type[models.Model], name: str) -> str:
    """The PostgreSQL type of a column, without length or precision."""
    return str(stored_field(model, name).db_type(connection)).split("(")[0]


def _source_postgresql(model: type[models.Model], columns: list[str],
                       rows: list[tuple]) -> tuple[str, list]:
    """Rows as one array per column (binary-bound): a short statement whatever the row count,
    so psycopg parses it once and caches it; many placeholders would be parsed on every call,
    which cost more CPU than the rest of the batch."""
    types = [_column_type(model, c) for c in columns]
    arrays = ", ".join(f"%b::{db_type}[]" for db_type in types)
    return (f"SELECT * FROM unnest({arrays})",  # noqa: S608 (types from our models)
            [list(values) for values in zip(*rows, strict=True)])


def _source_values(model: type[models.Model], columns: list[str],
                   rows: list[tuple]) -> tuple[str, list]:
    row_sql = "(" + ", ".join(["%s"] * len(columns)) + ")"
    return (f"VALUES {', '.join([row_sql] * len(rows))}",
            [_adapt(value) for row in rows for value in row])


def upsert(model: type[models.Model], unique: Sequence[str], rows: list[tuple],
           add: Sequence[str] = (), greatest: Sequence[str] = (), least: Sequence[str] = (),
           returning: Sequence[str] = ()) -> list[tuple]:
    """INSERT `rows` (values for unique + add + greatest + least, in that order); on a conflict
    over the `unique` columns add the `add` columns to the stored ones and keep the larger
    `greatest` and the smaller `least` values. With none of those, any conflict does nothing
    (`unique` then just lists the columns), and `returning` yields the columns of the rows
    actually inserted."""
    if not rows:
        return []
    table = connection.ops.quote_name(model._meta.db_table)
    columns = [*unique, *add, *greatest, *least]
    quoted = [quoted_column(model, c) for c in columns]
    updates = [f"{c} = {table}.{c} + excluded.{c}" for c in quoted[len(unique):][:len(add)]]
    offset = len(unique) + len(add)
    for name, op in [(c, ">") for c in quoted[offset:offset + len(greatest)]] + [
            (c, "<") for c in quoted[offset + len(greatest):]]:
        updates.append(f"{name} = CASE WHEN excluded.{name} {op} {table}.{name} "
                       f"THEN excluded.{name} ELSE {table}.{name} END")
    # Without counters to update, any unique conflict means "already there": no target needed.
    conflict = f"ON CONFLICT ({', '.join(quoted[:len(unique)])}) DO UPDATE SET " + ", ".join(
        updates) if updates else "ON CONFLICT DO NOTHING"
    tail = ""
    if returning:
        tail = " RETURNING " + ", ".join(
            quoted_column(model, c) for c in returning)
    source = _source_postgresql if connection.vendor == "postgresql" else _source_values
    returned: list[tuple] = []
    with connection.cursor() as cursor:
        for chunk in _chunks(sorted(rows, key=lambda r: r[:len(unique)]), len(columns)):
            select, params = source(model, columns, chunk)
            # A conflict target is ambiguous right after a SELECT in SQLite: WHERE true ends it.
            cursor.execute(f"INSERT INTO {table} ({', '.join(quoted)}) {select} "
                           f"{'WHERE true ' if select.startswith('SELECT') else ''}"
                           f"{conflict}{tail}", params)
            if returning:
                returned.extend(cursor.fetchall())
    return returned


def add_to_counter(model: type[models.Model], pk: int, column: str, amount: int) -> int:
    """Atomically add `amount` to one row's counter; return the new value."""
    table = connection.ops.quote_name(model._meta.db_table)
    name = quoted_column(model, column)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {name} = {name} + %s WHERE id = %s "  # noqa: S608
                       f"RETURNING {name}", [amount, pk])
        return cursor.fetchone()[0]
