""" "My work" from assessments: progress reassessments due (or overdue) on the cases the
user may assess, by the schedule of each case's phase."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from bahali.assessments.services import reassessments_due_page
from bahali.cases.work import Found, WorkItem


def reassessments(user: Any, limit: int | None) -> Found:
    count, due = reassessments_due_page(user, limit)
    return Found(
        count,
        [
            WorkItem.of_case(
                case,
                kind="reassessment",
                title=_("Reassess progress"),
                url=reverse("assessments:list", args=[case.pk]),
                due=when,
                detail=case.phase.label,
            )
            for case, when in due
        ],
    )
