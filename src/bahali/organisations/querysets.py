from __future__ import annotations

from typing import TYPE_CHECKING

from bahali.accounts import policies
from bahali.core.querysets import AuditedQuerySet

if TYPE_CHECKING:
    from bahali.accounts.models import User


class OrganisationQuerySet(AuditedQuerySet):
    def visible_to(self, user: User) -> OrganisationQuerySet:
        return policies.filter_visible(self, user, "organisation")

    def active(self) -> OrganisationQuerySet:
        return self.filter(is_active=True)
