"""How services and referrals are listed for a user; ``models.py`` attaches them as managers."""

from __future__ import annotations

from typing import Any

from django.db import models

from bahali.accounts import policies


class ServiceQuerySet(models.QuerySet[Any]):
    def visible_to(self, user: Any, verb: str = "read") -> Any:
        return policies.filter_visible(self, user, "service_directory", verb)

    def active(self) -> Any:
        return self.filter(is_active=True)


class ReferralQuerySet(models.QuerySet[Any]):
    def visible_to(self, user: Any, resource: str = "referral", verb: str = "read") -> Any:
        return policies.filter_visible(self, user, resource, verb)
