"""Writing and checking the audit trail."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from bahali.audit.models import GENESIS_HASH, AuditChainHead, AuditEvent
from bahali.core import context
from bahali.core.batches import in_batches
from bahali.core.context import service

# One advisory lock key serialises appends on PostgreSQL; SQLite's IMMEDIATE
# transactions already serialise writers.
_CHAIN_LOCK_KEY = 0x0BA4A11


def _lock_chain() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])


def object_label(obj: models.Model) -> str:
    """A label that never carries identifying data: models choose it with ``audit_label``."""
    label = getattr(obj, "audit_label", None)
    if callable(label):
        return str(label())[:200]
    return f"{obj._meta.verbose_name} #{obj.pk}"[:200]


def record(
    action: str,
    *,
    obj: models.Model | None = None,
    changes: Mapping[str, Any] | None = None,
    reason: str = "",
) -> AuditEvent:
    """Append one event to the chain, as the party acting now (see ``core.context``)."""
    acting = context.current()
    with transaction.atomic():
        _lock_chain()
        head = AuditChainHead.objects.select_for_update().first()
        seq = head.seq + 1 if head else 1
        event = AuditEvent(
            seq=seq,
            occurred_at=timezone.now(),
            actor=acting.user,
            actor_label=acting.user.username if acting.user else "system",
            organisation=acting.organisation,
            organisation_label=acting.organisation.name if acting.organisation else "",
            action=action,
            object_type=obj._meta.label_lower if obj is not None else "",
            object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
            object_label=object_label(obj) if obj is not None else "",
            changes=dict(changes or {}),
            reason=reason or acting.reason,
            source=acting.source,
            prev_hash=head.hash if head else GENESIS_HASH,
        )
        event.hash = event.compute_hash()
        event.save(force_insert=True)
        if head is None:
            AuditChainHead.objects.create(seq=seq, hash=event.hash)
        else:
            head.seq, head.hash = seq, event.hash
            head.save(update_fields=["seq", "hash"])
    return event


@dataclass(frozen=True)
class ChainReport:
    """What ``verify_chain`` found: how many events it checked and the first bad one."""

    checked: int
    bad_seq: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.bad_seq is None


def verify_chain() -> ChainReport:
    """Walk the chain in order; stop at the first event that was altered, removed or moved."""
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    for event in in_batches(AuditEvent.objects.all(), 2000, key="seq"):
        if event.seq != expected_seq:
            return ChainReport(
                checked, expected_seq, f"event #{expected_seq} is missing (found #{event.seq})"
            )
        if event.prev_hash != expected_prev:
            return ChainReport(
                checked, event.seq, f"event #{event.seq} does not follow the event before it"
            )
        if event.compute_hash() != event.hash:
            return ChainReport(checked, event.seq, f"event #{event.seq} was altered")
        expected_prev = event.hash
        expected_seq += 1
        checked += 1
    head = AuditChainHead.objects.first()
    last_seq = expected_seq - 1
    if head is not None and (head.seq != last_seq or head.hash != expected_prev):
        return ChainReport(
            checked, last_seq + 1, f"events after #{last_seq} are missing (head is #{head.seq})"
        )
    if head is None and checked:
        return ChainReport(checked, 1, "the chain head is missing")
    return ChainReport(checked)


@service
def verify_and_record(*, actor: Any) -> ChainReport:
    """Verify the chain and note the outcome in it, so oversight can see when it was checked."""
    report = verify_chain()
    record(
        "audit.verified" if report.ok else "audit.verify_failed",
        changes={"checked": [None, report.checked], "first_bad": [None, report.bad_seq]},
    )
    return report
