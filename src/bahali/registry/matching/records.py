"""The record the matcher compares, and the features it derives from it once.

Normalising a name is the expensive step; a batch of 100,000 records compares each record
with many others, so every record is reduced once to :class:`Features` (name skeletons,
CNIC digits, effective sex, birth year) and comparisons only read those.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from bahali.registry.matching.normalise import is_arabic_script, normalise_name, split_father
from bahali.registry.matching.phonetic import token_key


@dataclass(frozen=True)
class PersonRecord:
    """One registration of a person, as an organisation wrote it down."""

    record_id: str
    name: str = ""
    name_native: str = ""
    father_name: str = ""
    father_name_native: str = ""
    sex: str = ""  # "m", "f" or "" when not recorded
    birth_year: int | None = None
    birth_date: datetime.date | None = None
    cnic: str = ""  # 13 digits, with or without dashes (12345-1234567-1)
    district: str = ""  # district code, e.g. "SWT"


# Tokens too common to tell people apart on their own, left out of "core" names: a record
# written "Muhammad Ali Khan" and another "Ali" should still meet.
FILLER_KEYS = frozenset(token_key(token) for token in ("muhammad", "khan", "bibi", "begum"))


@dataclass(frozen=True, slots=True)
class NameForms:
    """A name as the matcher sees it, whichever scripts it was written in.

    ``canonical`` holds the Latin canonical tokens when a Latin form exists; ``keys`` holds
    one tuple of consonant skeletons per script written (one when both scripts agree).
    ``signature`` identifies the name for caching comparisons.
    """

    canonical: tuple[str, ...]
    keys: tuple[tuple[str, ...], ...]
    signature: str
    core_key: str  # the first script's core tokens, sorted: what name frequencies count
    sorted_canonical: tuple[str, ...]
    shapes: tuple[Shape, ...]  # one per key, what name comparison reads


@dataclass(frozen=True, slots=True)
class Shape:
    """One skeleton rendering of a name, pre-arranged for the comparisons of compare.py.

    ``trimmed`` leaves out a leading Muhammad and any later Bibi/Begum, which registrations
    of one person add and drop freely.
    """

    ordered: tuple[str, ...]
    sorted: tuple[str, ...]
    trimmed: tuple[str, ...]
    sorted_trimmed: tuple[str, ...]
    joined_trimmed: str

    @classmethod
    def of(cls, tokens: tuple[str, ...]) -> Shape:
        trimmed = trimmed_tokens(tokens)
        return cls(tokens, tuple(sorted(tokens)), trimmed, tuple(sorted(trimmed)), "".join(trimmed))


_MUHAMMAD = token_key("muhammad")
_FEMALE_SUFFIXES = frozenset(token_key(token) for token in ("bibi", "begum"))


def trimmed_tokens(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """Skeleton tokens without a leading Muhammad and later Bibi/Begum (never emptied)."""
    start = 1 if len(tokens) > 1 and tokens[0] == _MUHAMMAD else 0
    return tokens[start : start + 1] + tuple(
        token for token in tokens[start + 1 :] if token not in _FEMALE_SUFFIXES
    )


def core_tokens(keys: tuple[str, ...]) -> tuple[str, ...]:
    """Skeleton tokens without the fillers, or all of them when nothing else is left."""
    core = tuple(key for key in keys if key not in FILLER_KEYS)
    return core or keys


_NAME_CACHE: dict[tuple[str, str], NameForms | None] = {}


def name_forms(latin: str, native: str) -> NameForms | None:
    """The :class:`NameForms` of a name given in Latin and/or native script, or None.

    Identical inputs return the same object, so comparisons can be cached by signature.
    """
    cache_key = (latin, native)
    if cache_key in _NAME_CACHE:
        return _NAME_CACHE[cache_key]
    canonical: tuple[str, ...] = ()
    keys: list[tuple[str, ...]] = []
    for text in (latin, native):
        tokens = normalise_name(text) if text else ()
        skeleton = tuple(key for key in map(token_key, tokens) if key)
        if not skeleton:
            continue
        if not canonical and not is_arabic_script(text):
            canonical = tokens
        if skeleton not in keys:
            keys.append(skeleton)
    forms = None
    if keys:
        signature = " ".join(canonical) + "|" + "|".join(" ".join(k) for k in keys)
        forms = NameForms(
            canonical=canonical,
            keys=tuple(keys),
            signature=signature,
            core_key=" ".join(sorted(core_tokens(keys[0]))),
            sorted_canonical=tuple(sorted(canonical)),
            shapes=tuple(Shape.of(key) for key in keys),
        )
    if len(_NAME_CACHE) > 500_000:
        _NAME_CACHE.clear()
    _NAME_CACHE[cache_key] = forms
    return forms


_NOT_DIGIT = re.compile(r"\D")


def cnic_digits(cnic: str) -> str:
    """The 13 digits of a CNIC, or "" when it does not have exactly 13."""
    digits = _NOT_DIGIT.sub("", cnic)
    return digits if len(digits) == 13 else ""


@dataclass(frozen=True, slots=True)
class Features:
    """Everything a comparison or a blocking key needs, derived once per record."""

    record_id: str
    name: NameForms | None
    father: NameForms | None
    sex: str
    birth_year: int | None
    birth_date: datetime.date | None
    cnic: str
    district: str


def features(record: PersonRecord) -> Features:
    """Derive a record's :class:`Features`.

    A father written inside the name ("X s/o Y") is used when the father field is empty.
    The sex comes from the record, or else from the CNIC's last digit (odd for men).
    """
    name, father_in_name = split_father(record.name)
    native, father_in_native = split_father(record.name_native)
    cnic = cnic_digits(record.cnic)
    sex = record.sex.strip().lower()[:1]
    if sex not in ("m", "f"):
        sex = ("m" if int(cnic[-1]) % 2 else "f") if cnic else ""
    birth_year = record.birth_year
    if birth_year is None and record.birth_date is not None:
        birth_year = record.birth_date.year
    return Features(
        record_id=record.record_id,
        name=name_forms(name, native),
        father=name_forms(
            record.father_name or father_in_name, record.father_name_native or father_in_native
        ),
        sex=sex,
        birth_year=birth_year,
        birth_date=record.birth_date,
        cnic=cnic,
        district=record.district.strip().upper(),
    )
