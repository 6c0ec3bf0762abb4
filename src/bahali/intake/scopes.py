"""How each scope reaches a referral and its screenings: registered into
``accounts.policies.SCOPE_PATHS`` from ``IntakeConfig.ready``."""

from __future__ import annotations

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
