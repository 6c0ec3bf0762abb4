""" "My work": what is waiting for the user, gathered from every app.

Work items are derived from the records themselves (a pending sign-off, a plan review due),
never stored separately, so a queue cannot drift from the truth.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise


@dataclass(frozen=True)
class WorkItem:
    kind: str  # "sign_off", "objection", "plan_review", ...
    title: str | Promise
    url: str
    case_label: str  # the participant's code and programme
    due: datetime.date | None = None
    detail: str | Promise = ""

    @property
    def overdue(self) -> bool:
        from django.utils import timezone

        return self.due is not None and self.due < timezone.localdate()


Source = Callable[[Any], list[WorkItem]]
SOURCES: list[Source] = []


def register(source: Source) -> Source:
    if source not in SOURCES:
        SOURCES.append(source)
    return source


def items_for(user: Any) -> list[WorkItem]:
    found = [item for source in SOURCES for item in source(user)]
    far = datetime.date.max
    found.sort(key=lambda item: (item.due or far, str(item.title)))
    return found
