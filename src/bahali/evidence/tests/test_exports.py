"""Evidence exports as background jobs (``evidence.exports``): started from a page, run by the
worker with progress, written to a sealed file only the person who asked downloads (each
download audited); the analyst gets the suppressed indicator table and nothing per case."""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.test import override_settings

from bahali.audit.models import AuditEvent
from bahali.casework.models import Goal, GoalStatus
from bahali.core.context import SYSTEM, acting_as
from bahali.evidence import exports
from bahali.jobs import services as jobs
from bahali.jobs.models import Job, JobStatus
from bahali.testing import PathwayWorld, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(settings: Any, tmp_path: Any) -> PathwayWorld:
    settings.BAHALI_JOB_DIR = tmp_path
    world = PathwayWorld()
    world.cases = [world.case() for _ in range(3)]  # type: ignore[attr-defined]
    with acting_as(SYSTEM):
        Goal.objects.create(
            case=world.cases[0],  # type: ignore[attr-defined]
            domain="vocational",
            title="Finish the tailoring course",
            target_on=world.today - datetime.timedelta(days=1),
            status=GoalStatus.ACHIEVED,
        )
    return world


def _download(client: Any, job: Job) -> list[list[str]]:
    response = client.get(f"/jobs/{job.pk}/download/")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


def test_the_manager_exports_the_monthly_figures_and_only_they_download(client, world):
    sign_in(client, world.manager)
    response = client.post("/evidence/exports/monthly.csv", {"query": ""})
    job = Job.objects.get(owner=world.manager, kind=exports.KIND)
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert job.status == JobStatus.DONE and job.result_name.endswith(".csv")
    # progress: one step per figure and year, all done
    assert job.total == job.done and job.total >= len(exports._figures())
    page = client.get(job.get_absolute_url()).content.decode()
    assert 'data-testid="job-download"' in page
    rows = _download(client, job)
    assert rows[0][:3] == ["indicator", "version", "month"]
    month = world.today.strftime("%Y-%m")
    enrolled = [r for r in rows if r[0] == "enrolments-by-source" and r[2] == month]
    assert sum(int(r[9]) for r in enrolled) == 3
    goals = [r for r in rows if r[0] == "plan-goals-met"]
    assert [(r[9], r[10], r[11]) for r in goals] == [("1.0", "1", "1")]
    # no person in it: no participant code, no case number
    text = "\n".join(",".join(r) for r in rows)
    for case in world.cases:  # type: ignore[attr-defined]
        assert case.participant.code not in text
    assert AuditEvent.objects.filter(action="job.download", object_id=str(job.pk)).exists()
    # somebody else, even a manager, cannot open it
    client.logout()
    other = PathwayWorld().manager
    sign_in(client, other)
    assert client.get(f"/jobs/{job.pk}/download/").status_code == 404
    assert client.get(job.get_absolute_url()).status_code == 404


def test_the_xlsx_export_is_a_workbook(client, world):
    from openpyxl import load_workbook

    sign_in(client, world.manager)
    client.post("/evidence/exports/monthly.xlsx", {"query": ""})
    job = Job.objects.get(owner=world.manager, kind=exports.KIND)
    response = client.get(f"/jobs/{job.pk}/download/")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "indicator" and len(rows) > 1


def test_the_analyst_gets_suppressed_aggregates_and_no_monthly_table(client, world):
    sign_in(client, world.analyst)
    assert client.post("/evidence/exports/monthly.csv", {"query": ""}).status_code == 404
    assert client.post("/evidence/exports/monthly.xlsx", {"query": ""}).status_code == 404
    assert not Job.objects.filter(owner=world.analyst).exists()
    response = client.post("/evidence/exports/indicators.csv", {"query": "sex=m&by=district"})
    job = Job.objects.get(owner=world.analyst)
    assert response.status_code == 302 and job.status == JobStatus.DONE
    rows = _download(client, job)
    text = "\n".join(",".join(r) for r in rows)
    assert "<5" in text  # three enrolments: a small cell, hidden
    for case in world.cases:  # type: ignore[attr-defined]
        assert case.participant.code not in text and f"/cases/{case.pk}/" not in text
    # a role that lost the right by the time the worker runs gets a message, no file
    with acting_as(SYSTEM):
        world.analyst.memberships.update(role="committee_member")
    with pytest.raises(PermissionDenied):
        exports.start_export(actor=world.analyst, table="indicators", fmt="csv")
    params = {"table": "indicators", "format": "csv", "query": ""}
    job = jobs.start(exports.KIND, actor=world.analyst, params=params)  # queued before
    assert job.status == JobStatus.FAILED and not job.has_result


def test_bad_input_is_a_message_not_an_error(client, world):
    sign_in(client, world.manager)
    response = client.post(
        "/evidence/exports/indicators.csv", {"query": "start=2025-13-40", "next": "/evidence/"}
    )
    assert response.status_code == 302 and response["Location"] == "/evidence/"
    assert not Job.objects.filter(owner=world.manager).exists()
    assert client.post("/evidence/exports/people.csv").status_code == 404
    assert client.post("/evidence/exports/monthly.pdf").status_code == 404
    assert client.get("/evidence/exports/monthly.csv").status_code == 405


@pytest.mark.django_db(transaction=True)
def test_the_export_runs_in_the_worker(shipped_geography, world):
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        job = exports.start_export(actor=world.manager, table="monthly", fmt="csv")
        assert job.status == JobStatus.QUEUED and not job.has_result
        call_command("worker", batch=True, interval=0, stdout=io.StringIO())
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.worker_id and job.has_result
    assert job.done == job.total and job.result_size


def test_progress_is_written_as_the_rows_are(world, monkeypatch):
    """The job's row moves while the table is written, not only at the end."""
    seen: list[tuple[int, int | None]] = []
    rows = exports.monthly_rows(
        world.manager, None, lambda done, total=None, note="": seen.append((done, total))
    )
    written = list(rows)
    assert written[0][0] == "indicator"
    totals = {total for _done, total in seen}
    assert len(totals) == 1 and seen[0][0] == 0 and seen[-1][0] == totals.pop()
    assert [done for done, _total in seen] == sorted(done for done, _total in seen)
