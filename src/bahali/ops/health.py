"""Readiness checks and the figures the database knows, for ``/readyz`` and ``/metrics``."""

from __future__ import annotations

import os
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Max
from django.utils import timezone

from bahali.audit import chain
from bahali.audit.models import AuditChainHead
from bahali.jobs.models import WorkerBeat


def heartbeat_max_age() -> int:
    """Seconds without a worker heartbeat after which the worker counts as down."""
    return int(os.environ.get("BAHALI_WORKER_HEARTBEAT_MAX_AGE", "120"))


def worker_required() -> bool:
    return os.environ.get("BAHALI_READYZ_WORKER", "1").strip().lower() not in {"0", "false", "no"}


@dataclass
class Check:
    name: str
    ok: bool
    detail: str = ""


def check_database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return Check("database", False, type(exc).__name__)
    return Check("database", True)


def check_migrations() -> Check:
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        return Check("migrations", False, type(exc).__name__)
    if plan:
        return Check("migrations", False, f"{len(plan)} not applied")
    return Check("migrations", True)


def worker_age() -> float | None:
    """Seconds since the freshest beat of any worker (``bahali worker``); None if none
    is beating (a worker removes its row when it stops)."""
    beat = WorkerBeat.objects.aggregate(latest=Max("beat_at"))["latest"]
    if beat is None:
        return None
    return max(0.0, (timezone.now() - beat).total_seconds())


def check_worker() -> Check:
    try:
        age = worker_age()
    except DatabaseError as exc:
        return Check("worker", False, type(exc).__name__)
    if age is None:
        return Check("worker", False, "no heartbeat")
    if age > heartbeat_max_age():
        return Check("worker", False, f"last heartbeat {int(age)} s ago")
    return Check("worker", True, f"last heartbeat {int(age)} s ago")


def check_audit_head() -> Check:
    """The chain head is readable and its seal matches (the full walk is ``audit verify``)."""
    try:
        head = AuditChainHead.objects.first()
    except DatabaseError as exc:
        return Check("audit", False, type(exc).__name__)
    if head is None:
        return Check("audit", True, "empty chain")
    try:
        sealed = chain.seal_matches(chain.head_seal(head.key_id, head.seq, head.hash), head.mac)
    except chain.UnknownAuditKey:
        return Check("audit", False, f"head sealed with unknown key {head.key_id!r}")
    if not sealed:
        return Check("audit", False, "head seal does not match")
    return Check("audit", True, f"head #{head.seq}")


def redis_configured() -> bool:
    """Do the cache, the rate limits and the sessions live in Redis (``REDIS_URL``)?"""
    return str(settings.CACHES["default"]["BACKEND"]).endswith("RedisCache")


def check_redis() -> Check:
    """Redis answers a write and a read back: without it nobody can stay signed in."""
    probe = f"readyz:{os.getpid()}"
    try:
        cache.set(probe, 1, 10)
        answered = cache.get(probe)
    except Exception as exc:
        return Check("redis", False, type(exc).__name__)
    if answered != 1:
        return Check("redis", False, "a value written was not read back")
    return Check("redis", True)


def readiness() -> list[Check]:
    database = check_database()
    checks = [database]
    if redis_configured():
        checks.append(check_redis())
    if not database.ok:
        return checks
    checks += [check_migrations(), check_audit_head()]
    if worker_required():
        checks.append(check_worker())
    return checks


def database_figures() -> dict[str, float]:
    """Figures for ``/metrics`` read from the database at scrape time."""
    figures: dict[str, float] = {}
    head = AuditChainHead.objects.values_list("seq", flat=True).first()
    figures["bahali_audit_events_total"] = float(head or 0)
    age = worker_age()
    if age is not None:
        figures["bahali_worker_heartbeat_age_seconds"] = round(age, 3)
    figures.update(task_queue_figures())
    return figures


def task_queue_figures() -> dict[str, float]:
    if not apps.is_installed("django_tasks_db"):
        return {}
    from django.db.models import Count, Min
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    ready = DBTaskResult.objects.filter(status="READY", run_after__lte=now)
    waiting = ready.aggregate(depth=Count("id"), oldest=Min("run_after"))
    oldest = waiting["oldest"]
    return {
        "bahali_task_queue_depth": float(waiting["depth"]),
        "bahali_task_queue_oldest_age_seconds": (
            max(0.0, (now - oldest).total_seconds()) if oldest else 0.0
        ),
        "bahali_task_running": float(DBTaskResult.objects.filter(status="RUNNING").count()),
        "bahali_task_failed_total": float(DBTaskResult.objects.filter(status="FAILED").count()),
    }
