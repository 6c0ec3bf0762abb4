"""One goal or mentor assignment as a user may reach it, 404 alike for "missing" and "out of
your scope"; pages reach them through their case (``cases.lookups.get_case_for_user``), the
API by their own id, both under the case's plan."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from bahali.accounts.models import User
from bahali.casework.models import Goal, MentorAssignment


def get_goal_for_user(user: User, pk: int, verb: str = "read") -> Goal:
    """A goal of a case whose plan the user may ``verb``, with its reviews."""
    return get_object_or_404(
        Goal.objects.visible_to(user, "plan", verb)
        .select_related("case")
        .prefetch_related("reviews__reviewed_by"),
        pk=pk,
    )


def get_mentor_assignment_for_user(user: User, pk: int, verb: str = "read") -> MentorAssignment:
    """A mentor assignment of a case whose plan the user may ``verb``."""
    return get_object_or_404(
        MentorAssignment.objects.visible_to(user, "plan", verb).select_related("case"), pk=pk
    )
