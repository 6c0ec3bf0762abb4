"""Starting background jobs, running them in the worker, and handing their result back.

A job runs as the user who started it, for the organisation they acted for, under an audit
operation of its own: every write the job makes carries that operation id, so the audit trail
shows one import or one export as a unit. Its result (a file) is sealed on disk with the
field-encryption keys and opened only for its owner; each download is an audit event, because
an export is a disclosure.

The worker (``bahali worker``) beats every few seconds. A job left running by a worker whose
beat stopped (killed, machine lost) is queued again and run from the start of its body:
bodies are written to continue or repeat safely (each row exactly once, by a ledger of their
own). After ``MAX_ATTEMPTS`` such restarts the job fails.
"""

from __future__ import annotations

import datetime
import logging
import os
import socket
import time
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bahali.accounts.middleware import choose_active_organisation
from bahali.core import crypto, recording
from bahali.core.context import acting_as, new_operation_id, operation, service, source
from bahali.jobs import registry
from bahali.jobs.models import Job, JobStatus, WorkerBeat

logger = logging.getLogger("bahali.jobs")

MAX_ATTEMPTS = 3
BEAT_SECONDS = 5
# A worker whose last beat is older than this is taken for dead, and its running jobs re-queued.
DEAD_AFTER = datetime.timedelta(seconds=60)
PROGRESS_EVERY_SECONDS = 0.5

_worker_id = ""  # set in the worker process (``bahali worker``); empty when run in-process


class JobError(Exception):
    """A job body stops with a message its owner may read (what went wrong, what to do)."""

    def __init__(self, message: str | Promise) -> None:
        super().__init__(str(message))
        self.public_message = str(message)


class JobHandle:
    """What a job body is given: its parameters, the user it acts for, progress and result."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self._written_at = 0.0

    @property
    def id(self) -> uuid.UUID:
        return self.job.pk

    @property
    def actor(self) -> Any:
        return self.job.owner

    @property
    def operation(self) -> str:
        return self.job.operation

    @property
    def attempt(self) -> int:
        return self.job.attempts

    def progress(self, done: int, total: int | None = None, note: str | Promise = "") -> None:
        """Say how far the job is; written at most twice a second (and always at the end)."""
        now = time.monotonic()
        self.job.done = max(0, int(done))
        if total is not None:
            self.job.total = max(0, int(total))
        if note:
            self.job.note = str(note)[:300]
        finished = self.job.total is not None and self.job.done >= self.job.total
        if not finished and now - self._written_at < PROGRESS_EVERY_SECONDS:
            return
        self._written_at = now
        Job.objects.filter(pk=self.job.pk).update(
            done=self.job.done,
            total=self.job.total,
            note=self.job.note,
            heartbeat_at=timezone.now(),
        )

    def attach(self, filename: str, content_type: str, chunks: Iterable[bytes]) -> None:
        """Store the job's result, sealed; replaces an earlier one (a re-run)."""
        directory = result_directory()
        directory.mkdir(parents=True, exist_ok=True)
        final = result_path(self.job)
        partial = final.with_suffix(".partial")
        size = 0

        def counted() -> Iterator[bytes]:
            nonlocal size
            for chunk in chunks:
                size += len(chunk)
                yield chunk

        with open(partial, "wb") as out:
            os.chmod(partial, 0o600)
            for frame in crypto.seal_stream(counted(), context=_context(self.job)):
                out.write(frame)
        os.replace(partial, final)
        self.job.result_name = filename[:200]
        self.job.result_type = content_type[:100]
        self.job.result_size = size
        Job.objects.filter(pk=self.job.pk).update(
            result_name=self.job.result_name,
            result_type=self.job.result_type,
            result_size=size,
            result_removed_at=None,
            heartbeat_at=timezone.now(),
        )


def result_directory() -> Path:
    return Path(getattr(settings, "BAHALI_JOB_DIR", settings.VAR_DIR / "jobs"))


def result_path(job: Job) -> Path:
    return result_directory() / f"{job.pk}.sealed"


def _context(job: Job) -> str:
    return f"bahali.jobs.result:{job.pk}"


def _kind_of(kind: str | registry.JobKind) -> registry.JobKind:
    if isinstance(kind, registry.JobKind):
        return kind
    found = registry.get(kind)
    if found is None:
        raise ValueError(f"unknown job kind {kind!r}")
    return found


def start(
    kind: str | registry.JobKind,
    *,
    actor: Any,
    params: dict[str, Any] | None = None,
    operation_id: str = "",
) -> Job:
    """Queue a job of ``kind`` for ``actor`` (a signed-in user) and return it.

    The job's writes form one audit operation: ``operation_id`` when the caller has one the
    job belongs to (an import whose upload started it), otherwise a new one. The start is
    recorded in it. ``params`` are stored in clear: ids and filters only, never identity.
    """
    from bahali.jobs.tasks import run_job

    job_kind = _kind_of(kind)
    if not getattr(actor, "is_authenticated", False):
        raise ValueError("a job is started by a signed-in user")
    with operation(operation_id or new_operation_id()) as op, acting_as(actor):
        job = Job.objects.create(
            kind=job_kind.kind,
            owner=actor,
            organisation=getattr(actor, "active_organisation", None),
            params=params or {},
            operation=op,
        )
        recording.record("job.start", obj=job, changes={"kind": [None, job.kind]})
        run_job.enqueue(str(job.pk))
    job.refresh_from_db()
    return job


def _claim(job_id: str) -> Job | None:
    with transaction.atomic():
        job = Job.objects.select_for_update().select_related("owner").filter(pk=job_id).first()
        if job is None or job.finished:
            return None
        if (
            job.status == JobStatus.RUNNING
            and job.worker_id != _worker_id
            and worker_alive(job.worker_id)
        ):
            return None  # another live worker runs it
        if job.attempts >= MAX_ATTEMPTS:
            _finish(job, JobStatus.FAILED, error=_stopped_message())
            return None
        now = timezone.now()
        job.status = JobStatus.RUNNING
        job.attempts += 1
        job.started_at = job.started_at or now
        job.heartbeat_at = now
        job.worker_id = _worker_id
        job.save(update_fields=["status", "attempts", "started_at", "heartbeat_at", "worker_id"])
        return job


def _stopped_message() -> str:
    return _("The worker stopped %(count)d times while running this job; it was not retried.") % {
        "count": MAX_ATTEMPTS
    }


def _finish(job: Job, status: str, *, error: str = "") -> None:
    job.status = status
    job.error = error[:300]
    job.finished_at = timezone.now()
    fields = ["status", "error", "finished_at"]
    if status == JobStatus.DONE and job.total is not None:
        job.done = job.total
        fields.append("done")
    job.save(update_fields=fields)


def run(job_id: str) -> None:
    """Run one job's body (called by the worker's task, or in-process by the immediate
    backend in tests). Returns quietly when the job is gone, finished or run elsewhere."""
    job = _claim(job_id)
    if job is None:
        return
    kind = registry.get(job.kind)
    owner = job.owner
    if kind is None or not owner.is_active:
        reason = gettext_lazy("This kind of job is no longer known.")
        if kind is not None:
            reason = gettext_lazy("Whoever started this job can no longer sign in.")
        _finish(job, JobStatus.FAILED, error=str(reason))
        return
    choose_active_organisation(owner, job.organisation_id)
    handle = JobHandle(job)
    try:
        with operation(job.operation), source("worker"):
            kind.body(handle, dict(job.params))
    except JobError as exc:
        _finish(job, JobStatus.FAILED, error=exc.public_message)
    except Exception:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        message = _(
            "The job stopped with an error. It is in the server's log; tell your data steward."
        )
        _finish(job, JobStatus.FAILED, error=message)
    else:
        job.refresh_from_db(fields=["done", "total", "note"])
        _finish(job, JobStatus.DONE)


@service
def open_result(job: Job, *, actor: Any) -> Iterator[bytes]:
    """The job's result, opened for its owner; the download is recorded (an export of data
    is a disclosure). Raise ``FileNotFoundError`` when there is none (any more)."""
    if job.owner_id != actor.pk:
        raise PermissionError("only the owner downloads a job's result")
    if not job.has_result or not result_path(job).exists():
        raise FileNotFoundError(str(job.pk))
    recording.record("job.download", obj=job, changes={"file": [None, job.result_name]})
    path = result_path(job)

    def stream() -> Iterator[bytes]:
        with open(path, "rb") as sealed:
            yield from crypto.unseal_stream(sealed, context=_context(job))

    return stream()


# The worker's side ----------------------------------------------------------------------------


def become_worker() -> str:
    """Name this process as a worker (its id goes on the jobs it claims) and beat once."""
    global _worker_id
    _worker_id = f"{socket.gethostname()[:40]}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    now = timezone.now()
    WorkerBeat.objects.update_or_create(
        worker_id=_worker_id,
        defaults={
            "host": socket.gethostname()[:200],
            "pid": os.getpid(),
            "started_at": now,
            "beat_at": now,
        },
    )
    return _worker_id


def beat() -> None:
    WorkerBeat.objects.filter(worker_id=_worker_id).update(beat_at=timezone.now())


def stop_beating() -> None:
    WorkerBeat.objects.filter(worker_id=_worker_id).delete()


def worker_alive(worker_id: str) -> bool:
    if not worker_id:
        return False
    return WorkerBeat.objects.filter(
        worker_id=worker_id, beat_at__gte=timezone.now() - DEAD_AFTER
    ).exists()


def latest_beat() -> datetime.datetime | None:
    """When a worker last showed it is alive (readiness checks, metrics)."""
    return WorkerBeat.objects.order_by("-beat_at").values_list("beat_at", flat=True).first()


def recover() -> list[Job]:
    """Queue again every job a dead worker left running; return them."""
    from bahali.jobs.tasks import run_job

    cutoff = timezone.now() - DEAD_AFTER
    alive = set(WorkerBeat.objects.filter(beat_at__gte=cutoff).values_list("worker_id", flat=True))
    requeued = []
    for job in Job.objects.filter(status=JobStatus.RUNNING).exclude(worker_id__in=alive):
        updated = Job.objects.filter(
            pk=job.pk, status=JobStatus.RUNNING, worker_id=job.worker_id
        ).update(status=JobStatus.QUEUED, worker_id="")
        if updated:
            logger.warning(
                "job %s was left running by worker %s; queued again", job.pk, job.worker_id
            )
            run_job.enqueue(str(job.pk))
            requeued.append(job)
    WorkerBeat.objects.filter(beat_at__lt=cutoff - DEAD_AFTER).delete()
    return requeued


def prune(now: datetime.datetime | None = None) -> int:
    """Remove results older than ``BAHALI_JOB_RESULT_DAYS`` (7); return how many."""
    now = now or timezone.now()
    days = int(getattr(settings, "BAHALI_JOB_RESULT_DAYS", 7))
    removed = 0
    old = Job.objects.filter(
        finished_at__lt=now - datetime.timedelta(days=days), result_removed_at__isnull=True
    ).exclude(result_name="")
    for job in old:
        result_path(job).unlink(missing_ok=True)
        Job.objects.filter(pk=job.pk).update(result_removed_at=now)
        removed += 1
    return removed
