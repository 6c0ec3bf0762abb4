"""How each scope reaches a referral and its screenings: registered into
``accounts.policies.SCOPE_PATHS`` from ``IntakeConfig.ready``."""

from __future__ import annotations

from typing import Any

from bahali.accounts import policies


def register() -> None:
    policies.register_scope_paths(
        "intake.referral",
        {
            policies.Scope.OWN_ORGANISATION: "receiving_organisation",
            policies.Scope.DISTRICTS: "district",
        },
    )
    policies.register_scope_paths(
        "intake.screening",
        {
            policies.Scope.OWN_ORGANISATION: "referral__receiving_organisation",
            policies.Scope.DISTRICTS: "referral__district",
        },
    )
    policies.register_scope_paths("intake.classification", _through_participant())


def _through_participant() -> dict[policies.Scope, policies.Reach]:
    """A classification is reached as its participant is (``cases.scopes``)."""
    from django.db import models

    from bahali.cases.scopes import participant_reach
    from bahali.registry.models import Participant

    def wrap(reach: policies.Reach) -> policies.Reach:
        if not callable(reach):
            return f"participant__{reach}"

        def condition(m: Any, resource: str) -> models.Q:
            people = Participant.objects.filter(reach(m, resource)).values("pk")
            return models.Q(participant__in=people)

        return condition

    return {scope: wrap(reach) for scope, reach in participant_reach().items()}
