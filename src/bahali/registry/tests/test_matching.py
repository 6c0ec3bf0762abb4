"""Comparing, blocking and finding duplicates, measured on synthetic people."""

from __future__ import annotations

import datetime
import itertools
import random
from collections import defaultdict

import pytest

from bahali.registry.matching import (
    MAX_BLOCK,
    NameFrequencies,
    PersonRecord,
    batch,
    blocking_keys,
    compare,
    find_pairs,
    model,
)
from bahali.registry.matching.compare import decide, levels, score
from bahali.registry.matching.records import features
from bahali.registry.matching.training import estimate, suggest_thresholds
from bahali.registry.synthetic import generate

ALI = PersonRecord(
    record_id="a",
    name="Haji Muhammad Ali Khan",
    father_name="Gul Zaman",
    sex="m",
    birth_year=1990,
    cnic="15602-1234567-1",
    district="SWT",
)


def true_pairs(truth: dict[str, str]) -> set[tuple[str, str]]:
    by_person = defaultdict(list)
    for record_id, person in truth.items():
        by_person[person].append(record_id)
    return {pair for ids in by_person.values() for pair in itertools.combinations(sorted(ids), 2)}


def codes(a: PersonRecord, b: PersonRecord) -> set[str]:
    return {reason.code for reason in compare(a, b).reasons}


def test_the_same_registration_written_differently_is_a_match():
    other = PersonRecord(
        record_id="b",
        name_native="محمد علی خان",
        father_name="Gul Zamaan",
        sex="m",
        birth_year=1990,
        cnic="1560212345671",
        district="SWT",
    )
    result = compare(ALI, other)
    assert result.decision == "match"
    assert {"cnic_same", "name_exact", "father_same", "birth_year_same"} <= codes(ALI, other)
    assert result.score == pytest.approx(sum(reason.weight for reason in result.reasons), 0.01)


@pytest.mark.parametrize(
    ("cnic", "code"),
    [
        ("15602-1234567-1", "cnic_same"),
        ("15602-1234667-1", "cnic_one_digit"),
        ("15602-1243567-1", "cnic_one_digit"),  # neighbouring digits swapped
        ("15602-7654321-1", "cnic_different"),
    ],
)
def test_cnic_levels(cnic, code):
    assert code in codes(ALI, PersonRecord("b", name="Ali", cnic=cnic))


@pytest.mark.parametrize(
    ("year", "code"),
    [(1990, "birth_year_same"), (1991, "birth_year_off_by_one"), (1985, "birth_year_different")],
)
def test_birth_year_levels(year, code):
    assert code in codes(ALI, PersonRecord("b", name="Ali", birth_year=year))


def test_full_dates_are_compared_when_both_have_one():
    day = datetime.date(1990, 4, 1)
    first = PersonRecord("a", name="Ali", birth_date=day)
    assert "birth_date_same" in codes(first, PersonRecord("b", name="Ali", birth_date=day))
    other_day = PersonRecord("b", name="Ali", birth_date=datetime.date(1990, 1, 4))
    assert "birth_date_different" in codes(first, other_day)
    assert "birth_year_same" in codes(first, PersonRecord("b", name="Ali", birth_year=1990))


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Haji Mohammad Ali Khan", "name_exact"),
        ("Ali Khan", "name_variant"),  # Muhammad dropped
        ("Muhammad Ali Khan Afridi", "name_variant"),  # a family name added
        ("Ali", "name_partial"),  # one word says little about a longer name
        ("Muhammad Ali Afridi", "name_partial"),  # another family name
        ("Ali Akbar", "name_partial"),
        ("Rahmatullah", "name_different"),
    ],
)
def test_name_levels(name, code):
    assert code in codes(ALI, PersonRecord("b", name=name))


@pytest.mark.parametrize(
    ("father", "code"),
    [
        ("Gul Zamaan", "father_same"),
        ("Gul Zaman Afridi", "father_variant"),
        ("Gul Rahman", "father_partial"),
        ("Sher Ali", "father_different"),
    ],
)
def test_father_levels(father, code):
    assert code in codes(ALI, PersonRecord("b", name="Ali", father_name=father))


def test_district_and_sex():
    assert "district_same" in codes(ALI, PersonRecord("b", name="Ali", district="swt"))
    assert "district_different" in codes(ALI, PersonRecord("b", name="Ali", district="PEW"))
    assert "sex_conflict" in codes(ALI, PersonRecord("b", name="Ali", sex="f"))


def test_sex_comes_from_the_cnic_parity_when_not_recorded():
    woman = PersonRecord("b", name="Ali", cnic="15602-7654321-2")
    assert "sex_conflict" in codes(ALI, woman)


def test_missing_fields_give_no_reason():
    assert codes(ALI, PersonRecord("b", name="Ali")) == {"name_partial"}


def test_a_cnic_conflict_pushes_strongly_towards_non_match():
    same = PersonRecord(
        record_id="b",
        name="Muhammad Ali Khan",
        father_name="Gul Zaman",
        sex="m",
        birth_year=1990,
        district="SWT",
    )
    conflicting = PersonRecord(**{**same.__dict__, "cnic": "15602-7654321-1"})
    assert compare(ALI, same).decision == "match"
    result = compare(ALI, conflicting)
    assert result.decision != "match"
    assert model.WEIGHTS["cnic_different"] < -5
    assert result.score < compare(ALI, same).score - 5


def test_a_sex_conflict_is_never_a_match():
    woman = PersonRecord(**{**ALI.__dict__, "record_id": "b", "sex": "f"})
    assert compare(ALI, woman).decision != "match"
    assert model.WEIGHTS["sex_conflict"] < -8


def test_different_men_with_a_common_name_year_and_district_are_not_a_match():
    one = PersonRecord(
        "a", name="Muhammad Ali", father_name="Gul Khan", sex="m", birth_year=1995, district="SWT"
    )
    other = PersonRecord(
        "b", name="Mohd Ali", father_name="Sher Zaman", sex="m", birth_year=1995, district="SWT"
    )
    assert compare(one, other).decision != "match"


def test_name_frequencies_weigh_common_names_less_than_rare_ones():
    crowd = [PersonRecord(f"c{i}", name="Ali Khan") for i in range(3000)]
    crowd += [
        PersonRecord("r1", name="Zabihullah Dawar"),
        PersonRecord("r2", name="Zabihullah Dawar"),
    ]
    frequencies = NameFrequencies(features(record) for record in crowd)
    common = compare(crowd[0], crowd[1], frequencies)
    rare = compare(crowd[-2], crowd[-1], frequencies)
    assert "name_common" in {reason.code for reason in common.reasons}
    assert "name_rare" in {reason.code for reason in rare.reasons}
    assert rare.score > common.score + 5


def test_a_father_alone_is_adjusted_as_a_father():
    crowd = [PersonRecord(f"c{i}", father_name="Gul Khan") for i in range(3000)]
    frequencies = NameFrequencies(features(record) for record in crowd)
    result = compare(crowd[0], crowd[1], frequencies)
    assert [reason.code for reason in result.reasons] == ["father_same", "father_common"]


def test_batch_score_agrees_with_compare():
    records, _ = generate(300, seed=5)
    derived = [features(record) for record in records]
    frequencies = NameFrequencies(derived)
    rng = random.Random(1)
    for _ in range(300):
        a, b = rng.sample(range(len(records)), 2)
        expected = compare(records[a], records[b], frequencies).score
        assert score(derived[a], derived[b], frequencies) == pytest.approx(expected, abs=0.01)


def test_every_level_has_estimated_probabilities():
    every_code = {code for codes in model.LEVELS.values() for code in codes}
    assert set(model.M) == set(model.U) == set(model.WEIGHTS) == every_code
    for field_codes in model.LEVELS.values():
        assert sum(model.M[code] for code in field_codes) == pytest.approx(1, abs=1e-3)
        assert sum(model.U[code] for code in field_codes) == pytest.approx(1, abs=1e-3)
    assert model.REVIEW_THRESHOLD < model.MATCH_THRESHOLD


def test_blocking_keys_are_plain_prefixed_strings():
    keys = blocking_keys(ALI)
    assert "c:1560212345671" in keys
    assert any(key.startswith("ny:AL|") for key in keys)
    assert {key.split(":")[0] for key in keys} == {"c", "cd", "n", "ny", "fn", "fy", "jy", "jf"}
    assert blocking_keys(ALI) == keys


def test_blocking_keys_survive_typos_scripts_and_a_year_off_by_one():
    native = PersonRecord("b", name_native="محمد علی", birth_year=1991)
    assert blocking_keys(ALI) & blocking_keys(native)
    typo = PersonRecord("c", name="Someone Else", cnic="15602-1243567-1")
    assert blocking_keys(ALI) & blocking_keys(typo)


def test_blocking_recall_on_synthetic_people():
    records, truth = generate(2000, seed=11)
    keys = {record.record_id: blocking_keys(record) for record in records}
    pairs = true_pairs(truth)
    found = sum(1 for a, b in pairs if keys[a] & keys[b])
    assert found / len(pairs) >= 0.99


def test_combined_keys_keep_blocks_small_for_common_names():
    records, _ = generate(2000, seed=11)
    sizes: dict[str, int] = defaultdict(int)
    for record in records:
        for key in blocking_keys(record):
            sizes[key] += 1
    assert max(size for key, size in sizes.items() if not key.startswith("n:")) <= MAX_BLOCK
    assert max(sizes.values()) > MAX_BLOCK  # a common name alone: narrowed by the batch


def test_precision_and_recall_on_synthetic_people():
    records, truth = generate(5000, seed=23)
    expected = true_pairs(truth)
    found = {tuple(sorted((a, b))): decision for a, b, _, decision in find_pairs(records)}
    correct = [pair for pair in found if pair in expected]
    matches = [pair for pair, decision in found.items() if decision == "match"]
    assert len(correct) / len(found) >= 0.97
    assert len(correct) / len(expected) >= 0.95
    assert sum(pair in expected for pair in matches) / len(matches) >= 0.99


def test_find_pairs_scores_the_blocked_pairs_as_score_and_decide_do():
    records, _ = generate(1500, seed=41)
    derived = [features(record) for record in records]
    frequencies = NameFrequencies(derived)
    blocks = defaultdict(list)
    for index, record in enumerate(records):
        for key in blocking_keys(record):
            blocks[key].append(index)
    candidates = set()
    for members in blocks.values():
        by_district = defaultdict(list)
        for index in members:
            by_district[derived[index].district].append(index)
        # a big block is compared within its districts (none here lacks a district)
        parts = [members] if len(members) <= batch.WHOLE_BLOCK else by_district.values()
        for part in parts:
            if len(part) <= batch.WHOLE_BLOCK:
                candidates.update(itertools.combinations(part, 2))
    expected = set()
    for a, b in candidates:
        value = score(derived[a], derived[b], frequencies)
        decision = decide(value, derived[a], derived[b])
        if decision != "none":
            expected.add((records[a].record_id, records[b].record_id, round(value, 3), decision))
    assert expected
    assert set(find_pairs(records)) == expected


def test_a_big_block_is_compared_within_its_districts():
    namesakes = [
        PersonRecord(f"r{i}", name="Ali Khan", birth_year=1990, district=district)
        for i, district in enumerate(["SWT"] * 6 + ["PEW"] * 5 + [""])
    ]
    derived = [features(record) for record in namesakes]
    blocks = batch.candidate_blocks(derived, len(derived))
    candidates = [set(batch.later_candidates(i, blocks[i])) for i in range(len(derived))]
    assert candidates[0] == {1, 2, 3, 4, 5, 11}  # Swat, and the one without a district
    assert candidates[6] == {7, 8, 9, 10, 11}  # Peshawar, and the one without a district


def test_find_pairs_with_the_estimate_in_a_forked_process_gives_the_same_pairs(monkeypatch):
    records, _ = generate(1500, seed=43)
    alone = list(find_pairs(records))
    monkeypatch.setattr(batch, "PARALLEL_FROM", 0)
    deferred = model.Deferred(lambda: model.COMMITTED)
    assert list(find_pairs(records, parameters=deferred)) == alone
    assert deferred.value is not None  # computed (in the forked process), kept here


def test_parameters_estimated_alongside_deriving_score_as_if_estimated_first(monkeypatch):
    """``model.Deferred``: estimated in a forked process while the records are derived
    (several workers) or here first (one), the same parameters and the same pairs."""
    from functools import partial

    from bahali.registry.matching import model, training
    from bahali.registry.matching.training import parameters_for

    records, _ = generate(3000, seed=47)
    monkeypatch.setattr(training, "ADAPT_FROM", 1000)
    first = parameters_for(records)
    assert first is not model.COMMITTED
    expected = list(find_pairs(records, parameters=first))
    alone = model.Deferred(partial(parameters_for, records))
    assert list(find_pairs(records, parameters=alone)) == expected
    monkeypatch.setattr(batch, "PARALLEL_FROM", 0)
    forked = model.Deferred(partial(parameters_for, records))
    assert list(find_pairs(records, parameters=forked)) == expected
    assert forked.get().weights == first.weights


def test_find_pairs_against_other_records_and_reports_progress():
    records, _ = generate(300, seed=3)
    batch, registry = records[:100], records[100:]
    calls = []
    pairs = list(find_pairs(batch, against=registry, progress=lambda *c: calls.append(c)))
    batch_ids = {record.record_id for record in batch}
    assert pairs
    assert all(a in batch_ids for a, _, _, _ in pairs)
    assert any(b not in batch_ids for _, b, _, _ in pairs)
    assert calls[-1] == (100, 100)
    assert all(decision in ("match", "review") for *_, decision in pairs)
    assert pairs == list(find_pairs(batch, against=registry))


def test_estimation_recovers_sensible_parameters():
    records, _ = generate(1500, seed=31)
    result = estimate(records, random_pairs=20_000, seed=1)
    assert result.m["cnic_same"] > 0.8
    assert result.m["name_exact"] > result.u["name_exact"] * 100
    assert result.m["father_different"] < 0.1 < result.u["father_different"]
    assert result.m["sex_conflict"] < 0.01


def test_suggested_thresholds_reach_the_asked_precision():
    scored = [(30.0, True), (25.0, True), (20.0, False), (18.0, True), (10.0, False)]
    match, review = suggest_thresholds(scored, match_precision=1.0, review_precision=0.75)
    assert match == 25.0
    assert review == 18.0


def test_levels_and_score_ignore_records_without_a_name():
    nameless = features(PersonRecord("x", cnic="15602-1234567-1"))
    other = features(ALI)
    assert levels(nameless, other) == ["cnic_same", "sex_same"]
