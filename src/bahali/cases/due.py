"""When each open case next needs attention: ``Case.next_due_on``.

A case is due on the earliest date among its open obligations, gathered from every app: a
sign-off request is due :data:`SIGN_OFF_DAYS` after it was made, an open plan goal on its
review date, and so on. Apps register a :class:`DueSource` naming the rows that carry such
dates; whenever one of those rows is saved or deleted, its case's date is recomputed from
all sources, so the stored date never drifts from the records. A case is overdue when its
date has passed. Storing the date lets the case list filter and count overdue cases in a
district from one index, rather than searching millions of plan and request rows.

Bulk changes that bypass ``save()`` (queryset updates in the demo's date spreading, bulk
loads) must call :func:`refresh` for the cases they touched; ``bahali cases refresh-due``
recomputes every case.
"""

from __future__ import annotations

import contextlib
import datetime
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from django.db import models
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from bahali.core.batches import in_batches

# A sign-off request left waiting longer than this is overdue.
SIGN_OFF_DAYS = 14
BATCH = 2000


@dataclass(frozen=True)
class DueSource:
    """Rows of ``model`` that give their case a due date.

    ``dates(case_ids)`` returns the earliest due date of each of those cases that has one.
    ``also`` names other models whose rows move the date when saved or deleted (a phase
    change, say, when the due date depends on the phase); ``case_of(row)`` names the case a
    row of ``model`` or ``also`` belongs to (None for a row of no case).
    """

    model: type[models.Model]
    dates: Callable[[list[int]], dict[int, datetime.date]]
    also: tuple[type[models.Model], ...] = ()
    case_of: Callable[[Any], int | None] = lambda row: row.case_id

    def watches(self, model: type[models.Model]) -> bool:
        return model is self.model or model in self.also


SOURCES: list[DueSource] = []


def register(source: DueSource) -> DueSource:
    """Add ``source`` and keep its cases' dates current as its rows change."""
    if any(known.model is source.model for known in SOURCES):
        return source
    SOURCES.append(source)
    for model in (source.model, *source.also):
        uid = f"bahali.cases.due:{model._meta.label}"
        post_save.connect(_row_changed, sender=model, dispatch_uid=uid + ":save")
        post_delete.connect(_row_changed, sender=model, dispatch_uid=uid + ":delete")
    return source


_deferred = threading.local()


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Within this block, rows that move a case's date only note the case; each noted case
    is recomputed once when the outermost block ends. For loaders that write many rows per
    case (the demo walks each case through its phases): one refresh per case instead of one
    per row. Explicit :func:`refresh` calls still run at once."""
    noted: set[int] | None = getattr(_deferred, "cases", None)
    if noted is not None:  # nested: the outermost block refreshes
        yield
        return
    _deferred.cases = noted = set()
    try:
        yield
    finally:
        _deferred.cases = None
    refresh(sorted(noted))


def _row_changed(sender: type[models.Model], instance: Any, **kwargs: Any) -> None:
    if kwargs.get("raw"):  # loading fixtures: the case may not exist yet
        return
    for source in SOURCES:
        if source.watches(sender):
            case_id = source.case_of(instance)
            if case_id is not None:
                noted: set[int] | None = getattr(_deferred, "cases", None)
                if noted is not None:
                    noted.add(case_id)
                else:
                    refresh([case_id])
                return  # one refresh reads every source


def due_dates(case_ids: list[int]) -> dict[int, datetime.date]:
    """The earliest due date of each of ``case_ids`` that has one (open or not)."""
    found: dict[int, datetime.date] = {}
    for source in SOURCES:
        for case_id, due in source.dates(case_ids).items():
            if case_id not in found or due < found[case_id]:
                found[case_id] = due
    return found


def refresh(case_ids: Iterable[int] | None = None) -> int:
    """Recompute the stored date of ``case_ids`` (every case when None); return how many
    changed. A closed case is due on nothing."""
    from bahali.cases.models import Case

    changed = 0
    for batch in _batches(case_ids):
        cases = list(
            Case.objects.filter(pk__in=batch).only("pk", "next_due_on", "closed_on").order_by()
        )
        due = due_dates([case.pk for case in cases])
        stale = []
        for case in cases:
            wanted = None if case.closed_on else due.get(case.pk)
            if case.next_due_on != wanted:
                case.next_due_on = wanted
                stale.append(case)
        # A derived column: saved without touching the case's version or audit trail.
        Case.objects.bulk_update(stale, ["next_due_on"])
        changed += len(stale)
    return changed


def _batches(case_ids: Iterable[int] | None) -> Iterator[list[int]]:
    from bahali.cases.models import Case

    if case_ids is None:
        case_ids = in_batches(Case.objects.values_list("pk", flat=True), BATCH)
    ids = iter(case_ids)
    while batch := list(islice(ids, BATCH)):
        yield batch


def overdue() -> models.Q:
    """Cases due before today."""
    return models.Q(next_due_on__lt=timezone.localdate())


def _requests_due(case_ids: list[int]) -> dict[int, datetime.date]:
    from bahali.cases.models import TransitionRequest

    waiting = (
        TransitionRequest.objects.filter(
            case_id__in=case_ids, status=TransitionRequest.Status.PENDING
        )
        .values("case_id")
        .annotate(since=models.Min("created_at"))
        .order_by()
    )
    days = datetime.timedelta(days=SIGN_OFF_DAYS)
    return {row["case_id"]: timezone.localdate(row["since"]) + days for row in waiting}


def register_requests() -> None:
    from bahali.cases.models import TransitionRequest

    register(DueSource(TransitionRequest, _requests_due))
