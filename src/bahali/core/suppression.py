"""Small-cell suppression: the one module every figure shown without case access, every
release and every export goes through, in every app (a platform module: evidence's
indicators and releases, assessments' factor distribution and caseload, intake's refusal
rates, prevention's gap analysis, advice-line counts and survey results).

*Primary* suppression hides each count below the minimum (``BAHALI_SMALL_CELL``, default 5,
never below :data:`FLOOR`; zero is shown, a small non-zero count is hidden). *Secondary*
suppression then hides further cells so that no hidden cell can be worked out from what is
shown: a table is cells plus its published totals, every row and column is an equation
("the cells add up to the total"), and after the usual rule (no line may hide exactly one
entry) the hidden entries are checked exactly, with rational Gaussian elimination: a hidden
entry that the equations pin down gets a further complement, until none is pinned down.
(The check is linear; bounds from non-negativity are not searched, as in most statistical
offices' practice for tables of this size.)

Hidden cells read "<5" (the minimum in force), never 0: :class:`Shown` prints so, and pages
render a count through the ``cell`` filter of the ``suppression`` template library
(``core/templatetags/suppression.py``). APIs whose schema says "null: suppressed" use
:func:`count_or_none`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from django.conf import settings

FLOOR = 3
DEFAULT_MINIMUM = 5


def minimum() -> int:
    """The smallest count shown: the setting ``BAHALI_SMALL_CELL`` (default 5), never below 3."""
    try:
        wanted = int(getattr(settings, "BAHALI_SMALL_CELL", DEFAULT_MINIMUM))
    except (TypeError, ValueError):
        wanted = DEFAULT_MINIMUM
    return max(FLOOR, wanted)


def hidden_label(k: int | None = None) -> str:
    return f"<{k or minimum()}"


@dataclass(frozen=True)
class Shown:
    """One published figure: its value, or hidden (``hidden`` true, the value kept only for
    the server's own arithmetic and never rendered)."""

    value: int | float | None
    hidden: bool = False
    k: int = DEFAULT_MINIMUM

    def __str__(self) -> str:
        if self.hidden:
            return hidden_label(self.k)
        if self.value is None:
            return "—"
        if isinstance(self.value, float):
            return f"{self.value:.1f}"
        return str(self.value)

    def or_none(self) -> int | float | None:
        """The value, or None when hidden (for data whose schema says "null: suppressed")."""
        return None if self.hidden else self.value

    def public(self) -> int | float | str | None:
        """What leaves the server (JSON, CSV, releases): the value, or "<5"."""
        return hidden_label(self.k) if self.hidden else self.value


def _small(value: int, k: int) -> bool:
    return 0 < value < k


@dataclass
class Grid:
    """Entries (cells and totals) and the lines that bind them: ``sum(members) == total``."""

    values: list[int]
    lines: list[tuple[list[int], int]]


def _grid(
    cells: Sequence[Sequence[int]], row_totals: bool, column_totals: bool
) -> tuple[Grid, int]:
    rows = len(cells)
    cols = len(cells[0]) if rows else 0
    values = [int(v) for row in cells for v in row]
    lines: list[tuple[list[int], int]] = []

    def at(r: int, c: int) -> int:
        return r * cols + c

    row_total_at: list[int] = []
    if row_totals:
        for r in range(rows):
            values.append(sum(cells[r]))
            row_total_at.append(len(values) - 1)
            lines.append(([at(r, c) for c in range(cols)], row_total_at[-1]))
    column_total_at: list[int] = []
    if column_totals:
        for c in range(cols):
            values.append(sum(cells[r][c] for r in range(rows)))
            column_total_at.append(len(values) - 1)
            lines.append(([at(r, c) for r in range(rows)], column_total_at[-1]))
    if row_totals and column_totals:
        values.append(sum(values[i] for i in row_total_at))
        grand = len(values) - 1
        lines.append((row_total_at, grand))
        lines.append((column_total_at, grand))
    return Grid(values, lines), rows * cols


def determined(grid: Grid, hidden: set[int]) -> set[int]:
    """The hidden entries that the published equations pin down exactly."""
    order = sorted(hidden)
    column = {entry: n for n, entry in enumerate(order)}
    matrix: list[list[Fraction]] = []
    for members, total in grid.lines:
        row = [Fraction(0)] * len(order)
        touched = False
        for entry, sign in [(m, 1) for m in members] + [(total, -1)]:
            if entry in column:
                row[column[entry]] += sign
                touched = True
        if touched:
            matrix.append(row)
    # reduced row echelon form
    pivots: list[int] = []
    rank = 0
    for col in range(len(order)):
        pivot = next((r for r in range(rank, len(matrix)) if matrix[r][col] != 0), None)
        if pivot is None:
            continue
        matrix[rank], matrix[pivot] = matrix[pivot], matrix[rank]
        lead = matrix[rank][col]
        matrix[rank] = [v / lead for v in matrix[rank]]
        for r in range(len(matrix)):
            if r != rank and matrix[r][col] != 0:
                factor = matrix[r][col]
                matrix[r] = [a - factor * b for a, b in zip(matrix[r], matrix[rank], strict=True)]
        pivots.append(col)
        rank += 1
    # an unknown is pinned down when a row of the reduced form names it alone
    found = set()
    for r in range(rank):
        nonzero = [c for c, v in enumerate(matrix[r]) if v != 0]
        if len(nonzero) == 1:
            found.add(order[nonzero[0]])
    return found


def _complement(
    grid: Grid, line: tuple[list[int], int], hidden: set[int], interior: int
) -> int | None:
    members, total = line
    candidates = [e for e in [*members, total] if e not in hidden]
    if not candidates:
        return None
    # the smallest non-zero cell first, then the line's total, zero cells last
    return min(
        candidates,
        key=lambda e: (grid.values[e] == 0, e >= interior, grid.values[e], e),
    )


def suppress_grid(grid: Grid, interior: int, k: int) -> set[int]:
    """The entries to hide: primary, then secondary until nothing hidden is recomputable."""
    hidden = {i for i, v in enumerate(grid.values) if _small(v, k)}
    while True:
        changed = False
        for line in grid.lines:
            members, total = line
            inside = [e for e in [*members, total] if e in hidden]
            if len(inside) == 1:
                extra = _complement(grid, line, hidden, interior)
                if extra is not None:
                    hidden.add(extra)
                    changed = True
        if changed:
            continue
        pinned = determined(grid, hidden) if hidden else set()
        if not pinned:
            return hidden
        entry = min(pinned)
        for line in grid.lines:
            members, total = line
            if entry in members or entry == total:
                extra = _complement(grid, line, hidden, interior)
                if extra is not None:
                    hidden.add(extra)
                    changed = True
                    break
        if not changed:  # every entry of its lines already hidden: nothing more to do
            return hidden


@dataclass
class Table:
    """A suppressed table: ``cells[r][c]``, ``row_totals[r]``, ``column_totals[c]``, ``total``
    (totals are None when the table does not publish them)."""

    cells: list[list[Shown]]
    row_totals: list[Shown] | None
    column_totals: list[Shown] | None
    total: Shown | None
    k: int

    def public(self) -> dict[str, object]:
        return {
            "cells": [[c.public() for c in row] for row in self.cells],
            "row_totals": [c.public() for c in self.row_totals] if self.row_totals else None,
            "column_totals": [c.public() for c in self.column_totals]
            if self.column_totals
            else None,
            "total": self.total.public() if self.total else None,
            "minimum": self.k,
        }


def suppress_table(
    cells: Sequence[Sequence[int]],
    *,
    row_totals: bool = True,
    column_totals: bool = True,
    k: int | None = None,
) -> Table:
    """Suppress a table of counts published with the totals asked for."""
    k = k or minimum()
    rows = len(cells)
    cols = len(cells[0]) if rows else 0
    grid, interior = _grid(cells, row_totals, column_totals)
    hidden = suppress_grid(grid, interior, k) if rows else set()

    def shown(i: int) -> Shown:
        return Shown(grid.values[i], i in hidden, k)

    shown_cells = [[shown(r * cols + c) for c in range(cols)] for r in range(rows)]
    at = interior
    shown_row_totals = None
    if row_totals:
        shown_row_totals = [shown(at + r) for r in range(rows)]
        at += rows
    shown_column_totals = None
    if column_totals:
        shown_column_totals = [shown(at + c) for c in range(cols)]
        at += cols
    grand = shown(at) if row_totals and column_totals and rows else None
    return Table(shown_cells, shown_row_totals, shown_column_totals, grand, k)


def suppress_counts(counts: Sequence[int], *, k: int | None = None) -> tuple[list[Shown], Shown]:
    """A one-way table (categories and their total): the cells and the total, suppressed."""
    table = suppress_table([[c] for c in counts], row_totals=False, column_totals=True, k=k)
    totals = table.column_totals or [Shown(sum(counts), False, table.k)]
    return [row[0] for row in table.cells], totals[0]


def suppress_count(count: int, *, k: int | None = None) -> Shown:
    """A lone count (no total published beside it)."""
    k = k or minimum()
    return Shown(count, _small(count, k), k)


def count_or_none(count: int | None, *, k: int | None = None) -> int | None:
    """A lone count as an API or a page's data carries it: None when hidden (zero is shown)."""
    if count is None:
        return None
    return None if _small(count, k or minimum()) else count


def suppress_ratio(
    value: float | None, numerator: int | None, denominator: int, *, k: int | None = None
) -> Shown:
    """A rate, mean or median over ``denominator`` people: hidden when the denominator is
    small, or when the numerator or what is left of the denominator is (a 98% of 100 says
    2 people did not)."""
    k = k or minimum()
    if denominator == 0:  # nothing to divide: no figure, and nothing to hide
        return Shown(None, False, k)
    hide = denominator < k
    if numerator is not None:
        hide = hide or _small(numerator, k) or _small(denominator - numerator, k)
    return Shown(value, hide, k)
