"""The tasks the queue knows: run a job by its id (the job row holds everything else), and
run a daily task by its name (``jobs.schedules``)."""

from __future__ import annotations

from django_tasks import task

from bahali.jobs import services


@task()
def run_job(job_id: str) -> None:
    services.run(job_id)


@task()
def run_daily(name: str) -> None:
    """A daily task (``jobs.schedules``), queued by the worker's beat once its hour came."""
    from bahali.jobs import schedules

    schedules.run(name)
