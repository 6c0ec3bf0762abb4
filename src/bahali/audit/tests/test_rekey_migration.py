"""The migration that keyed the chain: an intact unkeyed chain is re-keyed once and says so;
a broken one is refused, never laundered into a sealed chain."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from bahali.audit.models import AuditChainHead, AuditEvent
from bahali.audit.services import verify_chain
from bahali.testing import OrganisationFactory

pytestmark = pytest.mark.django_db

migration = importlib.import_module("bahali.audit.migrations.0003_keyed_chain")


def _as_before_the_migration() -> tuple[int, str]:
    """Rewrite the current events as the unkeyed release wrote them; return the head."""
    prev = "0" * 64
    rows = []
    for event in AuditEvent.objects.order_by("seq"):
        event.prev_hash, event.operation, event.key_id, event.mac = prev, "", "", ""
        event.hash = migration._unkeyed_hash(event)
        prev = event.hash
        rows.append(event)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
        for event in rows:
            cursor.execute(
                "UPDATE audit_auditevent SET prev_hash = %s, hash = %s, operation = '', "
                "key_id = '', mac = '' WHERE seq = %s",
                [event.prev_hash, event.hash, event.seq],
            )
        cursor.execute(
            "UPDATE audit_auditchainhead SET seq = %s, hash = %s, key_id = '', mac = ''",
            [rows[-1].seq, rows[-1].hash],
        )
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER USER")
    return rows[-1].seq, rows[-1].hash


def _rekey() -> None:
    state = MigrationExecutor(connection).loader.project_state(("audit", "0003_keyed_chain"))

    def execute(sql: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql)

    migration.rekey(state.apps, SimpleNamespace(connection=connection, execute=execute))


def test_an_intact_unkeyed_chain_is_rekeyed_and_the_rekeying_recorded():
    for n in range(3):
        OrganisationFactory(name=f"Before keys {n}")
    old_seq, old_hash = _as_before_the_migration()
    assert not verify_chain().ok  # unsealed: the keyed verify refuses it as it stands
    _rekey()
    report = verify_chain()
    assert report.ok and report.checked == old_seq + 1
    marker = AuditEvent.objects.order_by("-seq").first()
    assert marker.action == "audit.rekeyed" and marker.source == "migration"
    assert marker.changes["events"] == [None, old_seq]
    assert marker.changes["unkeyed_head_hash"] == [None, old_hash]
    assert AuditChainHead.objects.get().seq == marker.seq


def test_a_broken_unkeyed_chain_is_not_rekeyed():
    for n in range(3):
        OrganisationFactory(name=f"Before keys {n}")
    _as_before_the_migration()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
        cursor.execute("UPDATE audit_auditevent SET object_label = 'forged' WHERE seq = 2")
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER USER")
    with pytest.raises(RuntimeError, match="broken at event #2"):
        _rekey()
    assert not AuditEvent.objects.filter(action="audit.rekeyed").exists()
