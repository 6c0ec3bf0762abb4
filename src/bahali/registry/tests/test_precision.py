"""Sibling-aware comparison and the second, untuned population (issue 20, item 4)."""

from bahali.registry import synthetic_tribal
from bahali.registry.matching import (
    PersonRecord,
    blocking_keys,
    compare,
    find_pairs,
    model,
    training,
)
from bahali.registry.matching.records import features


def brothers() -> tuple[PersonRecord, PersonRecord]:
    return (
        PersonRecord(
            "a",
            name="Gul Zaman Afridi",
            father_name="Sher Rehman Afridi",
            sex="m",
            birth_year=1995,
            district="KHY",
        ),
        PersonRecord(
            "b",
            name="Gul Nawaz Afridi",
            father_name="Sher Rahman Afridi",
            sex="m",
            birth_year=1996,
            district="KHY",
        ),
    )


def test_brothers_sharing_father_district_and_age_are_not_merged():
    a, b = brothers()
    result = compare(a, b)
    assert "sibling_pattern" in {reason.code for reason in result.reasons}
    assert result.decision == "none"
    assert [pair for pair in find_pairs([a, b]) if pair[3] == "match"] == []


def test_one_person_with_a_dropped_family_name_is_not_taken_for_a_sibling():
    a = PersonRecord("a", name="Ali", father_name="Sher Rehman", sex="m", birth_year=1995)
    b = PersonRecord("b", name="Ali Afridi", father_name="Sher Rehman", sex="m", birth_year=1995)
    assert "sibling_pattern" not in {reason.code for reason in compare(a, b).reasons}


def test_the_second_population_is_deterministic_and_has_siblings():
    records, truth = synthetic_tribal.generate(400, seed=5)
    again, _ = synthetic_tribal.generate(400, seed=5)
    assert records == again
    assert len(records) == 400
    assert len(set(truth.values())) < 400  # people registered more than once
    people_by_father: dict[str, set[str]] = {}
    for record in records:
        if record.father_name:
            people_by_father.setdefault(record.father_name, set()).add(truth[record.record_id])
    assert max(map(len, people_by_father.values())) > 2  # brothers, cousins: one father's name


def test_a_name_written_joined_or_apart_is_one_name_and_meets_in_blocking():
    pairs = [
        ("Ayubwali", "Ayub Wali"),
        ("Gulbibi", "Gull Bibi"),
        ("Aminalam Shinwary", "Amin Aalam Shinwari"),
        ("Inam Ullahrahman", "Inamullah Rehman"),
        ("Khanzada", "Khan Zada Afridi"),
        ("Noour Rehman Wazir", "Noor Rehman Wazir"),  # the first read as Noor-ur-Rehman
        ("Muhammad Gulrehman Khan Apridi", "Mohammad Gul Rahman Khan Afridi"),
    ]
    for joined, apart in pairs:
        a = PersonRecord("a", name=joined, father_name="Taj Wazir", birth_year=1990, sex="m")
        b = PersonRecord("b", name=apart, father_name="Taj Wazir", birth_year=1990, sex="m")
        codes = {reason.code for reason in compare(a, b).reasons}
        assert "name_variant" in codes, (joined, apart)
        assert "sibling_pattern" not in codes
        shared = blocking_keys(a) & blocking_keys(b)
        # the same letters meet on a jy:/jf: key (the others: on the father's keys)
        same_letters = compare_letters(a) == compare_letters(b)
        assert {key for key in shared if key.startswith(("jy:", "jf:"))} or not same_letters
        assert shared
        assert [pair[:2] for pair in find_pairs([a, b])] == [("a", "b")]


def compare_letters(record: PersonRecord) -> str:
    forms = features(record).name
    assert forms is not None
    return forms.shapes[0].letters


def test_names_broken_at_the_same_places_are_still_compared_word_by_word():
    # Gul Wali and Gul Ali have the same letters once w and a are set aside, but they are
    # two names (brothers, here), not one written joined.
    a = PersonRecord("a", name="Gul Wali", father_name="Taj", birth_year=1990, sex="m")
    b = PersonRecord("b", name="Gul Ali", father_name="Taj", birth_year=1992, sex="m")
    codes = {reason.code for reason in compare(a, b).reasons}
    assert "name_variant" not in codes
    assert "sibling_pattern" in codes
    # a single given name against a longer one still says little ("Gul", "Gul Afridi")
    c = PersonRecord("c", name="Gul", birth_year=1990)
    d = PersonRecord("d", name="Gulzaman", birth_year=1990)
    assert "name_variant" not in {reason.code for reason in compare(c, d).reasons}


def test_a_frequent_name_needs_more_evidence_in_a_batch():
    # The same evidence (name, year, district, sex) for two pairs; one name is borne by a
    # hundred other people in the file, the other by nobody else.
    crowd = [
        PersonRecord(
            f"c{number}",
            name="Gul Afridi",
            father_name=f"Father{number} Wazir",
            birth_year=1960 + number % 40,
            district="KHY",
        )
        for number in range(100)
    ]

    def pair(name: str, prefix: str) -> list[PersonRecord]:
        return [
            PersonRecord(
                f"{prefix}{side}",
                name=name,
                birth_year=1990,
                district="KHY",
                sex="m",
            )
            for side in "ab"
        ]

    found = {
        pair[:2]: pair
        for pair in find_pairs(crowd + pair("Gul Afridi", "g") + pair("Zabihullah Dawar", "z"))
    }
    assert ("ga", "gb") not in found  # not enough to tell one Gul Afridi from another
    assert ("za", "zb") in found
    alone = {pair[:2]: pair for pair in find_pairs(pair("Gul Afridi", "g"))}
    assert ("ga", "gb") in alone  # the same two records in a file without the crowd
    assert alone[("ga", "gb")][2] > found[("za", "zb")][2] - 1


def test_m_and_u_are_estimated_on_the_records_when_there_are_enough():
    records, _ = synthetic_tribal.generate(6000, seed=17)
    parameters = training.parameters_for(records)
    assert parameters is not model.COMMITTED
    assert training.plausible(parameters)
    # seven districts and a few given names: agreeing on them says less than the table says
    assert parameters.weights["district_same"] < model.WEIGHTS["district_same"]
    assert parameters.weights["name_exact"] < model.WEIGHTS["name_exact"]
    assert training.parameters_for(records[:100]) is model.COMMITTED
    implausible = model.Parameters(model.U, model.M, "upside down")
    assert not training.plausible(implausible)
