"""Pseudonymous participant codes: ``SWT-25-00123-7`` (district, year, serial, check digit).

The check digit is Damm's algorithm over the code's digits (district letters as two-digit
numbers), which catches every single-character typo and every swap of neighbouring digits.
"""

from __future__ import annotations

import re

_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)
CODE_PATTERN = re.compile(r"^([A-Z]{3})-(\d{2})-(\d{5})-(\d)$")


def _digits(district: str, year: int, serial: int) -> str:
    letters = "".join(f"{ord(ch) - 55:02d}" for ch in district)  # A=10 … Z=35
    return f"{letters}{year:02d}{serial:05d}"


def damm(digits: str) -> int:
    interim = 0
    for digit in digits:
        interim = _DAMM[interim][int(digit)]
    return interim


def make_code(district: str, year: int, serial: int) -> str:
    if not re.fullmatch(r"[A-Z]{3}", district) or not 0 <= year <= 99 or not 0 < serial < 10**5:
        raise ValueError("district must be three capitals, year two digits, serial 1-99999")
    check = damm(_digits(district, year, serial))
    return f"{district}-{year:02d}-{serial:05d}-{check}"


def is_valid_code(code: str) -> bool:
    """Well-formed and its check digit agrees (a mistyped code is caught here)."""
    match = CODE_PATTERN.match(code.strip().upper())
    if not match:
        return False
    district, year, serial, check = match.groups()
    return damm(_digits(district, int(year), int(serial)) + check) == 0
