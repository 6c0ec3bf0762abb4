"""Finding duplicate pairs in a batch of records, and between a batch and the registry.

Every record's features and blocking keys are derived once; records sharing a key are
candidates; each candidate pair is scored once. A block larger than
:data:`~.blocking.MAX_BLOCK` (a very common name with nothing else to narrow it) is not
compared whole: the combined keys (name and birth window, given name and father) still
bring its true duplicates together, and measured on synthetic data the big blocks add no
found duplicate, only time. Scoring is spread over the machine's cores for big batches.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from bahali.registry.matching.blocking import MAX_BLOCK, feature_keys
from bahali.registry.matching.compare import NameFrequencies, decide, score
from bahali.registry.matching.records import Features, PersonRecord, features

Pair = tuple[str, str, float, str]
CHUNK = 2000
PARALLEL_FROM = 20_000  # records; below this, starting processes costs more than it saves
MAX_WORKERS = 4


def find_pairs(
    records: Iterable[PersonRecord],
    against: Iterable[PersonRecord] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[Pair]:
    """Yield ``(record_id_a, record_id_b, score, decision)`` for every likely duplicate.

    Pairs within ``records`` and, with ``against``, between ``records`` and ``against``
    (never two ``against`` records with each other). Only "match" and "review" decisions are
    yielded, in a deterministic order. ``progress(done, total)`` is called as records of
    ``records`` are processed.
    """
    with _collector_paused():
        batch = [features(record) for record in records]
        derived = batch + [features(record) for record in against or ()]
        count = len(batch)
        scorer = _Scorer(derived, count)
    chunks = [range(start, min(start + CHUNK, count)) for start in range(0, count, CHUNK)]
    workers = min(MAX_WORKERS, os.cpu_count() or 1) if len(derived) >= PARALLEL_FROM else 1
    # The features live until the end: keep the collector from rescanning them (and forked
    # workers from copying the pages it would touch).
    gc.freeze()
    try:
        if workers > 1 and "fork" in multiprocessing.get_all_start_methods():
            # Forked workers share the derived features without copying or pickling them.
            _Scorer.current = scorer
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                results: Iterator[list[Pair]] = pool.imap(_score_chunk, chunks)
                yield from _reported(results, chunks, count, progress)
        else:
            yield from _reported(map(scorer.chunk, chunks), chunks, count, progress)
    finally:
        _Scorer.current = None
        gc.unfreeze()


def _reported(
    results: Iterator[list[Pair]],
    chunks: list[range],
    count: int,
    progress: Callable[[int, int], None] | None,
) -> Iterator[Pair]:
    for chunk, pairs in zip(chunks, results, strict=True):
        yield from pairs
        if progress is not None:
            progress(chunk.stop, count)
    if progress is not None and not chunks:
        progress(0, 0)


def _score_chunk(indexes: range) -> list[Pair]:
    """Worker entry point: score one chunk with the scorer inherited from the parent."""
    assert _Scorer.current is not None  # noqa: S101 (set before the pool forks)
    return _Scorer.current.chunk(indexes)


class _Scorer:
    """The blocks and name frequencies of one run, and the scoring of its candidates."""

    current: _Scorer | None = None

    def __init__(self, derived: list[Features], count: int) -> None:
        self.derived = derived
        self.count = count
        self.frequencies = NameFrequencies(derived)
        self.blocks = candidate_blocks(derived, count)

    def chunk(self, indexes: range) -> list[Pair]:
        with _collector_paused():
            return self._chunk(indexes)

    def _chunk(self, indexes: range) -> list[Pair]:
        pairs: list[Pair] = []
        derived = self.derived
        frequencies = self.frequencies
        for index in indexes:
            mine = derived[index]
            for other_index in later_candidates(index, self.blocks[index]):
                other = derived[other_index]
                value = score(mine, other, frequencies)
                decision = decide(value, mine, other)
                if decision != "none":
                    pairs.append((mine.record_id, other.record_id, round(value, 3), decision))
        return pairs


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while building many small objects.

    The run allocates millions of tuples and lists that all live until it ends; the
    collector would otherwise rescan them again and again (a third of the run time on
    100,000 records). Reference counting still frees everything; the collector's previous
    state is restored afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def candidate_blocks(derived: list[Features], count: int) -> list[list[list[int]]]:
    """For each of the first ``count`` records, the blocks (sorted index lists) it is in.

    Records from ``count`` on are the "against" side: paired with the first ``count``
    records but not with each other. Blocks of one record or over MAX_BLOCK are left out.
    """
    blocks: dict[str, list[int]] = defaultdict(list)
    for index, record in enumerate(derived):
        for key in feature_keys(record):
            blocks[key].append(index)
    per_record: list[list[list[int]]] = [[] for _ in range(count)]
    for members in blocks.values():
        if 1 < len(members) <= MAX_BLOCK and members[0] < count:
            for index in members:
                if index >= count:
                    break
                per_record[index].append(members)
    return per_record


def later_candidates(index: int, blocks: list[list[int]]) -> list[int]:
    """The records after ``index`` sharing one of its blocks, in ascending order."""
    found: set[int] = set()
    for members in blocks:
        found.update(members[bisect_right(members, index) :])
    return sorted(found)


def candidates(derived: list[Features], count: int) -> Iterator[tuple[Features, list[Features]]]:
    """Each of the first ``count`` records with the later records it would be compared to."""
    blocks = candidate_blocks(derived, count)
    for index in range(count):
        yield derived[index], [derived[other] for other in later_candidates(index, blocks[index])]
