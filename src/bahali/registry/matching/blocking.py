"""Blocking keys: which records are worth comparing at all.

Comparing every pair of 100,000 records is five billion comparisons; comparing only records
that share a blocking key is a few hundred thousand. A key is a plain string prefixed by its
kind, deterministic, so callers can store a keyed hash of it (an HMAC) instead of the name:

- ``c:<cnic>`` and ``cd:<cnic without one digit>`` (13 of them): the same CNIC, or one
  digit mistyped or two neighbouring digits swapped (both leave a shared 12-digit string);
- ``n:<core name>``: the name's skeleton tokens without fillers (Muhammad, Khan, Bibi),
  sorted, so that order, dropped fillers and either script give the same key;
- ``ny:<core name>|<b>``: the same with one of the two-year windows ``b, b+1`` holding the
  birth year, so that a year off by one still shares a window;
- ``fn:<first core token>|<core father>``: given name and father, surviving a missing
  birth year or a dropped or misspelt family name;
- ``fy:<core father>|<b>|<initial>``: the father, the birth window and the name's first
  letter, surviving a misspelt name;
- ``jy:<letters>|<b>`` and ``jf:<letters>|<core father>``: the name's letters whatever its
  word breaks (:func:`~.records.letters_of`), with the birth window or the father, so that
  "Ayubwali" meets "Ayub Wali" and "Aminalam" "Amin Aalam", whose skeletons differ.

The district is not part of any key: one registration in ten names another district.
Blocks of a common name are large; :data:`MAX_BLOCK` is the size above which a caller
should not compare a block whole (on 100,000 synthetic records, blocks above it held no
duplicate that a smaller block did not also hold), and the size of the blocks that
estimation learns from. The batch (:mod:`.batch`) narrows even smaller blocks, to their
districts.
"""

from __future__ import annotations

from bahali.registry.matching.records import Features, NameForms, PersonRecord, features

MAX_BLOCK = 30
# The version of what :func:`blocking_keys` yields. Raise it whenever a key kind is added,
# removed or computed otherwise: the registry's stored keys were made by the scheme of their
# day, and ``bahali registry rekey`` recomputes them (2: the joined-name ``jy:``/``jf:`` keys).
KEY_SCHEME = 2


def blocking_keys(record: PersonRecord) -> set[str]:
    """The blocking keys of one record (see the module documentation for the kinds)."""
    return feature_keys(features(record))


def feature_keys(record: Features) -> set[str]:
    """The blocking keys of a record's already derived features."""
    keys = name_keys(record.name, record.father, record.birth_year)
    if record.cnic:
        keys.update(cnic_keys(record.cnic))
    return keys


def keys_of_kind(record: Features, kind: str) -> set[str]:
    """The keys of one kind (``"c"``, ``"ny"``, ...) of :func:`feature_keys`: those two made
    directly (estimation blocks on them, :mod:`.training`), the others filtered."""
    if kind == "c":
        return {"c:" + record.cnic} if record.cnic else set()
    if kind == "ny":
        year = record.birth_year
        if record.name is None or year is None:
            return set()
        return {
            f"ny:{shape.core_key}|{window}"
            for shape in record.name.shapes
            for window in (year - 1, year)
        }
    return {key for key in feature_keys(record) if key.startswith(kind + ":")}


def name_count_key(name: NameForms) -> str:
    """The ``n:`` key whose holders are counted as the name's frequency in a registry
    (:meth:`.compare.NameFrequencies.of_counts`): the key of the name's first skeleton,
    whose core is :attr:`~.records.NameForms.core_key`, what a batch counts."""
    return "n:" + name.core_key


def cnic_keys(cnic: str) -> list[str]:
    """The ``c:`` key of a 13-digit CNIC and its ``cd:`` keys (one per digit left out)."""
    return ["c:" + cnic, *deletions("cd:", cnic)]


def deletions(prefix: str, cnic: str) -> list[str]:
    """``prefix`` and the CNIC without one digit, for each of its 13 digits."""
    return [prefix + cnic[:i] + cnic[i + 1 :] for i in range(13)]


def name_keys(name: NameForms | None, father: NameForms | None, year: int | None) -> set[str]:
    """The keys from the name, the father and the birth year (all but the CNIC keys)."""
    keys: set[str] = set()
    if name is None:
        return keys
    fathers = {shape.core_key for shape in father.shapes} if father is not None else set()
    for shape in name.shapes:
        core = shape.core_key
        keys.add("n:" + core)
        if year is not None:
            keys.add(f"ny:{core}|{year - 1}")
            keys.add(f"ny:{core}|{year}")
            keys.add(f"jy:{shape.letters}|{year - 1}")
            keys.add(f"jy:{shape.letters}|{year}")
            initial = shape.ordered[0][0]
            for father_key in fathers:
                keys.add(f"fy:{father_key}|{year - 1}|{initial}")
                keys.add(f"fy:{father_key}|{year}|{initial}")
        for father_key in fathers:
            keys.add(f"fn:{shape.core[0]}|{father_key}")
            keys.add(f"jf:{shape.letters}|{father_key}")
    return keys
