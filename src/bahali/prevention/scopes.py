"""How each scope reaches the prevention app's rows: registered into
``accounts.policies.SCOPE_PATHS`` from ``PreventionConfig.ready``.

An organisation's staff reach the initiatives it leads (and their grants and activities)
and the advice-line contacts it logged; every other grant here is scope ``all``."""

from __future__ import annotations

from bahali.accounts import policies

OWN = policies.Scope.OWN_ORGANISATION


def register() -> None:
    policies.register_scope_paths("prevention.initiative", {OWN: "lead_organisation"})
    policies.register_scope_paths("prevention.grant", {OWN: "initiative__lead_organisation"})
    policies.register_scope_paths(
        "prevention.disbursement", {OWN: "grant__initiative__lead_organisation"}
    )
    policies.register_scope_paths("prevention.activity", {OWN: "initiative__lead_organisation"})
    policies.register_scope_paths("prevention.advicecontact", {OWN: "organisation"})
    policies.register_scope_paths("prevention.surveyround", {OWN: "organisation"})
    policies.register_scope_paths("prevention.surveyresponse", {OWN: "round__organisation"})
    # indicators, district values, driver counts and the days of activities: read whole
    for label in (
        "prevention.indicator",
        "prevention.districtvalue",
        "prevention.drivercount",
        "prevention.activityday",
    ):
        policies.register_scope_paths(label, {})
