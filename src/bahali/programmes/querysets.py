from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

from bahali.accounts import policies

if TYPE_CHECKING:
    from bahali.accounts.models import User


class ProgrammeQuerySet(models.QuerySet[Any]):
    def visible_to(self, user: User, verb: str = "read") -> ProgrammeQuerySet:
        """Programmes the user may read (every role) or, with ``verb="write"``, configure."""
        return policies.filter_visible(self, user, "programme", verb)
