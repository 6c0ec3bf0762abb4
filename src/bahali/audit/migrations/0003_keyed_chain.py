"""Key the chain: operation ids, seals (HMAC under an audit key kept outside the database).

Events written before this migration were chained with plain SHA-256 and no seal. The
migration re-keys that chain once: it first checks the unkeyed chain as it stands (a
broken chain stops the migration, naming the event, so a tampered history is never
laundered into a sealed one), then recomputes every event's hash with the new fields and
seals it with the active audit key, and finally appends an ``audit.rekeyed`` event that
records how many events were re-keyed and the unkeyed head it started from (sequence and
hash), so anyone holding that old head can still relate it to the new chain.
"""

import hashlib
import json
import uuid

from django.db import migrations, models
from django.utils import timezone

from bahali.audit import chain

_TRIGGER = "audit_auditevent_append_only"


def _unkeyed_hash(event):
    payload = {
        "seq": event.seq,
        "occurred_at": event.occurred_at.isoformat(timespec="microseconds"),
        "actor": event.actor_id,
        "actor_label": event.actor_label,
        "organisation": event.organisation_id,
        "organisation_label": event.organisation_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_label": event.object_label,
        "changes": event.changes,
        "reason": event.reason,
        "source": event.source,
        "prev_hash": event.prev_hash,
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _payload(event):
    return {
        "seq": event.seq,
        "occurred_at": event.occurred_at.isoformat(timespec="microseconds"),
        "actor": event.actor_id,
        "actor_label": event.actor_label,
        "organisation": event.organisation_id,
        "organisation_label": event.organisation_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_label": event.object_label,
        "changes": event.changes,
        "reason": event.reason,
        "source": event.source,
        "operation": event.operation,
        "key_id": event.key_id,
        "prev_hash": event.prev_hash,
    }


def rekey(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    AuditChainHead = apps.get_model("audit", "AuditChainHead")
    events = list(AuditEvent.objects.order_by("seq"))
    head = AuditChainHead.objects.first()
    expected_prev = chain.GENESIS_HASH
    for expected_seq, event in enumerate(events, start=1):
        if (
            event.seq != expected_seq
            or event.prev_hash != expected_prev
            or _unkeyed_hash(event) != event.hash
        ):
            raise RuntimeError(
                f"The audit chain is broken at event #{expected_seq}; it is not re-keyed. "
                "Investigate with the previous release's `bahali audit verify`."
            )
        expected_prev = event.hash
    if events and (head is None or (head.seq, head.hash) != (events[-1].seq, events[-1].hash)):
        raise RuntimeError("The audit chain's head does not match its last event; not re-keyed.")
    if not events:
        return
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE audit_auditevent DISABLE TRIGGER {_TRIGGER}")
    key_id = chain.active_key_id()
    prev_hash = chain.GENESIS_HASH
    for event in events:
        event.key_id, event.prev_hash = key_id, prev_hash
        event.hash = chain.digest(_payload(event))
        event.mac = chain.seal(key_id, event.hash)
        prev_hash = event.hash
    AuditEvent.objects.bulk_update(events, ["key_id", "prev_hash", "hash", "mac"], batch_size=500)
    if vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE audit_auditevent ENABLE TRIGGER {_TRIGGER}")
    marker = AuditEvent(
        seq=events[-1].seq + 1,
        occurred_at=timezone.now(),
        actor_label="system",
        organisation_label="",
        action="audit.rekeyed",
        changes={
            "events": [None, len(events)],
            "unkeyed_head_seq": [None, head.seq],
            "unkeyed_head_hash": [None, head.hash],
        },
        reason="The chain was keyed: every earlier event re-hashed and sealed once.",
        source="migration",
        operation=uuid.uuid4().hex,
        key_id=key_id,
        prev_hash=prev_hash,
    )
    marker.hash = chain.digest(_payload(marker))
    marker.mac = chain.seal(key_id, marker.hash)
    marker.save(force_insert=True)
    head.seq, head.hash, head.key_id = marker.seq, marker.hash, key_id
    head.mac = chain.head_seal(key_id, head.seq, head.hash)
    head.save()


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_trigger")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="operation",
            field=models.CharField(
                blank=True, db_index=True, default="", max_length=32, verbose_name="operation"
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent",
            name="key_id",
            field=models.CharField(default="", max_length=32, verbose_name="audit key"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent",
            name="mac",
            field=models.CharField(default="", max_length=64, verbose_name="seal"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditchainhead",
            name="key_id",
            field=models.CharField(default="", max_length=32, verbose_name="audit key"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditchainhead",
            name="mac",
            field=models.CharField(default="", max_length=64, verbose_name="seal"),
            preserve_default=False,
        ),
        migrations.RunPython(rekey, migrations.RunPython.noop),
    ]
