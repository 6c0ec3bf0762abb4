"""A programme's aftercare figures, kept a few minutes (``core.snapshots``): the overdue
check-ins' count, recidivism and the outcome events by kind and verification.

Each reads every case of the programme the reader may see (0.3–0.4 s over a national
caseload); the aftercare dashboard keeps them per programme, day and scope, and says as of
when. The writes that change them — a check-in planned, held or removed, an outcome event
reported or verified, a case entering aftercare — make the next view compute them afresh
(:func:`connect`), once they commit. The lists beside them (the overdue check-ins, the
warning signs) are always read live.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models.signals import post_delete, post_save

from bahali.aftercare import services
from bahali.core import snapshots


def topic(programme_id: int) -> str:
    """What the kept figures of a programme's aftercare dashboard are kept under."""
    return f"aftercare:programme:{programme_id}"


def dashboard_counts(
    programme_id: int,
    cases: Any,
    events_cases: Any | None,
    today: datetime.date,
    reader: tuple[Any, ...],
) -> snapshots.AsOf[dict[str, Any]]:
    """The dashboard's counts over ``cases`` (check-ins) and ``events_cases`` (outcome
    events; None when the reader may not read them), kept as the module says, per
    ``reader`` (``snapshots.reach(user)``: who they are and what their memberships reach —
    not the SQL of their cases, which holds the time of the question when a team member's
    running emergency accesses are part of it, and would make every view a new key)."""

    def compute() -> dict[str, Any]:
        counts: dict[str, Any] = {
            "overdue_count": services.overdue_check_ins(cases).count(),
            "recidivism": None,
            "outcome_counts": [],
        }
        if events_cases is not None:
            table = services.outcome_table(events_cases)  # one read for both
            counts["recidivism"] = services.recidivism(events_cases, table)
            counts["outcome_counts"] = [
                (str(label), *numbers)
                for label, *numbers in services.outcome_counts(events_cases, table)
            ]
        return counts

    key = (reader, events_cases is not None, today)
    return snapshots.remembered(
        "aftercare-dashboard", (programme_id, key), compute, topic=topic(programme_id)
    )


def _programme_of(instance: Any) -> int | None:
    from bahali.cases.models import Case

    case = instance._state.fields_cache.get("case")
    if case is not None:
        return int(case.programme_id)
    return Case.objects.filter(pk=instance.case_id).values_list("programme_id", flat=True).first()


def _changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    if kwargs.get("raw") or snapshots.max_age() <= 0 or not getattr(instance, "case_id", None):
        return
    programme_id = _programme_of(instance)
    if programme_id is not None:
        snapshots.changed(topic(programme_id))


def connect() -> None:
    """Keep the dashboard's figures current (called from the app's ``ready``)."""
    from bahali.aftercare.models import CheckIn, OutcomeEvent
    from bahali.cases.models import PhaseChange

    uid = "bahali.aftercare.figures"
    for model in (CheckIn, OutcomeEvent, PhaseChange):
        name = f"{uid}:{model.__name__}"
        post_save.connect(_changed, sender=model, dispatch_uid=name + ":save")
        post_delete.connect(_changed, sender=model, dispatch_uid=name + ":delete")
