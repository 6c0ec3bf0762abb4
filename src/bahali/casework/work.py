""" "My work" from casework: plan reviews due for the team member who answers for the goal."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from bahali.accounts import policies
from bahali.cases.work import Found, WorkItem, case_columns, link, sits_on_teams
from bahali.casework.services import meetings_due_for, reviews_due_for


def plan_reviews(user: Any, limit: int | None) -> Found:
    if not sits_on_teams(user) or not policies.can(user, "plan.write"):
        return Found(0, [])  # goals of one's own team places, on plans one writes
    to_plan = link("casework:plan")
    return Found.of_rows(
        reviews_due_for(user).only("title", "review_on", "domain", *case_columns("case")),
        limit,
        lambda goal: WorkItem.of_case(
            goal.case,
            kind="plan_review",
            title=_("Review the goal “%(title)s”") % {"title": goal.title},
            url=to_plan(goal.case_id),
            due=goal.review_on,
            detail=goal.get_domain_display(),
        ),
    )


def mentor_meetings(user: Any, limit: int | None) -> Found:
    """A mentor's next meeting with each participant they mentor, by the agreed frequency."""
    to_mentoring = link("casework:mentoring")
    return Found.of(
        (
            WorkItem.of_case(
                assignment.case,
                kind="mentor_meeting",
                title=_("Meet the participant"),
                url=to_mentoring(assignment.case_id),
                due=due,
                detail=assignment.get_frequency_display(),
            )
            for assignment, due in meetings_due_for(user)
        ),
        limit,
    )
