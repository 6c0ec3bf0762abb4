"""One instrument or assessment as a user may reach it: the same getters for the pages and
the API, 404 alike for "missing" and "out of your scope"."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from bahali.accounts.models import User
from bahali.assessments.models import Assessment, Instrument


def get_instrument_for_user(user: User, code: str, verb: str = "read") -> Instrument:
    """The instrument ``code`` if the user may ``verb`` it (reading is open to every role)."""
    return get_object_or_404(
        Instrument.objects.visible_to(user, verb).select_related("organisation"), code=code
    )


def get_assessment_for_user(user: User, pk: int, verb: str = "read") -> Assessment:
    """A case's assessment if the user may ``verb`` the case's assessments."""
    return get_object_or_404(
        Assessment.objects.visible_to(user, "assessment", verb).select_related(
            "instrument_version__instrument", "assessor", "case"
        ),
        pk=pk,
    )
