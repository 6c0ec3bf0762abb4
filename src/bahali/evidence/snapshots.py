"""The indicators' figures kept for a few minutes, shown with the time they were computed
(``bahali.core.snapshots`` keeps them; its names are the evidence pages' too)."""

from __future__ import annotations

from typing import Any

from bahali.core.snapshots import AsOf, age, max_age, oldest, reach, remembered

__all__ = ["AsOf", "age", "indicator_result", "max_age", "oldest", "reach", "remembered"]


def indicator_result(item: Any, filters: Any) -> AsOf[Any]:
    """``item.compute(filters)``, kept as above (its lines and table, not the indicator)."""
    from bahali.evidence.indicators import Result

    found = remembered(
        "indicator",
        (item.code, item.version, filters),
        lambda: _parts(item.compute(filters)),
    )
    lines, total, columns, grid = found.value
    return AsOf(Result(item, lines, total, columns, grid), found.computed_at)


def _parts(result: Any) -> tuple[Any, ...]:
    return (result.lines, result.total, result.columns, result.grid)
