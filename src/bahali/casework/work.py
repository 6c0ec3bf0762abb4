""" "My work" from casework: plan reviews due for the team member who answers for the goal."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from bahali.cases.work import WorkItem
from bahali.casework.services import reviews_due_for


def plan_reviews(user: Any) -> list[WorkItem]:
    if not getattr(user, "is_authenticated", False):
        return []
    return [
        WorkItem.of_case(
            goal.case,
            kind="plan_review",
            title=_("Review the goal “%(title)s”") % {"title": goal.title},
            url=reverse("casework:plan", args=[goal.case_id]),
            due=goal.review_on,
            detail=goal.get_domain_display(),
        )
        for goal in reviews_due_for(user)
    ]
