"""The synthetic people: deterministic, plausible, and duplicated with known truth."""

from __future__ import annotations

import re
from collections import Counter

from bahali.geography.data import pakistan_rows
from bahali.registry.matching.records import cnic_digits
from bahali.registry.synthetic import DISTRICT_CODES, generate


def test_the_same_seed_gives_the_same_records():
    assert generate(200, seed=4) == generate(200, seed=4)
    assert generate(200, seed=4) != generate(200, seed=5)


def test_about_two_records_per_person_and_the_truth_for_each():
    records, truth = generate(3000, seed=1)
    assert 5400 < len(records) < 6600
    assert set(truth) == {record.record_id for record in records}
    assert len(set(truth.values())) == 3000
    assert len({record.record_id for record in records}) == len(records)


def test_fewer_duplicates_at_a_lower_rate():
    records, _ = generate(1000, duplicate_rate=0.2, seed=1)
    assert len(records) < 1300


def test_districts_exist_and_lean_towards_khyber_pakhtunkhwa():
    known = {row.code for row in pakistan_rows() if row.kind == "district"}
    assert set(DISTRICT_CODES) <= known
    records, _ = generate(2000, seed=2)
    kp = {
        row.code for row in pakistan_rows() if row.kind == "district" and row.province_code == "KP"
    }
    share = sum(record.district in kp for record in records) / len(records)
    assert share > 0.6


def test_cnics_follow_the_sex_parity_rule_but_for_typos():
    records, _ = generate(2000, seed=3)
    written = [(cnic_digits(r.cnic), r.sex) for r in records if r.cnic and r.sex]
    following = sum((int(cnic[-1]) % 2 == 1) == (sex == "m") for cnic, sex in written)
    assert following / len(written) > 0.98
    assert 0.4 < sum(bool(record.cnic) for record in records) / len(records) < 0.7


def test_names_come_in_latin_and_native_script_with_both_sexes():
    records, _ = generate(2000, seed=6)
    arabic = re.compile(r"[\u0600-\u06ff]")
    assert sum(bool(record.name) for record in records) / len(records) > 0.75
    assert all(arabic.search(record.name_native) for record in records if record.name_native)
    assert any(not record.name for record in records)
    sexes = Counter(record.sex for record in records)
    assert sexes["m"] > sexes["f"] > 0.05 * len(records)


def test_many_different_people_share_common_names():
    records, truth = generate(5000, seed=8)
    people_by_name: dict[str, set[str]] = {}
    for record in records:
        if record.name:
            people_by_name.setdefault(record.name.lower(), set()).add(truth[record.record_id])
    assert max(len(people) for people in people_by_name.values()) >= 10
