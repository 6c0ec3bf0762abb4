"""Community readiness: the readiness instrument (acceptance, stigma, safety, victims'
concerns, support of elders and religious leaders, support services) applied to a community
before a placement and repeated over time (DESIGN.md §3).

A readiness assessment is an ``assessments.Assessment`` of a community (no case): it is
filled in, completed, corrected and discarded through the assessments services, which
check ``community_readiness`` on its community. This module starts one, and reads the
history, the latest judgement and the ratings over time.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from bahali.accounts import policies
from bahali.accounts.models import User
from bahali.assessments import definition as spec
from bahali.assessments.models import (
    Assessment,
    AssessmentStatus,
    Band,
    Instrument,
    InstrumentKind,
)
from bahali.assessments.services import DomainSeries, SeriesPoint, effective
from bahali.core.context import SystemActor, service
from bahali.geography.models import Community

Actor = User | SystemActor
INSTRUMENT_CODE = "community_readiness"
# A rating item's three choices, lowest first, read as the chart's three levels.
LEVELS = (Band.LOW, Band.MODERATE, Band.HIGH)


def instrument() -> Instrument | None:
    """The readiness instrument in use (the built-in one)."""
    return Instrument.objects.filter(
        code=INSTRUMENT_CODE, kind=InstrumentKind.READINESS, is_active=True
    ).first()


def assessments_of(community: Community) -> Any:
    """Every readiness assessment of the community, drafts and corrections included."""
    return Assessment.objects.filter(
        community=community,
        case__isnull=True,
        instrument_version__instrument__kind=InstrumentKind.READINESS,
    )


def draft_in_progress(community: Community) -> Assessment | None:
    """A new readiness assessment of the community being filled in (not a correction)."""
    return (
        assessments_of(community)
        .filter(status=AssessmentStatus.DRAFT, corrects__isnull=True)
        .order_by("-pk")
        .first()
    )


@service
def start_readiness_assessment(
    *, actor: Actor, community: Community, assessed_on: datetime.date | None = None
) -> Assessment:
    """Start a draft readiness assessment of a community with the instrument's current
    version. One new assessment at a time: a draft in progress is resumed, not doubled."""
    policies.require(actor, "community_readiness.write", community)
    assessed_on = assessed_on or timezone.localdate()
    if assessed_on > timezone.localdate():
        raise ValidationError({"assessed_on": _("The date cannot be in the future.")})
    found = instrument()
    version = found.current_version() if found is not None else None
    if version is None:
        raise ValidationError(
            _("The community readiness instrument has no published version in use.")
        )
    if draft_in_progress(community) is not None:
        raise ValidationError(
            _("A readiness assessment of this community is already in progress: resume it.")
        )
    assessment = Assessment(
        community=community,
        instrument_version=version,
        assessor=None if isinstance(actor, SystemActor) else actor,
        assessed_on=assessed_on,
    )
    assessment.save()
    return assessment


def history(community: Community) -> list[Assessment]:
    """The completed readiness assessments in force (corrections in place of what they
    correct), newest first."""
    return list(
        effective(assessments_of(community))
        .select_related("instrument_version__instrument", "assessor")
        .order_by("-assessed_on", "-completed_at", "-pk")
    )


def latest(communities: Iterable[Community]) -> dict[int, Assessment]:
    """Each community's latest completed readiness assessment in force, in one query."""
    ids = [c.pk for c in communities]
    found: dict[int, Assessment] = {}
    rows = (
        effective(
            Assessment.objects.filter(
                community__in=ids,
                case__isnull=True,
                instrument_version__instrument__kind=InstrumentKind.READINESS,
            )
        )
        .select_related("assessor")
        .order_by("community", "-assessed_on", "-completed_at", "-pk")
    )
    for assessment in rows:
        found.setdefault(assessment.community_id, assessment)
    return found


def _rated_items(definition: dict[str, Any]) -> list[tuple[str, str, list[str]]]:
    """The instrument's three-step rating items: (name, label, choice names lowest first)."""
    rated = []
    for item in spec.items(definition):
        if item.get("type") != "rating":
            continue
        choices = [c["name"] for c in spec.choices_for(definition, item)]
        if len(choices) == len(LEVELS):
            rated.append((item["name"], spec.label(item.get("label")), choices))
    return rated


def series(assessments: list[Assessment]) -> DomainSeries:
    """The rating of each readiness item and the overall judgement of the given completed
    assessments, oldest first, in the shape the assessments chart draws."""
    ordered = sorted(assessments, key=lambda a: (a.assessed_on, a.completed_at or a.pk, a.pk))
    domains: dict[str, str] = {}
    for assessment in reversed(ordered):  # the newest definition's labels win
        for name, text, _choices in _rated_items(assessment.definition):
            domains.setdefault(name, text)
    points = []
    for assessment in ordered:
        ratings = {}
        for name, _text, choices in _rated_items(assessment.definition):
            value = assessment.answers.get(name)
            if value in choices:
                ratings[name] = str(LEVELS[choices.index(value)])
        points.append(
            SeriesPoint(assessment=assessment, ratings=ratings, overall=assessment.overall_rating)
        )
    return DomainSeries(domains=list(domains.items()), points=points)


def rating_table(data: DomainSeries) -> list[dict[str, Any]]:
    """The chart as a table, newest assessment first: each item's rating per assessment
    (for phones, screen readers and print)."""
    bands = dict(Band.choices)
    points = list(reversed(data.points))
    return [
        {
            "label": text,
            "cells": [
                (p.ratings.get(name, ""), bands.get(p.ratings.get(name, ""), "")) for p in points
            ],
        }
        for name, text in data.domains
    ]
