"""One operation of a kind at a time, for operations that read a whole table and then
write what they found (a recomputation): two at once would both see the same rows missing
and both insert them.

:func:`serialise` holds a lock named for the operation until the current transaction ends.
On PostgreSQL it is a transaction-level advisory lock (``pg_advisory_xact_lock`` on the
name's hash); SQLite's IMMEDIATE transactions (``settings.DATABASES``) already let one
writer in at a time, from the start of the transaction, so nothing more is needed there.
Call it first thing inside the transaction (a ``@service`` is one).
"""

from __future__ import annotations

from django.db import connection, transaction


def serialise(name: str) -> None:
    """Wait until no other transaction holds ``name``, then hold it until this one ends."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("serialise() holds its lock until the transaction ends: call it in one")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [name])
