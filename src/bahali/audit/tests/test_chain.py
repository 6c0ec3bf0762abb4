"""The audit chain: every write is recorded, and any tampering is found by verify."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from bahali.audit.models import AuditEvent
from bahali.audit.services import verify_chain
from bahali.core.context import SYSTEM, WriteOutsideService, acting_as
from bahali.organisations.models import Organisation
from bahali.testing import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain():
    """A few events to tamper with."""
    for n in range(4):
        OrganisationFactory(name=f"Chain org {n}")
    events = list(AuditEvent.objects.order_by("seq"))
    assert len(events) >= 4
    return events


def _tamper(sql: str, params: list) -> None:
    """Change audit rows behind the application's back, as an attacker with SQL would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER USER")


def _verify_command_fails_at(seq: int) -> None:
    with pytest.raises(CommandError, match=f"#{seq}"):
        call_command("audit", "verify")


def test_writes_are_recorded_with_changed_fields(chain):
    event = chain[0]
    assert event.action == "create"
    assert event.object_type == "organisations.organisation"
    assert event.changes["name"] == [None, "Chain org 0"]
    assert event.actor_label == "system"


def test_update_records_only_changed_fields_and_reason():
    organisation = OrganisationFactory(name="Before")
    with acting_as(SYSTEM, reason="renamed after merger"):
        organisation.name = "After"
        organisation.save()
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.action == "update"
    assert event.changes == {"name": ["Before", "After"]}
    assert event.reason == "renamed after merger"


def test_secret_fields_are_recorded_without_values():
    user = UserFactory()
    with acting_as(SYSTEM):
        user.set_password("another long passphrase 99")
        user.save(update_fields=["password"])
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.changes == {"password": ["[redacted]", "[redacted]"]}
    assert "pbkdf2" not in str(event.changes) and "md5" not in str(event.changes)


def test_write_outside_a_service_is_refused():
    with pytest.raises(WriteOutsideService):
        Organisation.objects.create(name="Sneaky", kind="civil_society")
    assert not Organisation.objects.filter(name="Sneaky").exists()


def test_intact_chain_verifies(chain):
    report = verify_chain()
    assert report.ok
    assert report.checked == AuditEvent.objects.count()
    call_command("audit", "verify")


def test_edited_event_is_found(chain):
    target = chain[2]
    _tamper(
        "UPDATE audit_auditevent SET object_label = %s WHERE seq = %s",
        ["Someone else", target.seq],
    )
    report = verify_chain()
    assert not report.ok and report.bad_seq == target.seq
    assert "altered" in report.problem
    _verify_command_fails_at(target.seq)


def test_edited_and_rehashed_event_is_found_by_its_seal(chain):
    """Without the audit key the rewritten event's seal no longer matches its hash."""
    target = chain[1]
    target.object_label = "Forged"
    forged_hash = target.compute_hash()
    _tamper(
        "UPDATE audit_auditevent SET object_label = %s, hash = %s WHERE seq = %s",
        ["Forged", forged_hash, target.seq],
    )
    report = verify_chain()
    assert report.bad_seq == target.seq
    assert "without the audit key" in report.problem
    _verify_command_fails_at(target.seq)


def test_edited_and_resealed_event_is_found_by_the_next(chain):
    """Even with the key, the next event still names the original hash."""
    target = chain[1]
    target.object_label = "Forged"
    target.seal()
    _tamper(
        "UPDATE audit_auditevent SET object_label = %s, hash = %s, mac = %s WHERE seq = %s",
        ["Forged", target.hash, target.mac, target.seq],
    )
    report = verify_chain()
    assert report.bad_seq == chain[2].seq
    _verify_command_fails_at(chain[2].seq)


def test_removed_event_is_found(chain):
    target = chain[2]
    _tamper("DELETE FROM audit_auditevent WHERE seq = %s", [target.seq])
    report = verify_chain()
    assert report.bad_seq == target.seq
    assert "missing" in report.problem
    _verify_command_fails_at(target.seq)


def test_removed_last_event_is_found(chain):
    last = AuditEvent.objects.order_by("-seq").first()
    _tamper("DELETE FROM audit_auditevent WHERE seq = %s", [last.seq])
    report = verify_chain()
    assert report.bad_seq == last.seq
    _verify_command_fails_at(last.seq)


def test_reordered_events_are_found(chain):
    first, second = chain[1], chain[2]
    _tamper("UPDATE audit_auditevent SET seq = %s WHERE seq = %s", [10**12, first.seq])
    _tamper("UPDATE audit_auditevent SET seq = %s WHERE seq = %s", [first.seq, second.seq])
    _tamper("UPDATE audit_auditevent SET seq = %s WHERE seq = %s", [second.seq, 10**12])
    report = verify_chain()
    assert report.bad_seq == first.seq
    _verify_command_fails_at(first.seq)


def test_orm_refuses_to_change_events(chain):
    event = chain[0]
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_postgresql_trigger_refuses_update_and_delete(chain):
    for sql in (
        "UPDATE audit_auditevent SET action = 'x' WHERE seq = 1",
        "DELETE FROM audit_auditevent WHERE seq = 1",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
