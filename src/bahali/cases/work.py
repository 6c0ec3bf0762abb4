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
    case_label: str  # the participant's code (a reference: a grievance's, a community's name)
    due: datetime.date | None = None
    detail: str | Promise = ""
    where: str | Promise = ""  # the case's programme, shown after the code

    @classmethod
    def of_case(cls, case: Any, **fields: Any) -> WorkItem:
        """An item about a case: its participant's code, then its programme."""
        return cls(case_label=case.participant.code, where=case.programme.label, **fields)

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
