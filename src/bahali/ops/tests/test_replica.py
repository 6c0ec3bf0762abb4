"""The replica router: marked report reads go to the replica, everything else (writes, reads
inside a transaction, unmarked reads) to the primary.

Without a real streaming replica, the tests check the router's decisions (a recording router
runs every query on the one test database). With ``BAHALI_TEST_REAL_REPLICA=1`` the last
test proves the routing against a real streaming replica (``tools/replica_check.py``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any, ClassVar

import pytest
from django.db import transaction

from bahali.accounts.models import User
from bahali.accounts.roles import Role
from bahali.ops import replica

pytestmark = pytest.mark.django_db


class Recording(replica.ReplicaRouter):
    """The router, recording where it sends each query — then running it on the test
    database (one database in this test run: the decisions are what is tested)."""

    reads: ClassVar[list[str]] = []
    writes: ClassVar[list[str]] = []

    def db_for_read(self, model: Any, **hints: Any) -> str:
        self.reads.append(super().db_for_read(model, **hints))
        return "default"

    def db_for_write(self, model: Any, **hints: Any) -> str:
        self.writes.append(super().db_for_write(model, **hints))
        return "default"


@pytest.fixture
def routed(settings: Any) -> type[Recording]:
    """A replica configured (a second alias) and the recording router."""
    settings.DATABASES = {**settings.DATABASES, "replica": {**settings.DATABASES["default"]}}
    settings.DATABASE_ROUTERS = ["bahali.ops.tests.test_replica.Recording"]
    Recording.reads.clear()
    Recording.writes.clear()
    return Recording


def test_marked_report_reads_go_to_the_replica(routed):
    with replica.reads():
        User.objects.filter(is_active=True).count()
    assert routed.reads == ["replica"]


def test_unmarked_reads_and_all_writes_stay_on_the_primary(routed, member):
    user = member(Role.CASE_WORKER)
    User.objects.get(pk=user.pk)
    assert set(routed.reads) == {"default"}
    assert routed.writes and set(routed.writes) == {"default"}


def test_write_then_read_in_one_transaction_reads_the_primary(routed, member):
    with transaction.atomic():
        user = member(Role.CASE_WORKER)  # the user's own write …
        routed.reads.clear()
        with replica.reads():  # … then a marked read: it must see the write
            assert User.objects.filter(pk=user.pk).exists()
    assert routed.reads == ["default"]


def test_without_a_replica_marked_reads_stay_on_the_primary(settings):
    settings.DATABASES = {"default": settings.DATABASES["default"]}
    assert not replica.configured()
    with replica.reads():
        assert replica.ReplicaRouter().db_for_read(User) == "default"


def test_home_figures_read_from_the_replica(routed, member, signed_in):
    client = signed_in(member(Role.OVERSIGHT_MONITOR))
    routed.reads.clear()
    assert client.get("/").status_code == 200
    assert "replica" in routed.reads  # the figures panel (the audit verification)
    assert "default" in routed.reads  # the rest of the page (the user's own work)


@pytest.mark.skipif(
    os.environ.get("BAHALI_TEST_REAL_REPLICA") != "1",
    reason="starts a real streaming replica (tools/replica_check.py): BAHALI_TEST_REAL_REPLICA=1",
)
def test_a_real_replica_serves_dashboards_and_never_the_users_own_write():
    from django.db import connection

    """``tools/replica_check.py``: a primary and a pg_basebackup streaming replica of it on
    this machine; with the replica's replay paused, the home dashboard's figures and a
    marked report read come from the replica (they miss a new write), unmarked reads and a
    write-then-read in one transaction from the primary; the clusters are removed after."""
    root = Path(__file__).resolve().parents[4]
    command = [sys.executable, str(root / "tools/replica_check.py")]
    if connection.vendor == "postgresql":  # the test database is migrated: copy its tables
        db = connection.settings_dict
        host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        command += ["--schema-from", f"postgres://{db['USER']}@{host}/{db['NAME']}"]
    done = subprocess.run(  # noqa: S603
        command,
        env={**os.environ, "PYTHONPATH": str(root / "src")},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "replica check passed" in done.stdout
