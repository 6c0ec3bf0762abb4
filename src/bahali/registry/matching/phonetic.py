"""Consonant skeletons: one key for a name token whether written in Latin or Urdu script.

Arabic script mostly leaves short vowels unwritten, and Latin transliterations disagree
about vowels (Rehman/Rahman, Yousaf/Yusuf), so both scripts are reduced to their consonants.
Long vowels (ا و ی, and ع mid-word) are as ambiguous as Latin vowels and are dropped too,
except at the start of a token, where any vowel becomes ``A`` (so Ahmad ``AHMD`` differs
from Hamid ``HMD``) and an initial و/w or ی/y stays a consonant. Letters that Urdu tells
apart but transliterations fold together share a symbol (س ص ث = S; ز ذ ض ظ = Z; ک ق = K;
ت ٹ ط = T); the few distinctions Latin spelling keeps reliably get their own symbol: خ/kh
``X``, ش/sh ``Q``, چ/ch ``C``, غ گ/g gh ``G``. Doubled letters collapse, and a final ``H`` is
dropped because Urdu ends many names with a silent ہ (فاطمہ, Fatima).

Examples: Muhammad/Mohd/محمد → ``MHMD``; Rahmatullah/رحمت اللہ → ``RHMTL``.
"""

from __future__ import annotations

from functools import lru_cache

from bahali.registry.matching.normalise import normalise_name

_LATIN_DIGRAPHS = {
    "kh": "X",
    "gh": "G",
    "sh": "Q",
    "ch": "C",
    "th": "T",
    "dh": "D",
    "ph": "F",
    "bh": "B",
    "jh": "J",
    "zh": "Z",
}
_LATIN_LETTERS = {
    "b": "B",
    "c": "K",
    "d": "D",
    "f": "F",
    "g": "G",
    "h": "H",
    "j": "J",
    "k": "K",
    "l": "L",
    "m": "M",
    "n": "N",
    "p": "P",
    "q": "K",
    "r": "R",
    "s": "S",
    "t": "T",
    "x": "KS",
    "z": "Z",
}
_LATIN_VOWELS = frozenset("aeiou")
_LATIN_SEMIVOWELS = {"w": "W", "v": "W", "y": "Y"}
# Canonical spellings whose "sh"/"gh" spans two letters (اسحاق is s + h, not ش).
_LATIN_EXCEPTIONS = {"ishaq": "ASHK", "nighat": "NGHT"}

_ARABIC_LETTERS = {
    "ب": "B",
    "پ": "P",
    "ت": "T",
    "ٹ": "T",
    "ث": "S",
    "ج": "J",
    "چ": "C",
    "ح": "H",
    "خ": "X",
    "د": "D",
    "ڈ": "D",
    "ذ": "Z",
    "ر": "R",
    "ڑ": "R",
    "ز": "Z",
    "ژ": "Z",
    "س": "S",
    "ش": "Q",
    "ص": "S",
    "ض": "Z",
    "ط": "T",
    "ظ": "Z",
    "غ": "G",
    "ف": "F",
    "ق": "K",
    "ک": "K",
    "گ": "G",
    "ل": "L",
    "م": "M",
    "ن": "N",
    "ہ": "H",
}
_ARABIC_VOWELS = frozenset("اعآ")
_ARABIC_SEMIVOWELS = {"و": "W", "ی": "Y"}
_DO_CHASHMI_HE = "ھ"
# Urdu marks aspiration with ھ after these letters (بھ, کھ, ...); Latin writes an h digraph.
_ASPIRATED = frozenset("بپتٹجچدڈکگ")


@lru_cache(maxsize=100_000)
def token_key(token: str) -> str:
    """The consonant skeleton of one canonical token, Latin or Arabic script."""
    if not token:
        return ""
    symbols = _latin_symbols(token) if token[0] <= "z" else _arabic_symbols(token)
    collapsed: list[str] = []
    for symbol in "".join(symbols):
        if not collapsed or collapsed[-1] != symbol:
            collapsed.append(symbol)
    if len(collapsed) > 1 and collapsed[-1] == "H":
        collapsed.pop()
    return "".join(collapsed)


def _latin_symbols(token: str) -> list[str]:
    if token in _LATIN_EXCEPTIONS:
        return [_LATIN_EXCEPTIONS[token]]
    symbols: list[str] = []
    index = 0
    while index < len(token):
        pair = token[index : index + 2]
        letter = token[index]
        if pair in _LATIN_DIGRAPHS:
            symbols.append(_LATIN_DIGRAPHS[pair])
            index += 2
            continue
        if index == 0 and letter in _LATIN_VOWELS:
            symbols.append("A")
        elif index == 0 and letter in _LATIN_SEMIVOWELS:
            symbols.append(_LATIN_SEMIVOWELS[letter])
        elif letter in _LATIN_LETTERS:
            symbols.append(_LATIN_LETTERS[letter])
        index += 1
    return symbols


def _arabic_symbols(token: str) -> list[str]:
    symbols: list[str] = []
    for index, letter in enumerate(token):
        if letter == _DO_CHASHMI_HE:
            if index == 0 or token[index - 1] not in _ASPIRATED:
                symbols.append("H")
        elif index == 0 and letter in _ARABIC_VOWELS:
            symbols.append("A")
        elif index == 0 and letter in _ARABIC_SEMIVOWELS:
            symbols.append(_ARABIC_SEMIVOWELS[letter])
        elif letter in _ARABIC_LETTERS:
            symbols.append(_ARABIC_LETTERS[letter])
    return symbols


@lru_cache(maxsize=200_000)
def name_key(text: str) -> str:
    """The script-independent key of a whole name: token skeletons in order, space-separated.

    "Mohd Rehmatullah Khan" and "محمد رحمت اللہ خان" both give ``"MHMD RHMTL XN"``.
    """
    return " ".join(key for key in map(token_key, normalise_name(text)) if key)
