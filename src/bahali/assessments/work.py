""" "My work" from assessments: progress reassessments due (or overdue) on the cases the
user may assess, by the schedule of each case's phase."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from bahali.assessments.services import reassessments_due_for
from bahali.cases.work import Found, WorkItem


def reassessments(user: Any, limit: int | None) -> Found:
    return Found.of(
        (
            WorkItem.of_case(
                case,
                kind="reassessment",
                title=_("Reassess progress"),
                url=reverse("assessments:list", args=[case.pk]),
                due=due,
                detail=case.phase.label,
            )
            for case, due in reassessments_due_for(user)
        ),
        limit,
    )
