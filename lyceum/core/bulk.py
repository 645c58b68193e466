"""Database helpers for jobs that move millions of rows (training, rollups).

- ``Epoch(expression)``: a datetime as seconds since the epoch (float), computed by the
  database, so a job reading millions of timestamps does not build a Python ``datetime`` for
  each. PostgreSQL ``EXTRACT(EPOCH ...)``, SQLite ``julianday`` (Django stores UTC text there).
- ``fetch_rows(queryset)``: the queryset's rows as plain tuples straight from the cursor, without
  model instances or per-value converters (use it with values/annotations that need none).
- ``insert_rows(model, columns, rows)``: plain inserts of many rows; PostgreSQL uses ``COPY``,
  other databases ``executemany`` in chunks. Values go in as the database expects them (JSON
  columns take ``json.dumps`` text). Runs in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

from django.db import NotSupportedError, connection
from django.db.models import FloatField, Func, Model, QuerySet
from django.db.models.sql.compiler import SQLCompiler

CHUNK = 20_000


class Epoch(Func):
    """Seconds since 1970-01-01 UTC of a datetime expression, as a float (NULL stays NULL)."""

    output_field = FloatField()

    def as_sql(self, compiler: SQLCompiler, connection: Any, *args: Any, **extra: Any) -> Any:  # type: ignore[override]
        raise NotSupportedError(f"Epoch() is not implemented for {connection.vendor}")

    def as_postgresql(self, compiler: SQLCompiler, connection: Any, **extra: Any) -> Any:
        return super().as_sql(compiler, connection, template="EXTRACT(EPOCH FROM %(expressions)s)::float8", **extra)

    def as_sqlite(self, compiler: SQLCompiler, connection: Any, **extra: Any) -> Any:
        # julianday() of Django's "YYYY-MM-DD HH:MM:SS[.ffffff]" UTC text; 2440587.5 is 1970-01-01
        return super().as_sql(
            compiler, connection, template="((julianday(%(expressions)s) - 2440587.5) * 86400.0)", **extra
        )


def fetch_rows(queryset: QuerySet[Any], size: int = CHUNK) -> Iterator[tuple[Any, ...]]:
    """The rows of ``queryset`` (usually ``values_list``) as the database driver returns them."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(size):
            yield from chunk


def insert_rows(model: type[Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert ``rows`` (values in ``columns`` order; column names, not field names) into
    ``model``'s table; returns how many were written."""
    quote = connection.ops.quote_name  # names come from our models; values are parameters
    table = quote(model._meta.db_table)
    names = ", ".join(quote(c) for c in columns)
    written = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    written += 1
            return written
        sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608
        iterator = iter(rows)
        while chunk := list(islice(iterator, CHUNK)):
            cursor.executemany(sql, chunk)
            written += len(chunk)
    return written
