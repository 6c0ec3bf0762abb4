"""The analyst's home figures: open cases by programme and phase, aggregate only, with
cells under :data:`~bahali.assessments.services.SMALL_CELL` shown as "fewer than 5"
(``core.figures``, registered from ``AssessmentsConfig.ready``)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count

from bahali.accounts import policies
from bahali.accounts.roles import Role
from bahali.assessments.services import SMALL_CELL, suppress
from bahali.cases.models import Case
from bahali.core.figures import holds_role


def caseload(user: Any) -> dict[str, Any] | None:
    if not holds_role(user, Role.ANALYST) or not policies.can(user, "aggregate_report.read"):
        return None
    rows = (
        Case.objects.filter(closed_on__isnull=True)
        .values("programme", "phase__order")
        .annotate(n=Count("pk"))
        .order_by("programme", "phase__order")
    )
    names = {
        (phase.programme_id, phase.order): (phase.programme.label, phase.label)
        for phase in _phases()
    }
    lines = []
    for row in rows:
        programme, phase = names.get((row["programme"], row["phase__order"]), ("", ""))
        lines.append({"programme": programme, "phase": phase, "count": suppress(row["n"])})
    return {"lines": lines, "threshold": SMALL_CELL}


def _phases() -> Any:
    from bahali.programmes.models import Phase

    return Phase.objects.select_related("programme")
