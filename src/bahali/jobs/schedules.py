"""Daily tasks run by the worker: a domain app registers a function and the hour it is due
(``@daily("rights.red_flags", label=..., hour=2)`` from its ``AppConfig.ready``); the platform
never names the domain.

The worker's beat asks :func:`run_due` about once a minute. A task is due once a day, from its
hour on (local time); whichever worker claims the day first (an atomic update of
``ScheduledRun.day``) queues it, so several workers run it once between them, and a worker
started after the hour catches up the same day. The task runs as the system itself
(``core.context.SYSTEM``) under an audit operation of its own; whatever it writes is audited
by the services it calls. A task also has a command to run it now (the app's own).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.functional import Promise

from bahali.core.context import new_operation_id, operation, source

logger = logging.getLogger("bahali.jobs")

TaskBody = Callable[[], str]  # returns a one-line summary (counts, never identity)


@dataclass(frozen=True)
class Daily:
    name: str
    label: str | Promise
    hour: int
    body: TaskBody


_DAILY: dict[str, Daily] = {}


def daily(name: str, *, label: str | Promise, hour: int = 2) -> Callable[[TaskBody], TaskBody]:
    """Register ``body()`` to run once a day from ``hour`` (0–23, local time) on."""
    if not 0 <= hour <= 23:
        raise ValueError("hour is 0–23")

    def register(body: TaskBody) -> TaskBody:
        existing = _DAILY.get(name)
        if existing and existing.body.__qualname__ != body.__qualname__:
            raise ValueError(f"daily task {name!r} is already registered by {existing.body!r}")
        _DAILY[name] = Daily(name=name, label=label, hour=hour, body=body)
        return body

    return register


def registered() -> list[Daily]:
    return sorted(_DAILY.values(), key=lambda task: task.name)


def _claim(task: Daily, today: datetime.date) -> bool:
    """Take today's run of ``task`` for this process; false when another took it."""
    from bahali.jobs.models import ScheduledRun

    now = timezone.now()
    claimed = ScheduledRun.objects.filter(name=task.name, day__lt=today).update(
        day=today, started_at=now, finished_at=None, outcome="", failed=False
    )
    if claimed:
        return True
    try:
        with transaction.atomic():
            ScheduledRun.objects.create(name=task.name, day=today, started_at=now)
    except IntegrityError:
        return False  # the row exists: today's run is taken already
    return True


def run_due(now: datetime.datetime | None = None) -> list[str]:
    """Queue every daily task due now and not yet run today; return their names."""
    from bahali.jobs.tasks import run_daily

    local = timezone.localtime(now or timezone.now())
    queued = []
    for task in registered():
        if local.hour < task.hour or not _claim(task, local.date()):
            continue
        run_daily.enqueue(task.name)
        queued.append(task.name)
    return queued


def run(name: str) -> str:
    """Run the daily task ``name`` now (the worker's task); record how it ended."""
    from bahali.jobs.models import ScheduledRun

    task = _DAILY.get(name)
    if task is None:
        logger.error("daily task %s is not registered", name)
        return ""
    failed = False
    try:
        with operation(new_operation_id()), source("worker"):
            outcome = task.body()
    except Exception:
        logger.exception("daily task %s failed", name)
        outcome, failed = "failed; see the server's log", True
    ScheduledRun.objects.filter(name=name).update(
        finished_at=timezone.now(), outcome=str(outcome)[:300], failed=failed
    )
    return outcome
