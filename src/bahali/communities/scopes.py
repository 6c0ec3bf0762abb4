"""How each scope reaches a community and the rows of one (committees, their members,
dialogues): registered into ``accounts.policies.SCOPE_PATHS`` from
``CommunitiesConfig.ready``. Communities are geography's (a platform app), but who reaches
one depends on cases and committees, so this app, which knows both, registers it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

from bahali.accounts.policies import Reach, Scope, districts_of, register_scope_paths
from bahali.cases.models import Case, TeamMember

if TYPE_CHECKING:
    from bahali.accounts.models import Membership


def community_reach(prefix: str = "") -> dict[Scope, Reach]:
    """How each scope reaches a community (``prefix=""``) or rows of one (``prefix`` leading
    to the community): the team, through the communities receiving their cases; committee
    members, their own committee's community; programme managers, their districts."""

    def field(name: str, value: Any) -> models.Q:
        return models.Q(**{f"{prefix}{name}": value})

    def team(m: Membership, resource: str) -> models.Q:
        on_team = TeamMember.objects.filter(membership=m.pk, left_on__isnull=True)
        receiving = Case.objects.filter(pk__in=on_team.values("case")).values("receiving_community")
        return field("pk__in" if not prefix else "in", receiving)

    def community(m: Membership, resource: str) -> models.Q:
        return field("committee__organisation", m.organisation_id)

    def districts(m: Membership, resource: str) -> models.Q:
        return field("tehsil__district__in", districts_of(m))

    return {Scope.TEAM: team, Scope.COMMUNITY: community, Scope.DISTRICTS: districts}


def register() -> None:
    """This app's entries in the scope table (called from ``CommunitiesConfig.ready``)."""
    register_scope_paths("geography.community", community_reach())
    register_scope_paths("communities.committee", community_reach("community__"))
    register_scope_paths("communities.committeemember", community_reach("committee__community__"))
    register_scope_paths("communities.dialogue", community_reach("community__"))
