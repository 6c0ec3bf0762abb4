from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bahali.accounts import policies
from bahali.core.querysets import AuditedQuerySet

if TYPE_CHECKING:
    from bahali.accounts.models import User


class ParticipantQuerySet(AuditedQuerySet):
    def visible_to(
        self, user: User, resource: str = "case_summary", verb: str = "read"
    ) -> ParticipantQuerySet:
        """Participants whose summary (or, with ``resource="identity"``, identity) user may
        read, or whose ``resource`` they may ``verb``."""
        return policies.filter_visible(self, user, resource, verb)

    def active(self) -> ParticipantQuerySet:
        """Records not merged into another."""
        return self.filter(merged_into__isnull=True)


class LinkRequestQuerySet(AuditedQuerySet):
    def visible_to(self, user: User, resource: str = "link_review", verb: str = "read") -> Any:
        """Requests a data steward decides: those for participants their organisation holds."""
        return policies.filter_visible(self, user, resource, verb)

    def pending(self) -> Any:
        return self.filter(status="pending")
