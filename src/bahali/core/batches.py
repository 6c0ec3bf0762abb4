"""Walking a large table in batches without a server-side cursor, and writing derived
columns of many rows at once.

The PostgreSQL connection runs without server-side cursors (``DISABLE_SERVER_SIDE_CURSORS``:
a ``DECLARE ... WITH HOLD`` costs every form's choice list several milliseconds, and a
transaction-pooling proxy cannot carry one). Code that reads a whole table reads it in
keyset pages instead: each page is one short query, and memory holds one page.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
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
    fields = [meta.get_field(name) for name in columns]
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
