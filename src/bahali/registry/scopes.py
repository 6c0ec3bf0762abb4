"""How a scope reaches a request to link a participant: registered into
``accounts.policies.SCOPE_PATHS`` from ``RegistryConfig.ready`` (participants themselves are
reached through cases, registered by the cases app)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models

from bahali.accounts import policies

if TYPE_CHECKING:
    from bahali.accounts.models import Membership


def _holding(m: Membership, resource: str) -> models.Q:
    """Data stewards: requests about participants their organisation holds (is linked to),
    never their own organisation's requests."""
    from bahali.registry.models import ParticipantLink

    held = ParticipantLink.objects.filter(organisation=m.organisation_id).values("participant")
    return models.Q(participant__in=held) & ~models.Q(organisation=m.organisation_id)


def register() -> None:
    policies.register_scope_paths(
        "registry.linkrequest", {policies.Scope.OWN_ORGANISATION: _holding}
    )
