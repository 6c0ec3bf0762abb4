"""Re-keying the registry: every participant's keyed blocking keys recomputed.

A participant's blocking keys (``BlockingKey``: keyed hashes of ``matching.blocking_keys``)
are made when they are registered or their identity edited, by the scheme of that day. When
a release changes the scheme (:data:`~.matching.blocking.KEY_SCHEME`; 2 added the joined-name
``jy:``/``jf:`` keys), the registration check and the import find a person registered earlier
only by the keys they were given then, until ``bahali registry rekey`` recomputes them.

It works in batches of participants in ascending id, each one transaction that rewrites the
batch's keys (only those that changed) and records one audit event naming the scheme and
the ids covered, all events of a run under one operation id; a last event says the scheme is
complete. The audit trail is the checkpoint: a run that was stopped (killed, machine lost)
resumes after the last batch it recorded, since each batch's keys and its event commit
together. Recomputing a participant's keys twice gives the same keys, so nothing is doubled
either way. Identities are opened in memory only; no name is written anywhere but as a hash.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bahali.audit.models import AuditEvent
from bahali.audit.services import record
from bahali.core.context import operation, service
from bahali.registry.matching.blocking import KEY_SCHEME
from bahali.registry.models import BlockingKey, Participant
from bahali.registry.services import _hashed_keys, open_identity, person_record

BATCH = 500
REKEYED = "registry.rekeyed"  # one batch re-keyed
COMPLETE = "registry.rekey_complete"  # every participant re-keyed under the scheme


@dataclass(frozen=True)
class RekeyState:
    """How far the current scheme's re-keying is: the last participant id a run covered
    (0: none), whether a run completed, and how many participants are left after it."""

    scheme: int
    through: int
    complete: bool
    remaining: int


@dataclass(frozen=True)
class Batch:
    participants: int
    added: int
    removed: int
    through: int


def state() -> RekeyState:
    """The current scheme's checkpoint, read from the audit trail (newest event first)."""
    through, complete = 0, False
    events = AuditEvent.objects.filter(action__in=[REKEYED, COMPLETE]).order_by("-seq")
    for action, changes in events.values_list("action", "changes")[:1000]:
        if (changes.get("scheme") or [None, None])[1] != KEY_SCHEME:
            continue
        if action == COMPLETE:
            complete = True
            break
        through = int(changes["through"][1])
        break
    remaining = 0 if complete else _active().filter(pk__gt=through).count()
    return RekeyState(KEY_SCHEME, through, complete, remaining)


def _active() -> Any:
    return Participant.objects.active()


def rekey(
    *,
    actor: Any,
    batch: int = BATCH,
    restart: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[RekeyState, list[Batch]]:
    """Recompute every active participant's blocking keys, resuming after the last batch
    recorded under the current scheme (``restart``: from the first participant again).

    Returns the state before the run and the batches it did. ``progress(done, total)``
    after each batch. A scheme already complete is left alone unless ``restart``.
    """
    before = state()
    if before.complete and not restart:
        return before, []
    after = 0 if restart else before.through
    total = _active().count()
    done = total - _active().filter(pk__gt=after).count()
    batches = []
    with operation():
        while True:
            found = rekey_batch(actor=actor, after=after, size=batch)
            if found.participants == 0:
                break
            batches.append(found)
            after = found.through
            done += found.participants
            if progress is not None:
                progress(done, total)
        _complete(actor=actor, participants=sum(item.participants for item in batches))
    return before, batches


@service
def rekey_batch(*, actor: Any, after: int, size: int = BATCH) -> Batch:
    """Recompute the keys of the next ``size`` active participants after id ``after``."""
    # The rows are locked while their keys are rebuilt: an identity edit or a merge (which
    # lock the participant through its version) waits, so no key of an old name comes back.
    people = list(
        _active()
        .select_for_update(of=("self",))
        .filter(pk__gt=after)
        .select_related("district")
        .order_by("pk")[:size]
    )
    if not people:
        return Batch(0, 0, 0, after)
    stored: dict[int, dict[str, int]] = defaultdict(dict)
    for pk, owner, key in BlockingKey.objects.filter(participant__in=people).values_list(
        "pk", "participant", "key"
    ):
        stored[owner][key] = pk
    stale: list[int] = []
    fresh: list[BlockingKey] = []
    for person in people:
        keys = _hashed_keys(
            person_record(
                person.code, open_identity(person), sex=person.sex, district=person.district.code
            )
        )
        had = stored.get(person.pk, {})
        stale.extend(pk for key, pk in had.items() if key not in keys)
        fresh.extend(BlockingKey(participant=person, key=key) for key in keys - had.keys())
    BlockingKey.objects.filter(pk__in=stale).delete()
    BlockingKey.objects.bulk_create(fresh, batch_size=2000)
    found = Batch(len(people), len(fresh), len(stale), people[-1].pk)
    record(
        REKEYED,
        changes={
            "scheme": [None, KEY_SCHEME],
            "from": [None, people[0].pk],
            "through": [None, found.through],
            "participants": [None, found.participants],
            "keys_added": [None, found.added],
            "keys_removed": [None, found.removed],
        },
    )
    return found


def keyed_from_empty(*, actor: Any) -> None:
    """A registry filled from empty by this release (the demo): every participant was keyed
    by the current scheme when registered. Said as a finished re-keying says it, so the next
    ``migrate`` asks for no upgrade step that has nothing to do."""
    _complete(actor=actor, participants=_active().count())


@service
def _complete(*, actor: Any, participants: int) -> None:
    record(COMPLETE, changes={"scheme": [None, KEY_SCHEME], "participants": [None, participants]})


def outstanding(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """After ``migrate``: say when the stored keys are of an earlier scheme (upgrade step).
    A migrate of other apps into an empty database (``bahali restore`` migrates app by app
    to the archive's migrations) runs this before the registry's tables exist: nothing to
    say then."""
    import sys

    from django.db import connections

    tables = connections[using].introspection.table_names()
    if Participant._meta.db_table not in tables or AuditEvent._meta.db_table not in tables:
        return
    if not Participant.objects.using(using).exists():
        return
    now = state()
    if not now.complete:
        sys.stderr.write(
            f"The registry's blocking keys are not all of scheme {KEY_SCHEME}: "
            f"{now.remaining:,} participants to re-key. Run `bahali registry rekey` "
            "(resumable; the application keeps running meanwhile).\n"
        )
