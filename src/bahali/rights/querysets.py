"""How red flags are listed for a user; ``models.py`` attaches it as the manager."""

from __future__ import annotations

from typing import Any

from django.db import models

from bahali.accounts import policies


class RedFlagQuerySet(models.QuerySet[Any]):
    def visible_to(self, user: Any, resource: str = "rights_flag", verb: str = "read") -> Any:
        return policies.filter_visible(self, user, resource, verb)
