"""The few figures each role's home page shows under its work: panels registered by the apps
that own the figures (``AppConfig.ready``), so the home page imports no domain app.

A panel's ``context(user)`` returns the template's context, or None when the panel is not
for this user; it answers in a fixed number of queries whatever the size of the data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Panel:
    key: str
    template: str
    context: Callable[[Any], dict[str, Any] | None]


PANELS: list[Panel] = []


def register(panel: Panel) -> Panel:
    if all(known.key != panel.key for known in PANELS):
        PANELS.append(panel)
    return panel


def panels_for(user: Any) -> list[tuple[Panel, dict[str, Any]]]:
    """The panels for ``user``: aggregate figures, read from the replica when there is one
    (seconds behind at most; the work list above them reads the primary)."""
    from bahali.ops import replica

    shown = []
    for panel in PANELS:
        with replica.reads():
            context = panel.context(user)
        if context is not None:
            shown.append((panel, context))
    return shown


def holds_role(user: Any, *roles: str) -> bool:
    """Does one of the user's active memberships hold one of ``roles``? (Panels are chosen
    by role: what matters to a liaison is not what matters to oversight.)"""
    return any(m.role in roles for m in user.active_memberships())


def audit_verification(user: Any) -> dict[str, Any] | None:
    """For the oversight body: when the audit chain was last verified, and with what outcome
    (one query, on the indexed action)."""
    from bahali.accounts import policies
    from bahali.accounts.roles import Role
    from bahali.audit.models import AuditEvent

    if not holds_role(user, Role.OVERSIGHT_MONITOR) or not policies.can(user, "audit_log.read"):
        return None
    last = (
        AuditEvent.objects.filter(action__in=["audit.verified", "audit.verify_failed"])
        .only("occurred_at", "action", "changes")
        .order_by("-seq")
        .first()
    )
    return {"last": last, "ok": last is not None and last.action == "audit.verified"}
