"""Finding duplicate pairs in a batch of records, and between a batch and the registry.

Every record's features and blocking keys are derived once; records sharing a key are
candidates; each candidate pair is scored once. A block larger than
:data:`~.blocking.MAX_BLOCK` (a very common name with nothing else to narrow it) is sorted
by birth year, district and father and each record compared with its next
:data:`WINDOW` neighbours only, so one common name cannot make the run quadratic; the
combined keys (name and year, name and father) still bring its true duplicates together.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator

from bahali.registry.matching.blocking import MAX_BLOCK, feature_keys
from bahali.registry.matching.compare import NameFrequencies, decide, score
from bahali.registry.matching.records import Features, PersonRecord, features

WINDOW = 12
PROGRESS_EVERY = 2000


def find_pairs(
    records: Iterable[PersonRecord],
    against: Iterable[PersonRecord] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[tuple[str, str, float, str]]:
    """Yield ``(record_id_a, record_id_b, score, decision)`` for every likely duplicate.

    Pairs within ``records`` and, with ``against``, between ``records`` and ``against``
    (never two ``against`` records with each other). Only "match" and "review" decisions are
    yielded, in a deterministic order. ``progress(done, total)`` is called as records of
    ``records`` are processed.
    """
    batch = [features(record) for record in records]
    derived = batch + [features(record) for record in against or ()]
    frequencies = NameFrequencies(derived)
    for mine, others in candidates(derived, len(batch), progress):
        for other in others:
            value, codes = score(mine, other, frequencies)
            decision = decide(value, codes)
            if decision != "none":
                yield mine.record_id, other.record_id, round(value, 3), decision


def candidates(
    derived: list[Features],
    count: int,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[tuple[Features, list[Features]]]:
    """For each of the first ``count`` records, the later records it shares a block with.

    Records from ``count`` on are the "against" side: they are paired with the first
    ``count`` records but not with each other.
    """
    blocks: dict[str, list[int]] = defaultdict(list)
    for index, record in enumerate(derived):
        for key in feature_keys(record):
            blocks[key].append(index)
    small: list[list[list[int]]] = [[] for _ in range(count)]
    neighbours: list[list[int]] = [[] for _ in range(count)]
    for members in blocks.values():
        if len(members) <= 1 or members[0] >= count:
            continue
        if len(members) <= MAX_BLOCK:
            for index in members:
                if index >= count:
                    break
                small[index].append(members)
        else:
            _add_neighbours(members, derived, neighbours)
    for index in range(count):
        found: set[int] = set(neighbours[index])
        for members in small[index]:
            found.update(members[bisect_right(members, index) :])
        yield derived[index], [derived[other] for other in sorted(found)]
        if progress is not None and (index + 1) % PROGRESS_EVERY == 0:
            progress(index + 1, count)
    if progress is not None:
        progress(count, count)


def _add_neighbours(
    members: list[int], derived: list[Features], neighbours: list[list[int]]
) -> None:
    """Sorted-neighbourhood pairs of one oversized block, each stored on its lower index."""

    def order(index: int) -> tuple[int, str, str, int]:
        record = derived[index]
        father = record.father.signature if record.father is not None else ""
        return (record.birth_year or 0, record.district, father, index)

    ordered = sorted(members, key=order)
    count = len(neighbours)
    for position, index in enumerate(ordered):
        for other in ordered[position + 1 : position + 1 + WINDOW]:
            low, high = min(index, other), max(index, other)
            if low < count:
                neighbours[low].append(high)
