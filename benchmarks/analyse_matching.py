"""Where the matcher goes wrong on the second population, and how far any matcher could go.

Run: PYTHONPATH=src .venv/bin/python benchmarks/analyse_matching.py [RECORDS] [SEED]

Generates ``RECORDS`` records of :mod:`bahali.registry.synthetic_tribal` (use a tuning seed,
never one of its ``REPORT_SEEDS``), matches them as ``bench_matching.py`` does (``m`` and
``u`` estimated on the records) and prints:

- false pairs by kind: brothers and sisters (one family) or other families, the name's
  agreement level, without a birth year on one side;
- missed true pairs, those that shared a block and those that did not, by their fields'
  agreement (and, if they had been compared, what they would have scored);
- two ceilings. A person-level one: people identical in everything the generator draws
  records from (name, father, tribes, district, sex, no CNIC), up to the birth year when a
  record has none, give pairs exchangeable with true pairs, which no method can separate.
  A feature-level one: the best any decision on the comparison the model sees (each
  field's level, the name's and father's frequency, the sibling pattern, the birth years'
  gap) could do, choosing with the truth, on the candidate pairs.
"""

from __future__ import annotations

import math
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_matching import true_pairs

from bahali.registry import synthetic_tribal
from bahali.registry.matching import NameFrequencies, compare, find_pairs
from bahali.registry.matching.batch import candidate_blocks, later_candidates
from bahali.registry.matching.compare import levels, sibling_like
from bahali.registry.matching.records import Features, features
from bahali.registry.matching.training import parameters_for

Pair = tuple[str, str]


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 4242
    if seed in synthetic_tribal.REPORT_SEEDS:
        sys.exit(f"seed {seed} is a report seed: analyse on another one")
    people: dict[str, synthetic_tribal.Person] = {}
    records, truth = synthetic_tribal.generate(count, seed=seed, people=people)
    expected = true_pairs(truth)
    started = time.perf_counter()
    parameters = parameters_for(records)
    found = list(find_pairs(records, parameters=parameters))
    print(f"{len(records):,} records, matched in {time.perf_counter() - started:.1f}s")
    both = {_key(a, b) for a, b, _, _ in found}
    match = {_key(a, b) for a, b, _, decision in found if decision == "match"}
    for label, pairs in (("match", match), ("match+review", both)):
        correct = len(pairs & expected)
        print(f"{label}: precision {correct / max(len(pairs), 1):.4f}", end=" ")
        print(f"recall {correct / len(expected):.4f} ({len(pairs):,} pairs)")
    derived = {record.record_id: features(record) for record in records}
    frequencies = NameFrequencies(derived.values(), parameters)

    def kind(pair: Pair) -> str:
        a, b = derived[pair[0]], derived[pair[1]]
        family = people[truth[pair[0]]].family == people[truth[pair[1]]].family
        name = levels(a, b)[0] if a.name and b.name else "no_name"
        undated = a.birth_year is None or b.birth_year is None
        return (
            ("siblings" if family else "other families")
            + f", {name}"
            + (", no birth year" if undated else "")
        )

    for label, pairs in (
        ("false match", match - expected),
        ("false review", both - match - expected),
    ):
        _print_counts(label, Counter(map(kind, pairs)))
    listed = list(derived.values())
    ids = [record.record_id for record in listed]
    blocks = candidate_blocks(listed, len(listed))
    candidates = {
        _key(ids[index], ids[other])
        for index in range(len(listed))
        for other in later_candidates(index, blocks[index])
    }
    missed = expected - both
    by_id = {record.record_id: record for record in records}
    for label, pairs in (
        ("missed, in a block", missed & candidates),
        ("missed, in no block", missed - candidates),
    ):
        _print_counts(label, Counter(_fields(derived[a], derived[b]) for a, b in pairs))
        scored = Counter(compare(by_id[a], by_id[b], frequencies).decision for a, b in pairs)
        print(f"  if compared: {dict(scored)}")
    _person_ceiling(people, truth, records, len(expected))
    _feature_ceiling(candidates, expected, derived, frequencies)


def _key(a: str, b: str) -> Pair:
    return (a, b) if a < b else (b, a)


def _fields(a: Features, b: Features) -> str:
    codes = levels(a, b)
    parts = [codes[0] if a.name and b.name else "no_name"]
    parts.append(next((c for c in codes if c.startswith("father")), "no_father"))
    parts.append(next((c for c in codes if c.startswith("birth")), "no_birth"))
    parts.append("cnic" if a.cnic and b.cnic else "no_cnic")
    if "district_different" in codes:
        parts.append("district_different")
    return "/".join(parts)


def _print_counts(label: str, counts: Counter[str]) -> None:
    print(f"{label}: {counts.total():,}")
    for name, number in counts.most_common(12):
        print(f"  {number:7,} {name}")


def _person_ceiling(
    people: dict[str, synthetic_tribal.Person],
    truth: dict[str, str],
    records: list,  # type: ignore[type-arg]
    true_count: int,
) -> None:
    """Recall at most, at precision 0.98, when twins' exchangeable pairs must be decided alike."""
    blind: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for record in records:
        person = truth[record.record_id]
        total[person] += 1
        if record.birth_year is None and record.birth_date is None:
            blind[person] += 1
    twins: defaultdict[tuple, list[str]] = defaultdict(list)  # type: ignore[type-arg]
    for person_id, person in people.items():
        if person_id in total and not person.cnic:
            attributes = (person.sex, person.muhammad, person.given, person.tribe)
            origin = (person.father_given, person.father_tribe, person.district)
            twins[attributes + origin].append(person_id)
    groups = []
    for members in twins.values():
        if len(members) < 2:
            continue
        within = sum(
            blind[p] * (total[p] - blind[p]) + blind[p] * (blind[p] - 1) // 2 for p in members
        )
        across = sum(
            total[p] * total[q] - (total[p] - blind[p]) * (total[q] - blind[q])
            for i, p in enumerate(members)
            for q in members[i + 1 :]
        )
        groups.append((within, across))
    correct = true_count - sum(within for within, _ in groups)
    wrong = 0
    for within, across in sorted(groups, key=lambda g: -g[0] / max(g[0] + g[1], 1)):
        if within and (correct + within) / (correct + within + wrong + across) >= 0.98:
            correct, wrong = correct + within, wrong + across
    print(f"person-level ceiling: recall <= {correct / true_count:.4f} at precision >= 0.98")


def _feature_ceiling(
    candidates: set[Pair],
    expected: set[Pair],
    derived: dict[str, Features],
    frequencies: NameFrequencies,
) -> None:
    vectors: Counter[tuple] = Counter()  # type: ignore[type-arg]
    correct: Counter[tuple] = Counter()  # type: ignore[type-arg]
    names, fathers = frequencies.counts["name"], frequencies.counts["father"]
    for pair in candidates:
        a, b = derived[pair[0]], derived[pair[1]]
        name = (
            int(math.log2(max(names[a.name.core_key], names[b.name.core_key]) + 1))
            if a.name and b.name
            else -1
        )
        father = (
            int(math.log2(max(fathers[a.father.core_key], fathers[b.father.core_key]) + 1))
            if a.father and b.father
            else -1
        )
        gap = abs(a.birth_year - b.birth_year) if a.birth_year and b.birth_year else -1
        vector = (tuple(levels(a, b)), name, father, sibling_like(a, b), min(gap, 5))
        vectors[vector] += 1
        correct[vector] += pair in expected
    for floor in (0.98, 0.90):
        found = wrong = 0
        for vector in sorted(vectors, key=lambda v: -correct[v] / vectors[v]):
            right, bad = found + correct[vector], wrong + vectors[vector] - correct[vector]
            if right / (right + bad) < floor:
                break
            found, wrong = right, bad
        print(
            f"feature-level ceiling on the candidates: recall {found / len(expected):.4f} "
            f"at precision >= {floor}"
        )
    print(f"true pairs among the candidates: {len(candidates & expected) / len(expected):.4f}")


if __name__ == "__main__":
    main()
