"""One case, transition request or sign-off as a user may reach it: the same getter for the
pages and the API, answering 404 alike for "missing" and "out of your scope", so neither
side can tell a stranger that a record exists."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from bahali.accounts.models import User
from bahali.cases.models import Case, SignOff, TransitionRequest


def get_case_for_user(
    user: User, pk: int, resource: str = "case_summary", verb: str = "read"
) -> Case:
    """One case whose ``resource`` the user may ``verb``."""
    return get_object_or_404(
        Case.objects.visible_to(user, resource, verb).select_related(
            "participant",
            "programme",
            "phase",
            "district",
            "lead_organisation",
        ),  # not the three optional links: each join costs PostgreSQL's planner more than
        pk=pk,  # the small look-up the overview makes when the link is set
    )


def get_transition_request_for_user(user: User, pk: int) -> TransitionRequest:
    """One transition request on a case whose detail the user reads: a request carries its
    reason and its sign-offs' reasons, which the summary alone (a security liaison) omits."""
    return get_object_or_404(
        TransitionRequest.objects.visible_to(user, "case_detail").select_related(
            "case", "transition__from_phase", "transition__to_phase"
        ),
        pk=pk,
    )


def get_sign_off_for_user(user: User, pk: int) -> SignOff:
    """One sign-off on a case whose detail the user reads (it carries a reason)."""
    return get_object_or_404(
        SignOff.objects.visible_to(user, "case_detail").select_related("request__case"),
        pk=pk,
    )
