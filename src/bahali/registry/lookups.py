"""One participant as a user may reach them: the same getter for the pages and the API, 404
alike for "missing" and "out of your scope", so a code reveals nothing to a stranger."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from bahali.accounts.models import User
from bahali.registry.models import Participant


def get_participant_for_user(user: User, code: str, resource: str = "case_summary") -> Participant:
    """The participant ``code`` if the user may read their ``resource`` (summary by default)."""
    return get_object_or_404(
        Participant.objects.visible_to(user, resource).select_related(
            "district", "home_community__tehsil", "merged_into", "registered_by"
        ),
        code=code,
    )
