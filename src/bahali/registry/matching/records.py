"""The record the matcher compares, and the features it derives from it once.

Normalising a name is the expensive step; a batch of 100,000 records compares each record
with many others, so every record is reduced once to :class:`Features` (name skeletons,
CNIC digits, effective sex, birth year) and comparisons only read those.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

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


@dataclass(frozen=True, slots=True, eq=False)
class NameForms:
    """A name as the matcher sees it, whichever scripts it was written in.

    ``canonical`` holds the Latin canonical tokens when a Latin form exists; ``keys`` holds
    one tuple of consonant skeletons per script written (one when both scripts agree).
    ``signature`` identifies the name for caching comparisons. Built once per signature
    (see :func:`name_forms`), so compared and hashed by identity, which is cheap (two
    objects of one signature would only miss a cache, never compare differently).
    """

    canonical: tuple[str, ...]
    keys: tuple[tuple[str, ...], ...]
    signature: str
    core_key: str  # the first script's core tokens, sorted: what name frequencies count
    sorted_canonical: tuple[str, ...]
    shapes: tuple[Shape, ...]  # one per key, what name comparison reads

    def __reduce__(self) -> tuple[Callable[..., NameForms], tuple[object, ...]]:
        """Pickled as its tokens and rebuilt through the cache: the batch's worker
        processes send names to the parent, where equal names must stay one object."""
        return _forms, (self.canonical, self.keys)


@dataclass(frozen=True, slots=True)
class Shape:
    """One skeleton rendering of a name, pre-arranged for comparisons and blocking keys.

    ``trimmed`` leaves out a leading Muhammad and any later Bibi/Begum, which registrations
    of one person add and drop freely; ``core`` leaves out the fillers (see
    :func:`core_tokens`) and ``core_key`` is ``core`` sorted and joined. Many spellings share
    one skeleton, so shapes are built once per skeleton (:func:`shape_of`).
    """

    ordered: tuple[str, ...]
    sorted: tuple[str, ...]
    trimmed: tuple[str, ...]
    sorted_trimmed: tuple[str, ...]
    joined_trimmed: str
    core: tuple[str, ...]
    core_key: str
    letters: str  # see letters_of: the name's letters with its word breaks ignored
    breaks: tuple[int, ...]  # where in ``letters`` each of its words but the last ends
    marks: tuple[int, ...]  # see marks_of: shapes with no mark in common are DIFFERENT


@lru_cache(maxsize=100_000)
def shape_of(tokens: tuple[str, ...]) -> Shape:
    """The :class:`Shape` of a skeleton (the same object for equal skeletons)."""
    trimmed = trimmed_tokens(tokens)
    core = core_tokens(tokens)
    letters, breaks = letters_of(
        tokens[1:] if len(tokens) > 1 and tokens[0] == _MUHAMMAD else tokens
    )
    sorted_tokens = tuple(sorted(tokens))
    sorted_trimmed = tuple(sorted(trimmed))
    joined_trimmed = "".join(trimmed)
    return Shape(
        tokens,
        sorted_tokens,
        trimmed,
        sorted_trimmed,
        joined_trimmed,
        core,
        " ".join(sorted(core)),
        letters,
        breaks,
        marks_of(sorted_tokens, sorted_trimmed, joined_trimmed, trimmed[0], letters),
    )


MARKS = 7


def marks_of(
    sorted_tokens: tuple[str, ...],
    sorted_trimmed: tuple[str, ...],
    joined_trimmed: str,
    token: str,
    letters: str,
) -> tuple[int, ...]:
    """A shape's :data:`MARKS` numbers: two shapes with none in the same place in common
    cannot agree at all (why: :func:`~.compare.agreement_marks`). The hashes of the
    sorted tokens, of the trimmed ones sorted and joined, of the first two and the last
    two letters of the first trimmed token, the first letter of the letters and the hash
    of their last two (-1 for both without letters)."""
    return (
        hash(sorted_tokens),
        hash(sorted_trimmed),
        hash(joined_trimmed),
        hash(token[:2]),
        hash(token[-2:]),
        ord(letters[0]) if letters else -1,
        hash(letters[-2:]) if letters else -1,
    )


_WEAK_LETTERS = frozenset("WYH")


def letters_of(tokens: tuple[str, ...]) -> tuple[str, tuple[int, ...]]:
    """A name's skeleton letters as one string whatever its word breaks, and the breaks.

    Written joined or apart, one name gets different skeletons: a word's first vowel is
    kept (``A``) and a first و/w or ی/y is a consonant, which inside a joined word they are
    not ("Ayub Wali" ``AB WL``, "Ayubwali" ``ABL``; "Amin Aalam" ``AMN ALM``,
    "Aminalam" ``AMNLM``), and an h between words reads differently ("Shah Rehman",
    "Shahrehman"). So the letters leave out W, Y and H and every A but the first. A Bibi
    or Begum stays: "Gulbibi" joins it. ``breaks`` are the word ends (the offsets in the
    letters after each word but the last).
    """
    letters: list[str] = []
    breaks: list[int] = []
    length = 0
    for token in tokens:
        for letter in token:
            if letter in _WEAK_LETTERS or (letter == "A" and length):
                continue
            letters.append(letter)
            length += 1
        breaks.append(length)
    return "".join(letters), tuple(breaks[:-1])


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


@lru_cache(maxsize=500_000)
def name_forms(latin: str, native: str) -> NameForms | None:
    """The :class:`NameForms` of a name given in Latin and/or native script, or None.

    Names with one signature are one object (as long as the cache holds them), so
    comparisons can be cached by it or by the object.
    """
    canonical: tuple[str, ...] = ()
    keys: list[tuple[str, ...]] = []
    for text in (latin, native):
        if not text:
            continue
        latin_tokens, skeleton = _written(text)
        if not skeleton:
            continue
        if not canonical:
            canonical = latin_tokens
        if skeleton not in keys:
            keys.append(skeleton)
    return _forms(canonical, tuple(keys)) if keys else None


@lru_cache(maxsize=200_000)
def _forms(canonical: tuple[str, ...], keys: tuple[tuple[str, ...], ...]) -> NameForms:
    """Built once per signature: a third as many as the ways of writing them."""
    shapes = tuple(map(shape_of, keys))
    return NameForms(
        canonical=canonical,
        keys=keys,
        signature=" ".join(canonical) + "|" + "|".join(" ".join(key) for key in keys),
        core_key=shapes[0].core_key,
        sorted_canonical=tuple(sorted(canonical)),
        shapes=shapes,
    )


@lru_cache(maxsize=200_000)
def _written(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """One written name: its canonical tokens (empty unless in Latin script) and skeleton.

    Cached apart from :func:`name_forms`: the same Latin name comes with many native
    spellings and the other way round.
    """
    tokens = normalise_name(text)
    skeleton = tuple(filter(None, map(token_key, tokens)))
    latin = text.isascii() or not is_arabic_script(text)
    return (tokens if latin else ()), skeleton


_NOT_DIGIT = re.compile(r"\D")


def cnic_digits(cnic: str) -> str:
    """The 13 digits of a CNIC, or "" when it does not have exactly 13."""
    if not cnic or (len(cnic) == 13 and cnic.isdecimal() and cnic.isascii()):
        return cnic
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
    Read from what :func:`derived_known` holds when it holds the record.
    """
    known = _KNOWN.get(id(record))
    if known is not None and known[0] is record:
        return Features(*known[1])
    return Features(*derive(record))


# Records already derived, by identity (see derived_known), with their fields.
_KNOWN: dict[int, tuple[PersonRecord, Derived]] = {}


@contextmanager
def derived_known(records: Sequence[PersonRecord], derived: Sequence[Derived]) -> Iterator[None]:
    """Let :func:`features` read these records' fields, already derived (``derived[i]`` is
    ``derive(records[i])``), instead of deriving them again, while the block runs.

    The batch derives every record once; estimating ``m`` and ``u`` on a sample of the
    same records (:func:`.training.parameters_for`) then reads them instead of normalising
    their names again. Kept by identity: the records must stay alive meanwhile (each entry
    holds its record, so its identity cannot be another's).
    """
    _KNOWN.update(zip(map(id, records), zip(records, derived, strict=True), strict=True))
    try:
        yield
    finally:
        _KNOWN.clear()


Derived = tuple[
    str, NameForms | None, NameForms | None, str, int | None, datetime.date | None, str, str
]


def derive(record: PersonRecord) -> Derived:
    """The fields of :class:`Features`, in order, as a plain tuple (what the batch reads)."""
    name, father_in_name, father_in_native = _name_and_father(record.name, record.name_native)
    cnic = cnic_digits(record.cnic)
    sex = _SEXES.get(record.sex)
    if sex is None:
        sex = record.sex.strip().lower()[:1]
        if sex not in ("m", "f"):
            sex = ("m" if int(cnic[-1]) % 2 else "f") if cnic else ""
    birth_date = record.birth_date
    birth_year = record.birth_year
    if birth_year is None and birth_date is not None:
        birth_year = birth_date.year
    father = name_forms(
        record.father_name or father_in_name, record.father_name_native or father_in_native
    )
    district = _district(record.district)
    return (record.record_id, name, father, sex, birth_year, birth_date, cnic, district)


@lru_cache(maxsize=10_000)
def _district(code: str) -> str:
    """A district code as compared: trimmed, upper case, one string object per code."""
    return code.strip().upper()


_SEXES = {"m": "m", "f": "f"}


@lru_cache(maxsize=200_000)
def _name_and_father(latin: str, native: str) -> tuple[NameForms | None, str, str]:
    """The name's forms and any father written inside it (Latin, native): "X s/o Y"."""
    name, father_in_name = split_father(latin)
    native_name, father_in_native = split_father(native)
    return name_forms(name, native_name), father_in_name, father_in_native
