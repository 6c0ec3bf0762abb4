"""Estimating the Fellegi–Sunter parameters of :mod:`.model` from data.

``u`` (how often two *different* people agree at a level) is counted on random pairs of
records: almost every random pair is two different people. ``m`` (how often two
registrations of the *same* person agree) is found by expectation–maximisation on the
candidate pairs that blocking produces, without labels, so the same procedure works on a
real registry. Thresholds need the truth and are chosen on synthetic data, where it is known.

Run ``python -m bahali.registry.matching.training [people] [seed]`` to print a fresh table
for ``model.py``.
"""

from __future__ import annotations

import itertools
import math
import random
import sys
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from bahali.registry.matching import model
from bahali.registry.matching.batch import PairLevels, candidates
from bahali.registry.matching.blocking import MAX_BLOCK, keys_of_kind
from bahali.registry.matching.compare import NameFrequencies, score
from bahali.registry.matching.records import Features, PersonRecord, features

FIELD_OF = {code: field for field, codes in model.LEVELS.items() for code in codes}
Pattern = tuple[str, ...]


@dataclass(frozen=True)
class Estimate:
    """Estimated ``m`` and ``u`` per level, the lowest match share of the training runs."""

    m: dict[str, float]
    u: dict[str, float]
    prior: float
    iterations: int


def blocked_patterns(
    derived: Sequence[Features],
    key_kind: str,
    fields: frozenset[str],
    levels: PairLevels | None = None,
) -> Counter[Pattern]:
    """Agreement patterns, on ``fields`` only, of the pairs sharing a key of one kind.

    Blocks larger than :data:`MAX_BLOCK` are left out, as the batch would sub-block them.
    """
    blocks: dict[str, list[int]] = defaultdict(list)
    for index, record in enumerate(derived):
        for key in keys_of_kind(record, key_kind):
            blocks[key].append(index)
    pairs: set[tuple[int, int]] = set()
    for members in blocks.values():
        if len(members) <= MAX_BLOCK:
            pairs.update(itertools.combinations(members, 2))
    # Each pair's pattern as one number, a digit per field (its level + 1, 0 when either
    # record lacks it or it is not estimated here), counted in the order the pairs come.
    order = list(pairs)
    coded = np.zeros(len(order), dtype=np.int64)
    found = (levels or PairLevels(derived))([a for a, _ in order], [b for _, b in order])
    for field, level in zip(model.LEVELS, found, strict=True):
        coded = coded * _DIGITS + (level + 1 if field in fields else 0)
    distinct, first, times = np.unique(coded, return_index=True, return_counts=True)
    patterns: Counter[Pattern] = Counter()
    for where in np.argsort(first, kind="stable").tolist():
        patterns[_pattern(int(distinct[where]))] = int(times[where])
    return patterns


_DIGITS = 1 + max(len(codes) for codes in model.LEVELS.values())


def _pattern(coded: int) -> Pattern:
    """The pattern (level codes, in the order of the fields) of a number from
    :func:`blocked_patterns`."""
    digits = []
    for _ in model.LEVELS:
        coded, digit = divmod(coded, _DIGITS)
        digits.append(digit)
    return tuple(
        codes[digit - 1]
        for codes, digit in zip(model.LEVELS.values(), reversed(digits), strict=True)
        if digit
    )


def estimate_u(
    derived: Sequence[Features], pairs: int, seed: int, levels: PairLevels | None = None
) -> dict[str, float]:
    """``u`` per level from random pairs, with half a pair of smoothing per level.

    ``levels``: the records' :class:`~.batch.PairLevels`, when already made."""
    rng = random.Random(seed)  # noqa: S311 (sampling, not secrets)
    draw = rng.randrange
    size = len(derived)
    first: list[int] = []
    second: list[int] = []
    for _ in range(pairs):
        # The draws of ``rng.sample(range(size), 2)``, a fifth of the time: two distinct
        # indexes, the second drawn again while it equals the first.
        a = draw(size)
        b = draw(size)
        while b == a:
            b = draw(size)
        first.append(a)
        second.append(b)
    counts: Counter[str] = Counter()
    for codes, found in zip(
        model.LEVELS.values(), (levels or PairLevels(derived))(first, second), strict=True
    ):
        for code, times in zip(
            codes, np.bincount(found[found >= 0], minlength=len(codes)).tolist(), strict=True
        ):
            if times:
                counts[code] = times
    return _normalise(counts, smoothing=0.5)


def estimate_m(
    patterns: Counter[Pattern],
    u: dict[str, float],
    *,
    max_iterations: int = 500,
    tolerance: float = 1e-7,
) -> tuple[dict[str, float], float, int]:
    """``m`` for the levels in ``patterns`` and the match share, by EM with ``u`` fixed."""
    m = dict(model.M)
    prior = 0.5
    iteration = 0
    for iteration in range(1, max_iterations + 1):  # noqa: B007 (reported afterwards)
        expected: defaultdict[str, float] = defaultdict(float)
        matched = 0.0
        total = 0
        for pattern, count in patterns.items():
            log_odds = sum(math.log(m[code] / u[code]) for code in pattern)
            odds = math.exp(max(-700.0, min(700.0, log_odds))) * prior / (1 - prior)
            posterior = odds / (1 + odds)
            matched += posterior * count
            total += count
            for code in pattern:
                expected[code] += posterior * count
        new_m = _normalise(expected, smoothing=0.5)
        change = max(abs(new_m[code] - m[code]) for code in expected)
        m.update({code: new_m[code] for code in new_m if _seen(code, expected)})
        prior = min(max(matched / total, 1e-9), 1 - 1e-9)
        if change < tolerance:
            break
    return m, prior, iteration


def _seen(code: str, expected: Mapping[str, float]) -> bool:
    """Whether ``code``'s field took part in the estimation at all."""
    return any(expected.get(other) for other in model.LEVELS[FIELD_OF[code]])


# Each EM run blocks on one kind of key and estimates the fields that key does not fix;
# among pairs sharing a CNIC almost all are one person, so names, fathers and years are
# learnt there, and the CNIC, father, district and sex among pairs sharing name and year.
TRAINING_RUNS = (
    ("c", frozenset({"name", "father", "birth", "district", "sex"})),
    ("ny", frozenset({"cnic", "father", "district", "sex"})),
)


def estimate(
    records: Sequence[PersonRecord], *, random_pairs: int = 300_000, seed: int = 0
) -> Estimate:
    """Estimate ``m`` and ``u`` from unlabelled records, Splink-style.

    ``u`` from random pairs; ``m`` by EM in the :data:`TRAINING_RUNS`, a field estimated
    in both runs taking the mean of the two.
    """
    derived = [features(record) for record in records]
    levels = PairLevels(derived)
    u = estimate_u(derived, random_pairs, seed, levels)
    sums: defaultdict[str, float] = defaultdict(float)
    runs: Counter[str] = Counter()
    priors = []
    iterations = 0
    for key_kind, fields in TRAINING_RUNS:
        m, prior, used = estimate_m(blocked_patterns(derived, key_kind, fields, levels), u)
        priors.append(prior)
        iterations += used
        for code, value in m.items():
            if FIELD_OF[code] in fields:
                sums[code] += value
                runs[code] += 1
    m = {code: sums[code] / runs[code] for code in model.M}
    return Estimate(m, u, min(priors), iterations)


def suggest_thresholds(
    scored: Sequence[tuple[float, bool]], *, match_precision: float, review_precision: float
) -> tuple[float, float]:
    """The lowest scores at which the pairs above still reach the wanted precisions.

    ``scored`` holds (score, is a true duplicate) for candidate pairs of labelled data.
    """
    ordered = sorted(scored, key=lambda item: -item[0])
    thresholds = {match_precision: ordered[0][0], review_precision: ordered[0][0]}
    true_count = 0
    for position, (value, is_true) in enumerate(ordered, start=1):
        true_count += is_true
        for wanted in thresholds:
            if true_count / position >= wanted:
                thresholds[wanted] = value
    return thresholds[match_precision], thresholds[review_precision]


def _normalise(counts: Mapping[str, float], *, smoothing: float) -> dict[str, float]:
    """Per-field probabilities of each level, with ``smoothing`` added to every level."""
    result: dict[str, float] = {}
    for codes in model.LEVELS.values():
        total = sum(counts.get(code, 0.0) for code in codes) + smoothing * len(codes)
        for code in codes:
            result[code] = (counts.get(code, 0.0) + smoothing) / total
    return result


def labelled_scores(derived: list[Features], truth: dict[str, str]) -> list[tuple[float, bool]]:
    """(score, is a true duplicate) for every candidate pair, with the committed model."""
    frequencies = NameFrequencies(derived)
    scored = []
    for mine, others in candidates(derived, len(derived)):
        for other in others:
            value = score(mine, other, frequencies)
            scored.append((value, truth[mine.record_id] == truth[other.record_id]))
    return scored


def main(argv: list[str]) -> None:
    """Estimate on a synthetic training set and print the table for ``model.py``."""
    from bahali.registry.synthetic import generate

    people = int(argv[0]) if argv else 50_000
    seed = int(argv[1]) if len(argv) > 1 else 101
    records, truth = generate(people, seed=seed)
    result = estimate(records, seed=seed)
    weights = {code: math.log2(result.m[code] / result.u[code]) for code in result.m}
    model.M.update(result.m)
    model.U.update(result.u)
    model.WEIGHTS.update(weights)
    derived = [features(record) for record in records]
    match, review = suggest_thresholds(
        labelled_scores(derived, truth), match_precision=0.995, review_precision=0.975
    )
    out = sys.stdout
    out.write(f"# {len(records)} records of {people} people (seed {seed}); ")
    out.write(f"EM: {result.iterations} iterations, lowest match share {result.prior:.4f}\n")
    for name, table in (("M", result.m), ("U", result.u)):
        out.write(f"{name}: dict[str, float] = {{\n")
        for code, value in table.items():
            out.write(f'    "{code}": {value:.6g},  # weight {weights[code]:+.2f}\n')
        out.write("}\n")
    out.write(f"MATCH_THRESHOLD = {math.floor(match * 10) / 10}\n")
    out.write(f"REVIEW_THRESHOLD = {math.floor(review * 10) / 10}\n")


if __name__ == "__main__":
    main(sys.argv[1:])


# Records from which a batch's own m and u are estimated (parameters_for), and how many of
# them at most: 20,000 records and 60,000 random pairs estimate as well as 100,000 records
# (tribal population, tuning seed 4242, 2026-12-06) in a fraction of the time.
ADAPT_FROM = 5_000
ADAPT_SAMPLE = 20_000
ADAPT_RANDOM_PAIRS = 60_000


def parameters_for(
    records: Sequence[PersonRecord], *, seed: int = 0, sample: int = ADAPT_SAMPLE
) -> model.Parameters:
    """``m`` and ``u`` estimated on the records about to be matched, without labels.

    The committed table was estimated on one population; a registry whose names, ages and
    districts are spread otherwise (a few given names borne by thousands, seven districts)
    is scored with wrong weights: agreeing on a district or an exact name says less there.
    Estimating on the records themselves (:func:`estimate`, on a fixed random sample of
    ``sample``) corrects that, as Splink does on every run. Below :data:`ADAPT_FROM`
    records there is too little to learn from, and an estimate that does not look like a
    matching model (an exact name, the same CNIC or date of birth not counting *for*, or a
    different one not *against*) is not used: the committed table is returned then.
    """
    if len(records) < ADAPT_FROM:
        return model.COMMITTED
    chosen = random.Random(seed).sample(list(records), sample) if len(records) > sample else records  # noqa: S311
    found = estimate(chosen, random_pairs=ADAPT_RANDOM_PAIRS, seed=seed)
    parameters = model.Parameters(
        found.m, found.u, f"estimated on {len(chosen):,} of {len(records):,} records"
    )
    return parameters if plausible(parameters) else model.COMMITTED


def plausible(parameters: model.Parameters) -> bool:
    """Whether each field's best agreement counts for a match and its worst against."""
    weights = parameters.weights
    return all(weights[codes[0]] > 0 > weights[codes[-1]] for codes in model.LEVELS.values())
