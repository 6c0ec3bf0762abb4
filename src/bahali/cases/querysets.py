from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bahali.accounts import policies
from bahali.core.querysets import AuditedQuerySet

if TYPE_CHECKING:
    from bahali.accounts.models import User


class CaseQuerySet(AuditedQuerySet):
    def visible_to(self, user: User, resource: str = "case_summary", verb: str = "read") -> Any:
        """Cases whose ``resource`` (summary by default) the user may ``verb``."""
        return policies.filter_visible(self, user, resource, verb)

    def open(self) -> Any:
        return self.filter(closed_on__isnull=True)


class CaseRowQuerySet(AuditedQuerySet):
    """Rows that belong to a case (team, requests, plan, notes ...): scoped through the case."""

    def visible_to(self, user: User, resource: str, verb: str = "read") -> Any:
        return policies.filter_visible(self, user, resource, verb)
