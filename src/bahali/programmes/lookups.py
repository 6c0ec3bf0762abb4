"""One programme as a user may reach it: the same getter for the pages and the API, 404 alike
for "missing" and "not yours to change"."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from bahali.accounts.models import User
from bahali.programmes.models import Programme


def get_programme_for_user(user: User, code: str, verb: str = "read") -> Programme:
    """The programme ``code`` if the user may ``verb`` it."""
    return get_object_or_404(
        Programme.objects.visible_to(user, verb).select_related("lead_organisation"), code=code
    )
