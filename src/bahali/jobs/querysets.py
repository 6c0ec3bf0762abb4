from __future__ import annotations

from typing import Any

from django.db import models


class JobQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> Any:
        """A job is its owner's alone: its result is a copy of data the owner may read, made
        for the owner; nobody else sees that it exists."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(owner_id=user.pk)
