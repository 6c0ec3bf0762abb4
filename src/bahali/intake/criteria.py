"""Eligibility criteria as data: which criteria a published version applies, what each
admits, and how a screening's answers meet them. Pure functions of a version and answers,
so the screening form, the decision and the pages read them the same way."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from bahali.intake.models import Accountability, CriteriaVersion, Involvement, SexRule

AGE = "age"
SEX = "sex"
INVOLVEMENT = "involvement"
ACCOUNTABILITY = "accountability"
VOLUNTARY = "voluntary"
RESIDENCE = "residence"

LABELS: dict[str, Any] = {
    AGE: _("Age"),
    SEX: _("Sex"),
    INVOLVEMENT: _("Level of involvement"),
    ACCOUNTABILITY: _("Criminal accountability"),
    VOLUNTARY: _("Came voluntarily"),
    RESIDENCE: _("Residence"),
}


def label(key: str) -> Any:
    return LABELS.get(key, key)


@dataclass(frozen=True)
class Criterion:
    key: str
    label: Any
    admits: str  # what the version admits, in words


def _names(choices: Any, values: list[str]) -> str:
    labels = dict(choices.choices)
    return ", ".join(str(labels.get(value, value)) for value in values)


def criteria_of(version: CriteriaVersion) -> list[Criterion]:
    """The criteria ``version`` applies, in a fixed order (those left open are not listed)."""
    found = []
    if version.min_age is not None or version.max_age is not None:
        low = version.min_age if version.min_age is not None else "—"
        high = version.max_age if version.max_age is not None else "—"
        found.append(Criterion(AGE, LABELS[AGE], f"{low}–{high}"))
    if version.sex:
        found.append(Criterion(SEX, LABELS[SEX], str(SexRule(version.sex).label)))
    if version.involvement_levels:
        found.append(
            Criterion(
                INVOLVEMENT, LABELS[INVOLVEMENT], _names(Involvement, version.involvement_levels)
            )
        )
    if version.accountability:
        found.append(
            Criterion(
                ACCOUNTABILITY,
                LABELS[ACCOUNTABILITY],
                _names(Accountability, version.accountability),
            )
        )
    if version.voluntary_required:
        found.append(Criterion(VOLUNTARY, LABELS[VOLUNTARY], str(_("required"))))
    districts = [d.local_name for d in version.residence.all()]
    if districts:
        found.append(Criterion(RESIDENCE, LABELS[RESIDENCE], ", ".join(districts)))
    return found


def evaluate(version: CriteriaVersion, answers: dict[str, Any]) -> list[dict[str, Any]]:
    """Each criterion of ``version`` with its answer and whether it is met. ``answers`` holds
    ``age`` (int or None), ``sex`` ("m"/"f"), ``involvement``, ``accountability`` (values of
    their choices), ``voluntary`` (bool) and ``residence`` (a district code). An unanswered
    criterion is not met."""
    results = []
    residence_codes = {d.code for d in version.residence.all()}
    for criterion in criteria_of(version):
        value = answers.get(criterion.key)
        if criterion.key == AGE:
            met = isinstance(value, int) and (
                (version.min_age is None or value >= version.min_age)
                and (version.max_age is None or value <= version.max_age)
            )
        elif criterion.key == SEX:
            met = value == version.sex
        elif criterion.key == INVOLVEMENT:
            met = value in version.involvement_levels
        elif criterion.key == ACCOUNTABILITY:
            met = value in version.accountability
        elif criterion.key == VOLUNTARY:
            met = value is True
        else:  # residence
            met = value in residence_codes
        results.append({"criterion": criterion.key, "answer": value, "met": bool(met)})
    return results


def answer_label(key: str, value: Any) -> str:
    """An answer as stored, in words."""
    if value is None or value == "":
        return "—"
    if key == INVOLVEMENT:
        return str(dict(Involvement.choices).get(value, value))
    if key == ACCOUNTABILITY:
        return str(dict(Accountability.choices).get(value, value))
    if key == SEX:
        return str({"m": _("Male"), "f": _("Female")}.get(value, value))
    if key == VOLUNTARY:
        return str(_("yes") if value else _("no"))
    return str(value)


@dataclass(frozen=True)
class AnswerLine:
    key: str
    label: Any
    answer: str
    met: bool


def answer_lines(stored: list[dict[str, Any]]) -> list[AnswerLine]:
    """A screening's stored answers, for a page."""
    return [
        AnswerLine(
            row["criterion"],
            label(row["criterion"]),
            answer_label(row["criterion"], row.get("answer")),
            bool(row.get("met")),
        )
        for row in stored
    ]
