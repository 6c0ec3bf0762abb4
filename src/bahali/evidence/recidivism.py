"""Recidivism as survival: time from the start of reintegration to the first *verified*
behavioural negative outcome, censored at the last contact.

* Start: the first move into the programme's aftercare phase (return to the community).
* Event ("disengagement first"): the first verified re-engagement with an armed group,
  violence or re-arrest on or after the start. Reconviction is reported on its own curve
  ("any verified negative outcome"), never mixed into the behavioural one.
* Censoring: the latest held check-in on or after the start, or today when none was held
  yet.

The data is one query over the stored per-case figures (``evidence.figures``: the start,
the first event and the last contact, kept current as the records change); the estimate
is :func:`bahali.evidence.survival.kaplan_meier`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any, cast

from django.db.models import F, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bahali.aftercare.models import OutcomeKind
from bahali.evidence.indicators import Filters
from bahali.evidence.survival import Curve, kaplan_meier

BEHAVIOURAL = (OutcomeKind.RE_ENGAGEMENT, OutcomeKind.VIOLENCE, OutcomeKind.RE_ARREST)
ANY_NEGATIVE = (*BEHAVIOURAL, OutcomeKind.RECONVICTION)
DAYS_PER_MONTH = 30.4375
MILESTONES = (12, 24, 36)

GROUPS = [
    ("", _("Whole caseload")),
    ("programme__model", _("Programme template")),
    ("cohort", _("Cohort year (return)")),
    ("district__code", _("District")),
    ("participant__is_juvenile", _("Juvenile or adult")),
    ("readiness", _("Receiving community's readiness at return")),
]

READINESS_LABELS = {
    "low": _("Low readiness at return"),
    "moderate": _("Moderate readiness at return"),
    "high": _("High readiness at return"),
    "none": _("Community not assessed by the return"),
}

DEFINITIONS = [
    _(
        "Start: the day the person entered the programme's aftercare phase (return to the "
        "community)."
    ),
    _(
        "Event: the first verified re-engagement with an armed group, act of violence or "
        "re-arrest on or after the start (behavioural outcomes; disengagement is the aim). "
        "Reported or disproved events do not count."
    ),
    _(
        "Censored: at the latest check-in held on or after the start, or today when no "
        "check-in has been held yet."
    ),
    _(
        "Readiness at return: the overall rating of the receiving community's latest completed "
        "readiness assessment in force on the day of return (assessments after it do not count)."
    ),
    _(
        "Estimate: Kaplan–Meier, with 95% bands from Greenwood's variance on the log-log "
        "scale; time in months of 30.44 days. Figures over fewer people than the minimum "
        "cell are not shown."
    ),
]


# the stored first event (``CaseFigures``) of each set of kinds a curve can follow
EVENT_FIELDS: dict[tuple[str, ...], str] = {
    BEHAVIOURAL: "behavioural_on",
    ANY_NEGATIVE: "negative_on",
}


# what each grouping reads beside the dates (``rows``' ``group``)
_GROUP_FIELDS: dict[str, tuple[str, ...]] = {
    "programme__model": ("template",),
    "district__code": ("district_code",),
    "participant__is_juvenile": ("juvenile",),
    "readiness": ("readiness_at_return",),
}


def rows(
    filters: Filters, kinds: tuple[str, ...] = BEHAVIOURAL, group: str | None = None
) -> list[dict[str, Any]]:
    """One row per case that reached reintegration: start, first event, last contact and
    the grouping fields (one query, over the stored per-case figures of
    ``evidence.figures``). With ``group`` (a curve's grouping, "" for none), only the field
    that grouping needs: the community's readiness at return is a subquery per case, the age
    group a join to the registry, neither worth reading for a curve that does not use it."""
    from bahali.evidence.models import CaseFigures

    event = EVENT_FIELDS[kinds]
    cases = CaseFigures.objects.filter(case__in=filters.cases())
    if filters.start:
        cases = cases.filter(returned_on__gte=filters.start)
    if filters.end:
        cases = cases.filter(returned_on__lte=filters.end)
    fields: dict[str, Any] = {
        "reintegrated_on": F("returned_on"),
        "event_on": F(event),
        "contact_on": F("last_contact_on"),
        "template": F("case__programme__model"),
        "district_code": F("case__district__code"),
        "juvenile": F("case__participant__is_juvenile"),
        "readiness_at_return": F("readiness"),
    }
    if group is not None:
        wanted = {"reintegrated_on", "event_on", "contact_on", *_GROUP_FIELDS.get(group, ())}
        fields = {name: value for name, value in fields.items() if name in wanted}
    if "readiness_at_return" in fields:
        cases = cases.annotate(readiness=_readiness_at_return())
    return cast("list[dict[str, Any]]", list(cases.order_by().values(**fields)))


def _readiness_at_return() -> Subquery:
    """The overall rating of the receiving community's latest completed readiness
    assessment in force on the day of return (a subquery per case)."""
    from bahali.assessments import services as assessing
    from bahali.assessments.models import Assessment, InstrumentKind

    return Subquery(
        assessing.effective(
            Assessment.objects.filter(
                community=OuterRef("case__receiving_community"),
                case__isnull=True,
                instrument_version__instrument__kind=InstrumentKind.READINESS,
                assessed_on__lte=OuterRef("returned_on"),
            )
        )
        .exclude(overall_rating="")
        .order_by("-assessed_on", "-completed_at", "-pk")
        .values("overall_rating")[:1]
    )


@dataclass(frozen=True)
class Group:
    key: str
    label: str
    curve: Curve


def _duration(row: dict[str, Any], today: datetime.date) -> tuple[float, bool]:
    start = row["reintegrated_on"]
    if row["event_on"] is not None:
        return (row["event_on"] - start).days / DAYS_PER_MONTH, True
    end = row["contact_on"] if row["contact_on"] and row["contact_on"] >= start else today
    return max(0, (end - start).days) / DAYS_PER_MONTH, False


def curves(filters: Filters, group: str = "", kinds: tuple[str, ...] = BEHAVIOURAL) -> list[Group]:
    today = timezone.localdate()
    found: dict[str, list[tuple[float, bool]]] = {}
    for row in rows(filters, kinds, group):
        key = _group_key(row, group)
        found.setdefault(key, []).append(_duration(row, today))
    result = []
    for key in sorted(found, key=lambda k: (_ORDER.get(k, 9), k)):
        durations = [d for d, _e in found[key]]
        observed = [e for _d, e in found[key]]
        result.append(Group(key, _group_label(group, key), kaplan_meier(durations, observed)))
    return result


_ORDER = {"low": 0, "moderate": 1, "high": 2, "none": 3}  # readiness groups in their order


def _group_key(row: dict[str, Any], group: str) -> str:
    if group == "programme__model":
        return str(row["template"])
    if group == "cohort":
        return str(row["reintegrated_on"].year)
    if group == "district__code":
        return str(row["district_code"])
    if group == "participant__is_juvenile":
        return "juvenile" if row["juvenile"] else "adult"
    if group == "readiness":
        rating = row["readiness_at_return"]
        return rating if rating in READINESS_LABELS else "none"
    return "all"


def _group_label(group: str, key: str) -> str:
    from bahali.programmes.models import ProgrammeModel

    if group == "programme__model":
        return str(dict(ProgrammeModel.choices).get(key, key))
    if group == "participant__is_juvenile":
        return str(_("Juvenile") if key == "juvenile" else _("Adult"))
    if group == "readiness":
        return str(READINESS_LABELS.get(key, key))
    if key == "all":
        return str(_("Whole caseload"))
    return key


AT_RISK_MONTHS = list(range(0, 49, 6))


def milestones(groups: list[Group], k: int) -> list[dict[str, Any]]:
    """Per group, the share with the event by 12, 24 and 36 months and its 95% band, and
    the number at risk every six months, fit to show without case access: a group or a
    month with fewer than ``k`` people (or not followed that long) is hidden, counts under
    ``k`` read "<k"."""
    from bahali.core import suppression

    found = []
    for g in groups:
        cells = []
        for month in MILESTONES:
            step = g.curve.step_at(month)
            at_risk = g.curve.at_risk_at(month)
            hidden = g.curve.subjects < k or at_risk < k or not g.curve.followed_to(month)
            cells.append(
                {
                    "month": month,
                    "hidden": hidden,
                    "rate": None if hidden else 1 - (step.survival if step else 1.0),
                    "lower": None if hidden else 1 - (step.upper if step else 1.0),
                    "upper": None if hidden else 1 - (step.lower if step else 1.0),
                }
            )
        found.append(
            {
                "key": g.key,
                "label": g.label,
                "subjects": suppression.suppress_count(g.curve.subjects, k=k),
                "events": suppression.suppress_count(g.curve.events, k=k),
                "cells": cells,
                "at_risk": [
                    suppression.suppress_count(g.curve.at_risk_at(m), k=k) for m in AT_RISK_MONTHS
                ],
            }
        )
    return found
