"""Backup → restore round trips, with the chain and sealed values verified; tampering refused.

The round trip runs on whichever database the tests use (SQLite, or PostgreSQL with
DATABASE_URL): the backup is taken, the test's rows are removed the way a fresh database
lacks them, and the archive restored into the same (now empty) database.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, models

from bahali.accounts.models import User
from bahali.accounts.roles import Role
from bahali.audit.models import AuditChainHead, AuditEvent
from bahali.core.sealing import sealed_models
from bahali.ops import backup
from bahali.testing import PathwayWorld, make_member

pytestmark = pytest.mark.django_db


def _wipe() -> None:
    """Empty every backed-up table, as a freshly created database is (audit rows too,
    which only a test may do: on PostgreSQL the append-only trigger is bypassed)."""
    with connection.cursor() as cursor, connection.constraint_checks_disabled():
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        for model in reversed(backup.backed_up_models()):
            for m2m in model._meta.local_many_to_many:
                through = m2m.remote_field.through
                if through._meta.auto_created:
                    cursor.execute(
                        f"DELETE FROM {connection.ops.quote_name(through._meta.db_table)}"  # noqa: S608
                    )
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = origin")


@pytest.fixture
def world(db: Any) -> PathwayWorld:
    world = PathwayWorld()
    world.case()  # participants, a case, sealed identities, many audit events
    world.participant()
    return world


def _snapshot() -> dict[str, list[Any]]:
    found = {}
    for model in backup.backed_up_models():
        found[model._meta.label_lower] = sorted(
            (tuple(row) for row in models.QuerySet(model=model).values_list()), key=repr
        )
    return found


def test_round_trip_restores_every_row_and_verifies(world):
    before = _snapshot()
    events = AuditEvent.objects.count()
    archive = io.BytesIO()
    header = backup.backup(archive)
    assert header["counts"]["audit.auditevent"] == events > 0
    assert header["field_key_ids"] and header["audit_key_ids"]
    _wipe()
    assert backup.database_is_empty()
    report = backup.restore(io.BytesIO(archive.getvalue()))
    assert report.audit_events == events
    sealed = sum(
        1
        for model in sealed_models()
        for row in models.QuerySet(model=model).values(*model.sealed_fields)
        for value in row.values()
        if value
    )
    assert report.sealed_values == sealed > 0
    assert _snapshot() == before
    # New rows after a restore get new keys (sequences moved past the restored ones).
    make_member(Role.CASE_WORKER)
    assert User.objects.count() == len(before["accounts.user"]) + 1


def test_archive_holds_no_key_and_no_clear_text(world, settings):
    archive = io.BytesIO()
    backup.backup(archive)
    data = archive.getvalue()
    for key in [*settings.FIELD_ENCRYPTION_KEYS.values(), *settings.AUDIT_KEYS.values()]:
        assert key not in data
    for key in settings.BACKUP_KEYS.values():
        assert key not in data
    username = User.objects.first().username
    assert username.encode() not in data


def test_restore_refuses_a_database_that_is_not_empty(world):
    archive = io.BytesIO()
    backup.backup(archive)
    with pytest.raises(backup.BackupRefused, match="not empty"):
        backup.restore(io.BytesIO(archive.getvalue()))


@pytest.mark.parametrize("where", ["header", "body", "end", "cut"])
def test_a_tampered_archive_is_refused_and_nothing_restored(world, where):
    archive = io.BytesIO()
    backup.backup(archive)
    data = bytearray(archive.getvalue())
    if where == "header":
        at = data.index(b'"vendor":"') + len(b'"vendor":"')
        data[at : at + 1] = b"X"
    elif where == "body":
        data[len(data) // 2] ^= 0x01
    elif where == "end":
        data[-1] ^= 0x80
    else:
        data = data[: len(data) - 40]
    _wipe()
    with pytest.raises(backup.BackupRefused):
        backup.restore(io.BytesIO(bytes(data)))
    assert backup.database_is_empty()
    assert not AuditChainHead.objects.exists()


def test_restore_refuses_an_archive_under_an_unknown_key(world, settings):
    archive = io.BytesIO()
    backup.backup(archive)
    settings.BACKUP_KEYS = {"other": b"\x00" * 32}
    _wipe()
    with pytest.raises(backup.BackupRefused, match="not configured"):
        backup.restore(io.BytesIO(archive.getvalue()))


def test_restore_refuses_when_a_sealed_value_does_not_open(world):
    from bahali.registry.models import Participant

    participant = Participant.objects.first()
    other = Participant.objects.exclude(pk=participant.pk).first()
    field = next(iter(Participant.sealed_fields))
    # A value moved to another row (raw, as an attacker with database access would).
    models.QuerySet(model=Participant).filter(pk=other.pk).update(
        **{field: getattr(participant, field)}
    )
    archive = io.BytesIO()
    backup.backup(archive)
    _wipe()
    with pytest.raises(backup.BackupRefused, match="sealed value does not open"):
        backup.restore(io.BytesIO(archive.getvalue()))
    assert backup.database_is_empty()


def test_backup_and_restore_commands(world, tmp_path):
    path = tmp_path / "archive.bahali-backup"
    out = io.StringIO()
    call_command("backup", output=str(path), quiet=True, stdout=out)
    assert "Backup written" in out.getvalue()
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    _wipe()
    out = io.StringIO()
    call_command("restore", str(path), quiet=True, stdout=out)
    assert "audit chain intact" in out.getvalue()
    assert User.objects.exists()


def test_files_travel_with_the_archive(world, settings, tmp_path):
    settings.BAHALI_JOB_DIR = tmp_path / "jobs"
    (tmp_path / "jobs" / "ab").mkdir(parents=True)
    (tmp_path / "jobs" / "ab" / "result.bin").write_bytes(b"sealed result")
    archive = io.BytesIO()
    assert backup.backup(archive)["files"] == 1
    (tmp_path / "jobs" / "ab" / "result.bin").unlink()
    _wipe()
    assert backup.restore(io.BytesIO(archive.getvalue())).files == 1
    assert (tmp_path / "jobs" / "ab" / "result.bin").read_bytes() == b"sealed result"


@pytest.mark.any_database  # the restore runs on a SQLite file of its own, in a child process
def test_the_restore_drill_restores_into_a_fresh_database(world):
    """``bahali restore-drill``: a backup restored by ``bahali restore`` into a new, empty
    database (migrated app by app to the archive's migrations first, every post-migrate
    check running before the other apps' tables exist), verified."""
    out = io.StringIO()
    call_command("restore_drill", stdout=out)
    text = out.getvalue()
    assert "audit chain intact" in text and "sealed values open" in text
    assert "Restore drill passed" in text
