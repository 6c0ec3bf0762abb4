from __future__ import annotations

from typing import TYPE_CHECKING

from bahali.accounts import policies
from bahali.core.querysets import AuditedQuerySet

if TYPE_CHECKING:
    from bahali.accounts.models import User


class ProgrammeQuerySet(AuditedQuerySet):
    def visible_to(self, user: User, verb: str = "read") -> ProgrammeQuerySet:
        """Programmes the user may read (every role) or, with ``verb="write"``, configure."""
        return policies.filter_visible(self, user, "programme", verb)
