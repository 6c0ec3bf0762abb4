# ruff: noqa: S603, S607 - runs our own scripts and PostgreSQL's tools, no shell
"""The replica router against a real streaming replica: a dashboard's and a report's reads
come from the replica, a write-then-read from the primary.

Starts a local primary and a streaming replica of it (``tools/start_replica.sh``, in a
folder of its own and on free ports), gives the primary the schema (``bahali migrate``, or a
copy of a migrated database's),
then, in this process, with ``DATABASE_URL`` on the primary and ``DATABASE_REPLICA_URL`` on
the replica:

1. the replica alias is a standby (``pg_is_in_recovery()``), the primary is not;
2. replay on the replica is paused (``pg_wal_replay_pause()``), so the replica stays behind:
   what is written on the primary next is on the primary only;
3. an oversight monitor's audit verification is recorded (a write on the primary). The home
   page's audit panel — a dashboard figure read inside ``replica.reads()`` — still says
   "not verified yet": it was read from the replica; a marked read of the event finds
   nothing, an unmarked read finds it (the primary); a write then a marked read inside one
   transaction finds it (the router keeps it on the primary: never miss your own write);
4. replay resumes: within seconds the dashboard shows the verification.

Then it stops both clusters and removes their folder. Prints what it did and the seconds
each step took; exits 1 on a failed check. Needs PostgreSQL's server binaries and root (the
clusters run as ``postgres``) or a user who may run ``initdb``::

    PYTHONPATH=src .venv/bin/python tools/replica_check.py [--schema-from DATABASE_URL]

``--schema-from`` copies the tables (no rows) of an already migrated PostgreSQL database
instead of migrating: seconds instead of minutes (the test passes its own test database).

``src/bahali/ops/tests/test_replica.py`` runs it when ``BAHALI_TEST_REAL_REPLICA=1`` (the
PostgreSQL pass of CI sets it).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STEPS: list[tuple[str, float]] = []


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def step(name: str, since: float) -> float:
    now = time.monotonic()
    STEPS.append((name, now - since))
    print(f"  {name}: {now - since:.1f} s", flush=True)
    return now


def check(condition: bool, what: str) -> None:
    print(f"  {'ok' if condition else 'FAILED'}: {what}", flush=True)
    if not condition:
        raise SystemExit(1)


def start_clusters(folder: Path) -> tuple[str, str]:
    env = {
        **os.environ,
        "DIR": str(folder),
        "PRIMARY_PORT": str(free_port()),
        "REPLICA_PORT": str(free_port()),
    }
    done = subprocess.run(
        ["sh", str(ROOT / "tools/start_replica.sh")],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    urls = dict(
        line.removeprefix("export ").split("=", 1)
        for line in done.stdout.splitlines()
        if line.startswith("export ")
    )
    return urls["DATABASE_URL"], urls["DATABASE_REPLICA_URL"]


def stop_clusters(folder: Path) -> None:
    subprocess.run(
        ["sh", str(ROOT / "tools/start_replica.sh"), "stop"],
        env={**os.environ, "DIR": str(folder)},
        capture_output=True,
    )
    shutil.rmtree(folder, ignore_errors=True)


def copy_schema(source: str, target: str) -> None:
    """The tables of a migrated database (and its migration records), without its rows:
    quicker than migrating from nothing. The shipped geography is loaded afterwards."""
    bin_dir = Path(
        subprocess.run(
            ["sh", "-c", "ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1"],
            capture_output=True,
            text=True,
        ).stdout.strip()
        or "/usr/bin"
    )
    dump = subprocess.run(
        [str(bin_dir / "pg_dump"), "--schema-only", "--no-owner", "--no-privileges", source],
        check=True,
        capture_output=True,
    ).stdout
    records = subprocess.run(
        [str(bin_dir / "pg_dump"), "--data-only", "--table=django_migrations", source],
        check=True,
        capture_output=True,
    ).stdout
    for sql in (dump, records):
        subprocess.run(
            ["psql", "-v", "ON_ERROR_STOP=1", "-q", target],
            input=sql,
            check=True,
            capture_output=True,
        )


def main() -> None:
    folder = Path(tempfile.gettempdir()) / f"bahali-replica-check-{os.getpid()}"
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stopped: still remove the clusters
    started = time.monotonic()
    print(f"replica check in {folder}")
    try:
        primary, standby = start_clusters(folder)
        now = step("primary and streaming replica started (initdb, pg_basebackup)", started)
        server = primary.rsplit("/", 1)[0]
        subprocess.run(
            ["psql", f"{server}/postgres", "-qc", "CREATE DATABASE bahali"],
            check=True,
            capture_output=True,
        )
        env = {
            **os.environ,
            "DATABASE_URL": primary,
            "DJANGO_SETTINGS_MODULE": "bahali.settings.test",
            "PYTHONPATH": str(ROOT / "src"),
        }
        env.pop("DATABASE_REPLICA_URL", None)
        if "--schema-from" in sys.argv:
            copy_schema(sys.argv[sys.argv.index("--schema-from") + 1], f"{server}/bahali")
            now = step("schema copied from a migrated database onto the primary", now)
        else:
            subprocess.run(
                [sys.executable, "-m", "bahali.cli", "migrate", "-v0"], env=env, check=True
            )
            now = step("schema migrated on the primary", now)
        prove(primary, standby)
        step("routing proved", now)
    finally:
        stop_clusters(folder)
    print(f"replica check passed in {time.monotonic() - started:.1f} s")


def prove(primary: str, standby: str) -> None:
    os.environ["DATABASE_URL"] = primary
    os.environ["DATABASE_REPLICA_URL"] = standby
    os.environ["DJANGO_SETTINGS_MODULE"] = "bahali.settings.test"
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.db import connections, transaction
    from django.test import Client

    from bahali.accounts.roles import Role
    from bahali.audit.models import AuditEvent
    from bahali.audit.services import verify_and_record
    from bahali.core.context import SYSTEM
    from bahali.ops import replica
    from bahali.testing import make_member, sign_in

    def standby_sql(sql: str) -> object:
        with connections["replica"].cursor() as cursor:
            cursor.execute(sql)
            row = cursor.fetchone()
            return row[0] if row else None

    check(standby_sql("SELECT pg_is_in_recovery()") is True, "the replica alias is a standby")
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        check(cursor.fetchone()[0] is False, "the default alias is the primary")

    from bahali.geography.models import District
    from bahali.geography.services import load_pakistan_geography

    if not District.objects.exists():  # a copied schema has no rows
        load_pakistan_geography(actor=SYSTEM)
    monitor = make_member(Role.OVERSIGHT_MONITOR)
    deadline = time.monotonic() + 30
    while standby_sql(f"SELECT count(*) FROM accounts_user WHERE id = {monitor.pk}") != 1:  # noqa: S608
        check(time.monotonic() < deadline, "the replica receives committed rows")
        time.sleep(0.1)
    browser = Client()
    check(sign_in(browser, monitor).status_code == 302, "the monitor signs in")

    standby_sql("SELECT pg_wal_replay_pause()")
    while standby_sql("SELECT pg_get_wal_replay_pause_state()") != "paused":
        time.sleep(0.05)
    print("  replay paused on the replica: it stays behind the primary")
    verify_and_record(actor=SYSTEM)  # a write on the primary
    verified = AuditEvent.objects.filter(action="audit.verified")
    check(verified.exists(), "unmarked read (a page's own data): the primary has the event")
    with replica.reads():
        check(not verified.exists(), "marked read (report): served by the replica, behind")
    home = browser.get("/").content.decode()
    check(
        'data-testid="audit-never-verified"' in home,
        "home dashboard's audit panel: read from the replica (does not show the event yet)",
    )
    with transaction.atomic():
        verify_and_record(actor=SYSTEM)  # the user's own write …
        with replica.reads():  # … then a marked read: the primary, never the stale replica
            check(
                verified.count() == 2,
                "write then read in one transaction: read from the primary",
            )
    standby_sql("SELECT pg_wal_replay_resume()")
    deadline = time.monotonic() + 30
    while 'data-testid="audit-never-verified"' in browser.get("/").content.decode():
        check(time.monotonic() < deadline, "after replay resumes the dashboard catches up")
        time.sleep(0.2)
    print("  ok: replay resumed: the dashboard shows the verification")
    connections.close_all()


if __name__ == "__main__":
    main()
