"""The Fellegi–Sunter parameters of the matcher: estimated, not guessed.

For each comparison level, ``M`` is the probability of seeing it when two records are the
same person and ``U`` when they are two different people; a level's weight is
``log2(M / U)`` and a pair's score is the sum of its levels' weights (see :mod:`.compare`).

How the numbers below were obtained (``python -m bahali.registry.matching.training 50000
101``, which prints this table; see :mod:`.training`):

- data: :func:`bahali.registry.synthetic.generate` with 50,000 people and seed 101
  (100,315 records); the test suite and the benchmark use other seeds;
- ``U``: counted on 300,000 random record pairs (almost all are two different people),
  with half a pair of smoothing per level;
- ``M``: expectation–maximisation without labels, Splink-style: once on the pairs sharing
  a CNIC (for name, father, birth, district and sex) and once on the pairs sharing a name
  and birth window (for CNIC, father, district and sex), ``U`` held fixed;
- thresholds: the only use of the synthetic truth. ``MATCH_THRESHOLD`` is the lowest score
  above which 99.5% of candidate pairs are true duplicates, ``REVIEW_THRESHOLD`` the
  lowest above which 97.5% are.

Re-estimate on a real registry by running :func:`.training.estimate` on its records (no
labels needed) and choose the thresholds from a reviewed sample.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

# Every field's levels, best agreement first; the level names are the reason codes.
LEVELS: dict[str, tuple[str, ...]] = {
    "name": ("name_exact", "name_variant", "name_partial", "name_different"),
    "father": ("father_same", "father_variant", "father_partial", "father_different"),
    "cnic": ("cnic_same", "cnic_one_digit", "cnic_different"),
    "birth": (
        "birth_date_same",
        "birth_date_different",
        "birth_year_same",
        "birth_year_off_by_one",
        "birth_year_different",
    ),
    "district": ("district_same", "district_different"),
    "sex": ("sex_same", "sex_conflict"),
}
# 100315 records of 50000 people (seed 101); EM: 110 iterations, lowest match share 0.1179
M: dict[str, float] = {
    "name_exact": 0.808168,  # weight +9.96
    "name_variant": 0.105705,  # weight +6.38
    "name_partial": 0.0806113,  # weight +2.82
    "name_different": 0.00551624,  # weight -7.48
    "father_same": 0.975703,  # weight +9.16
    "father_variant": 0.00972387,  # weight +3.50
    "father_partial": 0.00040256,  # weight -5.02
    "father_different": 0.0141705,  # weight -6.12
    "cnic_same": 0.877409,  # weight +15.64
    "cnic_one_digit": 0.110377,  # weight +11.91
    "cnic_different": 0.0122142,  # weight -6.36
    "birth_date_same": 0.0848946,  # weight +12.65
    "birth_date_different": 0.0180705,  # weight +3.57
    "birth_year_same": 0.640934,  # weight +4.34
    "birth_year_off_by_one": 0.210216,  # weight +1.67
    "birth_year_different": 0.0458847,  # weight -4.29
    "district_same": 0.810101,  # weight +4.34
    "district_different": 0.189899,  # weight -2.34
    "sex_same": 0.999974,  # weight +0.44
    "sex_conflict": 2.56958e-05,  # weight -13.33
}
U: dict[str, float] = {
    "name_exact": 0.000811661,  # weight +9.96
    "name_variant": 0.00126832,  # weight +6.38
    "name_partial": 0.0114549,  # weight +2.82
    "name_different": 0.986465,  # weight -7.48
    "father_same": 0.0017043,  # weight +9.16
    "father_variant": 0.000862308,  # weight +3.50
    "father_partial": 0.0130343,  # weight -5.02
    "father_different": 0.984399,  # weight -6.12
    "cnic_same": 1.72377e-05,  # weight +15.64
    "cnic_one_digit": 2.87295e-05,  # weight +11.91
    "cnic_different": 0.999954,  # weight -6.36
    "birth_date_same": 1.32148e-05,  # weight +12.65
    "birth_date_different": 0.00152347,  # weight +3.57
    "birth_year_same": 0.0317437,  # weight +4.34
    "birth_year_off_by_one": 0.0660228,  # weight +1.67
    "birth_year_different": 0.900697,  # weight -4.29
    "district_same": 0.0398882,  # weight +4.34
    "district_different": 0.960112,  # weight -2.34
    "sex_same": 0.734725,  # weight +0.44
    "sex_conflict": 0.265275,  # weight -13.33
}
MATCH_THRESHOLD = 18.6
REVIEW_THRESHOLD = 15.0
WEIGHTS = {code: math.log2(M[code] / U[code]) for code in M}
# Levels that keep a pair out of "match" whatever its score: a person must look at it.
BLOCKS_MATCH = frozenset({"cnic_different", "sex_conflict"})
# Sibling pattern (see compare.sibling_like): the father agrees while the given names differ
# beyond a dropped token, which is how brothers and sisters look, not how one person's
# registrations do. Its weight, in bits, was chosen on bahali seed's population (seed 101,
# the estimation data): the lowest whole number that kept that population's recall, never
# on the second population (synthetic_tribal), which only reports.
SIBLING_WEIGHT = -8.0
# Name-frequency adjustment (see compare.NameFrequencies): pseudo-records of smoothing, and
# the largest adjustment either way, in bits. Chosen by hand, not estimated.
FREQUENCY_PRIOR = 2000.0
FREQUENCY_CAP = 6.0


class Parameters:
    """One set of ``m`` and ``u`` per level and the weights they give.

    :data:`COMMITTED` is the table above; :func:`.training.parameters_for` estimates a set
    on the records being matched (no labels), for a population unlike the estimation one.
    The thresholds stay those above whichever set scores.
    """

    def __init__(self, m: Mapping[str, float], u: Mapping[str, float], source: str) -> None:
        self.m = dict(m)
        self.u = dict(u)
        self.weights = {code: math.log2(self.m[code] / self.u[code]) for code in self.m}
        self.source = source  # "committed", or how the set was estimated


COMMITTED = Parameters(M, U, "committed")


class Deferred:
    """Parameters computed when first needed, once: :func:`.batch.find_pairs` computes them
    (``compute``, e.g. estimating on the records) while it derives the records, in another
    process when it may fork, and keeps them for the caller (:meth:`get`)."""

    def __init__(self, compute: Callable[[], Parameters]) -> None:
        self.compute = compute
        self.value: Parameters | None = None

    def get(self) -> Parameters:
        """The parameters, computed now unless already known."""
        if self.value is None:
            self.value = self.compute()
        return self.value
