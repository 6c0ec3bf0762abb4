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

from django.db import connection, models
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from bahali.core.batches import in_batches, set_columns

# A sign-off request left waiting longer than this is overdue.
SIGN_OFF_DAYS = 14
BATCH = 2000


@dataclass(frozen=True)
class DueSource:
    """Rows of ``model`` that give their case a due date.

    ``dates(case_ids)`` returns the earliest due date of each of those cases that has one.
    ``also`` names other models whose rows move the date when saved or deleted (a phase
    change, say, when the due date depends on the phase); ``case_of(row)`` names the case a
    row of ``model`` or ``also`` belongs to (None for a row of no case). ``column``, when
    given, names a date column of ``Case`` that keeps this source's own date beside the
    earliest of all, for a source whose date is worked out rather than read from a column of
    its rows (the reassessment schedule): a list of what falls due then reads an index.
    ``keep(case_ids)``, when given, keeps other derived dates of those cases' rows current
    (a team place's earliest goal review); it runs whenever their dates are recomputed.
    """

    model: type[models.Model]
    dates: Callable[[list[int]], dict[int, datetime.date]]
    also: tuple[type[models.Model], ...] = ()
    case_of: Callable[[Any], int | None] = lambda row: row.case_id
    column: str = ""
    keep: Callable[[list[int]], None] | None = None

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
    except BaseException:
        _deferred.cases = None
        # Outside a transaction the writes that noted these cases are committed (a queue
        # applies each submission in its own): their dates are still recomputed before the
        # error goes on. Inside one, the error undoes those writes with it.
        if noted and not connection.in_atomic_block:
            refresh(sorted(noted))
        raise
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
    return _dates(case_ids)[""]


def _dates(case_ids: list[int]) -> dict[str, dict[int, datetime.date]]:
    """The earliest due date of each case (under ""), and each stored column's own dates."""
    found: dict[str, dict[int, datetime.date]] = {"": {}}
    earliest = found[""]
    for source in SOURCES:
        dates = source.dates(case_ids)
        if source.column:
            found[source.column] = dates
        for case_id, due in dates.items():
            if case_id not in earliest or due < earliest[case_id]:
                earliest[case_id] = due
    return found


def columns() -> list[str]:
    """The stored date columns of ``Case`` kept here: the earliest, then each source's own."""
    return ["next_due_on", *(source.column for source in SOURCES if source.column)]


def refresh(case_ids: Iterable[int] | None = None) -> int:
    """Recompute the stored dates of ``case_ids`` (every case when None); return how many
    cases changed. A closed case is due on nothing."""
    from bahali.cases.models import Case

    kept = columns()
    changed = 0
    for batch in _batches(case_ids):
        cases = list(Case.objects.filter(pk__in=batch).only("pk", "closed_on", *kept).order_by())
        found = _dates([case.pk for case in cases])
        found["next_due_on"] = found.pop("")
        stale = []
        for case in cases:
            moved = False
            for column in kept:
                wanted = None if case.closed_on else found.get(column, {}).get(case.pk)
                if getattr(case, column) != wanted:
                    setattr(case, column, wanted)
                    moved = True
            if moved:
                stale.append(case)
        # Derived columns: saved without touching the case's version or audit trail.
        set_columns(Case, kept, [(case.pk, *(getattr(case, c) for c in kept)) for case in stale])
        changed += len(stale)
        for source in SOURCES:
            if source.keep is not None:
                source.keep(batch)
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
