"""Background jobs: started by a user, run once, progress and a sealed result only its owner
opens; failures told plainly; what a dead worker left is run again."""

from __future__ import annotations

import datetime
import io
import uuid

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from bahali.accounts.roles import Role
from bahali.audit.models import AuditEvent
from bahali.core import crypto
from bahali.jobs import services
from bahali.jobs.models import Job, JobStatus, WorkerBeat
from bahali.jobs.registry import background
from bahali.testing import make_member, sign_in

pytestmark = pytest.mark.django_db

RAN: list[str] = []


@background("tests.count", label="Count to ten")
def count_to_ten(job, params):  # type: ignore[no-untyped-def]
    RAN.append(job.operation)
    total = int(params.get("total", 10))
    for done in range(total + 1):
        job.progress(done, total)
    job.attach("numbers.csv", "text/csv", (f"{n}\n".encode() for n in range(total)))


@background("tests.refuse", label="Refuse")
def refuse(job, params):  # type: ignore[no-untyped-def]
    raise services.JobError("The sheet has no header row.")


@background("tests.crash", label="Crash")
def crash(job, params):  # type: ignore[no-untyped-def]
    raise RuntimeError("secret detail 4242")


@pytest.fixture
def owner():
    return make_member(Role.PROGRAMME_MANAGER)


def test_a_job_runs_once_with_progress_and_a_sealed_result(owner, settings, tmp_path):
    settings.BAHALI_JOB_DIR = tmp_path
    RAN.clear()
    job = services.start("tests.count", actor=owner, params={"total": 5000})
    assert job.status == JobStatus.DONE
    assert (job.done, job.total, job.percent) == (5000, 5000, 100)
    assert [job.operation] == RAN
    sealed = (tmp_path / f"{job.pk}.sealed").read_bytes()
    assert b"4999\n" not in sealed
    body = b"".join(services.open_result(job, actor=owner))
    assert body == "".join(f"{n}\n" for n in range(5000)).encode()
    actions = list(
        AuditEvent.objects.filter(object_id=str(job.pk)).values_list("action", "operation")
    )
    assert ("job.start", job.operation) in actions
    assert [a for a, _ in actions].count("job.download") == 1


def test_only_the_owner_opens_the_result(owner, settings, tmp_path):
    settings.BAHALI_JOB_DIR = tmp_path
    job = services.start("tests.count", actor=owner, params={"total": 3})
    other = make_member(Role.PROGRAMME_MANAGER)
    with pytest.raises(PermissionError):
        services.open_result(job, actor=other)


def test_a_refusal_is_told_and_a_crash_hides_its_detail(owner, settings, tmp_path):
    settings.BAHALI_JOB_DIR = tmp_path
    refused = services.start("tests.refuse", actor=owner)
    assert refused.status == JobStatus.FAILED
    assert refused.error == "The sheet has no header row."
    crashed = services.start("tests.crash", actor=owner)
    assert crashed.status == JobStatus.FAILED
    assert "4242" not in crashed.error and crashed.error


def test_unknown_kind_is_refused(owner):
    with pytest.raises(ValueError):
        services.start("tests.nothing", actor=owner)


def test_altered_cut_or_moved_results_do_not_open(settings, tmp_path):
    data = [b"x" * 70_000, b"y" * 70_000, b"z"]
    sealed = b"".join(crypto.seal_stream(data, context="a"))
    assert b"".join(crypto.unseal_stream(io.BytesIO(sealed), context="a")) == b"".join(data)
    for broken, context in [
        (sealed[:-1], "a"),  # cut short
        (sealed[:-40] + bytes([sealed[-40] ^ 1]) + sealed[-39:], "a"),  # one bit
        (sealed + b"!", "a"),  # something after the end
        (sealed, "b"),  # another job's context
    ]:
        with pytest.raises(crypto.SealError):
            b"".join(crypto.unseal_stream(io.BytesIO(broken), context=context))
    empty = b"".join(crypto.seal_stream([], context="a"))
    assert b"".join(crypto.unseal_stream(io.BytesIO(empty), context="a")) == b""


def test_a_job_left_by_a_dead_worker_runs_again(owner, settings, tmp_path):
    settings.BAHALI_JOB_DIR = tmp_path
    job = services.start("tests.count", actor=owner, params={"total": 2})
    long_ago = timezone.now() - datetime.timedelta(minutes=10)
    WorkerBeat.objects.create(
        worker_id="dead-1", host="h", pid=1, started_at=long_ago, beat_at=long_ago
    )
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, worker_id="dead-1")
    assert [j.pk for j in services.recover()] == [job.pk]
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.attempts == 2


def test_a_job_a_live_worker_runs_is_left_alone(owner, settings, tmp_path):
    settings.BAHALI_JOB_DIR = tmp_path
    job = services.start("tests.count", actor=owner, params={"total": 2})
    now = timezone.now()
    WorkerBeat.objects.create(worker_id="live-1", host="h", pid=1, started_at=now, beat_at=now)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, worker_id="live-1")
    assert services.recover() == []
    services.run(str(job.pk))
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING


def test_a_job_restarted_too_often_fails(owner, settings, tmp_path):
    settings.BAHALI_JOB_DIR = tmp_path
    job = services.start("tests.count", actor=owner, params={"total": 2})
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.QUEUED, attempts=services.MAX_ATTEMPTS, worker_id=""
    )
    services.run(str(job.pk))
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and str(services.MAX_ATTEMPTS) in job.error


def test_old_results_are_removed(owner, settings, tmp_path):
    settings.BAHALI_JOB_DIR = tmp_path
    job = services.start("tests.count", actor=owner, params={"total": 2})
    assert services.prune(timezone.now() + datetime.timedelta(days=8)) == 1
    job.refresh_from_db()
    assert not job.has_result and not (tmp_path / f"{job.pk}.sealed").exists()


def test_pages_and_api_for_the_owner_only(client, owner, settings, tmp_path):
    settings.BAHALI_JOB_DIR = tmp_path
    job = services.start("tests.count", actor=owner, params={"total": 3})
    sign_in(client, owner)
    listing = client.get("/jobs/")
    assert listing.status_code == 200 and "Count to ten" in listing.content.decode()
    page = client.get(job.get_absolute_url())
    assert 'data-status="done"' in page.content.decode()
    partial = client.get(job.get_absolute_url(), HTTP_HX_REQUEST="true")
    assert partial.content.decode().lstrip().startswith('<div id="job-progress"')
    download = client.get(f"/jobs/{job.pk}/download/")
    assert download.status_code == 200 and "no-store" in download["Cache-Control"]
    assert b"".join(download.streaming_content) == b"0\n1\n2\n"
    assert client.get(f"/jobs/{uuid.uuid4()}/").status_code == 404
    assert client.get("/jobs/not-a-uuid/").status_code == 404
    client.logout()
    other = make_member(Role.CASE_WORKER)
    sign_in(client, other)
    assert client.get(job.get_absolute_url()).status_code == 404
    assert client.get(f"/jobs/{job.pk}/download/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_queued_jobs_from_the_database(
    owner, settings, tmp_path, shipped_geography
):
    settings.BAHALI_JOB_DIR = tmp_path
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        job = services.start("tests.count", actor=owner, params={"total": 4})
        assert job.status == JobStatus.QUEUED
        call_command("worker", batch=True, interval=0, stdout=io.StringIO())
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.worker_id
    assert not WorkerBeat.objects.exists()  # a worker that stops says so
