from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

from bahali.accounts import policies

if TYPE_CHECKING:
    from bahali.accounts.models import User


class AuditEventQuerySet(models.QuerySet[Any]):
    """Audit rows: readable by oversight and data stewards, never changed in bulk."""

    def visible_to(self, user: User) -> AuditEventQuerySet:
        return policies.filter_visible(self, user, "audit_log")

    def update(self, **kwargs: Any) -> int:
        raise PermissionError("Audit events are append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("Audit events are append-only.")
