"""Load the demo once per test session; give every later browser test a copy of it.

``bahali demo`` takes many seconds of CPU (every participant sealed, every gate walked
through the services, every step audited). Browser tests run on a flushed database, so each
used to load it again: twenty loads per run, on SQLite and on PostgreSQL. Here the first
test loads it and the database's whole content is copied aside; each later test that asks
for the demo gets that content back in well under a second:

* SQLite (the in-memory test database): SQLite's online backup, into a second in-memory
  database and back.
* PostgreSQL: each table's rows with ``COPY … TO STDOUT`` and back with ``COPY … FROM
  STDIN`` after the same flush the test runner uses (``sql_flush``, which lets the audit
  tables be emptied in tests only), in one transaction so deferred foreign keys are checked
  at its end; then every sequence is moved past the restored rows.

The copy is of the database, not of a dump made by our own code: what a test reads is
exactly what the demo loader wrote.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, transaction


@dataclass
class Snapshot:
    accounts: list[Any]
    sqlite: sqlite3.Connection | None = None
    tables: dict[str, bytes] | None = None


_taken: Snapshot | None = None


def demo() -> list[Any]:
    """The demo's accounts, with the demo in the database (loaded now, or restored)."""
    global _taken
    if _taken is None:
        from bahali.core.context import SYSTEM
        from bahali.core.demo import load_demo

        accounts = load_demo(actor=SYSTEM)
        _taken = _take(accounts)
    else:
        _restore(_taken)
    return _taken.accounts


def _take(accounts: list[Any]) -> Snapshot:
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        copy = sqlite3.connect(":memory:", check_same_thread=False)
        connection.connection.backup(copy)
        return Snapshot(accounts=accounts, sqlite=copy)
    tables = {}
    with connection.cursor() as cursor:
        for table in _tables():
            with cursor.copy(f'COPY "{table}" TO STDOUT') as out:
                tables[table] = b"".join(bytes(chunk) for chunk in out)
    return Snapshot(accounts=accounts, tables=tables)


def _restore(snapshot: Snapshot) -> None:
    if snapshot.sqlite is not None:
        snapshot.sqlite.backup(connection.connection)
        return
    assert snapshot.tables is not None
    style = no_style()
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in connection.ops.sql_flush(style, _tables()):
            cursor.execute(statement)
        for table, rows in snapshot.tables.items():
            if rows:
                with cursor.copy(f'COPY "{table}" FROM STDIN') as into:
                    into.write(rows)
        for statement in connection.ops.sequence_reset_sql(style, apps.get_models()):
            cursor.execute(statement)


def _tables() -> list[str]:
    return sorted(connection.introspection.django_table_names(only_existing=True))
