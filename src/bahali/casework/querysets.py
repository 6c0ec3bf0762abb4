"""How sessions and notes are listed for a user; ``models.py`` attaches them as managers (the
case's other rows use ``cases.querysets.CaseRowQuerySet``)."""

from __future__ import annotations

from typing import Any

from bahali.cases.querysets import CaseRowQuerySet
from bahali.core.querysets import AuditedQuerySet


class SessionQuerySet(AuditedQuerySet):
    """Sessions are scoped through their attendance rows: a group session spans several cases
    and is visible when one of its attendances' cases is (a subquery, never DISTINCT)."""

    def visible_to(self, user: Any, resource: str = "plan", verb: str = "read") -> Any:
        from bahali.casework.models import Attendance  # models.py imports this module

        return self.filter(
            pk__in=Attendance.objects.visible_to(user, resource, verb).values("session")
        )


class NoteQuerySet(CaseRowQuerySet):
    def visible_to(self, user: Any, resource: str = "", verb: str = "read") -> Any:
        """Notes of the classes the user may ``verb``, each class under its own resource.

        ``resource`` narrows to the one class that resource governs.
        """
        from bahali.accounts import policies
        from bahali.casework.models import NOTE_RESOURCE  # models.py imports this module

        combined = self.none()
        for sensitivity, governing in NOTE_RESOURCE.items():
            if resource and resource != governing:
                continue
            combined = combined | policies.filter_visible(
                self.filter(sensitivity=sensitivity), user, governing, verb
            )
        return combined
