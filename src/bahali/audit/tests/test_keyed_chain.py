"""The keyed chain: an insider who can write to the database but holds no audit key cannot
rewrite it unnoticed; checkpoints kept outside the system catch even a rewrite with the key,
and TRUNCATE; the audit key rotates like the field keys."""

from __future__ import annotations

import base64
import importlib.util
import json
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test import override_settings

from bahali.audit import chain
from bahali.audit.models import AuditChainHead, AuditEvent
from bahali.audit.services import record, verify_chain
from bahali.core.context import SYSTEM, acting_as
from bahali.testing import OrganisationFactory

pytestmark = pytest.mark.django_db

TOOL = Path(__file__).resolve().parents[4] / "tools" / "verify_audit.py"


def _events() -> list[AuditEvent]:
    return list(AuditEvent.objects.order_by("seq"))


@pytest.fixture
def trail():
    """A few events, one of them an identity read an insider would like to erase."""
    OrganisationFactory(name="Before the read")
    with acting_as(SYSTEM):
        org = OrganisationFactory(name="Read here")
        record("identity.read", obj=org)
    for n in range(3):
        OrganisationFactory(name=f"After the read {n}")
    return _events()


def _sql(*statements: tuple[str, list]) -> None:
    """Change audit rows behind the application's back, as an insider with SQL would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
        for sql, params in statements:
            cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER USER")


def _erase_and_rechain(target_seq: int, *, reseal: bool) -> None:
    """Delete one event, renumber and re-hash every later one, and move the head: what an
    insider does to remove a trace. Only with ``reseal`` (the insider holds the audit key)
    are the seals redone too."""
    later = list(AuditEvent.objects.filter(seq__gt=target_seq).order_by("seq"))
    previous = AuditEvent.objects.filter(seq=target_seq - 1).first()
    prev_hash = previous.hash if previous else chain.GENESIS_HASH
    statements = [("DELETE FROM audit_auditevent WHERE seq = %s", [target_seq])]
    for event in later:
        old_seq = event.seq
        event.seq, event.prev_hash = old_seq - 1, prev_hash
        event.hash = event.compute_hash()
        if reseal:
            event.mac = chain.seal(event.key_id, event.hash)
        prev_hash = event.hash
        statements.append(
            (
                "UPDATE audit_auditevent SET seq = %s, prev_hash = %s, hash = %s, mac = %s "
                "WHERE seq = %s",
                [event.seq, event.prev_hash, event.hash, event.mac, old_seq],
            )
        )
    head = AuditChainHead.objects.get()
    head_seq, head_mac = later[-1].seq, head.mac
    if reseal:
        head_mac = chain.head_seal(head.key_id, head_seq, prev_hash)
    statements.append(
        (
            "UPDATE audit_auditchainhead SET seq = %s, hash = %s, mac = %s",
            [head_seq, prev_hash, head_mac],
        )
    )
    _sql(*statements)


def _checkpoint(tmp_path: Path, name: str = "checkpoint.json") -> Path:
    path = tmp_path / name
    call_command("audit", "checkpoint", "--output", str(path))
    return path


def test_new_events_are_sealed_with_the_active_key(trail):
    for event in trail:
        assert event.key_id == chain.active_key_id()
        assert event.mac == chain.seal(event.key_id, event.hash)
    assert verify_chain().ok


def test_insider_without_the_key_cannot_erase_an_identity_read(trail):
    read = next(e for e in trail if e.action == "identity.read")
    _erase_and_rechain(read.seq, reseal=False)
    assert not AuditEvent.objects.filter(action="identity.read").exists()
    report = verify_chain()
    assert not report.ok and report.bad_seq == read.seq
    assert "without the audit key" in report.problem
    with pytest.raises(CommandError, match=f"#{read.seq}"):
        call_command("audit", "verify")


def test_insider_without_the_key_cannot_drop_the_newest_events(trail):
    last = trail[-1]
    head = AuditChainHead.objects.get()
    _sql(
        ("DELETE FROM audit_auditevent WHERE seq = %s", [last.seq]),
        (
            "UPDATE audit_auditchainhead SET seq = %s, hash = %s",
            [trail[-2].seq, trail[-2].hash],
        ),
    )
    assert head.mac != chain.head_seal(head.key_id, trail[-2].seq, trail[-2].hash)
    report = verify_chain()
    assert not report.ok and "head" in report.problem


def test_a_checkpoint_catches_a_rewrite_even_by_a_key_holder(trail, tmp_path):
    checkpoint = _checkpoint(tmp_path)
    call_command("audit", "verify", "--against", str(checkpoint))
    read = next(e for e in trail if e.action == "identity.read")
    _erase_and_rechain(read.seq, reseal=True)
    assert verify_chain().ok  # re-sealed with the key: the chain alone cannot tell
    with pytest.raises(CommandError, match="differs from the checkpoint"):
        call_command("audit", "verify", "--against", str(checkpoint))


def test_truncation_is_caught_by_a_checkpoint(trail, tmp_path):
    """If the tables are emptied anyway (on PostgreSQL only after dropping the triggers),
    the chain alone looks intact, empty; the checkpoint proves events are gone."""
    checkpoint = _checkpoint(tmp_path)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER audit_auditevent_no_truncate ON audit_auditevent")
            cursor.execute("DROP TRIGGER audit_auditchainhead_no_truncate ON audit_auditchainhead")
            cursor.execute("TRUNCATE audit_auditevent, audit_auditchainhead")
        else:
            cursor.execute("DELETE FROM audit_auditevent")
            cursor.execute("DELETE FROM audit_auditchainhead")
    assert verify_chain().ok and verify_chain().checked == 0
    with pytest.raises(CommandError, match="events were removed"):
        call_command("audit", "verify", "--against", str(checkpoint))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the triggers are PostgreSQL's")
def test_postgresql_refuses_truncate(trail):
    for table in ("audit_auditevent", "audit_auditchainhead", "audit_auditevent CASCADE"):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(f"TRUNCATE {table}")
    assert AuditEvent.objects.count() == len(trail)


def test_checkpoint_is_signed_recorded_and_checked(trail, tmp_path, capsys):
    path = _checkpoint(tmp_path)
    document = json.loads(path.read_text())
    assert document["statement"]["seq"] == trail[-1].seq
    assert document["statement"]["hash"] == trail[-1].hash
    recorded = AuditEvent.objects.order_by("-seq").first()
    assert recorded.action == "audit.checkpoint"
    assert recorded.changes["signature"] == [None, document["signature"]]
    call_command("audit", "public-key")
    assert capsys.readouterr().out.strip() == document["public_key"]
    # A changed statement no longer matches its signature.
    document["statement"]["seq"] = 1
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(document))
    with pytest.raises(CommandError, match="signature"):
        call_command("audit", "verify", "--against", str(forged))
    (tmp_path / "junk.json").write_text("{not json")
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("audit", "verify", "--against", str(tmp_path / "junk.json"))


def test_key_rotation_keeps_old_events_verifiable(trail):
    old_kid = trail[0].key_id
    old_key = {old_kid: chain.audit_key(old_kid)}
    new_key = os.urandom(32)
    with override_settings(AUDIT_KEYS={**old_key, "k2": new_key}, AUDIT_KEY_ACTIVE="k2"):
        OrganisationFactory(name="Under the new key")
        newest = AuditEvent.objects.order_by("-seq").first()
        assert newest.key_id == "k2"
        assert verify_chain().ok
    with override_settings(AUDIT_KEYS={"k2": new_key}, AUDIT_KEY_ACTIVE="k2"):
        report = verify_chain()
        assert not report.ok and f"{old_kid!r}" in report.problem
        assert "not configured" in report.problem


def test_an_outsider_verifies_an_export_with_the_standalone_tool(trail, tmp_path, capsys):
    """``tools/verify_audit.py`` (no Django, no secret) accepts the real export against a
    checkpoint and refuses one rewritten after it."""
    checkpoint = _checkpoint(tmp_path)
    OrganisationFactory(name="After the checkpoint")
    export = tmp_path / "events.jsonl"
    call_command("audit", "export", "--output", str(export))
    public_key = chain.public_key()
    keys = ",".join(
        f"{kid}:{base64.urlsafe_b64encode(key).decode()}"
        for kid, key in settings.AUDIT_KEYS.items()
    )

    spec = importlib.util.spec_from_file_location("verify_audit", TOOL)
    assert spec is not None and spec.loader is not None
    verifier = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(verifier)

    def tool(*args: str) -> tuple[int, str, str]:
        code = verifier.main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    args = [str(export), "--public-key", public_key, "--checkpoint", str(checkpoint)]
    code, out, err = tool(*args, "--audit-keys", keys)
    assert code == 0, err
    assert f"{AuditEvent.objects.count()} events" in out
    # The export rewritten: an event left out, the rest re-hashed as a forger would.
    lines = export.read_text().splitlines()
    rows = [json.loads(line) for line in lines]
    read_index = next(i for i, row in enumerate(rows) if row["action"] == "identity.read")
    del rows[read_index]
    prev = rows[read_index - 1]["hash"]
    for row in rows[read_index:]:
        row["seq"] -= 1
        row["prev_hash"] = prev
        payload = {k: v for k, v in row.items() if k not in ("hash", "mac")}
        row["hash"] = chain.digest(payload)
        prev = row["hash"]
    export.write_text("".join(json.dumps(row) + "\n" for row in rows))
    code, out, err = tool(*args)
    assert code == 1 and "differs from the checkpoint" in err
    code, out, err = tool(str(export), "--public-key", public_key, "--audit-keys", keys)
    assert code == 1 and "seal does not match" in err
