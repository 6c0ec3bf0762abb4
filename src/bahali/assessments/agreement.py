"""Agreement between two assessors on ordinal ratings: the share of exact agreement and
Cohen's weighted kappa with linear weights (a one-step disagreement, low against moderate,
counts half of a two-step one, low against high).

kappa_w = 1 - sum(w_ij * o_ij) / sum(w_ij * e_ij), where o are the observed proportions,
e the proportions expected by chance from each assessor's own distribution, and
w_ij = |i - j| / (k - 1). It is undefined (None) when chance alone predicts no
disagreement, e.g. both assessors always gave the same single rating.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

LEVELS = ("low", "moderate", "high")


@dataclass(frozen=True)
class Agreement:
    pairs: int
    exact: int
    kappa: float | None

    @property
    def percent(self) -> int | None:
        """Exact agreement in percent (None without pairs)."""
        return round(100 * self.exact / self.pairs) if self.pairs else None


def weighted_kappa(
    pairs: Sequence[tuple[str, str]], levels: Sequence[str] = LEVELS
) -> float | None:
    """Cohen's weighted kappa (linear weights) of rating pairs on the ordinal ``levels``;
    pairs with a rating outside them are left out."""
    index = {level: i for i, level in enumerate(levels)}
    usable = [(index[a], index[b]) for a, b in pairs if a in index and b in index]
    k, n = len(levels), len(usable)
    if n == 0 or k < 2:
        return None
    observed = [[0.0] * k for _ in range(k)]
    for a, b in usable:
        observed[a][b] += 1 / n
    rows = [sum(observed[i]) for i in range(k)]
    cols = [sum(observed[i][j] for i in range(k)) for j in range(k)]

    def weight(i: int, j: int) -> float:
        return abs(i - j) / (k - 1)

    seen = sum(weight(i, j) * observed[i][j] for i in range(k) for j in range(k))
    chance = sum(weight(i, j) * rows[i] * cols[j] for i in range(k) for j in range(k))
    if chance == 0:
        return None
    return 1 - seen / chance


def agreement(pairs: Sequence[tuple[str, str]], levels: Sequence[str] = LEVELS) -> Agreement:
    usable = [(a, b) for a, b in pairs if a in levels and b in levels]
    return Agreement(
        pairs=len(usable),
        exact=sum(1 for a, b in usable if a == b),
        kappa=weighted_kappa(usable, levels),
    )
