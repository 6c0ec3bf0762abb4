"""The bounds every input keeps, checked once for the API, the pages and the addresses.

Values outside them used to reach the database or date arithmetic and answer 500: a NUL byte
(PostgreSQL refuses it in text), a lone surrogate (not encodable as UTF-8), a year past 9999
after adding months, an integer past 64 bits (SQLite cannot bind it). The API's base
``Schema`` (``bahali.api.schemas``), the forms' ``BootstrapForm`` and ``InputBoundsMiddleware``
all ask :func:`problem`, so every field of every form and endpoint keeps the same bounds
without a check of its own.
"""

from __future__ import annotations

import datetime
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import BadRequest
from django.utils.translation import gettext as _

FIRST_YEAR, LAST_YEAR = 1900, 2100
# Signed 64 bits: what SQLite and PostgreSQL's bigint hold.
SMALLEST_INTEGER, LARGEST_INTEGER = -(2**63), 2**63 - 1
# Multi-line text may hold these; single-line text and values in an address may not.
LINE_BREAKS = frozenset("\t\n\r")


class RefusedAddressValue(BadRequest):
    """A value in the address (path or query) out of bounds: answered 400."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


@dataclass(frozen=True)
class Years:
    """Field metadata for a date field whose years differ from 1900–2100."""

    first: int = FIRST_YEAR
    last: int = LAST_YEAR


def text_problem(text: str, *, multiline: bool = True) -> str | None:
    """Why ``text`` is refused, or None: control characters (C0, DEL, C1) and surrogates.

    Tab, newline and carriage return are allowed where the text may span lines.
    """
    for character in text:
        if multiline and character in LINE_BREAKS:
            continue
        if unicodedata.category(character) in {"Cc", "Cs"}:
            return _("Remove the control or invalid character %(character)s from this text.") % {
                "character": f"U+{ord(character):04X}"
            }
    return None


def date_problem(value: datetime.date, years: Years | None = None) -> str | None:
    years = years or Years()
    if years.first <= value.year <= years.last:
        return None
    return _("Enter a date between the years %(first)s and %(last)s.") % {
        "first": years.first,
        "last": years.last,
    }


def integer_problem(value: int) -> str | None:
    if SMALLEST_INTEGER <= value <= LARGEST_INTEGER:
        return None
    return _("Enter a whole number between %(smallest)s and %(largest)s.") % {
        "smallest": SMALLEST_INTEGER,
        "largest": LARGEST_INTEGER,
    }


def problem(value: Any, *, multiline: bool = True, years: Years | None = None) -> str | None:
    """Why a parsed input value is refused, or None; looks inside lists and dictionaries."""
    if isinstance(value, str):
        return text_problem(value, multiline=multiline)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return integer_problem(value)
    if isinstance(value, datetime.date):  # a datetime is a date too
        return date_problem(value, years)
    if isinstance(value, dict):
        value = [part for pair in value.items() for part in pair]
    if isinstance(value, list | tuple | set | frozenset):
        for item in value:
            found = problem(item, multiline=multiline, years=years)
            if found:
                return found
    return None
