""" "My work" from assessments: progress reassessments due (or overdue) on the cases the
user may assess, by the schedule of each case's phase."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from bahali.accounts import policies
from bahali.assessments.models import Calibration
from bahali.assessments.services import reassessments_due_page
from bahali.cases.work import Found, WorkItem, link


def reassessments(user: Any, limit: int | None) -> Found:
    if not policies.can(user, "assessment.write"):  # the cases are those one may assess
        return Found(0, [])
    count, due = reassessments_due_page(user, limit)
    to_assessments = link("assessments:list")
    return Found(
        count,
        [
            WorkItem.of_case(
                case,
                kind="reassessment",
                title=_("Reassess progress"),
                url=to_assessments(case.pk),
                due=when,
                detail=case.phase.label,
            )
            for case, when in due
        ],
    )


def blind_ratings(user: Any, limit: int | None) -> Found:
    """Blind second ratings asked of the user and not given yet: shown by their
    pseudonymous code only, never the case's."""
    if not policies.can(user, "calibration_rating.write"):
        return Found(0, [])
    rows = (
        Calibration.objects.visible_to(user, "calibration_rating", "write")
        .filter(second_assessor=user, rated_on__isnull=True)
        .select_related("assessment__instrument_version__instrument")
        .order_by("requested_on", "pk")
    )
    return Found.of_rows(
        rows,
        limit,
        lambda row: WorkItem(
            kind="calibration",
            title=_("Rate an anonymised assessment"),
            url=reverse("assessments:calibration", args=[row.code]),
            case_label=row.code,
            detail=row.assessment.instrument.label,
        ),
    )
