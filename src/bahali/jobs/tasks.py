"""The one task the queue knows: run a job by its id (the job row holds everything else)."""

from __future__ import annotations

from django_tasks import task

from bahali.jobs import services


@task()
def run_job(job_id: str) -> None:
    services.run(job_id)
