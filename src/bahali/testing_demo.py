"""The demo for the test suite: loaded once per test session, then copied back wherever a test
needs it.

``bahali demo`` takes many seconds of CPU (every participant sealed, every gate walked
through the services, every step audited: about 26 s on SQLite, more on PostgreSQL). Tests
that read or change the demo used to load it each: seven loads in ``src/`` and one in the
browser tests, on SQLite and on PostgreSQL. Here the first of them loads it (through the
``bahali demo`` command, whose output is kept for the test of the command) and the database's
whole content is copied aside; each later one gets that content back in well under a second:

* SQLite (the in-memory test database): SQLite's online backup, into a second in-memory
  database and back.
* PostgreSQL: each table's rows with ``COPY … TO STDOUT`` and back with ``COPY … FROM
  STDIN`` after the same flush the test runner uses (``sql_flush``, which lets the audit
  tables be emptied in tests only), in one transaction so deferred foreign keys are checked
  at its end; then every sequence is moved past the restored rows.

The copy is of the database, not of a dump made by our own code: what a test reads is
exactly what the demo loader wrote.

Two ways in:

* ``demo()`` for transactional (browser) tests: the demo is in the database, committed; the
  runner's flush after the test takes it away.
* the ``demo_data`` fixture (root ``conftest.py``, module scope) for ``django_db`` tests:
  the database as the module found it is copied aside, the demo put in, and the module's
  copy put back after its last test; each test still runs in a transaction of its own,
  rolled back, so what one test changes the next does not see.
"""

from __future__ import annotations

import io
import sqlite3
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction


@dataclass
class Snapshot:
    """A copy of the whole test database (one of the two forms, by database)."""

    sqlite: sqlite3.Connection | None = None
    tables: dict[str, bytes] | None = None


@dataclass
class LoadedDemo:
    accounts: list[Any]  # the demo's accounts (bahali.core.demo.DemoAccount)
    output: str  # what the first ``bahali demo`` of the session printed
    snapshot: Snapshot


_loaded: LoadedDemo | None = None


def loaded() -> LoadedDemo:
    """The demo in the database (loaded now by ``bahali demo``, or restored), committed.
    Needs a database with no transaction open."""
    global _loaded
    if _loaded is None:
        from bahali.core.context import SYSTEM
        from bahali.core.demo import load_demo

        out = io.StringIO()
        with transaction.atomic():
            call_command("demo", stdout=out)
            # the accounts as the command listed them: a second load adds nothing (the
            # demo tests check that) and returns them
            accounts = load_demo(actor=SYSTEM)
        _loaded = LoadedDemo(accounts=accounts, output=out.getvalue(), snapshot=take())
    else:
        restore(_loaded.snapshot)
    return _loaded


def demo() -> list[Any]:
    """The demo's accounts, with the demo in the database (loaded now, or restored)."""
    return loaded().accounts


def take() -> Snapshot:
    """A copy of the database's content now (committed rows; no transaction open)."""
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        copy = sqlite3.connect(":memory:", check_same_thread=False)
        connection.connection.backup(copy)
        return Snapshot(sqlite=copy)
    tables = {}
    with connection.cursor() as cursor:
        for table in _tables():
            with cursor.copy(f'COPY "{table}" TO STDOUT') as out:
                tables[table] = b"".join(bytes(chunk) for chunk in out)
    return Snapshot(tables=tables)


def restore(snapshot: Snapshot) -> None:
    """Put the database back as ``snapshot`` found it (no transaction open)."""
    connection.ensure_connection()
    if snapshot.sqlite is not None:
        snapshot.sqlite.backup(connection.connection)
        return
    if snapshot.tables is None:
        raise ValueError("a snapshot holds an SQLite copy or PostgreSQL tables")
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
