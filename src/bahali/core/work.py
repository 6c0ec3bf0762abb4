""" "My work": what is waiting for the user, gathered from every app.

Work items are derived from the records themselves (a pending sign-off, a plan review due),
never stored separately, so a queue cannot drift from the truth.

Each app registers its sources from its ``AppConfig.ready``. A source answers in a fixed
number of queries whatever the number of cases (set-based, never one query per case), and
says how many items it has in all and which are the oldest ``limit`` of them: the home page
asks for counts and the oldest few, My work for the oldest of each kind, the API for a page
(``Pages``).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Window
from django.utils import timezone
from django.utils.functional import Promise, cached_property


@dataclass(frozen=True)
class WorkItem:
    kind: str  # "sign_off", "objection", "plan_review", ...
    title: str | Promise
    url: str
    case_label: str  # the participant's code (a reference: a grievance's, a community's name)
    due: datetime.date | None = None
    detail: str | Promise = ""
    where: str | Promise = ""  # the case's programme, shown after the code
    alert: bool = False  # a warning to act on at once (shown as such, first among equals)

    @classmethod
    def of_case(cls, case: Any, **fields: Any) -> WorkItem:
        """An item about a case: its participant's code, then its programme."""
        return cls(case_label=case.participant.code, where=case.programme.label, **fields)

    @cached_property  # read twice a row by My work's template: today's date asked once
    def overdue(self) -> bool:
        return self.due is not None and self.due < timezone.localdate()


# What ``WorkItem.of_case`` reads of a programme's label (``Translated.label``).
LABEL_COLUMNS = ("name_en", "name_ur", "name_ps")


def case_columns(path: str) -> tuple[str, ...]:
    """The columns ``WorkItem.of_case`` reads of a case reached through ``path`` (for
    ``QuerySet.only``): a source's rows load what its items show, not every column of every
    joined row (building those model instances was most of a source's time)."""
    return (
        path,
        f"{path}__participant",
        f"{path}__participant__code",
        f"{path}__programme",
        *(f"{path}__programme__{column}" for column in LABEL_COLUMNS),
    )


def link(name: str, suffix: str = "") -> Callable[[Any], str]:
    """``reverse(name, args=[key]) + suffix`` for many keys: a list of items linking to the
    same view by key need not resolve the URL pattern once per item
    (``navigation.url_with_pk``, reversed once per process)."""
    from bahali.core.navigation import url_with_pk

    return lambda key: url_with_pk(name, key) + suffix


@dataclass(frozen=True)
class Found:
    """What one source found for a user: how many in all, and the oldest ``limit`` items."""

    count: int
    items: list[WorkItem]

    @classmethod
    def of(cls, items: Iterable[WorkItem], limit: int | None) -> Found:
        """From every item (a source that computes due dates in Python, on a short list)."""
        ordered = sorted(items, key=_order)
        return cls(len(ordered), ordered if limit is None else ordered[:limit])

    @classmethod
    def of_rows(
        cls,
        rows: Any,
        limit: int | None,
        item: Callable[[Any], WorkItem],
        *,
        all_keys: bool = False,
    ) -> Found:
        """From a queryset already ordered oldest first: a count, then only the rows shown.

        ``all_keys``: for a source bounded by the user's own cases (a few hundred rows at
        most), the keys of every match in order, the count being their number: asked for the
        oldest few with a LIMIT, PostgreSQL walked the whole country's rows in date order to
        find the user's (50-120 ms on 200,000 cases); without it, it goes from the user's
        places to their cases' rows and sorts them (1-15 ms)."""
        if rows.query.is_empty():  # a ``none()``: nothing to ask the database, nor to compile
            return cls(0, [])
        if limit is None:
            items = [item(row) for row in rows]
            return cls(len(items), items)
        if all_keys:
            pks = list(rows.select_related(None).values_list("pk", flat=True))
            shown = pks[: max(limit, 0)]
            found = _by_key(rows, shown) if shown else {}
            return cls(len(pks), [item(found[pk]) for pk in shown if pk in found])
        if limit <= 0:
            return cls(rows.count(), [])
        # First the keys of the oldest few, with the count riding on them (``COUNT(*) OVER
        # ()``): one narrow pass over the matching rows, without the joins of the items
        # (with them, PostgreSQL hashed whole tables for a page of six). Then those rows
        # alone, by key, with what their items show.
        keys = list(
            rows.select_related(None)
            .annotate(work_total=Window(Count("pk")))
            .values_list("pk", "work_total")[:limit]
        )
        if not keys:
            return cls(0, [])
        found = _by_key(rows, [pk for pk, _total in keys])
        return cls(keys[0][1], [item(found[pk]) for pk, _total in keys if pk in found])


def _by_key(rows: Any, keys: list[Any]) -> dict[Any, Any]:
    """The rows of ``keys``, read by key alone with what ``rows`` reads along (its related
    rows, deferred fields, prefetches): the keys came from ``rows`` itself, so asking its
    conditions again (the user's places, their teams, sub-selects) would only make the
    database do the same work twice. Rows with annotations are read as they were asked."""
    if rows.query.annotations or rows.query.extra:
        return {row.pk: row for row in rows.filter(pk__in=keys)}
    plain = rows.model._base_manager.filter(pk__in=keys)
    plain.query.select_related = rows.query.select_related
    plain.query.deferred_loading = rows.query.deferred_loading
    if rows._prefetch_related_lookups:
        plain = plain.prefetch_related(*rows._prefetch_related_lookups)
    return {row.pk: row for row in plain}


@dataclass(frozen=True)
class Source:
    """A kind of work: its name for counts ("Sign-offs") and, when there is one, the page
    listing all of them (a URL name), for when a list shows only the oldest."""

    kind: str
    label: str | Promise
    find: Callable[[Any, int | None], Found]
    list_url: str = ""


SOURCES: list[Source] = []


def register(source: Source) -> Source:
    if all(known.kind != source.kind for known in SOURCES):
        SOURCES.append(source)
    return source


def _order(item: WorkItem) -> tuple[bool, datetime.date, str]:
    """Alerts first, then the oldest (most overdue) first."""
    return (not item.alert, item.due or datetime.date.max, str(item.title))


def _authenticated(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


class Pages:
    """Everything waiting for the user, oldest first, read a page at a time (the API's
    ``?limit=&offset=``): a page asks each source for its oldest items up to the page's end
    only, and the total is the sum of the sources' counts, from the same questions. A page
    deep in the list costs more than the first; none reads every item of a large source."""

    def __init__(self, user: Any) -> None:
        self.user = user
        self.summary: Summary | None = None  # of the last page read: the counts by kind

    def __getitem__(self, page: slice) -> list[WorkItem]:
        if not isinstance(page, slice) or page.stop is None or page.step is not None:
            raise TypeError("work pages are read as [start:stop]")
        self.summary = summary_for(self.user, each=page.stop)
        return self.summary.items[page]

    def all(self) -> Pages:
        return self

    def count(self) -> int:
        if self.summary is None:
            self.summary = summary_for(self.user, each=0)
        return self.summary.total


def items_for(user: Any) -> list[WorkItem]:
    """Everything waiting for the user, oldest (most overdue) first."""
    if not _authenticated(user):
        return []
    found = [item for source in SOURCES for item in source.find(user, None).items]
    found.sort(key=_order)
    return found


@dataclass(frozen=True)
class KindCount:
    source: Source
    count: int
    shown: int


@dataclass(frozen=True)
class Summary:
    """Counts by kind and the oldest items: what the home page and My work show."""

    kinds: list[KindCount]
    items: list[WorkItem]

    @property
    def total(self) -> int:
        return sum(kind.count for kind in self.kinds)


def summary_for(user: Any, *, each: int, overall: int | None = None) -> Summary:
    """Counts of every kind, the oldest ``each`` of each kind, and of those the oldest
    ``overall`` in all (every one when None)."""
    if not _authenticated(user):
        return Summary([], [])
    kinds: list[KindCount] = []
    items: list[WorkItem] = []
    for source in SOURCES:
        found = source.find(user, each)
        if found.count:
            kinds.append(KindCount(source, found.count, len(found.items)))
            items.extend(found.items)
    items.sort(key=_order)
    shown = items if overall is None else items[:overall]
    if overall is not None:
        kinds = [
            KindCount(k.source, k.count, sum(i.kind == k.source.kind for i in shown)) for k in kinds
        ]
    return Summary(kinds, shown)
