"""Person matching for the participant registry: who in a batch is already someone else.

Pure Python (no Django): :func:`normalise_name` and :func:`name_key` reduce names in Latin
or Urdu/Pashto script to shared keys, :func:`blocking_keys` says which records are worth
comparing, :func:`compare` scores one pair with reasons, and :func:`find_pairs` finds the
likely duplicates in a batch, or between a batch and the registry.
"""

from bahali.registry.matching.batch import find_pairs
from bahali.registry.matching.blocking import MAX_BLOCK, blocking_keys
from bahali.registry.matching.compare import Comparison, NameFrequencies, Reason, compare
from bahali.registry.matching.normalise import normalise_name, split_father
from bahali.registry.matching.phonetic import name_key
from bahali.registry.matching.records import PersonRecord

__all__ = [
    "MAX_BLOCK",
    "Comparison",
    "NameFrequencies",
    "PersonRecord",
    "Reason",
    "blocking_keys",
    "compare",
    "find_pairs",
    "name_key",
    "normalise_name",
    "split_father",
]
