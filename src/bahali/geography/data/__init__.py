"""Pakistan's provinces and districts, shipped with the code."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

PAKISTAN_CSV = Path(__file__).with_name("pakistan.csv")


@dataclass(frozen=True)
class PlaceRow:
    kind: str
    code: str
    province_code: str
    name: str
    name_ur: str


def pakistan_rows() -> list[PlaceRow]:
    with PAKISTAN_CSV.open(encoding="utf-8", newline="") as handle:
        return [
            PlaceRow(row["kind"], row["code"], row["province_code"], row["name_en"], row["name_ur"])
            for row in csv.DictReader(handle)
        ]
