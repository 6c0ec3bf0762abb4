"""Assessments on the case timeline: each completed assessment, with its overall judgement.

Readers of assessments see each one; security liaisons (overall band only) see the
progress assessments' judgements; a draft is nobody's news yet."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from bahali.accounts import policies
from bahali.assessments.models import Assessment, AssessmentStatus, InstrumentKind
from bahali.cases.timeline import (
    TimelineEntry,
    as_datetime,
    display,
    label_of,
    labelled,
    name_of,
    person,
    rows,
)


def assessment_entries(case: Any, user: Any, limit: int) -> list[TimelineEntry]:
    if not policies.can(user, "assessment_band.read", case):
        return []
    assessments = Assessment.objects.filter(case=case, status=AssessmentStatus.COMPLETED)
    if not policies.can(user, "assessment.read", case):
        assessments = assessments.filter(
            instrument_version__instrument__kind=InstrumentKind.PROGRESS
        )
    rating = display(Assessment, "overall_rating")
    found = []
    for assessment in rows(
        assessments.order_by("-assessed_on", "-pk")[:limit],
        "assessed_on",
        "overall_rating",
        "corrects",
        *labelled("instrument_version__instrument"),
        *person("assessor"),
    ):
        detail = ""
        if assessment["overall_rating"]:
            detail = _("Overall judgement: %(band)s") % {
                "band": rating(assessment["overall_rating"])
            }
        instrument = label_of(assessment, "instrument_version__instrument")
        title = _("Assessment: %(instrument)s") % {"instrument": instrument}
        if assessment["corrects"]:
            title = _("Assessment corrected: %(instrument)s") % {"instrument": instrument}
        found.append(
            TimelineEntry(
                when=as_datetime(assessment["assessed_on"]),
                kind="assessment",
                icon="clipboard-data",
                title=title,
                detail=detail,
                actor=name_of(assessment, "assessor"),
                flagged=assessment["overall_rating"] == "high",
            )
        )
    return found
