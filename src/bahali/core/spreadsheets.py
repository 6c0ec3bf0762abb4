"""Cells for spreadsheets and CSV files that Bahali writes: never a live formula.

A spreadsheet program treats a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return as a formula (``=HYPERLINK(…)``, ``@SUM(…)``, DDE payloads). Every writer
passes its cells through ``safe_cell``/``safe_row``, which put an apostrophe in front of such
text: the cell shows as text, with the apostrophe visible. Plain numbers written as text
(``-1``, ``+92``) are left alone: a spreadsheet reads them as numbers, never as formulas.
Readers of our own files (the XLSForm import) take the apostrophe off again with
``unescape_cell``, so a round trip gives back what went out.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def safe_cell(value: Any) -> Any:
    """``value`` with text that a spreadsheet would run as a formula made inert."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        if _NUMBER.fullmatch(value):
            return value
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [safe_cell(value) for value in values]


def unescape_cell(value: str) -> str:
    """Undo ``safe_cell`` on text read back from a file Bahali wrote."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


class SafeWriter:
    """``csv.writer`` whose rows go through ``safe_row``."""

    def __init__(self, stream: Any, **kwargs: Any) -> None:
        self._writer = csv.writer(stream, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow(safe_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(stream: Any, **kwargs: Any) -> SafeWriter:
    """The only way Bahali writes CSV: a ``csv.writer`` that neutralises formula cells."""
    return SafeWriter(stream, **kwargs)
