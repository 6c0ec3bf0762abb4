"""The instruments Bahali ships, written for it (no proprietary instrument's items), as
data files in ``instruments/``: code → kind. A programme edits one by exporting it as an
XLSForm, changing it and importing it as its own instrument."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FOLDER = Path(__file__).parent / "instruments"
BUILTINS: dict[str, str] = {
    "screening": "screening",
    "factors": "factors",
    "needs": "needs",
    "progress": "progress",
    "community_readiness": "readiness",
    "trust_stigma": "survey",  # anonymous: no free text, no dates (prevention's rounds)
}


def builtin_definition(code: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FOLDER / f"{code}.json").read_text(encoding="utf-8"))
    return data
