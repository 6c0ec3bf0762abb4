"""Comparing two records: how far each field agrees, and the Fellegi–Sunter score.

Each field is reduced to an agreement level (for the name: exact, variant, partial,
different); each level carries a weight ``log2(m/u)`` from :mod:`.model`, where ``m`` is how
often two registrations of the same person show that level and ``u`` how often two different
people do. The score is the sum of the weights of the fields both records have; a missing
field says nothing and adds nothing. The levels double as the stable reason codes shown to
whoever reviews a pair.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Literal

from rapidfuzz.distance import Levenshtein

from bahali.registry.matching import model
from bahali.registry.matching.records import Features, NameForms, PersonRecord, Shape, features

Decision = Literal["match", "review", "none"]


@dataclass(frozen=True)
class Reason:
    """One field's contribution: a stable code (e.g. ``"cnic_same"``) and its weight."""

    code: str
    weight: float


@dataclass(frozen=True)
class Comparison:
    """The verdict on a pair: the summed weight, the decision and the reasons behind it."""

    score: float
    decision: Decision
    reasons: list[Reason]


class NameFrequencies:
    """How common each name and father's name is in the records at hand.

    Two records agreeing on "Ali Khan" say much less than two agreeing on "Zabihullah
    Dawar": the weight of an exact or variant name (or father) is adjusted by
    ``log2(u / share)``, where ``share`` is how common the more common of the two names is.
    Shares are smoothed towards the average ``u`` by :data:`~.model.FREQUENCY_PRIOR`
    pseudo-records, so a small batch, whose counts mean little, is barely adjusted.

    They also carry the ``m`` and ``u`` the records are scored with (``parameters``: the
    committed table unless estimated on the records, see :func:`.training.parameters_for`),
    so that whoever scores with the same frequencies scores alike.
    """

    def __init__(
        self, records: Iterable[Features], parameters: model.Parameters | None = None
    ) -> None:
        # one pass, each record's features dropped once counted (not all held at once)
        names: list[NameForms | None] = []
        fathers: list[NameForms | None] = []
        for record in records:
            names.append(record.name)
            fathers.append(record.father)
        self._count(names, fathers, parameters)

    @classmethod
    def of_names(
        cls,
        names: Iterable[NameForms | None],
        fathers: Iterable[NameForms | None],
        parameters: model.Parameters | None = None,
    ) -> NameFrequencies:
        """The frequencies of these names and fathers' names (one of each per record)."""
        frequencies = cls.__new__(cls)
        frequencies._count(names, fathers, parameters)
        return frequencies

    @classmethod
    def of_counts(
        cls,
        names: Mapping[str, int],
        fathers: Mapping[str, int],
        totals: tuple[int, int],
        parameters: model.Parameters | None = None,
    ) -> NameFrequencies:
        """Frequencies counted elsewhere: how many records have each name's core key (and
        father's), out of ``totals`` records with a name (and with a father).

        The registration check counts the registry's keys this way without opening a name.
        """
        frequencies = cls.__new__(cls)
        frequencies._count((), (), parameters)
        frequencies.counts = {"name": Counter(names), "father": Counter(fathers)}
        frequencies.totals = {"name": totals[0], "father": totals[1]}
        return frequencies

    def _count(
        self,
        names: Iterable[NameForms | None],
        fathers: Iterable[NameForms | None],
        parameters: model.Parameters | None,
    ) -> None:
        self.parameters = parameters or model.COMMITTED
        self.weights = self.parameters.weights
        self.counts: dict[str, Counter[str]] = {
            "name": Counter(forms.core_key for forms in names if forms is not None),
            "father": Counter(forms.core_key for forms in fathers if forms is not None),
        }
        self.totals = {field: counts.total() for field, counts in self.counts.items()}
        self._adjustments: dict[tuple[str, int], float] = {}

    def adjustment(self, code: str, a: NameForms, b: NameForms) -> float:
        """The weight to add to name or father level ``code`` for these names (0 if none)."""
        field = _FREQUENCY_LEVELS.get(code)
        if field is None:
            return 0.0
        counts = self.counts[field]
        return self.adjustment_for(code, max(counts[a.core_key], counts[b.core_key]))

    def adjustment_for(self, code: str, count: int) -> float:
        """The adjustment of a name level when the more common name occurs ``count`` times."""
        cached = self._adjustments.get((code, count))
        if cached is None:
            average = self.parameters.u[code]
            prior = model.FREQUENCY_PRIOR
            share = (count + prior * average) / (self.totals[_FREQUENCY_LEVELS[code]] + prior)
            cached = max(-model.FREQUENCY_CAP, min(model.FREQUENCY_CAP, math.log2(average / share)))
            self._adjustments[(code, count)] = cached
        return cached


_FREQUENCY_LEVELS = {
    "name_exact": "name",
    "name_variant": "name",
    "father_same": "father",
    "father_variant": "father",
}


def compare(
    a: PersonRecord, b: PersonRecord, frequencies: NameFrequencies | None = None
) -> Comparison:
    """Compare two records field by field and decide: match, review or none.

    With ``frequencies`` the name and father weights are adjusted for how common the names
    are (reasons ``name_common``/``name_rare``, ``father_common``/``father_rare``), as
    :func:`~.batch.find_pairs` does.
    """
    first, second = features(a), features(b)
    codes = levels(first, second)
    weights = frequencies.weights if frequencies is not None else model.WEIGHTS
    reasons = [Reason(code, weights[code]) for code in codes]
    if frequencies is not None:
        for position, field, a_name, b_name in _names(first, second):
            adjustment = frequencies.adjustment(codes[position], a_name, b_name)
            if adjustment:
                kind = "common" if adjustment < 0 else "rare"
                reasons.append(Reason(f"{field}_{kind}", round(adjustment, 3)))
    if sibling_like(first, second):
        reasons.append(Reason("sibling_pattern", model.SIBLING_WEIGHT))
    total = round(sum(reason.weight for reason in reasons), 3)
    return Comparison(total, _decision(total, codes), reasons)


def sibling_like(a: Features, b: Features) -> bool:
    """Same father, another given name: how brothers and sisters look, not one person.

    The fathers agree (same or variant) and the names differ in more than a dropped
    trailing token: different, or sharing only the first element while both have two or
    more ("Gul Zaman" and "Gul Nawaz"), not "Ali" against "Ali Afridi".
    """
    if a.name is None or b.name is None or a.father is None or b.father is None:
        return False
    if name_agreement(a.father, b.father) > VARIANT:
        return False
    return names_differ_like_siblings(a.name, b.name)


def names_differ_like_siblings(a: NameForms, b: NameForms) -> bool:
    """The names of two siblings: DIFFERENT, or PARTIAL with two tokens or more on both sides."""
    level = name_agreement(a, b)
    if level == DIFFERENT:
        return True
    if level != PARTIAL:
        return False
    return all(len(x.trimmed) > 1 and len(y.trimmed) > 1 for x in a.shapes for y in b.shapes)


def score(a: Features, b: Features, frequencies: NameFrequencies) -> float:
    """The score of two records' features: the batch path, field for field as
    :func:`levels` and :func:`compare`, without building codes or reasons.

    Called a million times per 100,000 records, so it reads the caches directly.
    """
    weights = frequencies.weights
    total = 0.0
    name_a, name_b = a.name, b.name
    if name_a is not None and name_b is not None:
        level = _NAME_AGREEMENT.get(_pair_key(name_a, name_b))
        if level is None:
            level = name_agreement(name_a, name_b)
        code = _NAME_CODES[level]
        total += weights[code]
        if level <= VARIANT:
            counts = frequencies.counts["name"]
            count = max(counts[name_a.core_key], counts[name_b.core_key])
            total += frequencies.adjustment_for(code, count)
    father_a, father_b = a.father, b.father
    if father_a is not None and father_b is not None:
        level = _NAME_AGREEMENT.get(_pair_key(father_a, father_b))
        if level is None:
            level = name_agreement(father_a, father_b)
        code = _FATHER_CODES[level]
        total += weights[code]
        if level <= VARIANT:
            counts = frequencies.counts["father"]
            count = max(counts[father_a.core_key], counts[father_b.core_key])
            total += frequencies.adjustment_for(code, count)
    if a.cnic and b.cnic:
        total += weights["cnic_same" if a.cnic == b.cnic else _cnic_level(a.cnic, b.cnic)]
    if a.birth_year is not None and b.birth_year is not None:
        if a.birth_date is None or b.birth_date is None:
            gap = abs(a.birth_year - b.birth_year)
            total += weights[_YEAR_CODES[gap] if gap < 2 else "birth_year_different"]
        else:
            total += weights[_birth_level(a, b)]
    if a.district and b.district:
        total += weights["district_same" if a.district == b.district else "district_different"]
    if a.sex and b.sex:
        total += weights["sex_same" if a.sex == b.sex else "sex_conflict"]
    if sibling_like(a, b):
        total += model.SIBLING_WEIGHT
    return total


_YEAR_CODES = ("birth_year_same", "birth_year_off_by_one")


def _names(a: Features, b: Features) -> Iterator[tuple[int, str, NameForms, NameForms]]:
    """(position in the level codes, field, a's name, b's name) for the name and father."""
    position = 0
    if a.name is not None and b.name is not None:
        yield position, "name", a.name, b.name
        position += 1
    if a.father is not None and b.father is not None:
        yield position, "father", a.father, b.father


def decide(value: float, a: Features, b: Features) -> Decision:
    """The decision for two records' features whose :func:`score` is ``value``."""
    if value < model.REVIEW_THRESHOLD:
        return "none"
    return _decision(value, levels(a, b))


def _decision(value: float, codes: list[str]) -> Decision:
    """Thresholds of :mod:`.model`; conflicting identity documents or sexes never "match".

    Two different CNICs or a sex conflict may still be a typing error, so a pair that agrees
    on everything else goes to a person to review, but it is never merged unseen.
    """
    if value >= model.MATCH_THRESHOLD and not model.BLOCKS_MATCH.intersection(codes):
        return "match"
    if value >= model.REVIEW_THRESHOLD:
        return "review"
    return "none"


def levels(a: Features, b: Features) -> list[str]:
    """The agreement level of every field that both records have, as reason codes."""
    codes: list[str] = []
    if a.name is not None and b.name is not None:
        codes.append(_NAME_CODES[name_agreement(a.name, b.name)])
    if a.father is not None and b.father is not None:
        codes.append(_FATHER_CODES[name_agreement(a.father, b.father)])
    if a.cnic and b.cnic:
        codes.append(_cnic_level(a.cnic, b.cnic))
    if a.birth_year is not None and b.birth_year is not None:
        codes.append(_birth_level(a, b))
    if a.district and b.district:
        codes.append("district_same" if a.district == b.district else "district_different")
    if a.sex and b.sex:
        codes.append("sex_same" if a.sex == b.sex else "sex_conflict")
    return codes


_NAME_CODES = model.LEVELS["name"]
_FATHER_CODES = model.LEVELS["father"]
EXACT, VARIANT, PARTIAL, DIFFERENT = range(4)
_NAME_AGREEMENT: dict[tuple[str, str], int] = {}


def name_agreement(a: NameForms, b: NameForms) -> int:
    """How well two names agree: EXACT, VARIANT, PARTIAL or DIFFERENT.

    EXACT: the same canonical tokens in any order (the same skeletons when one name is only
    in native script, where the canonical spelling is unknown). VARIANT: the same
    skeletons; or, once a leading Muhammad and any Bibi/Begum are set aside, the same
    tokens, one name being the other with trailing tokens dropped (a family name, Khan),
    the same letters joined differently, or one token mistyped. PARTIAL: the same or
    nearly the same given name with the rest differing (including a one-token name against
    a longer one: "Ali" says little about "Ali Afridi"). Results are cached by signature.
    """
    cache_key = _pair_key(a, b)
    level = _NAME_AGREEMENT.get(cache_key)
    if level is None:
        level = name_level(a, b)
        if len(_NAME_AGREEMENT) > 1_000_000:
            _NAME_AGREEMENT.clear()
        _NAME_AGREEMENT[cache_key] = level
    return level


def name_level(a: NameForms, b: NameForms) -> int:
    """:func:`name_agreement` without its cache, for callers that keep their own."""
    if a is b:
        return EXACT
    both_latin = bool(a.canonical and b.canonical)
    if both_latin and a.sorted_canonical == b.sorted_canonical:
        return EXACT
    if len(a.shapes) == 1 == len(b.shapes):
        return _shape_agreement(a.shapes[0], b.shapes[0], both_latin)
    return min(_shape_agreement(x, y, both_latin) for x in a.shapes for y in b.shapes)


def agreement_marks(name: NameForms) -> list[tuple[int, ...]]:
    """:data:`~.records.MARKS` numbers per shape of the name, such that two names whose
    shapes have no number in the same place in common are :data:`DIFFERENT`
    (:func:`name_level`).

    A shape pair is not DIFFERENT only when it has the same tokens sorted, or trimmed and
    sorted, or trimmed and joined (their hashes: the first three marks), when it is
    :func:`joined_differently`, or when the first trimmed tokens are :func:`_similar_token`
    (a mistyped token or dropped trailing tokens imply that too). Similar tokens are
    equal, or four letters or more and one edit apart: an edit after the second letter
    leaves the first two in place, an edit before it the last two (the fourth and fifth
    marks, hashed). Joined otherwise means the same letters, letters one edit apart (six
    or more: the first two or the last two letters in place), or the shorter's letters
    beginning the longer's: the same first letter, or the same last two (the sixth and
    seventh marks; -1 without letters, as two names without letters may be joined
    otherwise). An EXACT pair (the same object, or the same Latin tokens) has Latin shapes
    with the same tokens sorted. Marks in common say nothing: the batch compares those
    names in full (:class:`~.batch._NameField`); a collision of hashes only compares one
    more pair.
    """
    return [shape.marks for shape in name.shapes]  # made once per shape: records.marks_of


def _pair_key(a: NameForms, b: NameForms) -> tuple[str, str]:
    """The cache key of a pair of names, the same in either order (agreement is symmetric)."""
    first, second = a.signature, b.signature
    return (first, second) if first <= second else (second, first)


def _shape_agreement(a: Shape, b: Shape, both_latin: bool) -> int:
    if a.sorted == b.sorted:
        return VARIANT if both_latin else EXACT
    if a.sorted_trimmed == b.sorted_trimmed or a.joined_trimmed == b.joined_trimmed:
        return VARIANT
    x, y = a.trimmed, b.trimmed
    if len(x) == len(y):
        if _one_token_mistyped(x, y):
            return VARIANT
    elif len(x) < len(y):
        if len(x) > 1 and y[: len(x)] == x:  # y is x with trailing tokens dropped
            return VARIANT
    elif len(y) > 1 and x[: len(y)] == y:
        return VARIANT
    if joined_differently(a, b):
        return VARIANT
    return PARTIAL if _similar_token(x[0], y[0]) else DIFFERENT


_LONG_LETTERS = 6  # letters from which one slip still leaves a name recognisable


def joined_differently(a: Shape, b: Shape) -> bool:
    """One name written with its words joined or split otherwise ("Ayubwali", "Ayub Wali";
    "Inam Ullahrahman", "Inamullah Rehman"), perhaps with trailing words dropped
    ("Khanzada", "Khan Zada Afridi"), or split into another number of words and one letter
    apart in six or more ("Noour Rehman Wazir", read as "Noor-ur-Rehman", and "Noor Rehman
    Wazir").

    The names' letters (:func:`~.records.letters_of`) are the same, or the shorter's are
    the longer's up to one of its word breaks, two words or more on one side. The word
    breaks must differ: names broken at the same places are compared word by word (so
    "Gul Wali" is not "Gul Ali", though their letters are the same).
    """
    if a.letters == b.letters:
        return a.breaks != b.breaks
    if (
        len(a.breaks) != len(b.breaks)
        and min(len(a.letters), len(b.letters)) >= _LONG_LETTERS
        and Levenshtein.distance(a.letters, b.letters, score_cutoff=1) <= 1
    ):
        return True  # joined otherwise and one slip ("Gulrehman Apridi", "Gul Rahman Afridi")
    if len(a.letters) > len(b.letters):
        a, b = b, a
    if not a.letters or not b.letters.startswith(a.letters):
        return False
    if len(a.letters) not in b.breaks:
        return False
    covered = b.breaks.index(len(a.letters)) + 1  # the longer name's words in the prefix
    return (covered >= 2 or bool(a.breaks)) and a.breaks != b.breaks[: covered - 1]


def _one_token_mistyped(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Equally long, and exactly one token differs, by a slip of the key."""
    differing: tuple[str, str] | None = None
    for x, y in zip(a, b, strict=True):
        if x != y:
            if differing is not None:
                return False
            differing = (x, y)
    return differing is not None and _similar_token(*differing)


def _similar_token(a: str, b: str) -> bool:
    """Equal, or long enough to judge and one consonant apart (a slip of the key).

    Edit distance rather than Jaro–Winkler: compounds share long prefixes (Abdul-) and
    suffixes (-ullah) that make different names look similar letter by letter.
    """
    if a == b:
        return True
    return min(len(a), len(b)) >= 4 and Levenshtein.distance(a, b, score_cutoff=1) <= 1


def _cnic_level(a: str, b: str) -> str:
    if a == b:
        return "cnic_same"
    differences = [i for i in range(13) if a[i] != b[i]]
    if len(differences) == 1:
        return "cnic_one_digit"
    if len(differences) == 2:
        first, second = differences
        if second == first + 1 and a[first] == b[second] and a[second] == b[first]:
            return "cnic_one_digit"  # two neighbouring digits swapped
    return "cnic_different"


def _birth_level(a: Features, b: Features) -> str:
    """Full dates when both have them, else years (callers check both have a year)."""
    if a.birth_date is not None and b.birth_date is not None:
        if a.birth_date == b.birth_date:
            return "birth_date_same"
        if a.birth_date.year == b.birth_date.year:
            return "birth_date_different"
    gap = abs((a.birth_year or 0) - (b.birth_year or 0))
    if gap == 0:
        return "birth_year_same"
    return "birth_year_off_by_one" if gap == 1 else "birth_year_different"
