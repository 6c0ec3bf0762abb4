"""A user's background jobs: the list, one job's progress (polled while it runs), its result."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from bahali.core.http import AuthedRequest
from bahali.jobs import services
from bahali.jobs.lookups import get_job_for_user
from bahali.jobs.models import Job

PER_PAGE = 25


@login_required
@require_GET
def job_list(request: AuthedRequest) -> HttpResponse:
    jobs = Job.objects.visible_to(request.user).order_by("-created_at")
    page = Paginator(jobs, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "jobs/list.html", {"page": page})


@login_required
@require_GET
def detail(request: AuthedRequest, pk: str) -> HttpResponse:
    job = get_job_for_user(request.user, pk)
    if request.headers.get("HX-Request"):
        return render(request, "jobs/_progress.html", {"job": job})
    return render(request, "jobs/detail.html", {"job": job})


@login_required
@require_GET
def download(request: AuthedRequest, pk: str) -> StreamingHttpResponse:
    job = get_job_for_user(request.user, pk)
    try:
        chunks = services.open_result(job, actor=request.user)
    except FileNotFoundError:
        raise Http404 from None
    response = StreamingHttpResponse(
        chunks, content_type=job.result_type or "application/octet-stream"
    )
    name = job.result_name.replace('"', "")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response
