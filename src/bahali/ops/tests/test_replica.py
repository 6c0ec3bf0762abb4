"""The replica router: marked report reads go to the replica, everything else (writes, reads
inside a transaction, unmarked reads) to the primary.

Without a real streaming replica, the tests check the router's decisions (a recording router
runs every query on the one test database). ``tools/start_replica.sh`` starts a real one:
with ``BAHALI_TEST_REAL_REPLICA=1`` and ``DATABASE_REPLICA_URL`` set, the last test reads
committed rows from it and the user's own write from the primary.
"""

from __future__ import annotations

import os
import time
from typing import Any, ClassVar

import pytest
from django.db import connections, transaction

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
    os.environ.get("BAHALI_TEST_REAL_REPLICA") != "1" or "DATABASE_REPLICA_URL" not in os.environ,
    reason="needs a real streaming replica (tools/start_replica.sh)",
)
@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_a_real_replica_serves_committed_rows_and_never_the_users_own_write(member):
    replica_connection = connections["replica"]
    with replica_connection.cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        assert cursor.fetchone()[0] is True  # a standby, not the primary
    user = member(Role.CASE_WORKER)  # committed on the primary
    deadline = time.monotonic() + 10
    seen = False
    while time.monotonic() < deadline and not seen:
        with replica.reads():
            seen = User.objects.filter(pk=user.pk).exists()
        time.sleep(0.05)
    assert seen, "the replica did not receive the committed row within 10 s"
    with transaction.atomic():
        other = member(Role.CASE_WORKER)
        with replica.reads():
            assert User.objects.filter(pk=other.pk).exists()  # primary: own write seen
