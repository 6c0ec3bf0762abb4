"""A case's timeline: everything that happened, from every app, newest first.

Each app contributes a source: a function of the case, the viewing user and a limit that
returns the newest entries (at most ``limit`` of each kind) the user may see, in a fixed
number of queries (the case page's query count must not grow with the number of entries).
The page shows the newest ``PAGE_ENTRIES`` and offers the whole history on request.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise


@dataclass(frozen=True)
class TimelineEntry:
    when: datetime.datetime
    kind: str  # a short key for styling and tests, e.g. "phase", "sign_off", "session"
    icon: str  # a Bootstrap Icons name
    title: str | Promise
    detail: str | Promise = ""
    actor: str = ""
    flagged: bool = False  # shown with a warning (overrides, objections)
    restricted: bool = False  # the entry exists but its content is hidden from this user


Source = Callable[[Any, Any, int], list[TimelineEntry]]
PAGE_ENTRIES = 15  # shown on the case page
HISTORY_ENTRIES = 2000  # shown when the whole history is asked for
SOURCES: list[Source] = []


def register(source: Source) -> Source:
    """Add a source (apps call this from ``AppConfig.ready``)."""
    if source not in SOURCES:
        SOURCES.append(source)
    return source


def person(path: str) -> tuple[str, ...]:
    """The columns a source reads of a user it names (through ``path``): their name only.
    Sources load just the columns they show (``QuerySet.only``): the case page asks a dozen
    of them at every view, and loading every column of every joined row was most of its
    time."""
    return tuple(f"{path}__{field}" for field in ("first_name", "last_name", "username"))


LABEL = ("name_en", "name_ur", "name_ps")  # what a label (``.label``) reads


def labelled(path: str) -> tuple[str, ...]:
    """The columns of a labelled row (a phase, an instrument) reached through ``path``."""
    return tuple(f"{path}__{field}" for field in LABEL)


def rows(queryset: Any, *fields: str) -> list[dict[str, Any]]:
    """The ``fields`` of a source's rows as dictionaries (``QuerySet.values``): a source
    builds text from a few columns, and model instances (``select_related`` and ``only``
    compiled, objects made and snapshotted for audit) cost twice the Python of the rows."""
    return list(queryset.values(*fields))


def name_of(row: dict[str, Any], path: str) -> str:
    """The name of the user ``path`` leads to (read with :func:`person`), as
    ``User.get_full_name() or username`` gives it; "" when there is none."""
    username = row[f"{path}__username"]
    if username is None:  # no such user (a nullable link)
        return ""
    full = f"{row[f'{path}__first_name']} {row[f'{path}__last_name']}".strip()
    return full or username


def label_of(row: dict[str, Any], path: str) -> str:
    """The label (``Translated.label``) of the row ``path`` leads to (read with
    :func:`labelled`), in the active language; "" when there is none."""
    from django.utils.translation import get_language

    language = (get_language() or "en")[:2]
    return str(row.get(f"{path}__name_{language}") or row[f"{path}__name_en"] or "")


def display(model: Any, field: str) -> Callable[[Any], str]:
    """``get_<field>_display`` for values read without an instance: the choice's label in
    the active language (the value itself when it is no choice)."""
    from django.utils.encoding import force_str
    from django.utils.hashable import make_hashable

    choices = dict(make_hashable(model._meta.get_field(field).flatchoices))
    return lambda value: force_str(choices.get(make_hashable(value), value), strings_only=True)


def as_datetime(value: datetime.date | datetime.datetime) -> datetime.datetime:
    """Dates sort with datetimes as the start of their day, in the current time zone."""
    from django.utils import timezone

    if isinstance(value, datetime.datetime):
        return value
    return timezone.make_aware(datetime.datetime.combine(value, datetime.time.min))


def entries(case: Any, user: Any, limit: int = PAGE_ENTRIES) -> list[TimelineEntry]:
    """The newest ``limit`` entries the user may see, from every source.

    Who reads the case summary only (a security liaison) sees no one's name: whoever did
    what is beyond the summary (DESIGN.md §2), so every source's actor is dropped here."""
    import dataclasses

    from bahali.accounts import policies

    collected = [entry for source in SOURCES for entry in source(case, user, limit)]
    if not policies.can(user, "case_detail.read", case):
        collected = [dataclasses.replace(entry, actor="") for entry in collected]
    collected.sort(key=lambda e: e.when, reverse=True)
    return collected[:limit]
