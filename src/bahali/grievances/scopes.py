"""How each scope reaches a grievance: registered into ``accounts.policies.SCOPE_PATHS``
from ``GrievancesConfig.ready``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models

from bahali.accounts import policies

if TYPE_CHECKING:
    from bahali.accounts.models import Membership


def _districts(m: Membership, resource: str) -> models.Q:
    """Programme managers: grievances in their districts, except those about their own
    organisation."""
    return models.Q(district__in=policies.districts_of(m)) & ~models.Q(
        about_organisation=m.organisation_id
    )


def register() -> None:
    policies.register_scope_paths(
        "grievances.grievance",
        {
            policies.Scope.DISTRICTS: _districts,
            # the organisation complained about: that a grievance exists (grievance_notice)
            policies.Scope.OWN_ORGANISATION: "about_organisation",
        },
    )
