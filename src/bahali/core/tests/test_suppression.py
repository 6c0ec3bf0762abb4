"""Primary and secondary suppression on tables built to leak a hidden cell through totals.

The attacker here is independent of the module: numpy's rank tells whether a hidden entry
is a linear combination of the published equations (so could be recomputed)."""

from __future__ import annotations

import random

import numpy as np
import pytest
from django.test import override_settings

from bahali.core.suppression import (
    Table,
    minimum,
    suppress_counts,
    suppress_ratio,
    suppress_table,
)


def _entries(table: Table) -> list:
    entries = [c for row in table.cells for c in row]
    entries += table.row_totals or []
    entries += table.column_totals or []
    if table.total is not None:
        entries.append(table.total)
    return entries


def recomputable(cells: list[list[int]], table: Table) -> list[int]:
    """Indices (in ``_entries`` order) of hidden entries the published totals give away."""
    rows, cols = len(cells), len(cells[0])
    entries = _entries(table)
    index = {id(e): i for i, e in enumerate(entries)}
    lines = []
    if table.row_totals:
        for r in range(rows):
            lines.append(([table.cells[r][c] for c in range(cols)], table.row_totals[r]))
    if table.column_totals:
        for c in range(cols):
            lines.append(([table.cells[r][c] for r in range(rows)], table.column_totals[c]))
    if table.total is not None and table.row_totals and table.column_totals:
        lines.append((table.row_totals, table.total))
        lines.append((table.column_totals, table.total))
    hidden = [i for i, e in enumerate(entries) if e.hidden]
    if not hidden:
        return []
    position = {h: n for n, h in enumerate(hidden)}
    matrix = []
    for members, total in lines:
        row = [0.0] * len(hidden)
        for entry, sign in [(m, 1) for m in members] + [(total, -1)]:
            i = index[id(entry)]
            if i in position:
                row[position[i]] += sign
        matrix.append(row)
    a = np.array(matrix) if matrix else np.zeros((0, len(hidden)))
    rank = np.linalg.matrix_rank(a) if len(a) else 0
    leaked = []
    for h, n in position.items():
        unit = np.zeros(len(hidden))
        unit[n] = 1
        if np.linalg.matrix_rank(np.vstack([a, unit])) == rank:
            leaked.append(h)
    return leaked


def test_minimum_defaults_to_five_and_never_below_three() -> None:
    assert minimum() == 5
    with override_settings(BAHALI_SMALL_CELL=2):
        assert minimum() == 3
    with override_settings(BAHALI_SMALL_CELL=10):
        assert minimum() == 10


def test_one_way_table_hides_a_second_cell() -> None:
    # 3 is small; without a second hidden cell, total − the rest gives it back
    cells, total = suppress_counts([3, 40, 12, 20])
    assert [c.hidden for c in cells] == [True, False, True, False]  # 12: the smallest other
    assert not total.hidden
    assert str(cells[0]) == "<5" and str(cells[2]) == "<5"


def test_zero_is_shown_and_small_never_reads_zero() -> None:
    cells, _total = suppress_counts([0, 30, 7])
    assert [str(c) for c in cells] == ["0", "30", "7"]
    cells, _total = suppress_counts([0, 1, 30])
    assert str(cells[1]) == "<5"
    assert all(str(c) != "0" for c in cells if c.hidden)


LEAKY_TABLES = [
    # one small cell in a 3×3: row and column totals each give it away
    [[2, 10, 15], [11, 9, 14], [20, 30, 8]],
    # small cells in one row only: the rectangle rule needs another row
    [[1, 3, 40], [12, 15, 11], [9, 10, 22]],
    # a small total: the row total is itself a small cell
    [[1, 1, 0], [30, 20, 25], [6, 14, 9]],
    # the classic trap: hiding the row's partner is not enough, its column leaks next
    [[4, 50, 6], [20, 0, 30], [0, 25, 40]],
    # a whole column small
    [[2, 40], [3, 35], [1, 50]],
]


@pytest.mark.parametrize("cells", LEAKY_TABLES)
def test_no_hidden_cell_can_be_recomputed_from_totals(cells: list[list[int]]) -> None:
    table = suppress_table(cells)
    # primary: every small cell and small total is hidden
    for r, row in enumerate(cells):
        for c, value in enumerate(row):
            if 0 < value < 5:
                assert table.cells[r][c].hidden, (r, c)
    assert table.row_totals is not None
    for r, row in enumerate(cells):
        if 0 < sum(row) < 5:
            assert table.row_totals[r].hidden
    assert recomputable(cells, table) == []
    # and the public form never carries a hidden value
    public = table.public()
    flat = [v for row in public["cells"] for v in row]  # type: ignore[attr-defined]
    assert "<5" in flat


def test_primary_only_would_leak() -> None:
    """The attacker really does recover a cell when only primary suppression is applied."""
    cells = LEAKY_TABLES[0]
    table = suppress_table(cells)
    from dataclasses import replace

    primary_only = Table(
        [[replace(c, hidden=0 < c.value < 5) for c in row] for row in table.cells],  # type: ignore[operator]
        [replace(c, hidden=False) for c in table.row_totals or []],
        [replace(c, hidden=False) for c in table.column_totals or []],
        replace(table.total, hidden=False) if table.total else None,
        5,
    )
    assert recomputable(cells, primary_only) == [0]


@pytest.mark.parametrize("seed", range(12))
def test_random_sparse_tables_never_leak(seed: int) -> None:
    rng = random.Random(seed)
    rows, cols = rng.randint(2, 6), rng.randint(2, 6)
    cells = [[rng.choice([0, 1, 2, 3, 4, 6, 9, 15, 40]) for _ in range(cols)] for _ in range(rows)]
    table = suppress_table(cells)
    assert recomputable(cells, table) == []
    for r in range(rows):
        for c in range(cols):
            if 0 < cells[r][c] < 5:
                assert table.cells[r][c].hidden


def test_rates_hide_small_denominators_numerators_and_complements() -> None:
    assert suppress_ratio(0.5, 2, 4).hidden  # 4 people
    assert suppress_ratio(0.02, 2, 100).hidden  # 2 people did it
    assert suppress_ratio(0.98, 98, 100).hidden  # 2 people did not
    shown = suppress_ratio(0.5, 50, 100)
    assert not shown.hidden and shown.public() == 0.5
    assert suppress_ratio(3.5, None, 4).public() == "<5"
    assert str(suppress_ratio(None, 0, 0)) == "—"  # no denominator: no figure, not "<5"
