"""Anonymous trust and stigma surveys: how answers score the measures, the sample a round
needs (Cochran), and the trust trend per community and district.

Every figure drawn from fewer respondents than the minimum (``BAHALI_SMALL_CELL``, default
5) is suppressed: not shown, not averaged into a trend, never a flag.
"""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from bahali.assessments import definition as spec
from bahali.core import suppression
from bahali.prevention.models import TRUST_MEASURES, Measure

SCORED_TYPES = {"rating", "select_one"}
# z of the two-sided confidence levels offered for planning a round
Z_SCORES = {90: 1.6449, 95: 1.9600, 99: 2.5758}
TRUST_DROP = 10.0  # a fall of this many points (of 100) between two periods is flagged


# the smallest group shown: ``BAHALI_SMALL_CELL`` (default 5), never below 3
minimum = suppression.minimum


# --- scoring --------------------------------------------------------------------------------


def scored_items(definition: dict[str, Any]) -> dict[str, tuple[str, list[str]]]:
    """Item name -> (measure, its choices low to high) for items scoring a measure."""
    found = {}
    for item in spec.items(definition):
        if item.get("type") in SCORED_TYPES and item.get("domain") in Measure.values:
            names = [c["name"] for c in spec.choices_for(definition, item)]
            if len(names) >= 2:
                found[item["name"]] = (item["domain"], names)
    return found


def score(definition: dict[str, Any], answers: dict[str, Any]) -> dict[str, float]:
    """Each measure's score of one response, 0–100: the mean over its answered items of the
    answer's place on the item's scale (the first choice 0, the last 100)."""
    sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])
    for name, (measure, choices) in scored_items(definition).items():
        value = answers.get(name)
        if value in choices:
            sums[measure][0] += 100 * choices.index(value) / (len(choices) - 1)
            sums[measure][1] += 1
    return {m: round(total / n, 2) for m, (total, n) in sums.items() if n}


def add_to_tallies(tallies: dict[str, list[float]], scores: dict[str, float]) -> None:
    for measure, value in scores.items():
        held = tallies.setdefault(measure, [0.0, 0])
        held[0] = round(held[0] + value, 2)
        held[1] += 1


# --- the sample a round needs -------------------------------------------------------------


def sample_size(
    confidence: int, margin: float, population: int | None = None, proportion: float = 0.5
) -> int:
    """Cochran's sample size for a proportion: n0 = z² p (1 - p) / e², with the finite
    population correction n = n0 / (1 + (n0 - 1) / N) when the population N is given;
    rounded up. ``margin`` is a fraction (0.05 for ±5 %); p = 0.5 is the safest guess."""
    if confidence not in Z_SCORES:
        raise ValueError("confidence")
    if not 0 < margin < 1 or not 0 < proportion < 1:
        raise ValueError("margin")
    z = Z_SCORES[confidence]
    n0 = z * z * proportion * (1 - proportion) / (margin * margin)
    if population:
        if population < 1:
            raise ValueError("population")
        n0 = n0 / (1 + (n0 - 1) / population)
    return math.ceil(round(n0, 6))


# --- results and trends ----------------------------------------------------------------------


@dataclass
class Result:
    """A group's results: None everywhere when it has fewer respondents than the minimum."""

    respondents: int | None  # suppressed
    scores: dict[str, float | None] = field(default_factory=dict)

    @property
    def trust(self) -> float | None:
        return trust_of(self.scores)

    @property
    def shown(self) -> bool:
        return self.respondents is not None and self.respondents > 0


def trust_of(scores: dict[str, float | None]) -> float | None:
    """Trust overall: the mean of the trust measures present."""
    found = [v for m in TRUST_MEASURES if (v := scores.get(m)) is not None]
    return round(sum(found) / len(found), 1) if found else None


def result(respondents: int, tallies: dict[str, list[float]], least: int | None = None) -> Result:
    """The results of ``respondents`` answers with these running sums, suppressed under the
    minimum (each measure too, when fewer than the minimum answered it)."""
    least = minimum() if least is None else least
    if not respondents:
        return Result(0)
    if suppression.suppress_ratio(None, None, respondents, k=least).hidden:
        return Result(None)
    return Result(
        respondents,
        {
            m: suppression.suppress_ratio(
                round(total / n, 1) if n else None, None, int(n), k=least
            ).or_none()
            for m in Measure.values
            for total, n in [tallies.get(m, [0.0, 0])]
        },
    )


def merge(tallies: Iterable[dict[str, list[float]]]) -> dict[str, list[float]]:
    merged: dict[str, list[float]] = {}
    for one in tallies:
        for measure, (total, n) in one.items():
            held = merged.setdefault(measure, [0.0, 0])
            held[0] += total
            held[1] += n
    return merged


def half_year(day: datetime.date) -> str:
    return f"{day.year}-H{1 if day.month <= 6 else 2}"


@dataclass
class TrendPoint:
    period: str  # "2026-H1"
    rounds: int
    result: Result


def trends(
    rounds: Iterable[Any], key: str, least: int | None = None
) -> dict[Any, list[TrendPoint]]:
    """Per ``key`` ("community_id" or "district_id"), the trend by half-year of the rounds'
    combined results, oldest first; ``rounds`` are rows with that key, ``ends_on``,
    ``respondents`` and ``tallies`` (dicts or objects)."""
    grouped: dict[Any, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for row in rounds:
        fields: dict[str, Any] = row if isinstance(row, dict) else vars(row)
        grouped[fields[key]][half_year(fields["ends_on"])].append(
            (fields["respondents"], fields["tallies"] or {})
        )
    found = {}
    for owner, periods in grouped.items():
        found[owner] = [
            TrendPoint(
                period,
                len(held),
                result(sum(n for n, _t in held), merge(t for _n, t in held), least),
            )
            for period, held in sorted(periods.items())
        ]
    return found


def trust_fall(points: list[TrendPoint]) -> tuple[TrendPoint, TrendPoint] | None:
    """The last two shown periods when trust fell by ``TRUST_DROP`` points or more between
    them; suppressed periods are skipped, never compared."""
    shown = [p for p in points if p.result.trust is not None]
    if len(shown) < 2:
        return None
    before, after = shown[-2], shown[-1]
    drop = (before.result.trust or 0.0) - (after.result.trust or 0.0)
    return (before, after) if drop >= TRUST_DROP else None
