"""One grievance as a user may reach it: the same getters for the pages and the API, 404 alike
for "missing" and "out of your scope"."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from bahali.accounts import policies
from bahali.accounts.models import User
from bahali.grievances.models import Grievance


def get_grievance_for_user(user: User, pk: int, resource: str = "grievance") -> Grievance:
    """The grievance if the user may read its ``resource`` (the complainant is another)."""
    return get_object_or_404(
        Grievance.objects.visible_to(user, resource).select_related(
            "about_organisation", "district", "acknowledged_by", "resolved_by"
        ),
        pk=pk,
    )


def get_handled_grievance_for_user(user: User, pk: int) -> Grievance:
    """The grievance if the user handles it (acknowledges, resolves)."""
    grievance = get_grievance_for_user(user, pk)
    if not policies.can(user, "grievance.write", grievance):
        raise Http404
    return grievance
