"""The batch's numpy paths against the one-pair-at-a-time code they stand for.

``find_pairs`` gathers its candidates and scores them as numpy columns, and estimation
counts levels the same way; each step must give exactly what the plain Python functions
(``blocking`` keys, ``compare.levels``, ``compare.score``/``decide``, ``name_level``) give.
"""

from __future__ import annotations

import datetime
import itertools
import random
from collections import defaultdict

import pytest

from bahali.registry import synthetic_tribal
from bahali.registry.matching import PersonRecord, batch, find_pairs, model, training
from bahali.registry.matching.blocking import feature_keys, keys_of_kind
from bahali.registry.matching.compare import (
    DIFFERENT,
    NameFrequencies,
    agreement_marks,
    decide,
    levels,
    name_level,
    score,
)
from bahali.registry.matching.records import derive, derived_known, features
from bahali.registry.synthetic import generate


def populations() -> list[list[PersonRecord]]:
    """A few thousand records of each generator."""
    seeded, _ = generate(1500, seed=61)
    tribal, _ = synthetic_tribal.generate(3000, seed=4242)
    return [seeded, tribal]


@pytest.fixture(scope="module", name="both")
def both_populations() -> list[list[PersonRecord]]:
    return populations()


def groups(keys: list[int], owners: list[int]) -> set[tuple[int, ...]]:
    by_key: defaultdict[int, set[int]] = defaultdict(set)
    for key, owner in zip(keys, owners, strict=True):
        by_key[key].add(owner)
    return {tuple(sorted(members)) for members in by_key.values()}


def test_key_numbers_group_the_records_as_the_key_strings_do(both):
    for records in both:
        derived = [derive(record) for record in records]
        names = [row[1] for row in derived]
        fathers = [row[2] for row in derived]
        years = [row[4] for row in derived]
        strings, owners = [], []
        for index, (name, father, year) in enumerate(zip(names, fathers, years, strict=True)):
            found = batch._batch_keys(name, father, year)
            strings += found
            owners += [index] * len(found)
        numbered = {key: n for n, key in enumerate(dict.fromkeys(strings))}
        expected = groups([numbered[key] for key in strings], owners)
        coded = batch._key_codes(names, fathers, years)
        assert coded is not None
        keys, key_owners = coded
        assert len(keys) == len(strings)  # each record's keys once
        assert groups(keys.tolist(), key_owners.tolist()) == expected


def test_cnic_groups_are_the_cnic_blocks():
    rng = random.Random(5)
    base = [f"{rng.randrange(10**12, 10**13)}" for _ in range(400)]
    cnics = [*base, *base[:50]]  # the same CNIC twice
    for cnic in base[50:150]:  # one digit mistyped
        position = rng.randrange(13)
        cnics.append(cnic[:position] + str((int(cnic[position]) + 1) % 10) + cnic[position + 1 :])
    for cnic in base[150:250]:  # two neighbouring digits swapped
        position = rng.randrange(12)
        cnics.append(cnic[:position] + cnic[position + 1] + cnic[position] + cnic[position + 2 :])
    cnics += ["1111122222333", "1111122222334", "", "۱۲۳۴۵۱۲۳۴۵۶۷۱", "۱۲۳۴۵۱۲۳۴۵۶۷۲"]
    rng.shuffle(cnics)
    expected = sorted(tuple(block) for block in batch._cnic_blocks(cnics))
    assert sorted(tuple(block) for block in batch._cnic_groups(cnics)) == expected
    assert len(expected) > 200


def test_names_whose_shapes_share_no_mark_are_different(both):
    for records in both:
        derived = [features(record) for record in records]
        names = list(
            dict.fromkeys(
                name
                for record in derived
                for name in (record.name, record.father)
                if name is not None
            )
        )
        rng = random.Random(7)
        pairs = [(rng.choice(names), rng.choice(names)) for _ in range(20_000)]
        # and pairs that do agree: the candidates of the batch
        for mine, others in itertools.islice(batch.candidates(derived, len(derived)), 1500):
            pairs += [(mine.name, other.name) for other in others if mine.name and other.name]
        agreeing = 0
        for a, b in pairs:
            shared = any(
                x[k] == y[k]
                for x in agreement_marks(a)
                for y in agreement_marks(b)
                for k in range(len(x))
            )
            if not shared:
                assert name_level(a, b) == DIFFERENT, (a.signature, b.signature)
            agreeing += name_level(a, b) != DIFFERENT
        assert agreeing > 1000


def test_the_numpy_levels_are_those_of_compare(both):
    for records in both:
        derived = [features(record) for record in records]
        rng = random.Random(3)
        first = [rng.randrange(len(derived)) for _ in range(5000)]
        second = [rng.randrange(len(derived)) for _ in range(5000)]
        blocks = batch.candidate_blocks(derived, len(derived))
        blocked = [
            (index, other)
            for index in range(0, len(derived), 5)
            for other in batch.later_candidates(index, blocks[index])
        ]
        assert len(blocked) > 300
        first += [a for a, _ in blocked]
        second += [b for _, b in blocked]
        found = batch.PairLevels(derived)(first, second)
        for k, (a, b) in enumerate(zip(first, second, strict=True)):
            expected = levels(derived[a], derived[b])
            got = [
                codes[field[k]]
                for codes, field in zip(model.LEVELS.values(), found, strict=True)
                if field[k] >= 0
            ]
            assert got == expected


def test_levels_of_dates_cnics_and_missing_fields():
    day = datetime.date(1990, 5, 1)
    records = [
        PersonRecord("a", name="Ali", birth_date=day, cnic="1560212345671", sex="m"),
        PersonRecord("b", name="Ali", birth_date=day, cnic="1560212345617", sex="f"),
        PersonRecord("c", name="Ali", birth_date=day.replace(day=2), cnic="1560212345672"),
        PersonRecord("d", name="Ali", birth_year=1990, cnic="2560212345699", district="SWT"),
        PersonRecord("e", name="", birth_year=1991, district="PEW"),
        PersonRecord("f", name="Aly", birth_year=1989, district="swt"),
    ]
    derived = [features(record) for record in records]
    pairs = list(itertools.combinations(range(len(records)), 2))
    found = batch.PairLevels(derived)([a for a, _ in pairs], [b for _, b in pairs])
    for k, (a, b) in enumerate(pairs):
        got = [
            codes[field[k]]
            for codes, field in zip(model.LEVELS.values(), found, strict=True)
            if field[k] >= 0
        ]
        assert got == levels(derived[a], derived[b]), (a, b)


def test_keys_of_a_kind_are_the_keys_of_that_kind(both):
    for records in both[:1]:
        for record in records[:500]:
            derived = features(record)
            everything = feature_keys(derived)
            for kind in ("c", "cd", "n", "ny", "fn", "fy", "jy", "jf"):
                expected = {key for key in everything if key.startswith(kind + ":")}
                assert keys_of_kind(derived, kind) == expected


def test_the_batch_scores_each_candidate_as_score_and_decide_do_on_the_second_population(
    monkeypatch,
):
    """As ``test_matching``'s check on the first population, with weights estimated on
    the records (the batch's usual path) and every pair the batch compares."""
    records, _ = synthetic_tribal.generate(3000, seed=4242)
    monkeypatch.setattr(training, "ADAPT_FROM", 1000)
    parameters = training.parameters_for(records)
    assert parameters is not model.COMMITTED
    derived = [features(record) for record in records]
    frequencies = NameFrequencies(derived, parameters)
    expected = []
    for mine, others in batch.candidates(derived, len(derived)):
        for other in others:
            value = score(mine, other, frequencies)
            decision = decide(value, mine, other)
            if decision != "none":
                expected.append((mine.record_id, other.record_id, round(value, 3), decision))
    assert len(expected) > 500
    assert list(find_pairs(records, parameters=parameters)) == expected


def test_features_read_the_derived_fields_while_they_are_known():
    records, _ = generate(50, seed=9)
    derived = [derive(record) for record in records]
    marked = [(*row[:7], "XXX") for row in derived]  # a district no record has
    with derived_known(records, marked):
        assert {features(record).district for record in records} == {"XXX"}
        # another record with the same fields is not one of them
        assert features(PersonRecord(**vars(records[0]))).district != "XXX"
    assert [features(record) for record in records] == [features(record) for record in records]
    assert "XXX" not in {features(record).district for record in records}
