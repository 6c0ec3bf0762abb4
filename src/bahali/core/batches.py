"""Walking a large table in batches without a server-side cursor.

The PostgreSQL connection runs without server-side cursors (``DISABLE_SERVER_SIDE_CURSORS``:
a ``DECLARE ... WITH HOLD`` costs every form's choice list several milliseconds, and a
transaction-pooling proxy cannot carry one). Code that reads a whole table reads it in
keyset pages instead: each page is one short query, and memory holds one page.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db import models


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
