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

Pure Python spends microseconds on each record and pair, so the work is laid out for speed:

- big batches use the machine's cores in forked processes: while this process derives
  the records' fields and name keys (normalising names is the costliest step per record)
  and gathers them into blocks, another estimates ``m`` and ``u`` when asked to
  (:class:`~.model.Deferred`); then workers score the candidates;
- each record becomes one tuple of small values and each distinct name a number, so that
  each pair of distinct names is compared once per process;
- most candidates are namesakes or brothers that cannot reach the review threshold
  whatever their names say: the cheap fields (CNIC, birth, district, sex) are added first,
  names already compared count at their weight, and the others are compared only while
  their best possible weight could still lift the pair to review.

Scores and decisions are those of :func:`~.compare.score` and :func:`~.compare.decide`.
"""

from __future__ import annotations

import datetime
import gc
import multiprocessing
import multiprocessing.pool
import os
import threading
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import compress, repeat
from typing import ClassVar

from rapidfuzz.distance import Hamming

from bahali.registry.matching import model
from bahali.registry.matching.blocking import name_keys
from bahali.registry.matching.compare import (
    VARIANT,
    NameFrequencies,
    name_agreement,
    name_level,
    names_differ_like_siblings,
)
from bahali.registry.matching.records import (
    Derived,
    Features,
    NameForms,
    PersonRecord,
    cnic_digits,
    derive,
)

Pair = tuple[str, str, float, str]
CHUNK = 2000
PARALLEL_FROM = 20_000  # records; below this, starting processes costs more than it saves
WHOLE_BLOCK = 8  # records; a larger block is compared within its districts (see _narrowed)
MAX_WORKERS = 4


def find_pairs(
    records: Iterable[PersonRecord],
    against: Iterable[PersonRecord] | None = None,
    progress: Callable[[int, int], None] | None = None,
    parameters: model.Parameters | model.Deferred | None = None,
) -> Iterator[Pair]:
    """Yield ``(record_id_a, record_id_b, score, decision)`` for every likely duplicate.

    Pairs within ``records`` and, with ``against``, between ``records`` and ``against``
    (never two ``against`` records with each other). Only "match" and "review" decisions are
    yielded, in a deterministic order. ``progress(done, total)`` is called as records of
    ``records`` are processed. ``parameters``: the ``m`` and ``u`` to score with (the
    committed table unless given; :func:`.training.parameters_for` estimates them on the
    records themselves). Given as :class:`~.model.Deferred`, they are computed while the
    records are derived (in a forked process when there are several cores) and kept in it.
    """
    batch = list(records)
    everyone = batch + list(against or ())
    count = len(batch)
    workers = min(MAX_WORKERS, os.cpu_count() or 1) if len(everyone) >= PARALLEL_FROM else 1
    if "fork" not in multiprocessing.get_all_start_methods() or threading.active_count() > 1:
        # Forking a process that runs other threads (a server's, a test's) can leave the
        # child waiting forever on a lock one of them held: one process then.
        workers = 1
    with _collector_paused():
        derived, blocks = _prepared(everyone, workers, parameters, count)
        if isinstance(parameters, model.Deferred):
            parameters = parameters.get()
        scorer = _Scorer(derived, blocks, count, parameters)
        # The rows live until the end: keep the collector from scanning them once it is
        # back (millions of objects, a quarter of a second each time), and forked workers
        # from copying the pages it would touch.
        gc.freeze()
    chunks = [range(start, min(start + CHUNK, count)) for start in range(0, count, CHUNK)]
    try:
        if workers > 1:
            # Forked workers share the rows and blocks without copying or pickling them.
            _Scorer.current = scorer
            with multiprocessing.get_context("fork").Pool(workers - 1) as pool:
                yield from _reported(
                    _scored_with(pool, scorer, chunks, workers), chunks, count, progress
                )
        else:
            yield from _reported(map(scorer.chunk, chunks), chunks, count, progress)
    finally:
        _Scorer.current = None
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


def _prepared(
    records: list[PersonRecord],
    workers: int,
    parameters: model.Parameters | model.Deferred | None,
    count: int,
) -> tuple[list[Derived], list[list[Sequence[int]]]]:
    """Every record's derived fields, and for each of the first ``count`` the blocks to
    compare it in (see :func:`_narrowed` and :func:`_per_record`).

    This process derives the records (and their name keys) and builds the blocks. Deferred
    ``parameters`` (estimating ``m`` and ``u`` on a sample of the records) are computed
    meanwhile in one forked process when there are several workers, else first, here.
    Deriving in forked shares cost half as much CPU again (every name sent back and
    rebuilt, fathers normalised in each share) and was no faster on two cores: measured
    on 100,437 records (seed 4242), 6.9 s of CPU and 15.0 s of wall time against 4.0 s and
    10.7 s here, under a load of 10.
    """
    _Preparation.records = records
    deferred = parameters if isinstance(parameters, model.Deferred) else None
    try:
        if deferred is not None and deferred.value is None and workers > 1:
            _Preparation.deferred = deferred
            with multiprocessing.get_context("fork").Pool(1) as pool:
                pending = pool.apply_async(_compute_deferred)
                derived, blocks = _derived_and_blocked(count)
                deferred.value = pending.get()  # mostly ready by now
        else:
            if deferred is not None:
                deferred.get()
            derived, blocks = _derived_and_blocked(count)
    finally:
        _Preparation.records = []
        _Preparation.deferred = None
    return derived, blocks


def _derived_and_blocked(count: int) -> tuple[list[Derived], list[list[Sequence[int]]]]:
    """The records' derived fields and each of the first ``count`` records' blocks."""
    derived, keys, owners = _derive_all()
    cnic_blocks = _cnic_part()
    districts = [row[7] for row in derived]
    ranks = _neighbour_ranks([row[2] for row in derived], [row[4] for row in derived])
    # Keys of one kind or another often gather the same records (a name, its joined
    # letters, name and father): each such block once (263,000 blocks were 113,000 on
    # 100,437 records), so that the records' candidates are gathered from fewer lists.
    blocks = dict.fromkeys(
        map(tuple, _narrowed([*_shared(keys, owners), *cnic_blocks], districts, ranks))
    )
    return derived, _per_record(blocks, count)


def _compute_deferred() -> model.Parameters:
    """Forked process: compute the deferred parameters left in :class:`_Preparation`."""
    assert _Preparation.deferred is not None  # noqa: S101 (set before the pool forks)
    return _Preparation.deferred.get()


class _Preparation:
    """The records being prepared, and deferred parameters, left here for a forked process."""

    records: ClassVar[list[PersonRecord]] = []
    deferred: ClassVar[model.Deferred | None] = None


def _derive_all() -> tuple[list[Derived], list[int], list[int]]:
    """Every record's fields, and the name keys with the index of the record of each."""
    records = _Preparation.records
    derived = list(map(derive, records))
    names = [row[1] for row in derived]
    fathers = [row[2] for row in derived]
    years = [row[4] for row in derived]
    return derived, *_keyed(names, fathers, years, range(len(derived)))


def _cnic_part() -> list[list[int]]:
    """The CNIC blocks of all the records."""
    return list(_cnic_blocks([cnic_digits(record.cnic) for record in _Preparation.records]))


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


def _scored_with(
    pool: multiprocessing.pool.Pool, scorer: _Scorer, chunks: list[range], workers: int
) -> Iterator[list[Pair]]:
    """Each chunk's pairs, in order: one chunk in ``workers`` scored here, the others by the
    pool's ``workers - 1`` forked processes meanwhile. This process would otherwise only
    wait; a forked worker less is one copy less of the pages it writes to (two workers and
    an idle parent cost a third more CPU than one process)."""
    theirs = pool.imap(_score_chunk, [chunk for k, chunk in enumerate(chunks) if k % workers])
    for k, chunk in enumerate(chunks):
        yield scorer.chunk(chunk) if k % workers == 0 else next(theirs)


def _score_chunk(indexes: range) -> list[Pair]:
    """Worker entry point: score one chunk with the scorer inherited from the parent."""
    assert _Scorer.current is not None  # noqa: S101 (set before the pool forks)
    return _Scorer.current.chunk(indexes)


# Row: name, its best weight, father, its best weight, CNIC, birth year, birth date,
# district, sex (see _Scorer.rows).
Row = tuple[int, float, int, float, str, int | None, datetime.date | None, str, str]


class _NameField:
    """One name field (the name or the father's) of every record, numbered.

    ``numbers[i]`` is record ``i``'s name number (-1 without one) and ``best[n]`` the
    highest weight name ``n`` can get against any other: the frequency adjustment only
    falls as the other name gets more common, so the lower of two names' bests bounds
    their weight. :meth:`weights_of` gives a name's cache of weights against the others.
    """

    def __init__(
        self, names: Sequence[NameForms | None], field: str, frequencies: NameFrequencies
    ) -> None:
        # NameForms compare by identity, and one name is one object: numbering is hashing.
        self.forms = [forms for forms in dict.fromkeys(names) if forms is not None]
        number: dict[NameForms | None, int] = {forms: n for n, forms in enumerate(self.forms)}
        number[None] = -1
        self.numbers = list(map(number.__getitem__, names))
        counts = frequencies.counts[field]
        self.counts = [counts[forms.core_key] for forms in self.forms]
        self.codes = model.LEVELS[field]
        self.frequencies = frequencies
        self.weights = frequencies.weights
        best = {count: self._best(count) for count in set(self.counts)}  # few distinct
        self.best = [best[count] for count in self.counts]
        self._weights: list[dict[int, float]] = [{} for _ in self.forms]

    def _best(self, count: int) -> float:
        adjusted = self.codes[: VARIANT + 1]
        return max(
            *(
                self.weights[code] + self.frequencies.adjustment_for(code, count)
                for code in adjusted
            ),
            *(self.weights[code] for code in self.codes[VARIANT + 1 :]),
        )

    def weights_of(self, name: int) -> dict[int, float]:
        """Name ``name``'s weights against other names, filled by :meth:`weight`."""
        return self._weights[name]

    def weight(self, a: int, b: int) -> float:
        """The weight of names ``a`` and ``b``, adjusted for the commoner's frequency."""
        level = name_level(self.forms[a], self.forms[b])
        code = self.codes[level]
        value = self.weights[code]
        if level <= VARIANT:
            value += self.frequencies.adjustment_for(code, max(self.counts[a], self.counts[b]))
        self._weights[a][b] = self._weights[b][a] = value
        return value


class _Scorer:
    """The blocks and the compact rows of one run, and the scoring of its candidates."""

    current: ClassVar[_Scorer | None] = None

    def __init__(
        self,
        derived: list[Derived],
        blocks: list[list[Sequence[int]]],
        count: int,
        parameters: model.Parameters | None = None,
    ) -> None:
        columns = zip(*derived, strict=True) if derived else [()] * 8
        record_ids, names, fathers, sexes, years, dates, cnics, districts = columns
        self.record_ids: tuple[str, ...] = record_ids
        self.blocks = blocks
        frequencies = NameFrequencies.of_names(names, fathers, parameters)
        self.weights = frequencies.weights
        self.names = _NameField(names, "name", frequencies)
        self.fathers = _NameField(fathers, "father", frequencies)
        name_best, father_best = self.names.best, self.fathers.best
        # A missing name's best is never read (a missing name weighs 0.0): 0.0 holds its place.
        self.rows: list[Row] = [
            (
                name,
                name_best[name] if name >= 0 else 0.0,
                father,
                father_best[father] if father >= 0 else 0.0,
                *fields,
            )
            for name, father, *fields in zip(
                self.names.numbers,
                self.fathers.numbers,
                cnics,
                years,
                dates,
                districts,
                sexes,
                strict=True,
            )
        ]

    def chunk(self, indexes: range) -> list[Pair]:
        with _collector_paused():
            return self._chunk(indexes)

    def _chunk(self, indexes: range) -> list[Pair]:
        """Score the later candidates of each record in ``indexes``.

        Field for field as :func:`~.compare.score` and :func:`~.compare.decide`, with the
        names last: an unknown name weight is computed only while ``cheap fields + known
        or best name + known or best father`` still reaches review.
        """
        pairs: list[Pair] = []
        rows, ids = self.rows, self.record_ids
        names, fathers = self.names, self.fathers
        review, match = model.REVIEW_THRESHOLD, model.MATCH_THRESHOLD
        sibling = model.SIBLING_WEIGHT
        weights = self.weights
        cnic_same, cnic_one_digit, cnic_different = (weights[c] for c in model.LEVELS["cnic"])
        date_same, date_different, year_same, year_off_by_one, year_different = (
            weights[c] for c in model.LEVELS["birth"]
        )
        district_same, district_different = (weights[c] for c in model.LEVELS["district"])
        sex_same, sex_conflict = (weights[c] for c in model.LEVELS["sex"])
        # A name partial or worse weighs at most the larger of partial and different (they
        # are never adjusted): a cheap test before the sibling pattern's (compare.sibling_like).
        name_partial = max(weights["name_partial"], weights["name_different"])
        hamming = Hamming.distance
        for index in indexes:
            name, name_best, father, father_best, cnic, year, date, district, sex = rows[index]
            name_weights = names.weights_of(name) if name >= 0 else {}
            father_weights = fathers.weights_of(father) if father >= 0 else {}
            for other in later_candidates(index, self.blocks[index]):
                (
                    o_name,
                    o_name_best,
                    o_father,
                    o_father_best,
                    o_cnic,
                    o_year,
                    o_date,
                    o_district,
                    o_sex,
                ) = rows[other]
                cheap = 0.0
                conflict = False
                if cnic and o_cnic:
                    if cnic == o_cnic:
                        cheap = cnic_same
                    elif hamming(cnic, o_cnic, score_cutoff=2) <= 2 and _one_digit(cnic, o_cnic):
                        cheap = cnic_one_digit
                    else:
                        cheap = cnic_different
                        conflict = True
                if year is not None and o_year is not None:
                    if date is not None and o_date is not None and date == o_date:
                        cheap += date_same
                    elif date is not None and o_date is not None and date.year == o_date.year:
                        cheap += date_different
                    elif year == o_year:
                        cheap += year_same
                    elif year - o_year in (1, -1):
                        cheap += year_off_by_one
                    else:
                        cheap += year_different
                if district and o_district:
                    cheap += district_same if district == o_district else district_different
                if sex and o_sex:
                    if sex == o_sex:
                        cheap += sex_same
                    else:
                        cheap += sex_conflict
                        conflict = True
                # Each name's weight if already known (else None), or 0.0 when missing;
                # in the bound, an unknown weight counts as the best it could be.
                name_weight = name_weights.get(o_name) if name >= 0 and o_name >= 0 else 0.0
                father_weight = (
                    father_weights.get(o_father) if father >= 0 and o_father >= 0 else 0.0
                )
                if name_weight is None:
                    best_name = name_best if name_best < o_name_best else o_name_best
                else:
                    best_name = name_weight
                if father_weight is None:
                    best_father = father_best if father_best < o_father_best else o_father_best
                else:
                    best_father = father_weight
                if cheap + best_name + best_father < review:
                    continue
                if father_weight is None:
                    father_weight = fathers.weight(father, o_father)
                    if cheap + father_weight + best_name < review:
                        continue
                if name_weight is None:
                    name_weight = names.weight(name, o_name)
                value = cheap + father_weight + name_weight
                if (
                    value >= review
                    and father >= 0
                    and o_father >= 0
                    and name_weight <= name_partial
                    and name_agreement(fathers.forms[father], fathers.forms[o_father]) <= VARIANT
                    and names_differ_like_siblings(names.forms[name], names.forms[o_name])
                ):
                    value += sibling
                if value >= review:
                    decision = "match" if value >= match and not conflict else "review"
                    pairs.append((ids[index], ids[other], round(value, 3), decision))
        return pairs


def _one_digit(a: str, b: str) -> bool:
    """Two different CNICs one digit apart, or with two neighbouring digits swapped."""
    differences = Hamming.distance(a, b, score_cutoff=2)
    if differences == 1:
        return True
    if differences != 2:
        return False
    first, second = (i for i in range(13) if a[i] != b[i])
    return second == first + 1 and a[first] == b[second] and a[second] == b[first]


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
