"""How committees, members and dialogues are listed for a user; ``models.py`` attaches it as
the manager of each."""

from __future__ import annotations

from typing import Any

from bahali.accounts import policies
from bahali.core.querysets import AuditedQuerySet


class CommunityQuerySet(AuditedQuerySet):
    def visible_to(
        self, user: Any, resource: str = "community_readiness", verb: str = "read"
    ) -> Any:
        return policies.filter_visible(self, user, resource, verb)
