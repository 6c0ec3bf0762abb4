"""A case's timeline: everything that happened, from every app, newest first.

Each app contributes a source: a function of the case and the viewing user that returns
entries the user may see, in a fixed number of queries (the case page's query count must
not grow with the number of entries shown).
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


Source = Callable[[Any, Any], list[TimelineEntry]]
SOURCES: list[Source] = []


def register(source: Source) -> Source:
    """Add a source (apps call this from ``AppConfig.ready``)."""
    if source not in SOURCES:
        SOURCES.append(source)
    return source


def as_datetime(value: datetime.date | datetime.datetime) -> datetime.datetime:
    """Dates sort with datetimes as the start of their day, in the current time zone."""
    from django.utils import timezone

    if isinstance(value, datetime.datetime):
        return value
    return timezone.make_aware(datetime.datetime.combine(value, datetime.time.min))


def entries(case: Any, user: Any, limit: int = 200) -> list[TimelineEntry]:
    collected = [entry for source in SOURCES for entry in source(case, user)]
    collected.sort(key=lambda e: e.when, reverse=True)
    return collected[:limit]
