"""Words for the reasons the matcher gives, shown beside duplicate candidates."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

REASON_LABELS: dict[str, Promise] = {
    "cnic_same": _("same CNIC"),
    "cnic_one_digit": _("CNIC one digit off, or two digits swapped"),
    "cnic_different": _("different CNIC"),
    "name_exact": _("same name, allowing for spelling"),
    "name_variant": _("similar name"),
    "name_partial": _("name partly the same"),
    "name_different": _("different name"),
    "father_same": _("same father's name, allowing for spelling"),
    "father_variant": _("father's name variant"),
    "father_partial": _("father's name partly the same"),
    "father_different": _("different father's name"),
    "birth_date_same": _("same date of birth"),
    "birth_date_different": _("same birth year, different date"),
    "birth_year_same": _("same birth year"),
    "birth_year_off_by_one": _("birth year one apart"),
    "birth_year_different": _("different birth year"),
    "district_same": _("same district"),
    "district_different": _("different district"),
    "sex_same": _("same sex"),
    "sex_conflict": _("different sex"),
    # adjustments for how common the name is (batch matching)
    "name_common": _("a common name"),
    "sibling_pattern": _("same father, another given name: likely brothers or sisters"),
    "name_rare": _("a rare name"),
    "father_common": _("a common father's name"),
    "father_rare": _("a rare father's name"),
}


def reason_label(code: str) -> str:
    return str(REASON_LABELS.get(code, code.replace("_", " ")))


@dataclass(frozen=True)
class ShownReason:
    code: str
    label: str
    weight: float


def explain(reasons: list[Any]) -> list[ShownReason]:
    """The matcher's reasons in words, strongest evidence first."""
    ordered = sorted(reasons, key=lambda reason: abs(reason.weight), reverse=True)
    return [ShownReason(r.code, reason_label(r.code), r.weight) for r in ordered]
