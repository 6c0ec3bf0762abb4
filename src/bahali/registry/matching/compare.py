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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from rapidfuzz.distance import Levenshtein

from bahali.registry.matching import model
from bahali.registry.matching.phonetic import token_key
from bahali.registry.matching.records import Features, NameForms, PersonRecord, features

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
    """

    def __init__(self, records: Iterable[Features]) -> None:
        self.counts: dict[str, Counter[str]] = {"name": Counter(), "father": Counter()}
        for record in records:
            if record.name is not None:
                self.counts["name"][record.name.core_key] += 1
            if record.father is not None:
                self.counts["father"][record.father.core_key] += 1
        self.totals = {field: counts.total() for field, counts in self.counts.items()}

    def adjustment(self, code: str, a: NameForms, b: NameForms) -> float:
        """The weight to add to name or father level ``code`` for these names (0 if none)."""
        field = _FREQUENCY_LEVELS.get(code)
        if field is None:
            return 0.0
        average = model.U[code]
        counts = self.counts[field]
        count = max(counts[a.core_key], counts[b.core_key])
        prior = model.FREQUENCY_PRIOR
        share = (count + prior * average) / (self.totals[field] + prior)
        return max(-model.FREQUENCY_CAP, min(model.FREQUENCY_CAP, math.log2(average / share)))


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
    reasons = [Reason(code, model.WEIGHTS[code]) for code in codes]
    if frequencies is not None:
        for field, a_name, b_name in _names(first, second):
            adjustment = frequencies.adjustment(codes[field], a_name, b_name)
            if adjustment:
                prefix = ("name", "father")[field]
                kind = "common" if adjustment < 0 else "rare"
                reasons.append(Reason(f"{prefix}_{kind}", round(adjustment, 3)))
    total = round(sum(reason.weight for reason in reasons), 3)
    return Comparison(total, _decision(total, codes), reasons)


def score(a: Features, b: Features, frequencies: NameFrequencies) -> tuple[float, list[str]]:
    """The score and level codes of two records' features (the batch path)."""
    weights = model.WEIGHTS
    codes = levels(a, b)
    value = sum(weights[code] for code in codes)
    for field, a_name, b_name in _names(a, b):
        value += frequencies.adjustment(codes[field], a_name, b_name)
    return value, codes


def _names(a: Features, b: Features) -> Iterator[tuple[int, NameForms, NameForms]]:
    """(position in the level codes, name of a, name of b) for the name and the father."""
    position = 0
    if a.name is not None and b.name is not None:
        yield position, a.name, b.name
        position += 1
    if a.father is not None and b.father is not None:
        yield position, a.father, b.father


def decide(value: float, codes: list[str]) -> Decision:
    """The decision for a pair with this score and these levels."""
    return _decision(value, codes)


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
    cache_key = (a.signature, b.signature)
    cached = _NAME_AGREEMENT.get(cache_key)
    if cached is not None:
        return cached
    if a.canonical and b.canonical and sorted(a.canonical) == sorted(b.canonical):
        level = EXACT
    else:
        both_latin = bool(a.canonical and b.canonical)
        level = min(_skeleton_agreement(x, y, both_latin) for x in a.keys for y in b.keys)
    if len(_NAME_AGREEMENT) > 1_000_000:
        _NAME_AGREEMENT.clear()
    _NAME_AGREEMENT[cache_key] = level
    return level


def _skeleton_agreement(a: tuple[str, ...], b: tuple[str, ...], both_latin: bool) -> int:
    if sorted(a) == sorted(b):
        return VARIANT if both_latin else EXACT
    trimmed_a, trimmed_b = trimmed_tokens(a), trimmed_tokens(b)
    shorter, longer = sorted((trimmed_a, trimmed_b), key=len)
    if (
        sorted(trimmed_a) == sorted(trimmed_b)
        or (len(shorter) > 1 and longer[: len(shorter)] == shorter)
        or "".join(trimmed_a) == "".join(trimmed_b)
        or _one_token_mistyped(trimmed_a, trimmed_b)
    ):
        return VARIANT
    if _similar_token(trimmed_a[0], trimmed_b[0]):
        return PARTIAL
    return DIFFERENT


_MUHAMMAD = token_key("muhammad")
_FEMALE_SUFFIXES = frozenset(token_key(token) for token in ("bibi", "begum"))


def trimmed_tokens(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """Skeleton tokens without a leading Muhammad and later Bibi/Begum (never emptied)."""
    start = 1 if len(tokens) > 1 and tokens[0] == _MUHAMMAD else 0
    trimmed = tokens[start : start + 1] + tuple(
        token for token in tokens[start + 1 :] if token not in _FEMALE_SUFFIXES
    )
    return trimmed


def _one_token_mistyped(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    if len(a) != len(b):
        return False
    differing = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
    return len(differing) == 1 and _similar_token(*differing[0])


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
