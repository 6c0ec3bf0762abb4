from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import timezone

from bahali.accounts import policies
from bahali.core.querysets import AuditedQuerySet

if TYPE_CHECKING:
    from bahali.accounts.models import User


class UserQuerySet(AuditedQuerySet):
    def visible_to(self, user: User) -> UserQuerySet:
        return policies.filter_visible(self, user, "user")


class MembershipQuerySet(AuditedQuerySet):
    def visible_to(self, user: User) -> MembershipQuerySet:
        return policies.filter_visible(self, user, "membership")


class ApiTokenQuerySet(AuditedQuerySet):
    def visible_to(self, user: User) -> ApiTokenQuerySet:
        return policies.filter_visible(self, user, "api_token")

    def usable(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())
