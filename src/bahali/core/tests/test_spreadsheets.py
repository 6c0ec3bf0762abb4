"""Cells Bahali writes are never live formulas."""

from __future__ import annotations

import csv
import io

import pytest

from bahali.core.spreadsheets import csv_writer, safe_cell, unescape_cell


@pytest.mark.parametrize(
    "value",
    [
        '=HYPERLINK("http://evil.example","x")',
        "+1+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(A1:A2)",
        "\t=1",
        "\r=1",
        "-",
    ],
)
def test_formula_text_is_neutralised_and_comes_back(value):
    safe = safe_cell(value)
    assert safe == "'" + value
    assert unescape_cell(safe) == value


@pytest.mark.parametrize("value", ["plain", "", "-1", "+92", "-0.5", "3", 7, None, -1.5, "a=b"])
def test_harmless_values_are_untouched(value):
    assert safe_cell(value) == value


def test_the_csv_writer_neutralises_every_cell():
    stream = io.StringIO()
    writer = csv_writer(stream)
    writer.writerow(["=1+1", "ok", "@x"])
    writer.writerows([["+a", 3]])
    rows = list(csv.reader(io.StringIO(stream.getvalue())))
    assert rows == [["'=1+1", "ok", "'@x"], ["'+a", "3"]]
