"""Aggregate figures kept for a few minutes, shown with the time they were computed.

Over a national caseload some figures read millions of rows whatever the SQL (sessions
attended: every attendance of the period; check-ins on time: every check-in due; the
ledger: every gate decision and its sign-offs; a programme's aftercare counts and factor
distribution). The pages that show them to managers, oversight and analysts keep each
computed figure for ``EVIDENCE_FIGURES_MAX_AGE`` seconds (the shared cache: the database's
or Redis), keyed on what it was computed for (the indicator and its version, the filters,
the grouping, the language, the reader's scope when the figures are over the cases they may
read), and say "as of" when: a reader sees figures at most that old, and says so. Only
aggregates are kept here, never a list of cases or people. Releases, exports, the API, the
CSV/SVG downloads and the printed oversight report always compute afresh (they name no "as
of"); so does every page when the setting is 0 (the test settings' default, so that a test
sees its own writes).

A figure may also be kept under a *topic* (a programme's aftercare, its factors): the writes
that change it say so with :func:`changed` once they commit, and the next view computes it
afresh instead of waiting for the figure's age to run out.

A platform module (the domain apps' pages use it; ``bahali.evidence.snapshots`` adds the
indicators' part).
"""

from __future__ import annotations

import datetime
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone, translation

from bahali.accounts import policies

T = TypeVar("T")
DEFAULT_MAX_AGE = 300


def max_age() -> int:
    return int(getattr(settings, "EVIDENCE_FIGURES_MAX_AGE", DEFAULT_MAX_AGE))


@dataclass(frozen=True)
class AsOf(Generic[T]):
    value: T
    computed_at: datetime.datetime


def _topic_key(topic: str) -> str:
    return "figures:changed:" + hashlib.sha256(topic.encode()).hexdigest()


def remembered(
    name: str, parts: Any, compute: Callable[[], T], *, topic: str | None = None
) -> AsOf[T]:
    """``compute()``'s value for ``name`` and ``parts`` (a ``repr``-able key: plain values),
    computed now or at most ``max_age()`` seconds ago, with the time it was computed; with
    ``topic``, never before the last write that said it :func:`changed`."""
    seconds = max_age()
    if seconds <= 0:
        return AsOf(compute(), timezone.now())
    # the moment of the topic's last change is part of the key: a change makes a new key
    stamp = cache.get(_topic_key(topic)) if topic else None
    text = repr((name, parts, translation.get_language(), stamp))
    key = "evidence:figures:" + hashlib.sha256(text.encode()).hexdigest()
    found = cache.get(key)
    if isinstance(found, AsOf):
        return found
    fresh = AsOf(compute(), timezone.now())
    cache.set(key, fresh, seconds)
    return fresh


def changed(topic: str) -> None:
    """The figures kept under ``topic`` are stale once the current transaction commits:
    the next view computes them afresh (nothing happens when it is rolled back)."""
    if max_age() <= 0:
        return
    key = _topic_key(topic)
    # a new value, never an increment: a key culled from the cache cannot come back as an
    # old stamp that still names a kept figure
    transaction.on_commit(lambda: cache.set(key, time.time_ns(), max_age() * 2))


def reach(user: Any) -> tuple[Any, ...]:
    """A reader's part of a kept figure's key: who they are and what their memberships
    reach (organisation, role, districts), so a figure kept over the cases a reader may see
    is not served after their memberships change. (A change of case team alone shows
    within ``max_age()``; such figures are aggregates, never rows.)"""
    return (
        getattr(user, "pk", None),
        tuple(
            (m.pk, m.organisation_id, m.role, tuple(sorted(policies.districts_of(m))))
            for m in (user.active_memberships() if hasattr(user, "active_memberships") else [])
        ),
    )


def oldest(found: list[AsOf[Any]]) -> datetime.datetime | None:
    """When the oldest of ``found`` was computed (what a page says its figures are as of)."""
    return min((item.computed_at for item in found), default=None)


def age(as_of: datetime.datetime | None) -> dict[str, Any]:
    """What a page says of its figures' age (``core/_as_of.html``): when they were
    computed, and how old they may be (nothing when every figure is computed afresh)."""
    seconds = max_age()
    if seconds <= 0 or as_of is None:
        return {}
    return {"as_of": as_of, "max_age_minutes": max(1, seconds // 60)}
