"""One job as a user may reach it: 404 alike for "missing" and "someone else's"."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import Http404
from django.shortcuts import get_object_or_404

from bahali.jobs.models import Job


def get_job_for_user(user: Any, pk: Any) -> Job:
    try:
        key = uuid.UUID(str(pk))
    except ValueError:
        raise Http404 from None
    return get_object_or_404(Job.objects.visible_to(user), pk=key)
