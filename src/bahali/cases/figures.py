"""The home page's figures from the pathway: open cases by phase and risk band (for the
security liaison: nothing else, DESIGN.md §2), and the gate decisions of the quarter (for
oversight). Registered with ``core.figures`` from ``CasesConfig.ready``."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from bahali.accounts.roles import Role
from bahali.cases.models import Case, RiskBand, SignOff, TransitionRequest
from bahali.core.figures import holds_role
from bahali.programmes.models import Phase


def phases_and_risk(user: Any) -> dict[str, Any] | None:
    """Open cases the liaison reaches (referred by their office or in their districts), by
    phase and risk band: one grouped query."""
    if not holds_role(user, Role.SECURITY_LIAISON):
        return None
    # Counted by the phase's key from the open cases' phase index alone (no join to the
    # phases: with it, PostgreSQL read every open case's row), then named from the phases.
    rows = (
        Case.objects.visible_to(user, "case_summary")
        .filter(closed_on__isnull=True)
        .values("phase", "risk_band")
        .annotate(n=Count("pk"))
        .order_by()
    )
    phases = {phase.pk: phase for phase in Phase.objects.all()}
    bands = [*RiskBand.values, ""]
    table: dict[str, dict[str, Any]] = {}
    for row in rows:
        phase = phases[row["phase"]]
        line = table.setdefault(
            phase.code,
            {
                "label": phase.label,
                "cells": dict.fromkeys(bands, 0),
                "total": 0,
                "order": phase.order,
            },
        )
        line["cells"][row["risk_band"] or ""] += row["n"]
        line["total"] += row["n"]
        # a phase shared by programmes sits where it comes first
        line["order"] = min(line["order"], phase.order)
    lines = sorted(table.values(), key=lambda line: (line["order"], str(line["label"])))
    for line in lines:
        line["cells"] = [line["cells"][band] for band in bands]
    return {
        "bands": [*RiskBand.labels, None],
        "lines": lines,
        "total": sum(line["total"] for line in lines),
    }


def _quarter_start(today: datetime.date) -> datetime.date:
    return datetime.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)


def _local_midnight(day: datetime.date) -> datetime.datetime:
    """The day's start in local time: compared as is, the index on the column serves
    (``__date`` converts every row's timestamp first)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def gate_decisions(user: Any) -> dict[str, Any] | None:
    """For oversight: this quarter's applied gates, how many a data steward overrode
    (flagged), and the objections still open (two queries)."""
    if not holds_role(user, Role.OVERSIGHT_MONITOR):
        return None
    since = _quarter_start(timezone.localdate())
    decided = (
        TransitionRequest.objects.visible_to(user, "case_summary")
        .filter(decided_at__gte=_local_midnight(since))
        .aggregate(
            applied=Count("pk", filter=Q(status=TransitionRequest.Status.APPLIED)),
            overridden=Count("pk", filter=Q(overridden_by__isnull=False)),
        )
    )
    objections = (
        SignOff.objects.visible_to(user, "case_summary")
        .filter(
            objection=SignOff.ObjectionState.OPEN,
            request__status=TransitionRequest.Status.PENDING,
        )
        .count()
    )
    return {"since": since, "objections": objections, **decided}


def emergency_accesses(user: Any) -> dict[str, Any] | None:
    """For oversight and data stewards: break-the-glass accesses of the last 90 days they
    may read, how many still run and how many wait for a steward's review (one query)."""
    from bahali.cases.models import EmergencyAccess

    if not holds_role(user, Role.OVERSIGHT_MONITOR, Role.DATA_STEWARD):
        return None
    now = timezone.now()
    since = now - datetime.timedelta(days=90)
    counts = (
        EmergencyAccess.objects.visible_to(user, "emergency_access")
        .filter(opened_at__gte=since)
        .aggregate(
            opened=Count("pk"),
            running=Count("pk", filter=Q(expires_at__gt=now)),
            unreviewed=Count("pk", filter=Q(reviewed_at__isnull=True)),
        )
    )
    return {"since": since.date(), **counts}
