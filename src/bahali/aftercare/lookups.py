"""One check-in or outcome event as a user may reach it, 404 alike for "missing" and "out of
your scope"; pages reach them through their case (``cases.lookups.get_case_for_user``), the
API by their own id."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from bahali.accounts.models import User
from bahali.aftercare.models import CheckIn, OutcomeEvent
from bahali.cases.models import Case


def get_check_in_for_user(user: User, pk: int, verb: str = "read") -> CheckIn:
    """A check-in of a case whose check-ins the user may ``verb``."""
    return get_object_or_404(
        CheckIn.objects.visible_to(user, "check_in", verb).select_related("case"), pk=pk
    )


def get_outcome_for_verification(user: User, pk: int) -> OutcomeEvent:
    """An outcome event on a case whose outcomes the user may verify."""
    cases = Case.objects.visible_to(user, "outcome_verification", "write")
    return get_object_or_404(
        OutcomeEvent.objects.filter(case__in=cases.values("pk")).select_related("case"), pk=pk
    )
