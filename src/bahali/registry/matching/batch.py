"""Finding duplicate pairs in a batch of records, and between a batch and the registry.

Every record's features and blocking keys are derived once; records sharing a key are
candidates; each candidate pair is scored once. A block of more than :data:`WHOLE_BLOCK`
records (a common name, or a common name and age) is not compared whole but within each
district (see :func:`_narrowed`). Measured on 50,000 synthetic people (about 100,000
records; seeds 2026, 101 and 7), this compares 61% fewer pairs (824,000 to 321,000 for
seed 2026) and finds more true duplicates than comparing blocks of up to 30 whole and
dropping larger ones (recall +0.0011 to +0.0017, precision -0.0001 to -0.0009): of the
true duplicates that only a block of more than 15 brought together, 95% share a district,
and the district parts of the blocks of over 30 find new ones. A district part still too
large is compared as a sorted neighbourhood (by father and birth year) rather than dropped:
on the second population (:mod:`~bahali.registry.synthetic_tribal`, 20,000 records, tuning
seed 4242) a fifth of the true pairs shared no block small enough before, and this finds
0.9% more of them (recall of match and review 0.565 to 0.574, precision 0.973 to 0.970)
for 55% more candidate pairs (195,000 to 304,000 on 50,000 records).

Pure Python spends microseconds on each record and pair, so the work is laid out for speed
(issue 20: faster than Splink on 100,000 records; the same pairs and scores as the loop it
replaced, checked by ``benchmarks/check_matching_same.py`` and ``test_matching_columns``):

- each record is derived once (normalising names is the costliest step per record, and
  the only one left in plain Python for every record); ``m`` and ``u``, when asked for
  (:class:`~.model.Deferred`), are then estimated on a sample of those derived records, in
  one forked process while this one gathers the candidates;
- keys, blocks and candidate pairs are numbers in numpy arrays: each string a key is made
  of is numbered once, a key is those numbers packed in one integer, blocks are runs of a
  sorted array, and the pairs of all the blocks of one size are made at once;
- the fields are columns (CNIC, birth, district and sex as numbers), so that the cheap
  fields of every candidate are weighed at once, adding each weight in the order the
  one-pair code adds them, so the sums are the same to the last bit;
- most candidates are namesakes or brothers that cannot reach the review threshold
  whatever their names say: names are compared only where the cheap fields and the names'
  best possible weights could still reach it, each distinct pair of names once, and not
  at all when their shapes share no mark (:func:`~.compare.agreement_marks`: they are
  then DIFFERENT).

Scores and decisions are those of :func:`~.compare.score` and :func:`~.compare.decide`.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import threading
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import compress, repeat
from typing import ClassVar

import numpy as np
import numpy.typing as npt

from bahali.registry.matching import model
from bahali.registry.matching.blocking import name_keys
from bahali.registry.matching.compare import (
    DIFFERENT,
    PARTIAL,
    VARIANT,
    NameFrequencies,
    name_agreement,
    name_level,
    names_differ_like_siblings,
)
from bahali.registry.matching.records import (
    MARKS,
    Derived,
    Features,
    NameForms,
    PersonRecord,
    derive,
    derived_known,
)

Pair = tuple[str, str, float, str]
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
CHUNK = 2000
PARALLEL_FROM = 20_000  # records; below this, estimating in a forked process costs more
WHOLE_BLOCK = 8  # records; a larger block is compared within its districts (see _narrowed)


def find_pairs(
    records: Iterable[PersonRecord],
    against: Iterable[PersonRecord] | None = None,
    progress: Callable[[int, int], None] | None = None,
    parameters: model.Parameters | model.Deferred | None = None,
) -> Iterator[Pair]:
    """Yield ``(record_id_a, record_id_b, score, decision)`` for every likely duplicate.

    Pairs within ``records`` and, with ``against``, between ``records`` and ``against``
    (never two ``against`` records with each other). Only "match" and "review" decisions are
    yielded, in a deterministic order (by the first record, then the second, in the order
    given). ``progress(done, total)`` is called as records of ``records`` are reported.
    ``parameters``: the ``m`` and ``u`` to score with (the committed table unless given;
    :func:`.training.parameters_for` estimates them on the records themselves). Given as
    :class:`~.model.Deferred`, they are computed once the records are derived, on those
    derived fields (:func:`~.records.derived_known`), in a forked process while this one
    gathers the candidates when there are several cores, and kept in it.
    """
    batch = list(records)
    everyone = batch + list(against or ())
    count = len(batch)
    fork = len(everyone) >= PARALLEL_FROM and (os.cpu_count() or 1) > 1
    if "fork" not in multiprocessing.get_all_start_methods() or threading.active_count() > 1:
        # Forking a process that runs other threads (a server's, a test's) can leave the
        # child waiting forever on a lock one of them held: one process then.
        fork = False
    with _collector_paused():
        derived = list(map(derive, everyone))
        deferred = parameters if isinstance(parameters, model.Deferred) else None
        with derived_known(everyone, derived):
            if deferred is not None and deferred.value is None and fork:
                _Preparation.deferred = deferred
                try:
                    with multiprocessing.get_context("fork").Pool(1) as pool:
                        pending = pool.apply_async(_compute_deferred)
                        first, second = _candidate_pairs(derived, count)
                        columns = _Columns(derived)
                        deferred.value = pending.get()
                finally:
                    _Preparation.deferred = None
            else:
                if deferred is not None:
                    deferred.get()
                first, second = _candidate_pairs(derived, count)
                columns = _Columns(derived)
        if isinstance(parameters, model.Deferred):
            parameters = parameters.get()
        found = _Scorer(columns, parameters).scored(first, second)
        # What the run made lives until it ends: keep the collector, once back, from
        # scanning it all (a full collection over the records' millions of objects).
        gc.freeze()
    try:
        yield from _reported(found, count, progress)
    finally:
        gc.unfreeze()


def within_review_share(pairs: Iterable[Pair], share: float) -> tuple[list[Pair], float]:
    """Every "match" pair and the likeliest "review" pairs, at most ``share`` of the matches.

    A data steward reviews what the matcher cannot decide; when that is more than they can
    look at, the review band narrows from below: the review pairs with the lowest scores
    are dropped (not merged) until the rest is ``share`` of the match pairs. Returns the
    pairs kept, in their order, and the score the band now starts at.
    """
    listed = list(pairs)
    matches = sum(1 for pair in listed if pair[3] == "match")
    reviews = sorted((pair[2] for pair in listed if pair[3] == "review"), reverse=True)
    allowed = int(share * matches)
    if len(reviews) <= allowed:
        return listed, model.REVIEW_THRESHOLD
    floor = reviews[allowed - 1] if allowed else model.MATCH_THRESHOLD
    kept = [pair for pair in listed if pair[3] == "match" or pair[2] >= floor]
    return kept, floor


def _candidate_pairs(derived: list[Derived], count: int) -> tuple[IntArray, IntArray]:
    """The candidate pairs ``(first[k], second[k])``: record indexes, ``first < second``,
    ``first < count``, each pair once, sorted by first and then second record.

    Records sharing a name key (:func:`_keyed`) or a CNIC block (:func:`_cnic_blocks`)
    are candidates, a block of more than :data:`WHOLE_BLOCK` narrowed by
    :func:`_narrowed`. The keys are grouped by sorting them in numpy rather than in a
    dictionary of lists, and the pairs of each block made at once for all the blocks of
    one size (a record's blocks overlap: the pairs are made unique at the end).
    """
    size = len(derived)
    names = [row[1] for row in derived]
    fathers = [row[2] for row in derived]
    years = [row[4] for row in derived]
    coded = _key_codes(names, fathers, years)
    if coded is None:
        keys, owners = _keyed(names, fathers, years, range(size))
        key_array = np.array(keys, dtype=np.int64)
        owner_array = np.array(owners, dtype=np.int64)
        order = np.argsort(key_array, kind="stable")  # owners stay ascending within a key
        coded = key_array[order], owner_array[order]
    sorted_keys, members = coded  # by key, and by record within a key
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    sizes = np.diff(np.r_[starts, len(sorted_keys)])
    by_size: dict[int, list[IntArray]] = defaultdict(list)
    for length in range(2, WHOLE_BLOCK + 1):
        first = starts[sizes == length]
        if len(first):
            by_size[length].append(members[first[:, None] + np.arange(length)])
    large: list[list[int]] = [
        members[start : start + length].tolist()
        for start, length in zip(
            starts[sizes > WHOLE_BLOCK].tolist(), sizes[sizes > WHOLE_BLOCK].tolist(), strict=True
        )
    ]
    large += _cnic_groups([row[6] for row in derived])
    if large:
        ranks = _neighbour_ranks(fathers, years)
        narrowed: dict[int, list[list[int]]] = defaultdict(list)
        for block in _narrowed(large, [row[7] for row in derived], ranks):
            narrowed[len(block)].append(block)
        for length, blocks in narrowed.items():
            by_size[length].append(np.array(blocks, dtype=np.int64))
    codes = [np.empty(0, dtype=np.int64)]
    for length, matrices in by_size.items():
        left, right = np.triu_indices(length, 1)
        for matrix in matrices:
            first, second = matrix[:, left].ravel(), matrix[:, right].ravel()
            kept = first < count
            codes.append(first[kept] * size + second[kept])
    # Sorted, then each code once (numpy's unique hashes the codes: ten times slower here).
    unique = np.sort(np.concatenate(codes))
    unique = unique[np.r_[True, unique[1:] != unique[:-1]][: len(unique)]]
    return unique // max(size, 1), unique % max(size, 1)


def _key_codes(
    names: Sequence[NameForms | None],
    fathers: Sequence[NameForms | None],
    years: Sequence[int | None],
) -> tuple[IntArray, IntArray] | None:
    """The batch's name keys (:func:`_batch_keys`) of every record as numbers, with the
    index of the record of each: each record's keys once, in no particular order.

    Each string a key is made of (a name's core, its letters, its first core token, its
    initial, a father's core) is numbered once, and a key is its kind, its parts' numbers
    and the birth window packed in one integer: two keys are the same number exactly when
    they are the same string. The records are expanded into their names' shapes and
    fathers' keys by numpy instead of formatting a million strings. None when the numbers
    would not fit in 63 bits (then :func:`_keyed` hashes the strings).
    """
    parts: dict[str, int] = {}
    part = parts.setdefault
    name_numbers, name_forms = _numbers_of(names)
    father_numbers, father_forms = _numbers_of(fathers)
    # Each name's shapes: its core, letters, first core token and initial, numbered.
    shape_parts: list[tuple[int, int, int, int]] = []
    shape_counts = []
    # A shape is shared by many names (by identity: they live as long as the names).
    made: dict[int, tuple[int, int, int, int]] = {}
    for forms in name_forms:
        shape_counts.append(len(forms.shapes))
        for shape in forms.shapes:
            numbered = made.get(id(shape))
            if numbered is None:
                numbered = made[id(shape)] = (
                    part(shape.core_key, len(parts)),
                    part(shape.letters, len(parts)),
                    part(shape.core[0], len(parts)),
                    part(shape.ordered[0][0], len(parts)),
                )
            shape_parts.append(numbered)
    # Each father's distinct cores.
    father_parts: list[int] = []
    father_counts = []
    for forms in father_forms:
        cores = dict.fromkeys(shape.core_key for shape in forms.shapes)
        father_counts.append(len(cores))
        father_parts.extend(part(core, len(parts)) for core in cores)
    known_years = [year for year in years if year is not None]
    lowest = min(known_years, default=0) - 1
    year_bits = max(max(known_years, default=0) - lowest, 1).bit_length()
    part_bits = max(len(parts), 1).bit_length()
    if 3 + 2 * part_bits + year_bits > 62:
        return None
    year_array = np.array([year - lowest if year is not None else 0 for year in years], np.int64)
    shapes = np.array(shape_parts or np.empty((0, 4)), dtype=np.int64)
    cores_of_fathers = np.array(father_parts, dtype=np.int64)

    def expanded(owners: IntArray, counts: IntArray, starts: IntArray) -> tuple[IntArray, IntArray]:
        """Each owner repeated ``counts[k]`` times, with the item numbers from its start."""
        repeated = np.repeat(owners, counts)
        offsets = np.arange(len(repeated)) - np.repeat(np.cumsum(counts) - counts, counts)
        return repeated, np.repeat(starts, counts) + offsets

    # Records with a name, one row per shape of it.
    shape_count = np.array(shape_counts, dtype=np.int64)
    shape_start = np.cumsum(shape_count) - shape_count
    named = np.flatnonzero(name_numbers >= 0)
    number = name_numbers[named]
    record, shape_row = expanded(named, shape_count[number], shape_start[number])
    core, letters, token, initial = (shapes[shape_row, column] for column in range(4))
    window = year_array[record]  # 0 without a year
    dated = window > 0

    def packed(
        kind: int, first: IntArray, second: IntArray | int = 0, third: IntArray | int = 0
    ) -> IntArray:
        return ((kind << part_bits | first) << year_bits | second) << part_bits | third

    keys = [
        packed(1, core),
        packed(2, core[dated], window[dated] - 1),
        packed(2, core[dated], window[dated]),
        packed(3, letters[dated], window[dated] - 1),
        packed(3, letters[dated], window[dated]),
    ]
    owners = [record, record[dated], record[dated], record[dated], record[dated]]
    # Rows of a record whose father is known, one per shape of the name and core of the father.
    father_count = np.array(father_counts, dtype=np.int64)
    father_start = np.cumsum(father_count) - father_count
    of = father_numbers[record]
    rows = np.flatnonzero(of >= 0)
    row, father_item = expanded(rows, father_count[of[rows]], father_start[of[rows]])
    father = cores_of_fathers[father_item]
    record_f = record[row]
    with_year = dated[row]
    window_f = window[row]
    keys += [
        packed(4, father[with_year], window_f[with_year] - 1, initial[row][with_year]),
        packed(4, father[with_year], window_f[with_year], initial[row][with_year]),
        packed(5, token[row], 0, father),
        packed(6, letters[row], 0, father),
        packed(7, core[row], 0, father),
    ]
    owners += [record_f[with_year], record_f[with_year], record_f, record_f, record_f]
    key_array = np.concatenate(keys)
    owner_array = np.concatenate(owners)
    # Each record's keys once (two shapes of a name may share a core, as a set of strings would).
    order = np.lexsort((owner_array, key_array))
    key_array, owner_array = key_array[order], owner_array[order]
    first = np.r_[True, (key_array[1:] != key_array[:-1]) | (owner_array[1:] != owner_array[:-1])]
    first = first[: len(key_array)]
    return key_array[first], owner_array[first]


def _numbers_of(names: Sequence[NameForms | None]) -> tuple[IntArray, list[NameForms]]:
    """Each record's name number (-1 without one) and the distinct names, numbered."""
    forms = [name for name in dict.fromkeys(names) if name is not None]
    number: dict[NameForms | None, int] = {name: n for n, name in enumerate(forms)}
    number[None] = -1
    return np.array(list(map(number.__getitem__, names)), dtype=np.int64), forms


def _cnic_groups(cnics: Sequence[str]) -> list[list[int]]:
    """:func:`_cnic_blocks`, the ``cd:`` strings numbered in numpy instead of made.

    A CNIC without its digit ``i`` is its 12 other characters packed in one integer (in
    the base of the distinct characters, Urdu digits included); leaving out either of two
    equal neighbouring digits is made once, as there.
    """
    holders: defaultdict[str, list[int]] = defaultdict(list)
    for index, cnic in enumerate(cnics):
        if cnic:
            holders[cnic].append(index)
    blocks = [members for members in holders.values() if len(members) > 1]
    distinct = list(holders)
    if not distinct:
        return blocks
    characters = np.array([list(map(ord, cnic)) for cnic in distinct], dtype=np.int64)
    alphabet, dense = np.unique(characters, return_inverse=True)
    dense = dense.reshape(characters.shape)
    base = len(alphabet)
    if base ** (characters.shape[1] - 1) >= 2**62:  # more distinct characters than fit
        return list(_cnic_blocks(cnics))
    weights = base ** np.arange(characters.shape[1] - 2, -1, -1, dtype=np.int64)
    codes = []
    owners = []
    numbers = np.arange(len(distinct), dtype=np.int64)
    for position in range(characters.shape[1]):
        kept = np.delete(dense, position, axis=1) @ weights
        made = (
            np.ones(len(distinct), dtype=bool)
            if position == 0
            else characters[:, position] != characters[:, position - 1]
        )
        codes.append(kept[made])
        owners.append(numbers[made])
    code = np.concatenate(codes)
    owner = np.concatenate(owners)
    order = np.argsort(code, kind="stable")
    code, owner = code[order], owner[order]
    starts = np.flatnonzero(np.r_[True, code[1:] != code[:-1]])
    sizes = np.diff(np.r_[starts, len(code)])
    for start, size in zip(starts[sizes > 1].tolist(), sizes[sizes > 1].tolist(), strict=True):
        blocks.append(
            sorted(
                index
                for n in owner[start : start + size].tolist()
                for index in holders[distinct[n]]
            )
        )
    return blocks


def _compute_deferred() -> model.Parameters:
    """Forked process: compute the deferred parameters left in :class:`_Preparation`."""
    assert _Preparation.deferred is not None  # noqa: S101 (set before the pool forks)
    return _Preparation.deferred.get()


class _Preparation:
    """Deferred parameters, left here for a forked process."""

    deferred: ClassVar[model.Deferred | None] = None


def _reported(
    found: tuple[list[Pair], list[int]], count: int, progress: Callable[[int, int], None] | None
) -> Iterator[Pair]:
    """The pairs, with ``progress(done, count)`` called after those of each :data:`CHUNK`
    records. ``found``: the pairs and the index of the first record of each, ascending."""
    pairs, firsts = found
    position = 0
    for stop in range(CHUNK, count + CHUNK, CHUNK):
        stop = min(stop, count)
        end = bisect_left(firsts, stop)
        yield from pairs[position:end]
        position = end
        if progress is not None:
            progress(stop, count)
    if progress is not None and not count:
        progress(0, 0)


class _NameField:
    """One name field (the name or the father's) of every record, numbered.

    ``numbers[i]`` is record ``i``'s name number (-1 without one) and ``best[n]`` the
    highest weight name ``n`` can get against any other: the frequency adjustment only
    falls as the other name gets more common, so the lower of two names' bests bounds
    their weight. :meth:`weights` gives the weight and level of pairs of names, each
    distinct pair compared once per run.
    """

    def __init__(
        self, names: Sequence[NameForms | None], field: str, frequencies: NameFrequencies
    ) -> None:
        # NameForms compare by identity, and one name is one object: numbering is hashing.
        self.forms = [forms for forms in dict.fromkeys(names) if forms is not None]
        number: dict[NameForms | None, int] = {forms: n for n, forms in enumerate(self.forms)}
        number[None] = -1
        self.numbers = np.array(list(map(number.__getitem__, names)), dtype=np.int64)
        counts = frequencies.counts[field]
        self.counts = [counts[forms.core_key] for forms in self.forms]
        self.codes = model.LEVELS[field]
        self.frequencies = frequencies
        self.weights_by_code = frequencies.weights
        best = {count: self._best(count) for count in set(self.counts)}  # few distinct
        # One more place, read for the number -1: a missing name's best is never used
        # (a missing name weighs 0.0), 0.0 holds its place.
        self.best = np.array([*(best[count] for count in self.counts), 0.0])
        self._marks: IntArray | None = None

    def _best(self, count: int) -> float:
        adjusted = self.codes[: VARIANT + 1]
        return max(
            *(
                self.weights_by_code[code] + self.frequencies.adjustment_for(code, count)
                for code in adjusted
            ),
            *(self.weights_by_code[code] for code in self.codes[VARIANT + 1 :]),
        )

    def weights(self, a: IntArray, b: IntArray) -> tuple[FloatArray, IntArray]:
        """The weights and levels of names ``a[k]`` and ``b[k]`` (both numbers >= 0), each
        distinct pair weighed once (see :func:`_name_levels`)."""
        if self._marks is None:
            self._marks = _marks_of(self.forms)
        inverse, first, second = _distinct_pairs(a, b, len(self.forms))
        levels = _name_levels(self.forms, self._marks, first, second, name_level)
        values = np.array([self.weights_by_code[code] for code in self.codes])[levels]
        adjusted = np.flatnonzero(levels <= VARIANT)
        values[adjusted] = list(
            map(
                self._weigh,
                first[adjusted].tolist(),
                second[adjusted].tolist(),
                levels[adjusted].tolist(),
            )
        )
        return values[inverse], levels[inverse]

    def _weigh(self, a: int, b: int, level: int) -> float:
        """The weight of names ``a`` and ``b``, same or variant at ``level``, adjusted for
        the commoner's frequency."""
        code = self.codes[level]
        return self.weights_by_code[code] + self.frequencies.adjustment_for(
            code, max(self.counts[a], self.counts[b])
        )


def _distinct_pairs(a: IntArray, b: IntArray, spread: int) -> tuple[IntArray, IntArray, IntArray]:
    """The distinct unordered pairs of numbers below ``spread`` among ``(a[k], b[k])``:
    where each pair is among them, and their smaller and larger number."""
    spread = max(spread, 1)
    unique, inverse = np.unique(np.minimum(a, b) * spread + np.maximum(a, b), return_inverse=True)
    first, second = np.divmod(unique, spread)
    return inverse, first, second


def _name_levels(
    forms: Sequence[NameForms],
    marks: IntArray,
    first: IntArray,
    second: IntArray,
    level_of: Callable[[NameForms, NameForms], int],
) -> IntArray:
    """The level (:func:`~.compare.name_level`, by ``level_of``) of names ``first[k]`` and
    ``second[k]``: DIFFERENT without comparing them when their shapes share no mark
    (:func:`~.compare.agreement_marks`; ``marks`` from :func:`_marks_of`)."""
    may_agree = np.flatnonzero(
        (marks[first][:, :, None, :] == marks[second][:, None, :, :]).any(axis=(1, 2, 3))
    )
    levels = np.full(len(first), DIFFERENT, dtype=np.int64)
    levels[may_agree] = [
        level_of(forms[x], forms[y])
        for x, y in zip(first[may_agree].tolist(), second[may_agree].tolist(), strict=True)
    ]
    return levels


def _marks_of(forms: Sequence[NameForms]) -> IntArray:
    """``marks[n, s]``: the marks of name ``n``'s shape ``s`` (its first again where it has
    fewer shapes than the name with most)."""
    widest = max((len(name.shapes) for name in forms), default=1)
    return np.array(
        [
            [shape.marks for shape in name.shapes]
            + [name.shapes[0].marks] * (widest - len(name.shapes))
            for name in forms
        ]
        or np.empty((0, widest, MARKS)),
        dtype=np.int64,
    )


class PairLevels:
    """The level of each field of pairs of records, as :func:`~.compare.levels` finds them,
    for many pairs at once (estimation, :mod:`.training`): ``levels(first, second)`` gives,
    for the name, father, CNIC, birth, district and sex, each pair's level (its place in
    :data:`.model.LEVELS`; -1 when either record lacks the field) of the records
    ``derived[first[k]]`` and ``derived[second[k]]``. The records' columns are made once,
    for all the pairs asked about."""

    def __init__(self, derived: Sequence[Features]) -> None:
        self.columns = _Columns(
            [
                (
                    f.record_id,
                    f.name,
                    f.father,
                    f.sex,
                    f.birth_year,
                    f.birth_date,
                    f.cnic,
                    f.district,
                )
                for f in derived
            ]
        )
        self.names = []
        for names in (self.columns.names, self.columns.fathers):
            numbers, forms = _numbers_of(names)
            self.names.append((numbers, forms, _marks_of(forms)))

    def __call__(self, first: Sequence[int], second: Sequence[int]) -> list[IntArray]:
        left = np.array(first, dtype=np.int64)
        right = np.array(second, dtype=np.int64)
        found = []
        for numbers, forms, marks in self.names:
            a, b = numbers[left], numbers[right]
            both = np.flatnonzero((a >= 0) & (b >= 0))
            levels = np.full(len(left), -1, dtype=np.int64)
            if len(both):
                inverse, x, y = _distinct_pairs(a[both], b[both], len(forms))
                levels[both] = _name_levels(forms, marks, x, y, name_agreement)[inverse]
            found.append(levels)
        return [*found, *self.columns.levels(left, right)]


class _Scorer:
    """The records of one run as columns, and the scoring of candidate pairs at once.

    Field for field as :func:`~.compare.score` and :func:`~.compare.decide`, each weight
    added in the order the pure Python loop added them (so the same sums to the last bit).
    Most candidates are namesakes or brothers that cannot reach the review threshold
    whatever their names say: names are compared only for the pairs whose cheap fields
    (CNIC, birth, district, sex) and names' best possible weights could still reach it,
    the father first, then the name where the father's weight leaves room.
    """

    def __init__(self, columns: _Columns, parameters: model.Parameters | None) -> None:
        self.columns = columns
        self.record_ids = columns.record_ids
        frequencies = NameFrequencies.of_names(columns.names, columns.fathers, parameters)
        self.weights = frequencies.weights
        self.names = _NameField(columns.names, "name", frequencies)
        self.fathers = _NameField(columns.fathers, "father", frequencies)

    def scored(self, first: IntArray, second: IntArray) -> tuple[list[Pair], list[int]]:
        """The pairs among the candidates ``(first[k], second[k])`` that reach review, in
        their order, and the index of the first record of each."""
        review, match = model.REVIEW_THRESHOLD, model.MATCH_THRESHOLD
        cheap, conflict = self._cheap(first, second)
        names, fathers = self.names, self.fathers
        name_a, name_b = names.numbers[first], names.numbers[second]
        father_a, father_b = fathers.numbers[first], fathers.numbers[second]
        has_name = (name_a >= 0) & (name_b >= 0)
        has_father = (father_a >= 0) & (father_b >= 0)
        best_name = np.where(has_name, np.minimum(names.best[name_a], names.best[name_b]), 0.0)
        best_father = np.where(
            has_father, np.minimum(fathers.best[father_a], fathers.best[father_b]), 0.0
        )
        # Bounds with a margin: a pair the bound keeps by rounding is scored in full.
        hopeful = np.flatnonzero(cheap + best_name + best_father >= review - _MARGIN)
        father_weight = np.zeros(len(hopeful))
        father_level = np.full(len(hopeful), DIFFERENT, dtype=np.int64)
        both = np.flatnonzero(has_father[hopeful])
        father_weight[both], father_level[both] = fathers.weights(
            father_a[hopeful[both]], father_b[hopeful[both]]
        )
        cheap_father = cheap[hopeful] + father_weight
        still = np.flatnonzero(cheap_father + best_name[hopeful] >= review - _MARGIN)
        chosen = hopeful[still]
        name_weight = np.zeros(len(still))
        name_level_ = np.full(len(still), DIFFERENT, dtype=np.int64)
        both = np.flatnonzero(has_name[chosen])
        name_weight[both], name_level_[both] = names.weights(
            name_a[chosen[both]], name_b[chosen[both]]
        )
        value = cheap_father[still] + name_weight
        # Sibling pattern (compare.sibling_like): fathers same or variant, names differing
        # beyond a dropped trailing token.
        siblings = np.flatnonzero(
            (value >= review)
            & has_father[chosen]
            & has_name[chosen]
            & (father_level[still] <= VARIANT)
            & (name_level_ >= PARTIAL)
        )
        forms = names.forms
        for position, a, b in zip(
            siblings.tolist(),
            name_a[chosen[siblings]].tolist(),
            name_b[chosen[siblings]].tolist(),
            strict=True,
        ):
            if names_differ_like_siblings(forms[a], forms[b]):
                value[position] += model.SIBLING_WEIGHT
        kept = np.flatnonzero(value >= review)
        indexes = chosen[kept]
        values = value[kept]
        matched = (values >= match) & ~conflict[indexes]
        ids = self.record_ids
        firsts = first[indexes].tolist()
        pairs = [
            (ids[a], ids[b], round(score, 3), "match" if is_match else "review")
            for a, b, score, is_match in zip(
                firsts, second[indexes].tolist(), values.tolist(), matched.tolist(), strict=True
            )
        ]
        return pairs, firsts

    def _cheap(self, first: IntArray, second: IntArray) -> tuple[FloatArray, BoolArray]:
        """The summed weight of CNIC, birth, district and sex of each pair, in that order,
        and whether the CNICs or sexes conflict (never a "match" then)."""
        cheap = np.zeros(len(first))
        levels = self.columns.levels(first, second)
        for field, level in zip(_CHEAP_FIELDS, levels, strict=True):
            # The field's weights by level, and 0.0 (at -1) when a record lacks the field.
            weights = np.array([*(self.weights[code] for code in model.LEVELS[field]), 0.0])
            cheap = cheap + weights[level]
        cnic, _, _, sex = levels
        return cheap, (cnic == _CNIC_DIFFERENT) | (sex == _SEX_CONFLICT)


_CHEAP_FIELDS = ("cnic", "birth", "district", "sex")
_CNIC_DIFFERENT = model.LEVELS["cnic"].index("cnic_different")
_SEX_CONFLICT = model.LEVELS["sex"].index("sex_conflict")


class _Columns:
    """The derived fields of records as numpy columns (names as their forms, numbered by
    :class:`_NameField`), and the agreement levels of pairs of them."""

    def __init__(self, derived: Sequence[Derived]) -> None:
        columns = zip(*derived, strict=True) if derived else [()] * 8
        record_ids, names, fathers, sexes, years, dates, cnics, districts = columns
        self.record_ids: Sequence[str] = record_ids
        self.names: Sequence[NameForms | None] = names
        self.fathers: Sequence[NameForms | None] = fathers
        self.cnics = _numbered(cnics)
        distinct = [cnic for cnic in dict.fromkeys(cnics) if cnic]
        # The CNICs' characters, one row per distinct CNIC (digits, of whatever script).
        self.cnic_characters = np.array(
            [list(map(ord, cnic)) for cnic in distinct] or np.empty((0, 13)), dtype=np.int64
        )
        self.years = np.array([year if year is not None else 0 for year in years], np.int64)
        self.has_year = np.array([year is not None for year in years], dtype=bool)
        self.dates = np.array(
            [date.toordinal() if date is not None else 0 for date in dates], dtype=np.int64
        )
        self.date_years = np.array(
            [date.year if date is not None else 0 for date in dates], dtype=np.int64
        )
        self.has_date = np.array([date is not None for date in dates], dtype=bool)
        self.districts = _numbered(districts)
        self.sexes = _numbered(sexes)

    def levels(
        self, first: IntArray, second: IntArray
    ) -> tuple[IntArray, IntArray, IntArray, IntArray]:
        """The CNIC, birth, district and sex level of each pair (their place in
        :data:`.model.LEVELS`; -1 when either record lacks the field), as
        :func:`~.compare.levels` finds them."""
        cnic_a, cnic_b = self.cnics[first], self.cnics[second]
        both = (cnic_a >= 0) & (cnic_b >= 0)
        same = both & (cnic_a == cnic_b)
        other = np.flatnonzero(both & ~same)
        one_digit = np.zeros(len(first), dtype=bool)
        one_digit[other] = _one_digit(
            self.cnic_characters[cnic_a[other]], self.cnic_characters[cnic_b[other]]
        )
        cnic = np.select([same, one_digit, both], [0, 1, 2], -1)
        with_year = self.has_year[first] & self.has_year[second]
        with_date = with_year & self.has_date[first] & self.has_date[second]
        date_equal = with_date & (self.dates[first] == self.dates[second])
        date_year = with_date & ~date_equal & (self.date_years[first] == self.date_years[second])
        gap = np.abs(self.years[first] - self.years[second])
        birth = np.select(
            [date_equal, date_year, with_year & (gap == 0), with_year & (gap == 1), with_year],
            [0, 1, 2, 3, 4],
            -1,
        )
        district_a, district_b = self.districts[first], self.districts[second]
        district = np.where(
            (district_a >= 0) & (district_b >= 0), (district_a != district_b).astype(np.int64), -1
        )
        sex_a, sex_b = self.sexes[first], self.sexes[second]
        sex = np.where((sex_a >= 0) & (sex_b >= 0), (sex_a != sex_b).astype(np.int64), -1)
        return cnic, birth, district, sex


# Added to a bound before it is compared with the threshold: sums of one set of weights in
# another order may differ in their last bit.
_MARGIN = 1e-9


def _numbered(values: Sequence[str]) -> IntArray:
    """Each value's number among the distinct non-empty values, in the order they first
    come, -1 for an empty one."""
    number = {value: n for n, value in enumerate(value for value in dict.fromkeys(values) if value)}
    number[""] = -1
    return np.array(list(map(number.__getitem__, values)), dtype=np.int64)


def _one_digit(a: IntArray, b: IntArray) -> BoolArray:
    """Rows of CNIC characters one digit apart, or with two neighbouring digits swapped."""
    differing = a != b
    count = differing.sum(axis=1)
    found = count == 1
    two = np.flatnonzero(count == 2)
    if len(two):
        at = differing[two]
        left = at.argmax(axis=1)
        right = a.shape[1] - 1 - at[:, ::-1].argmax(axis=1)
        rows_a, rows_b = a[two], b[two]
        picked = np.arange(len(two))
        found[two] = (
            (right == left + 1)
            & (rows_a[picked, left] == rows_b[picked, right])
            & (rows_a[picked, right] == rows_b[picked, left])
        )
    return found


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


def candidate_blocks(derived: Sequence[Features], count: int) -> list[list[Sequence[int]]]:
    """For each of the first ``count`` records, the blocks (sorted index lists) it is in.

    Records from ``count`` on are the "against" side: paired with the first ``count``
    records but not with each other. Blocks are narrowed as :func:`_narrowed` says.
    """
    keys, owners = _keyed(
        [record.name for record in derived],
        [record.father for record in derived],
        [record.birth_year for record in derived],
        range(len(derived)),
    )
    blocks = [*_shared(keys, owners), *_cnic_blocks([record.cnic for record in derived])]
    ranks = _neighbour_ranks(
        [record.father for record in derived], [record.birth_year for record in derived]
    )
    districts = [record.district for record in derived]
    return _per_record(_narrowed(blocks, districts, ranks), count)


def _neighbour_ranks(fathers: Sequence[NameForms | None], years: Sequence[int | None]) -> list[int]:
    """Each record's place when all are sorted by father's letters and birth year.

    Within a part of a block too large to compare whole (a common name in one district),
    records are compared with their neighbours in this order (see :func:`_narrowed`): two
    registrations of one person usually have their father written alike.
    """
    order = sorted(
        range(len(fathers)),
        key=lambda index: (
            fathers[index].shapes[0].letters if fathers[index] is not None else "~",  # type: ignore[union-attr]
            years[index] or 0,
        ),
    )
    ranks = [0] * len(order)
    for rank, index in enumerate(order):
        ranks[index] = rank
    return ranks


def _narrowed(
    blocks: Iterable[list[int]], districts: Sequence[str], ranks: Sequence[int]
) -> Iterator[list[int]]:
    """The blocks to compare: up to WHOLE_BLOCK records whole, larger ones by district.

    A larger block (a common name, or a common name and age) is split into its districts,
    records without one joining every district; a part still over WHOLE_BLOCK is cut into
    windows of WHOLE_BLOCK records in :func:`_neighbour_ranks` order (records compared with
    their neighbours by father and birth year: a sorted neighbourhood). Overlapping windows
    found 0.2% more true pairs for half as many comparisons again: not worth it.
    """
    for members in blocks:
        if len(members) <= WHOLE_BLOCK:
            yield members
            continue
        parts: defaultdict[str, list[int]] = defaultdict(list)
        for index in members:
            parts[districts[index]].append(index)
        unknown = parts.pop("", [])
        for part in parts.values():
            size = len(part) + len(unknown)
            if 1 < size <= WHOLE_BLOCK:
                yield sorted(part + unknown) if unknown else part
            elif size > WHOLE_BLOCK:
                neighbours = sorted(part + unknown, key=ranks.__getitem__)
                for start in range(0, size - 1, WHOLE_BLOCK):
                    yield sorted(neighbours[start : start + WHOLE_BLOCK])


def _per_record(blocks: Iterable[Sequence[int]], count: int) -> list[list[Sequence[int]]]:
    per_record: list[list[Sequence[int]]] = [[] for _ in range(count)]
    for members in blocks:
        if members[0] < count:
            for index in members:
                if index >= count:
                    break
                per_record[index].append(members)
    return per_record


def _keyed(
    names: Sequence[NameForms | None],
    fathers: Sequence[NameForms | None],
    years: Sequence[int | None],
    indexes: Iterable[int],
) -> tuple[list[int], list[int]]:
    """The name keys (:func:`~.blocking.name_keys`) of the records at ``indexes``,
    flattened, with the index of the record each belongs to.

    A key is kept as its string hash, which forked workers share: it travels between
    processes and is counted several times faster than the string. Two keys of one hash
    (odds of about one in ten million per 100,000 records) would only merge their blocks,
    adding comparisons, never changing a score.
    """
    keys: list[int] = []
    owners: list[int] = []
    for index, found in zip(indexes, map(_batch_keys, names, fathers, years), strict=True):
        keys += map(hash, found)
        owners += repeat(index, len(found))
    return keys, owners


def _batch_keys(name: NameForms | None, father: NameForms | None, year: int | None) -> set[str]:
    """:func:`~.blocking.name_keys` and, in a batch, the name with the father's whole name
    (``nf:``), so that a name too common to compare as a block whole (Gul Afridi in Khyber)
    still meets its other registrations with the same father. Not stored with the registry's
    keys: the registration check looks people up one at a time, without the block limit."""
    keys = name_keys(name, father, year)
    if name is not None and father is not None:
        fathers = {shape.core_key for shape in father.shapes}
        for shape in name.shapes:
            for father_key in fathers:
                keys.add(f"nf:{shape.core_key}|{father_key}")
    return keys


def _shared(keys: list[int], owners: list[int]) -> Iterator[list[int]]:
    """The blocks of the keys held by two records or more, as sorted index lists.

    One pass groups the owners by key (a third faster than counting the keys first and
    grouping only the shared ones); most groups hold one record and are dropped.
    """
    groups: dict[int, list[int]] = {}
    group = groups.setdefault
    for key, owner in zip(keys, owners, strict=True):
        group(key, []).append(owner)
    for members in groups.values():
        if len(members) > 1:
            members.sort()  # owners come in runs, one per worker's share
            yield members


def _cnic_blocks(cnics: Sequence[str]) -> Iterator[list[int]]:
    """The ``c:`` and ``cd:`` blocks of :mod:`.blocking`, from the distinct CNICs.

    A ``cd:`` block whose records all have one CNIC is that CNIC's ``c:`` block again, so
    only the CNIC-less-one-digit strings that two distinct CNICs share make new blocks.
    """
    holders: defaultdict[str, list[int]] = defaultdict(list)
    for index, cnic in enumerate(cnics):
        if cnic:
            holders[cnic].append(index)
    yield from (members for members in holders.values() if len(members) > 1)
    distinct = list(holders)
    # The CNICs without their digit i (blocking.deletions), digit by digit: the CNIC of
    # shortened[k] is distinct[k % len(distinct)]. Leaving out either of two equal
    # neighbouring digits gives one string, made once ("" stands for the repeat), so
    # that a string made twice is shared by two CNICs.
    shortened = [
        cnic[:i] + cnic[i + 1 :] if i == 0 or cnic[i] != cnic[i - 1] else ""
        for i in range(13)
        for cnic in distinct
    ]
    sharing: dict[str, set[str]] = {
        key: set() for key, times in Counter(shortened).items() if times > 1 and key
    }
    for key, position in compress(
        zip(shortened, range(len(shortened)), strict=True), map(sharing.__contains__, shortened)
    ):
        sharing[key].add(distinct[position % len(distinct)])
    for group in sharing.values():
        if len(group) > 1:
            yield sorted(index for cnic in group for index in holders[cnic])


def later_candidates(index: int, blocks: Sequence[Sequence[int]]) -> list[int]:
    """The records after ``index`` sharing one of its blocks, in ascending order."""
    if len(blocks) == 1:
        members = blocks[0]
        return list(members[bisect_right(members, index) :])
    found: set[int] = set()
    for members in blocks:
        found.update(members[bisect_right(members, index) :])
    return sorted(found)


def candidates(derived: list[Features], count: int) -> Iterator[tuple[Features, list[Features]]]:
    """Each of the first ``count`` records with the later records it would be compared to."""
    blocks = candidate_blocks(derived, count)
    for index in range(count):
        yield derived[index], [derived[other] for other in later_candidates(index, blocks[index])]
