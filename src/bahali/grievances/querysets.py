"""How grievances are listed for a user; ``models.py`` attaches it as the manager."""

from __future__ import annotations

from typing import Any

from bahali.accounts import policies
from bahali.core.querysets import AuditedQuerySet


class GrievanceQuerySet(AuditedQuerySet):
    def visible_to(self, user: Any, resource: str = "grievance", verb: str = "read") -> Any:
        return policies.filter_visible(self, user, resource, verb)

    def open(self) -> Any:
        from bahali.grievances.models import GrievanceStatus  # models.py imports this module

        return self.exclude(status=GrievanceStatus.RESOLVED)
