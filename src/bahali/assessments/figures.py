"""The analyst's home figures: open cases by programme and phase, aggregate only, with
lone counts under the minimum (``core.suppression``) shown as "<5"
(``core.figures``, registered from ``AssessmentsConfig.ready``); and a programme's factor
distribution, kept a few minutes (``core.snapshots``).

The factor distribution opens the sealed answers of the latest factors assessment of every
case of the programme (0.4–0.5 s over a national caseload). What a case's answers say about
what drew a person in stays sealed at rest: no plain copy of them per case is kept, only
the programme's counts, for a few minutes, in the shared cache; an assessment saved or
removed in the programme makes the next view count afresh (:func:`connect`).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.db.models.signals import post_delete, post_save

from bahali.accounts import policies
from bahali.accounts.roles import Role
from bahali.cases.models import Case
from bahali.core import snapshots, suppression
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


def factors_topic(programme_id: int) -> str:
    """What a programme's kept factor distribution is kept under."""
    return f"assessments:factors:programme:{programme_id}"


def factor_distribution(programme: Any, group_by: str) -> snapshots.AsOf[Any]:
    """``services.factor_distribution`` over the programme's cases, kept as above."""
    from bahali.assessments import services
    from bahali.ops import replica

    def compute() -> Any:
        with replica.reads():  # an aggregate report: the replica's figures will do
            return services.factor_distribution(Case.objects.filter(programme=programme), group_by)

    return snapshots.remembered(
        "factors", (programme.pk, group_by), compute, topic=factors_topic(programme.pk)
    )


def _assessment_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    if kwargs.get("raw") or snapshots.max_age() <= 0 or not instance.case_id:
        return
    case = instance._state.fields_cache.get("case")
    programme_id = (
        case.programme_id
        if case is not None
        else Case.objects.filter(pk=instance.case_id).values_list("programme_id", flat=True).first()
    )
    if programme_id is not None:
        snapshots.changed(factors_topic(programme_id))


def connect() -> None:
    """Keep the kept factor distributions current (called from the app's ``ready``)."""
    from bahali.assessments.models import Assessment

    uid = "bahali.assessments.figures:Assessment"
    post_save.connect(_assessment_changed, sender=Assessment, dispatch_uid=uid + ":save")
    post_delete.connect(_assessment_changed, sender=Assessment, dispatch_uid=uid + ":delete")
