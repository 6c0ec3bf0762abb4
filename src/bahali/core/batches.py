"""Walking a large table in batches without a server-side cursor, and writing derived
columns of many rows at once.

The PostgreSQL connection runs without server-side cursors (``DISABLE_SERVER_SIDE_CURSORS``:
a ``DECLARE ... WITH HOLD`` costs every form's choice list several milliseconds, and a
transaction-pooling proxy cannot carry one). Code that reads a whole table reads it in
keyset pages instead: each page is one short query, and memory holds one page.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.db import connections, models, router


def in_batches(queryset: models.QuerySet[Any], size: int = 2000, key: str = "pk") -> Iterator[Any]:
    """Every row of ``queryset`` in ascending ``key`` order (a unique, non-null column)."""
    last = None
    while True:
        page = queryset.order_by(key)
        if last is not None:
            page = page.filter(**{f"{key}__gt": last})
        rows = list(page[:size])
        yield from rows
        if len(rows) < size:
            return
        last = _value(rows[-1], key)


def _value(row: Any, key: str) -> Any:
    if isinstance(row, dict):
        return row[key]
    if isinstance(row, (int, str)):  # values_list(..., flat=True) of the key itself
        return row
    return getattr(row, key)


def set_columns(model: type[models.Model], columns: Sequence[str], rows: Sequence[Any]) -> int:
    """Write ``columns`` of many rows of ``model``: ``rows`` are ``(pk, value, ...)`` in the
    order of ``columns``. One ``UPDATE ... FROM (VALUES ...)`` per batch instead of
    ``bulk_update``'s ``CASE WHEN`` per row (whose building costs more than the update).

    Only for columns a model derives and keeps for itself (stored dates, bookkeeping): no
    ``save()`` runs, so an audited model's columns must be ones its audit ignores — anything
    else is refused. Returns the number of rows written."""
    bookkeeping = getattr(model, "audit_is_bookkeeping", None)
    if bookkeeping is not None and not bookkeeping(list(columns)):
        raise ValueError(f"{model._meta.label}: {list(columns)} are recorded by the audit")
    if not rows:
        return 0
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    meta = model._meta
    fields = _columns_of(model, columns)
    table, key = quote(meta.db_table), quote(meta.pk.column)
    if connection.vendor == "postgresql":  # a column of NULLs alone would be text
        names = ", ".join(["id_", *(f"v{n}" for n in range(len(fields)))])
        source, id_ = f"AS v({names})", "v.id_"
        value = [f"v.v{n}::{field.db_type(connection)}" for n, field in enumerate(fields)]
    else:  # SQLite names the columns of VALUES itself (and counts only a plain UPDATE)
        source, id_ = "AS v", "v.column1"
        value = [f"v.column{n + 2}" for n in range(len(fields))]
    targets = ", ".join(f"{quote(field.column)} = {value[n]}" for n, field in enumerate(fields))
    row = "(" + ", ".join(["%s"] * (len(fields) + 1)) + ")"
    size = min(2000, max(1, connection.ops.bulk_batch_size([meta.pk, *fields], rows)))
    written = 0
    with connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            batch = rows[start : start + size]
            values = ", ".join([row] * len(batch))
            sql = (
                f"UPDATE {table} SET {targets} "  # noqa: S608 - a model's own table
                f"FROM (VALUES {values}) {source} WHERE {table}.{key} = {id_}"
            )
            params: list[Any] = []
            for pk, *new in batch:
                params.append(pk)
                params.extend(
                    field.get_db_prep_save(value, connection)
                    for field, value in zip(fields, new, strict=True)
                )
            cursor.execute(sql, params)
            written += cursor.rowcount
    return written


@contextlib.contextmanager
def indexes_deferred(*tables_of: type[models.Model]) -> Iterator[None]:
    """PostgreSQL: the tables' secondary indexes and outgoing foreign keys dropped while
    rows are copied in, and made again after, inside the caller's transaction — one sorted
    build per index and one validating join per foreign key, instead of a B-tree insert per
    row and index and a deferred check per row and key queued until commit. Primary keys
    and unique constraints stay (they guard the rows as they go in); the indexes and
    constraints come back under their own names and definitions, so the schema is the
    migrations' again. If the block fails nothing is made again: the transaction is rolled
    back, and the drops with it. SQLite (small scales): nothing to do."""
    connection = connections[router.db_for_write(tables_of[0])] if tables_of else None
    if connection is None or connection.vendor != "postgresql":
        yield
        return
    quote = connection.ops.quote_name
    indexes: list[str] = []
    foreign_keys: list[tuple[str, str, str]] = []
    with connection.cursor() as cursor:
        # a foreign key cannot be dropped or added while its tables have checks queued:
        # run the queued ones now (they would run at commit), then queue again as before
        # (every foreign key Django makes is deferrable, initially deferred)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for model in tables_of:
            table = model._meta.db_table
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
                " WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
                [quote(table)],
            )
            for name, definition in cursor.fetchall():
                foreign_keys.append((table, name, definition))
                cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
            cursor.execute(
                "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x"
                " JOIN pg_class i ON i.oid = x.indexrelid"
                " WHERE x.indrelid = %s::regclass AND NOT x.indisprimary"
                " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid"
                " AND c.conrelid = x.indrelid) ORDER BY i.relname",
                [quote(table)],
            )
            for name, definition in cursor.fetchall():
                indexes.append(definition)
                cursor.execute(f"DROP INDEX {quote(name)}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        # a sort per index in memory rather than on disk (this transaction only)
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for definition in indexes:
            cursor.execute(definition)
        for table, name, definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")
        cursor.execute("RESET maintenance_work_mem")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def insert_rows(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Insert rows of ``model`` given as values of ``columns`` (field names or attnames, in
    that order): ``COPY`` on PostgreSQL, one ``executemany`` on SQLite, with no model
    instance and no SQL compiled per row. Columns not named take the database's default
    (the id its sequence's next). Nothing is recorded: callers that write audited rows
    record them (``audit.services.record_rows``). Returns the number of rows."""
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    fields = _columns_of(model, columns)
    table = quote(model._meta.db_table)
    names = ", ".join(quote(field.column) for field in fields)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # the values go as they are, but JSON's, which its field adapts (as the ORM does)
            json = [n for n, field in enumerate(fields) if isinstance(field, models.JSONField)]
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    if json:
                        row = list(row)
                        for n in json:
                            row[n] = fields[n].get_db_prep_save(row[n], connection)
                    copy.write_row(row)
                    count += 1
            return count
        # SQLite: each value prepared by its field, as the ORM prepares it
        prepared = [
            tuple(
                field.get_db_prep_save(value, connection)
                for field, value in zip(fields, row, strict=True)
            )
            for row in rows
        ]
        if prepared:
            places = ", ".join(["%s"] * len(fields))
            sql = f"INSERT INTO {table} ({names}) VALUES ({places})"  # noqa: S608 - names only
            cursor.executemany(sql, prepared)
        return len(prepared)


def _columns_of(model: type[models.Model], columns: Sequence[str]) -> list[models.Field[Any, Any]]:
    """The fields of ``model`` named by ``columns``, each one that has a column of its own."""
    fields: list[models.Field[Any, Any]] = []
    for name in columns:
        found = model._meta.get_field(name)
        if not isinstance(found, models.Field) or not found.column:
            raise ValueError(f"{model._meta.label}.{name} is not a column")
        fields.append(found)
    return fields
