"""How services and referrals are listed for a user; ``models.py`` attaches them as managers."""

from __future__ import annotations

from typing import Any

from bahali.accounts import policies
from bahali.core.querysets import AuditedQuerySet


class ServiceQuerySet(AuditedQuerySet):
    def visible_to(self, user: Any, verb: str = "read") -> Any:
        return policies.filter_visible(self, user, "service_directory", verb)

    def active(self) -> Any:
        return self.filter(is_active=True)


class ReferralQuerySet(AuditedQuerySet):
    def visible_to(self, user: Any, resource: str = "referral", verb: str = "read") -> Any:
        return policies.filter_visible(self, user, resource, verb)
