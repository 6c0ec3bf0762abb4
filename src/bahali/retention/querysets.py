from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bahali.accounts import policies
from bahali.core.querysets import AuditedQuerySet

if TYPE_CHECKING:
    from bahali.accounts.models import User


class RetentionQuerySet(AuditedQuerySet):
    """Rules, holds and erasures: reached through the authorization module like every list."""

    def visible_to(self, user: User, resource: str, verb: str = "read") -> Any:
        return policies.filter_visible(self, user, resource, verb)
