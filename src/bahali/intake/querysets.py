"""How referrals and screenings are listed for a user; ``models.py`` attaches them."""

from __future__ import annotations

from typing import Any

from bahali.accounts import policies
from bahali.core.querysets import AuditedQuerySet


class ReferralQuerySet(AuditedQuerySet):
    def visible_to(self, user: Any, resource: str = "intake_referral", verb: str = "read") -> Any:
        return policies.filter_visible(self, user, resource, verb)


class ScreeningQuerySet(AuditedQuerySet):
    def visible_to(self, user: Any, resource: str = "intake_referral", verb: str = "read") -> Any:
        return policies.filter_visible(self, user, resource, verb)
