from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

from bahali.accounts import policies

if TYPE_CHECKING:
    from bahali.accounts.models import User


class OrganisationQuerySet(models.QuerySet[Any]):
    def visible_to(self, user: User) -> OrganisationQuerySet:
        return policies.filter_visible(self, user, "organisation")

    def active(self) -> OrganisationQuerySet:
        return self.filter(is_active=True)
