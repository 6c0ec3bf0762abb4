"""The audit trail for oversight monitors and data stewards."""

from __future__ import annotations

import re
from datetime import datetime, time

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.views.decorators.http import require_POST

from bahali.accounts import policies
from bahali.audit.models import AuditEvent
from bahali.audit.services import verify_and_record
from bahali.core.http import AuthedRequest

OPERATION_ID = re.compile(r"[0-9a-f]{1,32}")
# What the trail's table shows of an event (``audit/_events_table.html``), and no more.
LIST_COLUMNS = (
    "seq",
    "occurred_at",
    "actor_label",
    "organisation_label",
    "action",
    "object_label",
    "changes",
    "reason",
    "operation",
)


def _require_audit_reader(request: AuthedRequest) -> None:
    if not policies.can(request.user, "audit_log.read"):
        raise Http404


@login_required
def event_list(request: AuthedRequest) -> HttpResponse:
    _require_audit_reader(request)
    events = AuditEvent.objects.visible_to(request.user).order_by("-seq")
    filters = {
        "action": request.GET.get("action", "").strip(),
        "actor": request.GET.get("actor", "").strip(),
        "object_type": request.GET.get("object_type", "").strip(),
        "since": request.GET.get("since", "").strip(),
        "until": request.GET.get("until", "").strip(),
        "operation": request.GET.get("operation", "").strip(),
    }
    if filters["action"]:
        events = events.filter(action__startswith=filters["action"])
    if filters["actor"]:
        events = events.filter(actor_label__iexact=filters["actor"])
    if filters["object_type"]:
        events = events.filter(object_type=filters["object_type"])
    if filters["operation"]:
        # One request, command or task: all its events. Ids are hex; anything else matches
        # nothing (and never reaches the database, which refuses e.g. a NUL byte).
        if OPERATION_ID.fullmatch(filters["operation"]):
            events = events.filter(operation=filters["operation"])
        else:
            events = events.none()
    since, until = parse_date(filters["since"] or "x"), parse_date(filters["until"] or "x")
    tz = timezone.get_current_timezone()
    if since:
        events = events.filter(occurred_at__gte=datetime.combine(since, time.min, tzinfo=tz))
    if until:
        events = events.filter(occurred_at__lte=datetime.combine(until, time.max, tzinfo=tz))
    page = Paginator(events.only(*LIST_COLUMNS), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/list.html",
        {
            "page": page,
            "filters": filters,
            "query": query.urlencode(),
            "object_types": AuditEvent.objects.visible_to(request.user)
            .exclude(object_type="")
            .order_by("object_type")
            .values_list("object_type", flat=True)
            .distinct(),
        },
    )


@login_required
@require_POST
def verify(request: AuthedRequest) -> HttpResponse:
    _require_audit_reader(request)
    report = verify_and_record(actor=request.user)
    return render(request, "audit/_verify_result.html", {"report": report})
