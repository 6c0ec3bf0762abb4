"""Starting an evidence export (``evidence.exports``): a POST from a page's Export buttons
queues the job and sends the user to its progress page, where the file is downloaded once
it is written (``jobs``: only by whoever started it, each download audited)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from bahali.core.http import AuthedRequest
from bahali.evidence import exports


@login_required
@require_POST
def start(request: AuthedRequest, table: str, fmt: str) -> HttpResponse:
    found = exports.TABLES.get(table)
    if found is None or fmt not in found.formats:
        raise Http404
    query = request.POST.get("query", "")
    if table == "research" and "approval" in request.POST:  # the research page's form
        chosen = QueryDict(mutable=True)
        chosen["approval"] = request.POST["approval"]
        chosen.setlist("programme", request.POST.getlist("programme"))
        query = chosen.urlencode()
    try:
        job = exports.start_export(actor=request.user, table=table, fmt=fmt, query=query)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        messages.error(request, error.messages[0])
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            back = "/"
        return redirect(back)
    return redirect(job.get_absolute_url())
