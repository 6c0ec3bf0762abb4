"""Alerts shown in a case's header, on every tab: what the team must act on now (a warning
sign at a check-in, say), gathered from the apps that raise them.

Each app registers a function ``(user, case) -> list[CaseAlert]`` from its
``AppConfig.ready``; it answers in a fixed number of queries and shows only what the user
may read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise


@dataclass(frozen=True)
class CaseAlert:
    key: str  # unique on the page, for tests and anchors
    title: str | Promise
    detail: str | Promise
    url: str  # where the alert is acted on
    action: str | Promise = ""  # the button's words, when the user may act on it


AlertSource = Callable[[Any, Any], list[CaseAlert]]
SOURCES: list[AlertSource] = []


def register(source: AlertSource) -> AlertSource:
    if source not in SOURCES:
        SOURCES.append(source)
    return source


def alerts_for(user: Any, case: Any) -> list[CaseAlert]:
    return [alert for source in SOURCES for alert in source(user, case)]
