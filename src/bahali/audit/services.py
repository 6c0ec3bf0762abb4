"""Writing and checking the audit trail."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from bahali.audit import chain
from bahali.audit.chain import GENESIS_HASH
from bahali.audit.models import AuditChainHead, AuditEvent
from bahali.core import batches, context
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
    return record_many([(action, obj, changes or {})], reason=reason)[0]


def record_many(
    entries: Sequence[tuple[str, models.Model | None, Mapping[str, Any]]], *, reason: str = ""
) -> list[AuditEvent]:
    """Append one event per ``(action, obj, changes)``, in order, under one lock: the bulk
    paths (``core.querysets.AuditedQuerySet``) record a row each without a round trip each.
    Inside :func:`appended_at_end` the events are made now and appended when it ends."""
    acting = context.current()
    if not entries:
        return []
    events = [
        AuditEvent(
            actor=acting.user,
            actor_label=acting.user.username if acting.user else "system",
            organisation=acting.organisation,
            organisation_label=acting.organisation.name if acting.organisation else "",
            action=action,
            object_type=obj._meta.label_lower if obj is not None else "",
            object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
            object_label=object_label(obj) if obj is not None else "",
            changes=dict(changes),
            reason=reason or acting.reason,
            source=acting.source,
            operation=acting.operation,
        )
        for action, obj, changes in entries
    ]
    _queue_or_append(events)
    return events


def _queue_or_append(events: list[AuditEvent]) -> None:
    """Append unsaved events made for the party acting now (or, inside
    :func:`appended_at_end`, keep them to be appended when it ends)."""
    waiting: list[tuple[AuditEvent, Any]] | None = _waiting.get()
    if waiting is not None and connection.in_atomic_block:
        for event in events:
            # Django forgets a transaction.on_commit callback made inside a savepoint that is
            # rolled back: the event of a write undone that way is forgotten with it.
            def still_written() -> None:
                return None

            transaction.on_commit(still_written)
            waiting.append((event, still_written))
        return
    _append(events)


def _locked_head() -> AuditChainHead | None:
    """The chain's head, its row locked: that lock serialises appends. Only the very first
    append (no head row to lock yet) needs the advisory lock — one round trip fewer for
    every other one."""
    head = AuditChainHead.objects.select_for_update().first()
    if head is None:
        _lock_chain()
        head = AuditChainHead.objects.select_for_update().first()
    return head


def _append(events: list[AuditEvent]) -> None:
    """Number, chain, seal and write ``events`` after the head, and move the head."""
    # No savepoint of its own (two round trips fewer per audited write): it always runs
    # inside the service's transaction, and an error here undoes that whole write anyway.
    with transaction.atomic(savepoint=False):
        head = _locked_head()
        seq, prev_hash = (head.seq, head.hash) if head else (0, GENESIS_HASH)
        now = timezone.now()
        for event in events:
            seq += 1
            event.seq, event.occurred_at, event.prev_hash = seq, now, prev_hash
            event.seal()
            prev_hash = event.hash
        if len(events) == 1:
            events[0].save(force_insert=True)
        else:
            AuditEvent.objects.bulk_create(events)
        if head is None:
            head = AuditChainHead()
            head.move_to(events[-1])
            head.save(force_insert=True)
        else:
            head.move_to(events[-1])
            head.save(update_fields=["seq", "hash", "key_id", "mac"])


# One event of :func:`record_rows`: (action, object type, object id, object label, changes).
Row = tuple[str, str, str, str, Mapping[str, Any]]
# The columns :func:`record_rows` writes, in its rows' order.
_ROW_COLUMNS = [
    "seq",
    "occurred_at",
    "actor",
    "actor_label",
    "organisation",
    "organisation_label",
    "action",
    "object_type",
    "object_id",
    "object_label",
    "changes",
    "reason",
    "source",
    "operation",
    "prev_hash",
    "hash",
    "key_id",
    "mac",
]


def record_rows(rows: Iterable[Row], *, reason: str = "") -> int:
    """Append one event per row of a bulk write made from plain values (no model instance):
    the same events :func:`record_many` appends for ``(action, obj, changes)`` whose object
    has that type (``app_label.model``), id and label, as the party acting now.

    For writers of many rows at once (an import of 100,000 people): the events are chained
    and sealed in one pass, as :func:`_append` chains them, and written by ``COPY`` on
    PostgreSQL (one ``executemany`` elsewhere) instead of an ``AuditEvent`` instance each
    and ``bulk_create``. Inside :func:`appended_at_end` they wait with the others. Returns
    how many events were appended."""
    rows = list(rows)
    if not rows:
        return 0
    acting = context.current()
    actor_id = acting.user.pk if acting.user else None
    actor_label = acting.user.username if acting.user else "system"
    organisation_id = acting.organisation.pk if acting.organisation else None
    organisation_label = acting.organisation.name if acting.organisation else ""
    reason = reason or acting.reason
    if _waiting.get() is not None and connection.in_atomic_block:
        _queue_or_append(
            [
                AuditEvent(
                    actor_id=actor_id,
                    actor_label=actor_label,
                    organisation_id=organisation_id,
                    organisation_label=organisation_label,
                    action=action,
                    object_type=object_type,
                    object_id=object_id,
                    object_label=object_label[:200],
                    changes=dict(changes),
                    reason=reason,
                    source=acting.source,
                    operation=acting.operation,
                )
                for action, object_type, object_id, object_label, changes in rows
            ]
        )
        return len(rows)
    with transaction.atomic(savepoint=False):
        head = _locked_head()
        seq, prev_hash = (head.seq, head.hash) if head else (0, GENESIS_HASH)
        now = timezone.now()
        key_id = chain.active_key_id()
        # The fields every event of the write shares, as ``AuditEvent.payload`` gives them.
        shared = {
            "occurred_at": now.isoformat(timespec="microseconds"),
            "actor": actor_id,
            "actor_label": actor_label,
            "organisation": organisation_id,
            "organisation_label": organisation_label,
            "reason": reason,
            "source": acting.source,
            "operation": acting.operation,
            "key_id": key_id,
        }
        written = []
        for action, object_type, object_id, object_label, changes in rows:
            seq += 1
            payload = {
                **shared,
                "seq": seq,
                "action": action,
                "object_type": object_type,
                "object_id": object_id,
                "object_label": object_label[:200],
                "changes": dict(changes),
                "prev_hash": prev_hash,
            }
            event_hash = chain.digest(payload)
            written.append(
                (
                    seq,
                    now,
                    actor_id,
                    actor_label,
                    organisation_id,
                    organisation_label,
                    action,
                    object_type,
                    object_id,
                    payload["object_label"],
                    payload["changes"],
                    reason,
                    acting.source,
                    acting.operation,
                    prev_hash,
                    event_hash,
                    key_id,
                    chain.seal(key_id, event_hash),
                )
            )
            prev_hash = event_hash
        # COPY on PostgreSQL, one executemany on SQLite: no instance, no SQL per event
        batches.insert_rows(AuditEvent, _ROW_COLUMNS, written)
        if head is None:
            head = AuditChainHead()
        head.seq, head.hash, head.key_id = seq, prev_hash, key_id
        head.mac = chain.head_seal(key_id, seq, prev_hash)
        if head.pk is None:
            head.save(force_insert=True)
        else:
            head.save(update_fields=["seq", "hash", "key_id", "mac"])
    return len(rows)


# The events recorded inside ``appended_at_end``, each with its marker (see record_many).
_waiting: ContextVar[list[tuple[AuditEvent, Any]] | None] = ContextVar(
    "bahali_audit_waiting", default=None
)


@contextmanager
def appended_at_end() -> Iterator[None]:
    """Within this block (inside a transaction), the events recorded are made at once but
    appended to the chain together when the block ends, in the order they were recorded.

    The chain head's row lock, which every audited write takes, is held to the end of the
    transaction: taken at the first audited write, it makes every other writer wait for
    all the rest of this one. Appended at the end, it is held only from the end of the
    block to the commit (a field queue's workers then apply side by side), and the head is
    read and moved once instead of once per event. An event recorded inside a savepoint
    that was rolled back is dropped with the write it recorded; when the block ends by an
    error nothing is appended and its transaction is marked to be undone. Nested blocks
    append at the end of the outermost one. Outside a transaction, events are appended as
    they come."""
    if _waiting.get() is not None or not connection.in_atomic_block:
        yield
        return
    waiting: list[tuple[AuditEvent, Any]] = []
    token = _waiting.set(waiting)
    try:
        yield
    except BaseException:
        # Nothing is appended: the block's writes must not outlive their events, so the
        # transaction is undone even if the caller catches the error and carries on.
        transaction.set_rollback(True)
        raise
    finally:
        _waiting.reset(token)
    kept = {id(entry[1]) for entry in connection.run_on_commit}  # (savepoints, callback, …)
    events = [event for event, marker in waiting if id(marker) in kept]
    if events:
        _append(events)


@dataclass(frozen=True)
class ChainReport:
    """What ``verify_chain`` found: how many events it checked and the first bad one."""

    checked: int
    bad_seq: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.bad_seq is None


def verify_chain(against: tuple[int, str] | None = None) -> ChainReport:
    """Walk the chain in order; stop at the first event that was altered, removed or moved.

    Each event's hash is recomputed and its seal checked with the audit key it names, so a
    chain rewritten and re-hashed by someone without the key fails at the first rewritten
    event. ``against`` is a checkpoint's (sequence, hash): the chain must still hold that
    event unchanged, so even a rewrite made with the key is found if it reaches back before
    the checkpoint.
    """
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
        try:
            sealed = chain.seal_matches(chain.seal(event.key_id, event.hash), event.mac)
        except chain.UnknownAuditKey:
            return ChainReport(
                checked,
                event.seq,
                f"event #{event.seq} is sealed with audit key {event.key_id!r}, "
                "which is not configured",
            )
        if not sealed:
            return ChainReport(
                checked,
                event.seq,
                f"event #{event.seq} has a seal that does not match: rewritten without the "
                "audit key",
            )
        if against is not None and event.seq == against[0] and event.hash != against[1]:
            return ChainReport(
                checked, event.seq, f"event #{event.seq} differs from the checkpoint"
            )
        expected_prev = event.hash
        expected_seq += 1
        checked += 1
    head = AuditChainHead.objects.first()
    last_seq = expected_seq - 1
    if head is not None and (head.seq != last_seq or head.hash != expected_prev):
        return ChainReport(
            checked, last_seq + 1, f"events after #{last_seq} are missing (head is #{head.seq})"
        )
    if head is not None:
        try:
            head_sealed = chain.seal_matches(
                chain.head_seal(head.key_id, head.seq, head.hash), head.mac
            )
        except chain.UnknownAuditKey:
            head_sealed = False
        if not head_sealed:
            return ChainReport(
                checked,
                last_seq + 1,
                f"the chain head (#{head.seq}) has a seal that does not match: events after "
                f"#{last_seq} may have been removed",
            )
    if head is None and checked:
        return ChainReport(checked, 1, "the chain head is missing")
    if against is not None and against[0] > last_seq:
        return ChainReport(
            checked,
            last_seq + 1,
            f"the chain ends at #{last_seq}, before the checkpoint's event #{against[0]}: "
            "events were removed",
        )
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


@service
def take_checkpoint(*, actor: Any) -> dict[str, Any]:
    """Sign the head (sequence, hash, time) and note it in the chain.

    The signed document is for the oversight body to keep outside the system: later,
    ``bahali audit verify --against`` (or ``tools/verify_audit.py``) proves that the chain
    still extends it unchanged. The event recording the checkpoint comes after the head it
    signs.
    """
    _lock_chain()
    head = AuditChainHead.objects.select_for_update().first()
    seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS_HASH)
    document = chain.sign_checkpoint(seq, head_hash, timezone.now().isoformat(timespec="seconds"))
    record(
        "audit.checkpoint",
        changes={
            "seq": [None, seq],
            "hash": [None, head_hash],
            "signature": [None, document["signature"]],
        },
    )
    return document


def export_events() -> Iterator[dict[str, Any]]:
    """Every event as the verifier reads it: the hashed fields, the hash and the seal."""
    for event in in_batches(AuditEvent.objects.all(), 2000, key="seq"):
        yield {**event.payload(), "hash": event.hash, "mac": event.mac}
