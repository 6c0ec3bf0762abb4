"""Reads of dashboards, reports and exports on a PostgreSQL streaming replica.

With ``DATABASE_REPLICA_URL`` set, the settings add a ``replica`` database and
:class:`ReplicaRouter`. Nothing goes to the replica unless marked: a report, dashboard or
export reads inside :func:`reads` (or on ``.using(replica.alias())``). Everything else —
every page that shows what the user just wrote, every write, every read inside a
transaction — stays on the primary, so nobody misses their own write because of
replication lag. Inside a transaction on the primary, marked reads stay there too (they
must see the transaction's own writes).

Without a replica configured, :func:`reads` changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import connections

REPLICA = "replica"

_marked: ContextVar[bool] = ContextVar("bahali_replica_reads", default=False)


def configured() -> bool:
    return REPLICA in settings.DATABASES


def in_transaction() -> bool:
    """Is a transaction open on the primary? (The test runner's own wrapping transaction,
    which Django marks, does not count: it stands for no transaction.)"""
    blocks = connections["default"].atomic_blocks
    return any(not getattr(block, "_from_testcase", False) for block in blocks)


def alias() -> str:
    """Where a marked read goes now: the replica if configured and no transaction on the
    primary is open, else the primary."""
    if not configured() or in_transaction():
        return "default"
    return REPLICA


@contextmanager
def reads() -> Iterator[None]:
    """Reads in the block may come from the replica (seconds behind the primary): for
    aggregate figures, reports and exports only."""
    token = _marked.set(True)
    try:
        yield
    finally:
        _marked.reset(token)


class ReplicaRouter:
    """Marked reads to the replica; all else, writes and migrations to the primary."""

    def db_for_read(self, model: Any, **hints: Any) -> str:
        if _marked.get():
            return alias()
        return "default"

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # the replica is a copy of the primary: same rows

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == "default"  # the replica follows the primary's schema by replication
