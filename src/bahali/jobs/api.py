"""API: a user's background jobs, their progress and their result."""

from __future__ import annotations

import datetime
import uuid

from django.http import Http404, HttpResponse, StreamingHttpResponse
from ninja import Router

from bahali.api.pagination import Pagination, paginate
from bahali.api.schemas import Error, Schema
from bahali.core.http import AuthedRequest
from bahali.jobs import services
from bahali.jobs.lookups import get_job_for_user
from bahali.jobs.models import Job

router = Router(tags=["jobs"])


class JobOut(Schema):
    id: uuid.UUID
    kind: str
    label: str
    status: str
    done: int
    total: int | None
    percent: int | None
    note: str
    error: str
    created_at: datetime.datetime
    started_at: datetime.datetime | None
    finished_at: datetime.datetime | None
    result_name: str
    result_size: int | None
    has_result: bool


@router.get("/jobs", response=list[JobOut], summary="The background jobs you started, newest first")
@paginate(Pagination)
def list_jobs(request: AuthedRequest) -> object:
    return Job.objects.visible_to(request.user).order_by("-created_at")


@router.get("/jobs/{job_id}", response={200: JobOut, 404: Error}, summary="One of your jobs")
def get_job(request: AuthedRequest, job_id: str) -> Job:
    return get_job_for_user(request.user, job_id)


@router.get(
    "/jobs/{job_id}/download",
    response={200: None, 404: Error},
    summary="The result of one of your finished jobs (recorded in the audit trail)",
)
def download_job(request: AuthedRequest, job_id: str) -> HttpResponse | StreamingHttpResponse:
    job = get_job_for_user(request.user, job_id)
    try:
        chunks = services.open_result(job, actor=request.user)
    except FileNotFoundError:
        raise Http404 from None
    response = StreamingHttpResponse(
        chunks, content_type=job.result_type or "application/octet-stream"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{job.result_name.replace(chr(34), "")}"'
    )
    response["Cache-Control"] = "no-store"
    return response
