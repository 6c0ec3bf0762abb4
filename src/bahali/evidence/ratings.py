"""The stored figure behind "change in domain ratings" (``RatingStanding``, ``RatingChange``).

Kept current the way ``cases.due`` keeps a case's due date: whenever an assessment of a case
is saved or deleted, that case's rows are worked out again from its completed progress
assessments in force (a correction that completes replaces the one it corrects; a
back-dated assessment moves the others along). Nothing else writes them. Bulk loads that
bypass ``save()`` (a restore, the benchmarks' COPY) call :func:`refresh`;
``bahali evidence ratings`` rebuilds every case, and the first ``migrate`` that adds the
tables fills them (``fill_after_migrate``).

The comparison is the indicator's, made once: for each assessment in force after a case's
first, each domain rated in both it and the first, whether the level of concern went down
(-1), stayed (0) or went up (1) (``assessments.services.BAND_LEVEL``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_migrate, post_save

from bahali.core.batches import in_batches

BATCH = 500
# the migration that adds the tables: once a ``migrate`` run applied it, the rows are filled
FILLED_AFTER = {("evidence", "0003_rating_changes")}


def comparison(first: dict[str, Any], later: dict[str, Any]) -> dict[str, int]:
    """Each domain rated in both ``first`` and ``later`` (domain ratings as the assessment
    keeps them), and how its level of concern moved: -1 lower, 0 same, 1 higher."""
    from bahali.assessments.services import BAND_LEVEL as level

    moved = {}
    for name, rating in (later or {}).items():
        then = ((first or {}).get(name) or {}).get("rating")
        now = (rating or {}).get("rating")
        if then not in level or now not in level:
            continue
        moved[name] = (level[now] > level[then]) - (level[now] < level[then])
    return moved


def refresh(case_ids: Iterable[int] | None = None) -> int:
    """Work out the stored comparisons of ``case_ids`` again (every case with an assessment
    when None) from their assessments; return how many assessments in force were read."""
    from django.db.models import Exists, OuterRef

    from bahali.assessments.models import Assessment
    from bahali.cases.models import Case

    if case_ids is None:
        assessed = Assessment.objects.filter(case=OuterRef("pk"))
        ids: Iterable[int] = in_batches(
            Case.objects.filter(Exists(assessed)).values_list("pk", flat=True), BATCH * 10
        )
    else:
        ids = case_ids
    read = 0
    walk = iter(ids)
    while batch := list(itertools.islice(walk, BATCH)):
        read += _refresh_batch(batch)
    return read


def _refresh_batch(case_ids: list[int]) -> int:
    with transaction.atomic():
        return _refresh_locked(case_ids)


def _refresh_locked(case_ids: list[int]) -> int:
    """One batch, the cases locked first: two assessments of one case completed at once are
    read together by whichever refresh comes second (neither sees the other's uncommitted
    row otherwise, and both would store the case as first assessed)."""
    from bahali.assessments import services as assessing
    from bahali.assessments.models import Assessment, InstrumentKind
    from bahali.cases.models import Case
    from bahali.evidence.models import RatingChange, RatingStanding

    list(Case.objects.select_for_update().filter(pk__in=case_ids).values_list("pk", flat=True))
    series: dict[int, list[Any]] = {}
    for assessment in (
        assessing.effective(Assessment.objects.filter(case__in=case_ids))
        .filter(instrument_version__instrument__kind=InstrumentKind.PROGRESS)
        .order_by("case_id", "assessed_on", "completed_at", "pk")
        .only(
            "pk",
            "row_uuid",
            "case_id",
            "instrument_version_id",
            "assessed_on",
            "sealed_domain_ratings",
        )
    ):
        series.setdefault(assessment.case_id, []).append(assessment)
    standings: list[RatingStanding] = []
    moved: list[dict[str, int]] = []
    for assessments in series.values():
        first = assessments[0].domain_ratings or {}
        for i, assessment in enumerate(assessments):
            following = assessments[i + 1] if i + 1 < len(assessments) else None
            standings.append(
                RatingStanding(
                    assessment_id=assessment.pk,
                    case_id=assessment.case_id,
                    instrument_version_id=assessment.instrument_version_id,
                    assessed_on=assessment.assessed_on,
                    until=following.assessed_on if following else None,
                    is_first=i == 0,
                )
            )
            moved.append({} if i == 0 else comparison(first, assessment.domain_ratings or {}))
    RatingStanding.objects.filter(case_id__in=case_ids).delete()
    created = RatingStanding.objects.bulk_create(standings, batch_size=1000)
    RatingChange.objects.bulk_create(
        [
            RatingChange(standing_id=standing.pk, domain=name, change=change)
            for standing, changes in zip(created, moved, strict=True)
            for name, change in changes.items()
        ],
        batch_size=2000,
    )
    return len(standings)


def _assessment_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    from bahali.assessments.models import AssessmentStatus

    # a draft is not in force: saving or discarding one changes no comparison
    if kwargs.get("raw") or instance.case_id is None:
        return
    if instance.status != AssessmentStatus.COMPLETED:
        return
    written = kwargs.get("update_fields")
    if written and set(written) <= set(instance.sealed_fields):
        return  # re-sealed under a new key (``sealing.rotate``): the ratings did not change
    refresh([instance.case_id])


def fill_after_migrate(
    sender: Any, plan: Any = None, using: str = "default", **kwargs: Any
) -> None:
    """After ``migrate``: fill the stored comparisons when this run added their tables."""
    from bahali.core.migrating import applied

    added = applied(plan, FILLED_AFTER)
    if added:
        refresh()


def connect(app_config: Any) -> None:
    """Keep the stored comparisons current (called from the app's ``ready``)."""
    from bahali.assessments.models import Assessment

    uid = "bahali.evidence.ratings"
    post_save.connect(_assessment_changed, sender=Assessment, dispatch_uid=uid + ":save")
    post_delete.connect(_assessment_changed, sender=Assessment, dispatch_uid=uid + ":delete")
    post_migrate.connect(fill_after_migrate, sender=app_config, dispatch_uid=uid + ":migrate")
