"""The analyst's home figures: open cases by programme and phase, aggregate only, with
lone counts under the minimum (``core.suppression``) shown as "<5"
(``core.figures``, registered from ``AssessmentsConfig.ready``)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count

from bahali.accounts import policies
from bahali.accounts.roles import Role
from bahali.cases.models import Case
from bahali.core import suppression
from bahali.core.figures import holds_role


def caseload(user: Any) -> dict[str, Any] | None:
    if not holds_role(user, Role.ANALYST) or not policies.can(user, "aggregate_report.read"):
        return None
    # by the phase's key from the open cases' phase index alone, then named and ordered
    counts = (
        Case.objects.filter(closed_on__isnull=True)
        .values("phase")
        .annotate(n=Count("pk"))
        .order_by()
    )
    phases = {phase.pk: phase for phase in _phases()}
    rows = sorted(
        ({"phase": phases[row["phase"]], "n": row["n"]} for row in counts),
        key=lambda row: (row["phase"].programme_id, row["phase"].order),
    )
    k = suppression.minimum()
    lines = []
    for row in rows:
        programme, phase = row["phase"].programme.label, row["phase"].label
        lines.append(
            {
                "programme": programme,
                "phase": phase,
                "count": suppression.count_or_none(row["n"], k=k),
            }
        )
    return {"lines": lines, "threshold": k}


def _phases() -> Any:
    from bahali.programmes.models import Phase

    return Phase.objects.select_related("programme")
