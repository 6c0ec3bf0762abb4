"""The oversight body's home figures about grievances: how many are open and how many are
past their time limits (``core.figures``, registered from ``GrievancesConfig.ready``)."""

from __future__ import annotations

from typing import Any

from bahali.accounts import policies
from bahali.accounts.roles import Role
from bahali.core.figures import holds_role
from bahali.grievances.models import Grievance
from bahali.grievances.services import figures


def past_limits(user: Any) -> dict[str, Any] | None:
    if not holds_role(user, Role.OVERSIGHT_MONITOR) or not policies.can(user, "grievance.read"):
        return None
    return {"figures": figures(Grievance.objects.visible_to(user, "grievance").open())}
