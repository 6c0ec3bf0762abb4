"""Assessments on the case timeline: each completed assessment, with its overall judgement.

Readers of assessments see each one; security liaisons (overall band only) see the
progress assessments' judgements; a draft is nobody's news yet."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from bahali.accounts import policies
from bahali.assessments.models import Assessment, AssessmentStatus, InstrumentKind
from bahali.cases.timeline import TimelineEntry, as_datetime, labelled, person


def assessment_entries(case: Any, user: Any, limit: int) -> list[TimelineEntry]:
    if not policies.can(user, "assessment_band.read", case):
        return []
    rows = Assessment.objects.filter(case=case, status=AssessmentStatus.COMPLETED)
    if not policies.can(user, "assessment.read", case):
        rows = rows.filter(instrument_version__instrument__kind=InstrumentKind.PROGRESS)
    found = []
    rows = rows.select_related("instrument_version__instrument", "assessor").only(
        "assessed_on",
        "overall_rating",
        "corrects",
        *labelled("instrument_version__instrument"),
        *person("assessor"),
    )
    for assessment in rows.order_by("-assessed_on", "-pk")[:limit]:
        detail = ""
        if assessment.overall_rating:
            detail = _("Overall judgement: %(band)s") % {
                "band": assessment.get_overall_rating_display()
            }
        title = _("Assessment: %(instrument)s") % {"instrument": assessment.instrument.label}
        if assessment.corrects_id:
            title = _("Assessment corrected: %(instrument)s") % {
                "instrument": assessment.instrument.label
            }
        assessor = assessment.assessor
        found.append(
            TimelineEntry(
                when=as_datetime(assessment.assessed_on),
                kind="assessment",
                icon="clipboard-data",
                title=title,
                detail=detail,
                actor=str(assessor.get_full_name() or assessor.username) if assessor else "",
                flagged=assessment.overall_rating == "high",
            )
        )
    return found
